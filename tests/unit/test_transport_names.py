"""The shared transport's deadline and error types hold while a host name is looked up and connected.

A server's name server is the server's: one that never answers, or a name with many silent
addresses, must not hold a request past ``limits.deadline``; a name no DNS name can be (a label of
64 characters) is a connection that never opened, not a codec's ``UnicodeError``. And a
``Retry-After`` no calendar can hold is unreadable, not an ``OverflowError``. Loopback only: the
look-ups are answered by a stand-in for the system resolver.
"""

from __future__ import annotations

import contextlib
import errno
import http.server
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial import limits as limits_module
from decentsocial.httpclient import HttpApi
from decentsocial.limits import Deadline, Limits
from decentsocial.retry import parse_retry_after
from tests.servers._loopback_http import serve

_real_getaddrinfo = socket.getaddrinfo


def loopback_api(base_url: str, *, deadline: float = 30.0) -> HttpApi:
    return HttpApi(
        "demo",
        "Demo",
        base_url,
        timeout=30.0,
        retry=ds.RetryPolicy.never(),
        limits=Limits(deadline=deadline),
    )


def answer_names(monkeypatch: pytest.MonkeyPatch, names: dict[str, Any]) -> None:
    """Have the system resolver answer ``names`` (each a callable ``(host, port)`` -> addresses)."""

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in names:
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in names[host](host, port)
            ]
        return _real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


# ---------------------------------------------------------------- a name server that never answers


def test_a_name_server_that_never_answers_cannot_hold_a_request_past_its_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    released = threading.Event()

    def stalled(host: str, port: int) -> list[str]:
        released.wait(8)  # the system resolver gives up long after the deadline
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    answer_names(monkeypatch, {"stalled.test": stalled})
    api = loopback_api("http://stalled.test:9", deadline=0.5)
    try:
        with pytest.raises(ds.NetworkUnavailable, match="deadline"):
            api.call("GET", "x")
    finally:
        released.set()  # the look-up's thread ends
        api.close()


# ---------------------------------------------------------------- a name with many silent addresses


@contextlib.contextmanager
def silent_addresses(count: int) -> Iterator[tuple[list[str], int]]:
    """``count`` loopback addresses (127.0.0.2, 127.0.0.3…) on one port where a connection never opens.

    Each listener's accept queue is full, so the kernel drops further connection attempts and a
    ``connect`` waits until it times out: what a blackholed address does.
    """
    opened: list[socket.socket] = []
    try:
        first = socket.socket()
        opened.append(first)
        try:
            first.bind(("127.0.0.2", 0))
        except OSError:
            pytest.skip("127.0.0.2 cannot be bound here")
        port = first.getsockname()[1]
        addresses = [f"127.0.0.{n}" for n in range(2, 2 + count)]
        listeners = [first]
        for address in addresses[1:]:
            listener = socket.socket()
            opened.append(listener)
            try:
                listener.bind((address, port))
            except OSError:
                pytest.skip(f"{address}:{port} is taken")
            listeners.append(listener)
        for listener, address in zip(listeners, addresses, strict=True):
            listener.listen(0)
            for _ in range(4):  # fill the accept queue (nothing accepts)
                filler = socket.socket()
                opened.append(filler)
                filler.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    filler.connect((address, port))
            probe = socket.socket()
            opened.append(probe)
            probe.settimeout(0.3)
            try:
                probe.connect((address, port))
            except TimeoutError:
                pass
            else:
                pytest.skip("this kernel completes connections past a full accept queue")
        yield addresses, port
    finally:
        for sock in opened:
            sock.close()


def test_a_name_with_many_silent_addresses_cannot_hold_a_request_past_its_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deadlines: list[Deadline] = []

    class Recorded(Deadline):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            deadlines.append(self)

    monkeypatch.setattr(limits_module, "Deadline", Recorded)
    with silent_addresses(5) as (addresses, port):
        late: list[bool] = []  # for each connection attempt to them: whether the deadline had passed
        connect = socket.socket.connect

        def recorded_connect(sock: socket.socket, address: Any) -> None:
            if isinstance(address, tuple) and address[0] in addresses:
                late.append(deadlines[-1].passed())
            connect(sock, address)

        monkeypatch.setattr(socket.socket, "connect", recorded_connect)
        answer_names(monkeypatch, {"silent.test": lambda host, port: addresses})
        api = loopback_api(f"http://silent.test:{port}", deadline=0.5)
        try:
            with pytest.raises(ds.NetworkUnavailable, match="deadline"):
                api.call("GET", "x")
        finally:
            api.close()
    assert late  # an address was tried...
    assert not any(late), late  # ...and none once the deadline had passed


def test_a_name_tries_its_next_address_when_one_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    class Answer(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "11")
            self.end_headers()
            self.wfile.write(b'{"ok":true}')

    with serve(Answer) as url:
        port = int(url.rsplit(":", 1)[1])
        closed = socket.socket()
        try:
            closed.bind(("127.0.0.2", port))  # bound, never listening: that address refuses
        except OSError:
            pytest.skip("127.0.0.2 cannot be bound here")
        with closed:
            answer_names(monkeypatch, {"two.test": lambda host, p: ["127.0.0.2", "127.0.0.1"]})
            api = loopback_api(f"http://two.test:{port}", deadline=5.0)
            try:
                assert api.call("GET", "x") == {"ok": True}
            finally:
                api.close()


# ---------------------------------------------------------------- a name no DNS name can be


@pytest.mark.parametrize("host", ["a" * 64 + ".example", "x..example"], ids=["long label", "empty label"])
def test_a_name_no_dns_name_can_be_is_a_connection_that_never_opened(host: str) -> None:
    api = loopback_api(f"http://{host}:9", deadline=5.0)
    try:
        with pytest.raises(ds.NetworkUnavailable) as caught:
            api.call("GET", "x")
    finally:
        api.close()
    assert caught.value.sent is False  # nothing left this machine
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_a_name_that_does_not_resolve_is_still_a_connect_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(host: str, port: int) -> list[str]:
        raise socket.gaierror(errno.ENOENT, "Name or service not known")

    answer_names(monkeypatch, {"unknown.test": unknown})
    api = loopback_api("http://unknown.test:9", deadline=5.0)
    try:
        with pytest.raises(ds.NetworkUnavailable, match="cannot reach") as caught:
            api.call("GET", "x")
    finally:
        api.close()
    assert caught.value.retryable is True
    assert caught.value.sent is False


# ---------------------------------------------------------------- a Retry-After no calendar can hold

JUNK_DATES = [
    "Mon, 01 Jan 2026 00:00:00 +99999999999999999999",  # a zone too long for the calendar
    "Mon, 01 Jan 99999999999999999999 00:00:00 GMT",  # a year
    "01 Jan 2026 99999999999999999999:00:00 GMT",  # an hour
]


@pytest.mark.parametrize("value", JUNK_DATES)
def test_a_retry_after_date_no_calendar_can_hold_is_unreadable(value: str) -> None:
    assert parse_retry_after(value) is None


@pytest.mark.parametrize("value", JUNK_DATES)
def test_a_429_with_such_a_retry_after_is_rate_limited_not_a_crash(value: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value}, json={})

    api = HttpApi(
        "demo",
        "Demo",
        "https://api.example/",
        timeout=5.0,
        retry=ds.RetryPolicy.never(),
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(ds.RateLimited) as caught:
        api.call("GET", "x")
    assert caught.value.retry_after is None
