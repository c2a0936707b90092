"""``aio.crosspost`` with a connection closed: reported in that network's outcome (as the sync crosspost
does), and the other networks are published."""

from __future__ import annotations

import asyncio
from pathlib import Path

import decentsocial as ds
from decentsocial import aio


def test_a_closed_connection_is_its_outcomes_error_and_the_others_publish(tmp_path: Path) -> None:
    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "open.db", account="alice") as open_:
            closed = aio.connect("sandbox", path=tmp_path / "closed.db", account="carol")
            await closed.close()
            for dry_run in (True, False):
                res = await aio.crosspost("مرحبا 🌍 launch", [open_, closed], dry_run=dry_run)
                assert res.outcomes[0].ok
                assert isinstance(res.outcomes[1].error, ds.ConfigurationError)
                assert res.outcomes[1].connection is closed.sync
            assert [p.text for p in await open_.posts(limit=5).to_list()] == ["مرحبا 🌍 launch"]
            assert (await aio.retract(res)).deleted == [res.posts[0].id]

    asyncio.run(main())
