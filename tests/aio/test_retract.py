"""``aio.retract``: what an async crosspost made is deleted on the connections' worker threads, never on the
event loop (a slow server does not stop the loop)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial import aio
from decentsocial.scheduler import Scheduler
from tests.servers.mastodon import MastodonServer

#: How long the server holds the delete: the loop must run meanwhile.
HELD_MS = 5_000


def _held(base_url: str, rule: str) -> None:
    """Return once the server has taken the rule's request (the rule is used up)."""
    while any(r["id"] == rule for r in httpx.get(f"{base_url}/api/v1/_mock/faults", timeout=5).json()):
        pass


def test_the_event_loop_runs_while_a_delete_is_held(mastodon_server: MastodonServer) -> None:
    mastodon_server.clear_faults()
    base = mastodon_server.base_url

    async def main() -> None:
        settings: dict[str, Any] = {
            "base_url": base,
            "access_token": mastodon_server.tokens["alice"],
            "allow_http": True,
        }
        async with aio.connect("mastodon", **settings) as net:
            made = await aio.crosspost("made, then retracted", [net])
            post = made.posts[0]
            rule = mastodon_server.add_fault(
                {
                    "match": {"methods": ["DELETE"], "path": f"/api/v1/statuses/{post.id}"},
                    "effect": {"type": "latency", "delay_ms": HELD_MS},
                    "count": 1,
                }
            )
            retracting = asyncio.create_task(aio.retract(made))
            await asyncio.wait_for(asyncio.to_thread(_held, base, rule), 60)
            assert not retracting.done()  # the loop ran this while the delete was held
            done = await retracting
            assert done.ok
            assert done.deleted == [post.id]
            with pytest.raises(ds.NotFound):
                await net.get_post(post.id)

    try:
        asyncio.run(main())
    finally:
        mastodon_server.clear_faults()


def test_every_network_and_every_input(tmp_path: Path) -> None:
    async def main() -> None:
        async with (
            aio.connect("sandbox", path=tmp_path / "one.db", account="alice") as one,
            aio.connect("sandbox", path=tmp_path / "two.db", account="carol") as two,
        ):
            made = await aio.crosspost("مرحبا 👋 retracted everywhere", [one, two])
            done = await aio.retract(made)
            assert done.ok
            assert sorted(done.deleted) == sorted(p.id for p in made.posts)
            assert (await aio.retract(made)).ok  # again: already gone counts as deleted
            with pytest.raises(ds.InvalidInput):
                await aio.retract(await aio.crosspost("dry", [one], dry_run=True))
            with pytest.raises(ds.InvalidInput):
                await aio.retract("not a result")  # type: ignore[arg-type]
            closed = await aio.crosspost("its connection closes before the retraction", [one])
        # A synchronous crosspost's result, and a connection closed since: each reported, never raised.
        net = ds.connect("sandbox", path=tmp_path / "three.db", account="dave")
        synced = ds.crosspost("made by the sync API", [net])
        assert (await aio.retract(synced)).deleted == [synced.posts[0].id]
        left = await aio.retract(closed)
        assert not left.ok
        assert isinstance(left.outcomes[0].error, ds.ConfigurationError)
        net.close()

    asyncio.run(main())


def test_a_scheduled_job_is_retracted_off_the_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    db = tmp_path / "rehearsal.db"
    config.write_text(f'[profiles.rehearsal]\nnetwork = "sandbox"\npath = "{db}"\naccount = "brand"\n')
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    start = datetime.now(timezone.utc).replace(microsecond=0)
    with Scheduler(tmp_path / "campaign.db", now=lambda: start) as sched:
        job = sched.schedule("Product X: تخفيضات 🎉", ["rehearsal"], at=start)
        assert sched.run_pending() == 1
        done = sched.job(job.id)
    [post_id] = done.post_ids
    retraction = asyncio.run(aio.retract(done))
    assert retraction.ok
    assert retraction.deleted == [post_id]
    with ds.connect("sandbox", path=db, account="brand") as net, pytest.raises(ds.NotFound):
        net.get_post(post_id)
