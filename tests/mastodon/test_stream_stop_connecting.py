"""A Mastodon stream told to end while it is still connecting ends at once, not at the connect timeout.

``stop()`` shut the streaming socket once the stream was open; a stop that
landed while the stream was still being opened (a TCP handshake a server
never completes, or a server that accepts and never sends its headers)
waited for the connect or read timeout: the reader's thread, an async
stream's ``aclose()`` and a monitor's stream thread were held that long.

The bound asserted is the configured timeouts (a third of them), not a tight
clock: stopping is meant to take a moment, the timeouts are a minute.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("mastodon")

import decentsocial as ds
from decentsocial import aio
from tests.contract.harness import Harness
from tests.servers._black_hole import black_hole
from tests.servers._loopback_http import listen
from tests.servers.mastodon import MastodonServer

from ._stream_faults import reading

#: The connect and read timeouts the connections are given: what a stop used to wait for.
TIMEOUT = 60.0
#: What a stop may take, with room for a noisy machine: well before the timeouts.
BOUND = TIMEOUT / 3
#: The settings that make every wait of a connection the long one above.
SLOW: dict[str, Any] = {
    "connect_timeout": TIMEOUT,
    "timeout": TIMEOUT,
    "stream_timeout": TIMEOUT,
    "limits": {"deadline": 2 * TIMEOUT},
}
#: Seconds given the reader to be in its connect before the stop (a stop before it is fine too).
SETTLE = 0.5


@pytest.fixture
def hole() -> Iterator[int]:
    with black_hole() as port:
        yield port


def stopped_in_time(stop: Callable[[], None], reader: threading.Thread) -> float:
    started = time.monotonic()
    stop()
    reader.join(BOUND)
    assert not reader.is_alive(), "the stream's thread kept connecting after stop()"
    return time.monotonic() - started


def test_stop_ends_a_stream_whose_server_never_completes_the_handshake(hole: int) -> None:
    """The instance read and the stream's connect both go to a port that drops every SYN."""
    net = ds.connect(
        "mastodon", base_url=f"http://127.0.0.1:{hole}", access_token="t", mastodon_version="4.2.0", **SLOW
    )
    stream = net.stream(kind="public")
    reader, outcome = reading(stream)
    try:
        time.sleep(SETTLE)
        assert reader.is_alive()  # connecting: nothing answers there
        stopped_in_time(stream.stop, reader)  # type: ignore[attr-defined]
        assert outcome == [[]]  # ended quietly, no error: it was told to end
    finally:
        net.close()


def test_stop_ends_a_stream_whose_server_never_answers_the_tls_handshake() -> None:
    """The server accepts the connection and says nothing: the client waits for its ServerHello."""
    hung_up = threading.Event()

    def mute(conn: socket.socket) -> None:
        conn.settimeout(3 * TIMEOUT)
        try:
            while conn.recv(65536):  # the ClientHello, never answered; then the client's hang-up
                pass
            hung_up.set()
        except OSError:
            pass

    with listen(mute, name="mute-tls") as port:
        net = ds.connect(
            "mastodon",
            base_url=f"https://127.0.0.1:{port}",
            access_token="t",
            mastodon_version="4.2.0",
            **SLOW,
        )
        stream = net.stream(kind="public")
        reader, outcome = reading(stream)
        try:
            time.sleep(SETTLE)
            assert reader.is_alive()  # in the handshake
            stopped_in_time(stream.stop, reader)  # type: ignore[attr-defined]
            assert outcome == [[]]
            assert hung_up.wait(BOUND), "the connection being opened was left open"
        finally:
            net.close()


def faulted_streams(server: MastodonServer) -> None:
    """The next streaming request is accepted and held, unanswered, for longer than the timeouts."""
    server.add_fault(
        {
            "match": {"path_regex": "^/api/v1/streaming/"},
            "effect": {"type": "timeout", "delay_ms": int(3 * TIMEOUT * 1000)},
            "count": 1,
        }
    )


def held(server: MastodonServer) -> bool:
    """Whether the held streaming request has come (its rule, good for one request, is used up)."""
    rules = httpx.get(f"{server.base_url}/api/v1/_mock/faults", timeout=5).json()
    return not any("streaming" in str(rule) for rule in (rules if isinstance(rules, list) else [rules]))


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_stop_ends_a_stream_waiting_for_its_headers(mastodon_server: MastodonServer) -> None:
    """The server accepted the streaming request and never answers it."""
    net = mastodon_server.connect("alice", **SLOW)
    try:
        net.instance()  # read now: the held request is the stream's own
        faulted_streams(mastodon_server)
        stream = net.stream(kind="public")
        reader, outcome = reading(stream)
        eventually(lambda: held(mastodon_server), "the stream never asked")
        time.sleep(SETTLE)  # its request sent: now waiting for the headers
        assert reader.is_alive()
        stopped_in_time(stream.stop, reader)  # type: ignore[attr-defined]
        assert outcome == [[]]
        # The connection is let go of: the next stream opens and reads as ever.
        again = net.stream(kind="public")
        again.stop()  # type: ignore[attr-defined]
        assert list(again) == []
    finally:
        mastodon_server.clear_faults()
        net.close()


def test_aclose_ends_an_async_stream_that_is_still_connecting(hole: int) -> None:
    async def main() -> None:
        async with aio.connect(
            "mastodon",
            base_url=f"http://127.0.0.1:{hole}",
            access_token="t",
            mastodon_version="4.2.0",
            **SLOW,
        ) as net:
            stream = net.stream()
            reading = asyncio.ensure_future(anext(stream))
            await asyncio.sleep(SETTLE)
            assert not reading.done()  # connecting
            started = time.monotonic()
            await asyncio.wait_for(stream.aclose(), BOUND)
            with pytest.raises(StopAsyncIteration):
                await asyncio.wait_for(reading, BOUND)
            assert time.monotonic() - started < BOUND

    asyncio.run(main())


def monitor_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "decentsocial-monitor-mastodon"]


def test_a_monitor_that_ends_while_its_stream_connects_ends_the_stream_thread(
    mastodon_server: MastodonServer,
) -> None:
    alice = mastodon_server.connect("alice", **SLOW)
    stop = threading.Event()
    try:
        eventually(lambda: not monitor_threads(), "a stream thread of another test is still running")
        faulted_streams(mastodon_server)
        posts = ds.monitor([alice], "#" + Harness.unique("connecting"), interval=3600, stop=stop)
        taken: list[ds.Post] = []
        reading = threading.Thread(target=lambda: taken.extend(posts), daemon=True)
        reading.start()
        eventually(lambda: held(mastodon_server), "the monitor never opened its stream")
        time.sleep(SETTLE)
        started = time.monotonic()
        stop.set()
        reading.join(BOUND)
        assert not reading.is_alive(), "the monitor did not end"
        eventually(lambda: not monitor_threads(), "the stream thread kept connecting after the monitor ended")
        assert time.monotonic() - started < BOUND
        assert taken == []
    finally:
        mastodon_server.clear_faults()
        alice.close()
