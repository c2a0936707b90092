"""A Mastodon stream told to end while a retry waits to read again ends at once, not after the wait.

After a reconnect the stream reads what it missed, page by page, under the
connection's retry policy. A page answered 503 (or 429 with ``Retry-After``)
is read again after a wait; ``stop()`` (an async stream's ``aclose()``, a
monitor's end) during that wait used to wait for it (up to ``max_wait``): the
policy slept with ``time.sleep``. The wait now ends at the stop of the
stream's interrupt, no attempt follows, and the stream ends quietly.

The bound asserted is a fraction of the retry's wait, not a tight clock.
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

#: The retry's wait between two page reads: what a stop used to wait for.
RETRY_WAIT = 90.0
BOUND = RETRY_WAIT / 6
#: The stream's silence limit: its read ends between heartbeats (1 s), so it reconnects and catches up.
SETTINGS: dict[str, Any] = {
    "stream_timeout": 0.6,
    "retry": {"attempts": 3, "total_seconds": 10 * RETRY_WAIT, "max_wait": 2 * RETRY_WAIT},
    "limits": {"deadline": 10 * RETRY_WAIT},
}
#: Seconds given the reader to be in the retry's wait before the stop.
SETTLE = 0.5


class FailCatchUp:
    """A reconnect's wait that, the first time, has the server answer the next read of ``tag``'s
    timeline (the catch-up's first page) with ``effect`` (a retryable failure), once."""

    def __init__(self, server: MastodonServer, tag: str, effect: dict[str, Any]) -> None:
        self.server = server
        self.tag = tag
        self.effect = effect
        self.armed = threading.Event()

    def __call__(self, seconds: float) -> None:
        if not self.armed.is_set():
            self.server.add_fault(
                {
                    "match": {"path_regex": f"^/api/v1/timelines/tag/{self.tag}"},
                    "effect": self.effect,
                    "count": 1,
                }
            )
            self.armed.set()
        time.sleep(min(seconds, 0.2))

    def failed(self) -> bool:
        """Whether the failed page read has come (its rule, good for one request, is used up)."""
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
    yield f"retry{uuid.uuid4().hex[:10]}"
    mastodon_server.clear_faults()


def test_stop_ends_a_stream_whose_catch_up_waits_to_read_a_503_page_again(
    mastodon_server: MastodonServer, tag: str
) -> None:
    # A 503 carries no wait of its own: the policy's backoff is the wait.
    policy = ds.RetryPolicy(
        attempts=3,
        total_seconds=10 * RETRY_WAIT,
        max_wait=2 * RETRY_WAIT,
        backoff=RETRY_WAIT,
        backoff_cap=RETRY_WAIT,
        jitter=0.0,
    )
    alice = mastodon_server.connect("alice", **SETTINGS)
    alice.retry = policy
    bob = mastodon_server.connect("bob")
    try:
        stream = alice.stream(kind="public", tag=tag)
        first_match(stream, lambda: bob.publish(f"before #{tag}"))
        fail = alice.sleep = FailCatchUp(mastodon_server, tag, {"type": "status", "status": 503})
        outcome: list[object] = []

        def read() -> None:
            try:
                outcome.append(list(stream))
            except BaseException as exc:  # reported by the test, not lost in the thread
                outcome.append(exc)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        eventually(fail.failed, "the stream never read what it missed")
        time.sleep(SETTLE)  # the page answered 503: now waiting to read it again
        assert reader.is_alive()
        started = time.monotonic()
        stream.stop()  # type: ignore[attr-defined]
        reader.join(BOUND)
        assert not reader.is_alive(), "the stream's thread kept waiting to retry its page after stop()"
        assert time.monotonic() - started < BOUND
        assert outcome == [[]]  # ended quietly: it was told to end
        alice.sleep = time.sleep
        assert alice.me().handle  # the connection goes on as ever
    finally:
        bob.close()
        alice.close()


def test_aclose_ends_an_async_stream_whose_catch_up_waits_out_a_429(
    mastodon_server: MastodonServer, tag: str
) -> None:
    # The server's Retry-After is the wait (within max_wait): RateLimited, not NetworkUnavailable.
    effect = {"type": "status", "status": 429, "headers": {"Retry-After": str(int(RETRY_WAIT))}}

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
            fail = sync.sleep = FailCatchUp(mastodon_server, tag, effect)
            reading = asyncio.ensure_future(anext(stream))
            asked = time.monotonic() + BOUND
            while not fail.failed():
                assert time.monotonic() < asked, "the stream never read what it missed"
                await asyncio.sleep(0.05)
            await asyncio.sleep(SETTLE)
            assert not reading.done()  # waiting out the 429
            started = time.monotonic()
            await asyncio.wait_for(stream.aclose(), BOUND)
            with pytest.raises(StopAsyncIteration):  # a quiet end, not the 429
                await asyncio.wait_for(reading, BOUND)
            assert time.monotonic() - started < BOUND

    asyncio.run(main())
