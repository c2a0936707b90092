"""Relays that try to fill a bot's memory: answers that never end, streams faster than the bot, bombs.

A query keeps at most what its filter's ``limit`` asks for and at most ``max_body_bytes`` of one
relay's answer; a stream waits for its consumer instead of queueing without bound; a NIP-11
document is unpacked under ``max_body_bytes``. Memory is measured with ``tracemalloc`` (every
thread, the relay's too), against bounds far below what the unbounded code reached.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Generator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import sign_event

KiB = 1024
MiB = 1024 * KiB


class FloodRelay:
    """A relay answering every ``REQ`` for notes with endless distinct, validly signed ones, never ``EOSE``.

    The notes fit the filter (its ``t`` tag, dated one second apart going back from ``until`` or
    now, never before ``since``) and their content is ``size`` characters ending in their number.
    A ``CLOSE`` ends the flood of that subscription, unless ``deaf_to_close``: ``closed`` holds
    the ``CLOSE`` received, ``requested`` every ``REQ`` for notes, ``flooded`` the subscriptions
    whose flood ended (closed, or the connection was). A ``REQ`` for other kinds (deletions, say)
    gets ``EOSE`` at once.
    """

    def __init__(self, size: int, deaf_to_close: bool = False) -> None:
        self.size = size
        self.deaf_to_close = deaf_to_close
        self.requested: list[str] = []
        self.closed: list[str] = []
        self.flooded: list[str] = []
        self._key = PrivateKey.generate()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Server | None = None
        self._floods: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def start(self) -> FloodRelay:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    async def _start(self) -> None:
        self._server = await serve(self._handle, "127.0.0.1", 0, max_size=None)

    def stop(self) -> None:
        async def _stop() -> None:
            for flood in self._floods:
                flood.cancel()
            assert self._server is not None
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _handle(self, ws: ServerConnection) -> None:
        by_sub: dict[str, asyncio.Task[None]] = {}
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message[0] == "REQ" and 1 not in message[2].get("kinds", [1]):
                    await ws.send(json.dumps(["EOSE", message[1]]))
                elif message[0] == "REQ":
                    self.requested.append(message[1])
                    flood = asyncio.ensure_future(self._flood(ws, message[1], message[2]))
                    by_sub[message[1]] = flood
                    self._floods.add(flood)
                elif message[0] == "CLOSE":
                    self.closed.append(message[1])
                    if message[1] in by_sub and not self.deaf_to_close:
                        by_sub.pop(message[1]).cancel()
        except ConnectionClosed:
            pass
        finally:
            for flood in by_sub.values():
                flood.cancel()

    async def _flood(self, ws: ServerConnection, sub: str, flt: dict[str, Any]) -> None:
        tags = tuple(("t", t) for t in flt.get("#t", []))
        newest = int(flt.get("until", time.time()))
        oldest = int(flt.get("since", 0))
        number = 0
        padding = "x" * self.size
        try:
            while True:
                number += 1
                dated = max(oldest, newest - number)
                note = sign_event(self._key, 1, f"{padding} {number}", tags, dated)
                await ws.send(json.dumps(["EVENT", sub, note.to_json()]))
                await asyncio.sleep(0)  # a send that need not wait does not yield: let a CLOSE be read
        except ConnectionClosed:
            pass
        finally:
            self.flooded.append(sub)

    def every_flood_ends(self, seconds: float = 5.0) -> bool:
        """Whether the flood of every subscription asked for ended within ``seconds``."""
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            if self.requested and set(self.requested) <= set(self.flooded):
                return True
            time.sleep(0.02)
        return False


@pytest.fixture
def flood_relay() -> Iterator[Callable[..., FloodRelay]]:
    started: list[FloodRelay] = []

    def start(size: int, deaf_to_close: bool = False) -> FloodRelay:
        relay = FloodRelay(size, deaf_to_close).start()
        started.append(relay)
        return relay

    yield start
    for relay in started:
        relay.stop()


@pytest.fixture
def connect() -> Iterator[Callable[..., NostrNetwork]]:
    made: list[NostrNetwork] = []

    def make(relay: str, **settings: Any) -> NostrNetwork:
        settings.setdefault("timeout", 3.0)
        net = ds.connect("nostr", relays=[relay], **settings)
        assert isinstance(net, NostrNetwork)
        made.append(net)
        return net

    yield make
    for net in made:
        net.close()


def _peak_of(call: Callable[[], Any]) -> tuple[Any, int]:
    """What ``call()`` returned, and the most memory allocated meanwhile (every thread), in bytes."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak - base


def test_a_query_ends_once_it_holds_its_limit_though_the_relay_never_sends_eose(
    flood_relay: Callable[..., FloodRelay], connect: Callable[..., NostrNetwork]
) -> None:
    """The relay would send for ever: the query takes the ``limit`` it asked for, closes the
    subscription and answers (it used to wait for the timeout and fail)."""
    relay = flood_relay(200)
    net = connect(relay.url)
    found = net.transport.query([{"kinds": [1], "#t": ["flood"], "limit": 5}])
    assert len(found.events) == 5
    assert len(found.created_by_relay[relay.url]) == 5
    assert all(e.problem() is None for e in found.events)
    posts = list(net.search("#flood", limit=10))
    assert len({p.id for p in posts}) == 10
    assert relay.every_flood_ends()
    # Every note subscription is closed (the CLOSE of the last one may still be on its way, and the
    # deletion look-ups the relay answers at once are closed too, so closed may hold more).
    ends = time.monotonic() + 5
    while not set(relay.requested) <= set(relay.closed) and time.monotonic() < ends:
        time.sleep(0.02)
    assert set(relay.requested) <= set(relay.closed), "each subscription is closed once its query has enough"


def test_a_query_keeps_no_more_than_max_body_bytes_of_a_relay_s_answer(
    flood_relay: Callable[..., FloodRelay], connect: Callable[..., NostrNetwork]
) -> None:
    """50 KB notes without end, a ``limit`` never reached and a relay deaf to ``CLOSE``: the answer
    is cut at ``max_body_bytes`` (256 KiB) and taken as the relay's whole answer, the memory used
    stays near that bound, and the connection is dropped, so the flood ends; the next query gets
    its answer on a fresh one."""
    relay = flood_relay(50_000, deaf_to_close=True)
    net = connect(relay.url, limits={"max_body_bytes": 256 * KiB})
    query = [{"kinds": [1], "#t": ["flood"], "limit": 1000}]
    found, peak = _peak_of(lambda: net.transport.query(query))
    assert 0 < len(found.events) <= 256 * KiB // 50_000
    assert peak < 10 * 256 * KiB, f"{peak / MiB:.1f} MiB allocated for a 256 KiB answer"
    assert relay.every_flood_ends()
    assert 0 < len(net.transport.query(query).events) <= 256 * KiB // 50_000


def test_a_stream_faster_than_its_consumer_waits_for_it_and_loses_nothing(
    flood_relay: Callable[..., FloodRelay], connect: Callable[..., NostrNetwork]
) -> None:
    """While the bot works on one post the relay goes on sending 20 KB notes: what waits for the bot
    is bounded by ``max_body_bytes`` (1 MiB here; the relay is read no further), and once the bot
    reads on, every note comes in order."""
    relay = flood_relay(20_000)
    net = connect(relay.url, limits={"max_body_bytes": MiB})
    stream = net.stream(tag="flood")
    first = next(stream)
    _, peak = _peak_of(lambda: time.sleep(1.5))  # the bot is busy; the relay is not
    assert peak < 8 * MiB, f"{peak / MiB:.1f} MiB queued for a consumer that is behind"
    numbers = [int(first.text.rsplit(" ", 1)[1])] + [
        int(next(stream).text.rsplit(" ", 1)[1]) for _ in range(200)
    ]
    assert numbers == list(range(numbers[0], numbers[0] + 201)), "no note is dropped or repeated"
    assert isinstance(stream, Generator)
    stream.close()


#: A NIP-11 document of 64 MiB of zeros once unpacked: about 64 KiB gzipped, a few hundred bytes twice.
_ZEROS = 64 * MiB


@functools.cache
def _gzip_zeros(size: int) -> bytes:
    pack = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"0" * MiB
    return b"".join([*(pack.compress(block) for _ in range(size // MiB)), pack.flush()])


class _Nip11Server(BaseHTTPRequestHandler):
    """``/bomb``: a gzip bomb under ``Content-Encoding`` ``encoding``; ``/honest``: a gzipped document."""

    encoding = "gzip"
    bomb = b""

    def do_GET(self) -> None:
        if self.path == "/honest":
            body, encoding = (
                gzip.compress(json.dumps({"name": "honest", "supported_nips": [1, 11]}).encode()),
                "gzip",
            )
        else:
            body, encoding = self.bomb, self.encoding
        self.send_response(200)
        self.send_header("Content-Type", "application/nostr+json")
        self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize("encoding", ["gzip", "gzip, gzip"])
def test_a_nip11_gzip_bomb_is_refused_before_it_is_unpacked(
    encoding: str, connect: Callable[..., NostrNetwork]
) -> None:
    """64 MiB of zeros, gzipped once or twice: refused within ``max_body_bytes`` (64 KiB), so the
    relay has no document; an honest gzipped document is still read."""
    once = _gzip_zeros(_ZEROS)
    handler = type(
        "Bomb",
        (_Nip11Server,),
        {"encoding": encoding, "bomb": gzip.compress(once) if "," in encoding else once},
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"ws://127.0.0.1:{server.server_address[1]}"
        net = connect(f"{base}/bomb", limits={"max_body_bytes": 64 * KiB})
        info, peak = _peak_of(lambda: net.relay_info(f"{base}/bomb"))
        assert info == {}
        assert peak < 8 * MiB, f"{peak / MiB:.1f} MiB allocated for a 64 KiB cap"
        assert net.relay_info(f"{base}/honest") == {"name": "honest", "supported_nips": [1, 11]}
    finally:
        server.shutdown()
        server.server_close()
