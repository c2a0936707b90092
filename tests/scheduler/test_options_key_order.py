"""Scheduling the same plan again under its key returns its job, whatever order the keys of the
drafts' ``options`` (or the variants) come in, on the SQLite and the Redis store; so does a job an
earlier version stored (every field written). Another content is still ``InvalidInput``, and the
job publishes once."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

from .profiles import Clock

OPTIONS: dict[str, Any] = {"topic_tag": "launch", "nested": {"z": [{"b": 1, "a": 2}], "c": True}}
REORDERED: dict[str, Any] = {"nested": {"c": True, "z": [{"a": 2, "b": 1}]}, "topic_tag": "launch"}


def texts(folder: Path, db: str = "a.db") -> list[str]:
    with ds.connect("sandbox", path=folder / db, account="brand") as net:
        return [p.text for p in net.posts(limit=None)]


@pytest.fixture
def sched(store: str, clock: Clock) -> Iterator[Scheduler]:
    with Scheduler(store, now=clock) as s:
        yield s


def plan(sched: Scheduler, clock: Clock, options: dict[str, Any], variants: dict[str, Any]) -> str:
    draft = ds.Draft(text="Launch day!", options=options)
    return sched.schedule(draft, ["brand-a", "brand-c"], at=clock.now, key="launch", variants=variants).id


def test_the_same_plan_with_its_keys_in_another_order_is_its_job(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    job = plan(
        sched, clock, OPTIONS, {"brand-c": {"text": "Launch day, C!", "options": OPTIONS}, "brand-a": "A"}
    )
    again = plan(
        sched, clock, REORDERED, {"brand-a": "A", "brand-c": {"options": REORDERED, "text": "Launch day, C!"}}
    )
    assert again == job
    for options, variants, what in (
        ({**OPTIONS, "topic_tag": "sales"}, {"brand-a": "A"}, "content"),
        ({**OPTIONS, "nested": {"z": [{"b": True, "a": 2}], "c": True}}, {"brand-a": "A"}, "content"),
        (OPTIONS, {"brand-a": "A", "brand-c": {"text": "Launch day, C!", "options": {"c": 1}}}, "content"),
    ):
        with pytest.raises(ds.InvalidInput, match=f"already planned .* with another {what}"):
            plan(sched, clock, options, variants)
    assert [j.id for j in sched.jobs()] == [job]
    assert sched.run_pending() == 1
    assert (
        plan(
            sched,
            clock,
            REORDERED,
            {"brand-c": {"text": "Launch day, C!", "options": OPTIONS}, "brand-a": "A"},
        )
        == job
    )
    assert sched.run_pending() == 0
    assert texts(profiles) == ["A"]
    assert texts(profiles, "c.db") == ["Launch day, C!"]


def stored_as_before(store: str, job_id: str, draft: ds.Draft) -> None:
    """Write the job's draft as versions before drafts lost their default fields stored it."""
    if store.startswith("redis://"):
        import redis

        from decentsocial.redis_store import PREFIX

        client = redis.Redis.from_url(store)
        client.hset(PREFIX + "job:" + job_id, "draft", draft.model_dump_json())
        client.close()
        return
    with sqlite3.connect(store) as db:
        db.execute("UPDATE jobs SET draft = ? WHERE id = ?", (draft.model_dump_json(), job_id))
    db.close()


def test_a_job_an_earlier_version_stored_is_still_the_same_plan(
    sched: Scheduler, clock: Clock, store: str
) -> None:
    draft = ds.Draft(text="Launch day!", options=OPTIONS)
    at = clock.now + timedelta(hours=1)
    job = sched.schedule(draft, ["brand-a"], at=at, key="launch")
    stored_as_before(store, job.id, draft)
    assert json.loads(draft.model_dump_json())["sensitive"] is False  # every field, as it was kept
    assert sched.job(job.id).draft == draft
    assert sched.schedule(draft, ["brand-a"], at=at, key="launch").id == job.id
    assert (
        sched.schedule(ds.Draft(text="Launch day!", options=REORDERED), ["brand-a"], at=at, key="launch").id
        == job.id
    )
    with pytest.raises(ds.InvalidInput, match="with another content"):
        sched.schedule(
            ds.Draft(text="Launch day!", options={**OPTIONS, "topic_tag": 1}),
            ["brand-a"],
            at=at,
            key="launch",
        )
