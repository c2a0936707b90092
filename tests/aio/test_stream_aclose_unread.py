"""``aclose()`` ends the backend's stream also when nothing was read from it yet.

A stream is opened (its subscriptions made) in the worker thread at the
call, so that a post published after it is in the stream; a bot that closes
it before its first post must not keep those subscriptions until the pager
object happens to be collected.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from decentsocial import aio
from decentsocial.models import Post
from tests.servers.nostr import RelayProcess


class _Recorded:
    """A backend stream that says whether it was closed (a generator closed before its start runs no
    ``finally``: the backends start theirs at once, as this one counts its close itself)."""

    def __init__(self) -> None:
        self.closed = 0

    def __iter__(self) -> Iterator[Post]:
        return self

    def __next__(self) -> Post:
        raise StopIteration

    def close(self) -> None:
        self.closed += 1


def test_a_stream_closed_unread_closes_the_backend_stream(tmp_path: Path) -> None:
    opened: list[_Recorded] = []

    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            real = net.sync.stream

            def stream(**kwargs: Any) -> _Recorded:
                real(**kwargs)
                opened.append(_Recorded())
                return opened[-1]

            net.sync.stream = stream  # type: ignore[method-assign]
            kept = net.stream(tag="quiet")  # kept in a variable, as a bot's attribute would be
            await kept.aclose()
            assert [s.closed for s in opened] == [1]
            await kept.aclose()  # twice: nothing more, and no hang
            assert [s.closed for s in opened] == [1]
            assert await kept.to_list() == []

    asyncio.run(main())


def test_a_stream_that_failed_to_open_closes_quietly(tmp_path: Path) -> None:
    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            refused = net.stream(kind="everything")  # the backend's error: at the first await
            await refused.aclose()  # a clean-up: not that error again
            assert (await net.me()).handle

    asyncio.run(main())


def test_a_nostr_stream_closed_unread_ends_its_subscriptions(nostr_relay: RelayProcess) -> None:
    pytest.importorskip("websockets")
    from decentsocial.backends.nostr import PrivateKey

    async def main() -> None:
        async with aio.connect(
            "nostr", private_key=PrivateKey.generate().nsec, relays=[nostr_relay.url]
        ) as net:
            transport = net.sync.transport  # type: ignore[attr-defined]
            kept = net.stream(tag="aiocloseunread")
            await net.me()  # queued after the stream's opening: it is open now
            assert len(transport._feeds) == 1
            await kept.aclose()
            assert len(transport._feeds) == 0
            # The connection goes on as before.
            post = await net.publish("after an unread stream")
            assert (await net.get_post(post.id)).text == "after an unread stream"

    asyncio.run(main())


def test_a_pager_closed_while_its_first_fetch_is_queued_closes_the_iterator_it_makes(tmp_path: Path) -> None:
    """The fetch queued behind a busy worker makes the backend's iterator after ``aclose()`` was called."""
    closed: list[int] = []

    def recorded(*_: Any, **__: Any) -> Iterator[Post]:
        try:
            while True:
                yield Post.__new__(Post)
        finally:
            closed.append(1)

    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            net.sync.search = recorded  # type: ignore[method-assign]
            busy = threading.Event()
            blocking = asyncio.ensure_future(net.run(busy.wait, 60))  # the worker is busy with another call
            pager = net.search("x", limit=3)
            reading = asyncio.ensure_future(anext(pager))
            await asyncio.sleep(0)  # its fetch is queued behind the busy call
            reading.cancel()  # a timeout: the wait ends, the fetch stays queued
            closing = asyncio.ensure_future(pager.aclose())
            await asyncio.sleep(0)
            busy.set()
            await blocking
            await closing
            await net.me()  # after everything queued before it
            assert closed == [1]

    asyncio.run(main())
