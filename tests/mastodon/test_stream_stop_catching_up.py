"""A Mastodon stream told to end while it reads what it missed ends at once, not at the read timeout.

After a reconnect the stream first reads, page by page, what the timeline
got while it was away. ``stop()`` (an async stream's ``aclose()``, a
monitor's end) while the server held one of those page reads waited for the
read timeout: the stop shut only the streaming socket, and the page's request
was nobody's to shut. The page reads now run with the stream's interrupt in
force, as its connect does (tests/mastodon/test_stream_stop_connecting.py).

The bound asserted is the configured timeouts (a third of them), not a tight clock.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("mastodon")

import decentsocial as ds
from decentsocial import aio
from decentsocial.backends.mastodon import MastodonNetwork
from tests.servers.mastodon import MastodonServer

from .test_stream import first_match

#: The read timeout of the catch-up's page reads: what a stop used to wait for.
TIMEOUT = 60.0
BOUND = TIMEOUT / 3
#: Every wait long but the stream's silence limit: its read ends between heartbeats (1 s), so it reconnects.
SETTINGS: dict[str, Any] = {
    "connect_timeout": TIMEOUT,
    "timeout": TIMEOUT,
    "stream_timeout": 0.6,
    "limits": {"deadline": 2 * TIMEOUT},
}
#: Seconds given the reader to be waiting for its held page before the stop.
SETTLE = 0.5


class HoldCatchUp:
    """A reconnect's wait that, the first time, has the server hold the next read of ``tag``'s timeline
    (the catch-up's first page) unanswered for longer than the timeouts."""

    def __init__(self, server: MastodonServer, tag: str) -> None:
        self.server = server
        self.tag = tag
        self.armed = threading.Event()

    def __call__(self, seconds: float) -> None:
        if not self.armed.is_set():
            self.server.add_fault(
                {
                    "match": {"path_regex": f"^/api/v1/timelines/tag/{self.tag}"},
                    "effect": {"type": "timeout", "delay_ms": int(3 * TIMEOUT * 1000)},
                    "count": 1,
                }
            )
            self.armed.set()
        time.sleep(min(seconds, 0.2))

    def held(self) -> bool:
        """Whether the held page read has come (its rule, good for one request, is used up)."""
        if not self.armed.is_set():
            return False
        rules = httpx.get(f"{self.server.base_url}/api/v1/_mock/faults", timeout=5).json()
        return not any("timelines" in str(rule) for rule in (rules if isinstance(rules, list) else [rules]))


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.fixture
def tag(mastodon_server: MastodonServer) -> Iterator[str]:
    yield f"away{uuid.uuid4().hex[:10]}"
    mastodon_server.clear_faults()


def seen_once(server: MastodonServer, net: MastodonNetwork, tag: str) -> Iterator[ds.Post]:
    """``tag``'s stream on ``net``, past a first post (so a reconnect catches up from it)."""
    bob = server.connect("bob")
    try:
        stream = net.stream(kind="public", tag=tag)
        first_match(stream, lambda: bob.publish(f"before #{tag}"))
    finally:
        bob.close()
    return stream


def test_stop_ends_a_stream_whose_catch_up_read_the_server_holds(
    mastodon_server: MastodonServer, tag: str
) -> None:
    alice = mastodon_server.connect("alice", **SETTINGS)
    try:
        stream = seen_once(mastodon_server, alice, tag)
        hold = alice.sleep = HoldCatchUp(mastodon_server, tag)
        outcome: list[object] = []

        def read() -> None:
            try:
                outcome.append(list(stream))
            except BaseException as exc:  # reported by the test, not lost in the thread
                outcome.append(exc)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        eventually(hold.held, "the stream never read what it missed")
        time.sleep(SETTLE)  # its page asked for: now waiting for the answer
        assert reader.is_alive()
        started = time.monotonic()
        stream.stop()  # type: ignore[attr-defined]
        reader.join(BOUND)
        assert not reader.is_alive(), "the stream's thread kept reading what it missed after stop()"
        assert time.monotonic() - started < BOUND
        assert outcome == [[]]  # ended quietly: it was told to end
        alice.sleep = time.sleep
        assert alice.me().handle  # the connection goes on as ever
    finally:
        alice.close()


def test_aclose_ends_an_async_stream_whose_catch_up_read_the_server_holds(
    mastodon_server: MastodonServer, tag: str
) -> None:
    async def main() -> None:
        async with aio.wrap(mastodon_server.connect("alice", **SETTINGS)) as net:
            sync = net.sync
            assert isinstance(sync, MastodonNetwork)
            bob = mastodon_server.connect("bob")
            stream = net.stream(kind="public", tag=tag)
            try:
                end = time.monotonic() + 20
                published: set[str] = set()
                while True:  # the first post seen: from there a reconnect catches up
                    published.add(bob.publish(f"before #{tag}").id)
                    try:
                        post = await asyncio.wait_for(anext(stream), 0.5)
                    except asyncio.TimeoutError:
                        assert time.monotonic() < end, "no published post came through the stream"
                        continue
                    if post.id in published:
                        break
            finally:
                bob.close()
            hold = sync.sleep = HoldCatchUp(mastodon_server, tag)
            reading = asyncio.ensure_future(anext(stream))
            asked = time.monotonic() + BOUND
            while not hold.held():
                assert time.monotonic() < asked, "the stream never read what it missed"
                await asyncio.sleep(0.05)
            await asyncio.sleep(SETTLE)
            assert not reading.done()  # waiting for the held page
            started = time.monotonic()
            await asyncio.wait_for(stream.aclose(), BOUND)
            with pytest.raises(StopAsyncIteration):  # a quiet end, not the read's failure
                await asyncio.wait_for(reading, BOUND)
            assert time.monotonic() - started < BOUND

    asyncio.run(main())
