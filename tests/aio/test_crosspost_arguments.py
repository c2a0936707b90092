"""``aio.crosspost`` takes what ``ds.crosspost`` takes, and refuses bad input with the same typed errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import aio
from decentsocial.backends.sandbox import SandboxNetwork, SandboxSettings

LONG = " ".join(["كلمة"] * 400)  # 67 parts of at most 40 graphemes


def limited(path: Path) -> SandboxNetwork:
    return SandboxNetwork(SandboxSettings(path=path, account="brand", max_length=40))


def test_max_parts_allows_a_longer_thread_as_in_the_sync_crosspost(tmp_path: Path) -> None:
    sync = ds.crosspost(LONG, [limited(tmp_path / "s.db")], dry_run=True, max_parts=100)

    async def main() -> tuple[ds.CrosspostResult, ds.CrosspostResult]:
        async with aio.wrap(limited(tmp_path / "a.db")) as net:
            default = await aio.crosspost(LONG, [net], dry_run=True)
            longer = await aio.crosspost(LONG, [net], dry_run=True, max_parts=100)
            return default, longer

    default, longer = asyncio.run(main())
    assert isinstance(default.outcomes[0].error, ds.ContentRejected)
    assert "max_parts=25" in str(default.outcomes[0].error)
    assert longer.ok
    assert [d.text for d in longer.outcomes[0].drafts] == [d.text for d in sync.outcomes[0].drafts]
    with pytest.raises(ds.InvalidInput, match="max_parts"):
        asyncio.run(aio.crosspost(LONG, [aio.wrap(limited(tmp_path / "b.db"))], max_parts=0))


def test_one_network_not_in_a_list_is_invalid_input(tmp_path: Path) -> None:
    async def main() -> list[str]:
        messages = []
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            one: Any = net  # what a caller passes by mistake, unchecked by a type checker
            for call in (lambda: aio.crosspost("hi", one), lambda: aio.monitor(one, ["hi"]).__anext__()):
                with pytest.raises(ds.InvalidInput) as caught:
                    await call()
                messages.append(str(caught.value))
            assert [p async for p in net.posts(limit=5)] == []  # nothing was published
        return messages

    assert all("write [net] for one" in m for m in asyncio.run(main()))
