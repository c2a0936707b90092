"""Two tasks reading one async iterator (a pool of workers over one listing) get each item once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

from decentsocial import aio


def _items(count: int) -> Iterator[int]:
    yield from range(count)


async def _drain(pager: aio.AsyncPager[int], into: list[int]) -> None:
    async for item in pager:
        into.append(item)
        await asyncio.sleep(0)  # let the other reader run between items


def test_two_readers_of_one_pager_share_its_items_without_duplicates(tmp_path: Path) -> None:
    async def main() -> list[int]:
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            pager: aio.AsyncPager[int] = aio.AsyncPager(net, lambda: _items(23), 5)
            got: list[int] = []
            await asyncio.gather(_drain(pager, got), _drain(pager, got), _drain(pager, got))
            return got

    assert sorted(asyncio.run(main())) == list(range(23))


def test_two_waits_for_one_batch_of_one_get_two_items(tmp_path: Path) -> None:
    async def main() -> list[int]:
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            pager: aio.AsyncPager[int] = aio.AsyncPager(net, lambda: _items(3), 1)
            pair = await asyncio.gather(pager.__anext__(), pager.__anext__())
            return [*pair, *[n async for n in pager]]

    assert sorted(asyncio.run(main())) == [0, 1, 2]


def test_two_readers_of_the_real_posts_listing_see_each_post_once(tmp_path: Path) -> None:
    async def main() -> list[str]:
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            for n in range(7):
                await net.publish(f"🌙 post {n}")
            pager = net.posts(limit=None)
            got: list[str] = []

            async def read() -> None:
                async for post in pager:
                    got.append(post.text)
                    await asyncio.sleep(0)

            await asyncio.gather(read(), read())
            return got

    assert sorted(asyncio.run(main())) == sorted(f"🌙 post {n}" for n in range(7))
