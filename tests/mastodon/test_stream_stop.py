"""A Mastodon stream told to end (``stop()``, an async stream's ``aclose()``, a monitor's end) ends at once.

The stream's thread is blocked reading the streaming response's socket, and
a running generator cannot be closed from another thread: a stream on a
quiet timeline kept its thread and its connection until the server sent a
post, the heartbeats in between never reaching the reader. ``stop()`` shuts
the connection from the stopping thread; the reader's loop ends quietly, in
its own thread, and closes the response there.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

pytest.importorskip("mastodon")

import decentsocial as ds
from decentsocial import aio
from decentsocial.backends.mastodon import MastodonNetwork
from tests.contract.harness import Harness
from tests.servers._loopback_http import listen
from tests.servers.mastodon import MastodonServer

#: Seconds to wait for what should happen at once: a hang guard, not a timing assertion.
GUARD = 10.0
INSTANCE = {"uri": "x", "version": "4.3.0", "configuration": {"urls": {}}}


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GUARD
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


@dataclass
class Silent:
    """A server whose streaming responses send their headers and then nothing, for ever."""

    port: int = 0
    opened: threading.Event = field(default_factory=threading.Event)
    hung_up: threading.Event = field(default_factory=threading.Event)
    #: Sent instead to each streaming request, then the connection closed (``None``: the silent stream).
    refusal: bytes | None = None
    streams: int = 0

    def on_connection(self, conn: socket.socket) -> None:
        conn.settimeout(3 * GUARD)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        if b"/streaming/" not in data.split(b"\r\n", 1)[0]:
            body = json.dumps(INSTANCE).encode()
            head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            conn.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)
            return
        self.streams += 1
        if self.refusal is not None:
            conn.sendall(self.refusal)
            return
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        self.opened.set()
        try:
            if conn.recv(1) == b"":  # the client hung up (nothing is ever sent to this one)
                self.hung_up.set()
        except OSError:
            pass


@pytest.fixture
def silent() -> Iterator[Silent]:
    server = Silent()
    with listen(server.on_connection, name="silent-mastodon") as port:
        server.port = port
        yield server


def net_on(server: Silent) -> MastodonNetwork:
    net = ds.connect(
        "mastodon",
        base_url=f"http://127.0.0.1:{server.port}",
        access_token="t",
        mastodon_version="4.2.0",
        stream_timeout=3 * GUARD,  # the old way out: the silence limit, long past the guard
    )
    assert isinstance(net, MastodonNetwork)
    return net


def test_stop_ends_a_stream_waiting_on_a_silent_connection_and_closes_it(silent: Silent) -> None:
    net = net_on(silent)
    outcome: list[object] = []
    stream = net.stream(kind="public")

    def read() -> None:
        try:
            outcome.append(list(stream))
        except BaseException as exc:  # reported below, not lost in the thread
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert silent.opened.wait(GUARD), "the stream never connected"
        stop = getattr(stream, "stop", None)
        assert callable(stop), "a Mastodon stream cannot be told to end"
        stop()
        reader.join(GUARD)
        assert not reader.is_alive(), "the stream's thread kept waiting for the server"
        assert outcome == [[]]  # ended quietly, with no error
        assert silent.hung_up.wait(GUARD), "the streaming connection was left open"
    finally:
        net.close()


def test_a_stream_stopped_before_it_is_read_ends_without_connecting(silent: Silent) -> None:
    net = net_on(silent)
    try:
        stream = net.stream(kind="public")
        stop = getattr(stream, "stop", None)
        assert callable(stop), "a Mastodon stream cannot be told to end"
        stop()
        assert list(stream) == []
        assert not silent.opened.is_set()
    finally:
        net.close()


def test_stop_ends_a_stream_waiting_to_reconnect(silent: Silent) -> None:
    """A 429 asking for 25 s: the reconnect's wait ends at ``stop()``, not 25 s later."""
    silent.refusal = b"HTTP/1.1 429 X\r\nRetry-After: 25\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    net = net_on(silent)
    outcome: list[object] = []
    stream = net.stream(kind="public")
    reader = threading.Thread(target=lambda: outcome.append(list(stream)), daemon=True)
    reader.start()
    try:
        eventually(lambda: silent.streams == 1, "the stream never connected")
        stream.stop()  # type: ignore[attr-defined]
        reader.join(GUARD)
        assert not reader.is_alive(), "the stream's thread kept waiting to reconnect"
        assert outcome == [[]]
        assert silent.streams == 1
    finally:
        net.close()


def test_aclose_ends_an_async_stream_waiting_on_a_silent_connection(silent: Silent) -> None:
    async def main() -> None:
        async with aio.connect(
            "mastodon",
            base_url=f"http://127.0.0.1:{silent.port}",
            access_token="t",
            mastodon_version="4.2.0",
            stream_timeout=3 * GUARD,
        ) as net:
            stream = net.stream()
            reading = asyncio.ensure_future(anext(stream))
            assert await asyncio.to_thread(silent.opened.wait, GUARD), "the stream never connected"
            await stream.aclose()
            with pytest.raises(StopAsyncIteration):
                await asyncio.wait_for(reading, GUARD)  # a guard: it has ended already
            assert await asyncio.to_thread(silent.hung_up.wait, GUARD), "the connection was left open"

    asyncio.run(main())


def monitor_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "decentsocial-monitor-mastodon"]


def test_a_monitor_that_ends_ends_its_quiet_mastodon_stream_thread(mastodon_server: MastodonServer) -> None:
    """The server sends only heartbeats (every second), no post: the stream thread ends with the monitor."""
    alice = mastodon_server.connect("alice")
    stop = threading.Event()
    try:
        eventually(lambda: not monitor_threads(), "a stream thread of another test is still running")
        posts = ds.monitor([alice], "#" + Harness.unique("quiet"), interval=3600, stop=stop)
        taken: list[ds.Post] = []
        reading = threading.Thread(target=lambda: taken.extend(posts), daemon=True)
        reading.start()
        eventually(lambda: bool(monitor_threads()), "the monitor never opened its stream")
        stop.set()
        reading.join(GUARD)
        assert not reading.is_alive(), "the monitor did not end"
        assert taken == []
        eventually(lambda: not monitor_threads(), "the stream thread outlived the monitor")
    finally:
        alice.close()
