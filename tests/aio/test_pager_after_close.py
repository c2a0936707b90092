"""An async iterator closed after its connection: clean-up, never an error of its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

from decentsocial import aio


def test_a_pager_closed_after_its_connection_lets_its_listing_go_without_an_error(tmp_path: Path) -> None:
    """``aclose()`` is clean-up: a connection closed first is no ``ConfigurationError`` from it."""
    closed: list[str] = []

    def listing() -> Iterator[int]:
        try:
            yield from range(100)
        finally:
            closed.append("listing")

    async def main() -> list[int]:
        net = aio.connect("sandbox", path=tmp_path / "s.db")
        pager: aio.AsyncPager[int] = aio.AsyncPager(net, listing, 5)
        first = [await pager.__anext__(), await pager.__anext__()]
        await net.close()
        await pager.aclose()
        return [*first, *[n async for n in pager]]

    assert asyncio.run(main()) == [0, 1]
    assert closed == ["listing"]


def test_a_fetch_still_running_when_the_connection_closes_is_waited_for_before_the_listing_is_let_go(
    tmp_path: Path,
) -> None:
    """Closed while its next batch is being read: the listing is closed after that read, not during it."""
    reading, release = threading.Event(), threading.Event()
    closed: list[str] = []

    def listing() -> Iterator[int]:
        try:
            yield 0
            reading.set()
            release.wait()  # a slow server, answering once the test says so
            yield 1
        finally:
            closed.append("listing")

    async def main() -> int:
        net = aio.connect("sandbox", path=tmp_path / "s.db")
        pager: aio.AsyncPager[int] = aio.AsyncPager(net, listing, 1)
        first = await pager.__anext__()
        waiting = asyncio.ensure_future(pager.__anext__())
        await asyncio.to_thread(reading.wait)  # the second batch is being read in the worker thread
        waiting.cancel()  # a timeout: the read goes on
        closing = asyncio.ensure_future(net.close())
        await asyncio.sleep(0)  # the connection is closed now; its close queued behind the read
        letting_go = asyncio.ensure_future(pager.aclose())
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(closing, letting_go)
        return first

    assert asyncio.run(main()) == 0
    assert closed == ["listing"]
