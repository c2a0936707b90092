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
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("mastodon")

from decentsocial import aio
from decentsocial.backends.mastodon import MastodonNetwork
from tests.servers.mastodon import MastodonServer

from ._stream_faults import CatchUpFault, aclose_in_the_fault, aseen_once, seen_once, stop_in_the_fault

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
#: The catch-up's first page held unanswered for longer than the timeouts.
HELD = {"type": "timeout", "delay_ms": int(3 * TIMEOUT * 1000)}


@pytest.fixture
def tag(mastodon_server: MastodonServer) -> Iterator[str]:
    yield f"away{uuid.uuid4().hex[:10]}"
    mastodon_server.clear_faults()


def test_stop_ends_a_stream_whose_catch_up_read_the_server_holds(
    mastodon_server: MastodonServer, tag: str
) -> None:
    alice = mastodon_server.connect("alice", **SETTINGS)
    try:
        stream = seen_once(mastodon_server, alice, tag)
        hold = alice.sleep = CatchUpFault(mastodon_server, tag, HELD)
        stop_in_the_fault(stream, hold, BOUND, "reading what it missed")
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
            stream = await aseen_once(mastodon_server, net, tag)
            fault = sync.sleep = CatchUpFault(mastodon_server, tag, HELD)
            await aclose_in_the_fault(stream, fault, BOUND)

    asyncio.run(main())
