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
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("mastodon")

import decentsocial as ds
from decentsocial import aio
from decentsocial.backends.mastodon import MastodonNetwork
from tests.servers.mastodon import MastodonServer

from ._stream_faults import CatchUpFault, aclose_in_the_fault, aseen_once, seen_once, stop_in_the_fault

#: The retry's wait between two page reads: what a stop used to wait for.
RETRY_WAIT = 90.0
BOUND = RETRY_WAIT / 6
#: The stream's silence limit: its read ends between heartbeats (1 s), so it reconnects and catches up.
SETTINGS: dict[str, Any] = {
    "stream_timeout": 0.6,
    "retry": {"attempts": 3, "total_seconds": 10 * RETRY_WAIT, "max_wait": 2 * RETRY_WAIT},
    "limits": {"deadline": 10 * RETRY_WAIT},
}


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
    try:
        stream = seen_once(mastodon_server, alice, tag)
        fail = alice.sleep = CatchUpFault(mastodon_server, tag, {"type": "status", "status": 503})
        stop_in_the_fault(stream, fail, BOUND, "waiting to retry its page")
        alice.sleep = time.sleep
        assert alice.me().handle  # the connection goes on as ever
    finally:
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
            stream = await aseen_once(mastodon_server, net, tag)
            fault = sync.sleep = CatchUpFault(mastodon_server, tag, effect)
            await aclose_in_the_fault(stream, fault, BOUND)

    asyncio.run(main())
