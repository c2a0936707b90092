"""The mark a worker records before each publish is a field of the target's record, in both stores.

While a publish is under way the target reads as ``publishing`` (not as a
failure); a worker taking the job over reads whose idempotency records the
mark names: its own, it publishes with the same key (the key finds the post),
others, it records "may have been published" and publishes nothing. The
SQLite store gets the column when an older store is opened; the Redis store
keeps it in each outcome's JSON (on a redis-server of this module's own).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import scheduler as scheduler_module
from decentsocial.crosspost import publish_planned
from decentsocial.jobs import TargetOutcome
from decentsocial.scheduler import Scheduler
from decentsocial.state import StateStore

START = datetime.now(timezone.utc).replace(microsecond=0)
OTHER_MACHINE = "f" * 32


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    pytest.importorskip("redis", reason="the celery extra is not installed")
    from .test_celery import RedisServer

    server = RedisServer()
    yield server.url(4)
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.server)])
def sched(request: pytest.FixtureRequest, profiles: Path) -> Iterator[Scheduler]:
    if request.param == "sqlite":
        store = str(profiles / "campaign.db")
    else:
        store = request.getfixturevalue("redis_url")  # skipped without the celery extra
        import redis

        redis.Redis.from_url(store).flushdb()
    s = Scheduler(store, now=lambda: START)
    yield s
    s.close()


def texts(profiles: Path) -> list[str]:
    with ds.connect("sandbox", path=profiles / "a.db", account="brand") as net:
        return [p.text for p in net.posts(limit=None)]


def test_a_publish_under_way_reads_as_publishing_not_as_failed(
    sched: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = sched.schedule("Spring sale", ["brand-a"], at=START)
    seen: list[TargetOutcome] = []

    def look_then_publish(*args: Any, **kwargs: Any) -> Any:
        seen.extend(sched.job(job.id).outcomes)  # as `decentsocial jobs` shows it meanwhile
        return publish_planned(*args, **kwargs)  # what the scheduler calls

    monkeypatch.setattr(scheduler_module, "publish_planned", look_then_publish)
    assert sched.run_pending() == 1
    (during,) = seen
    assert during.publishing
    assert during.error is None
    assert not during.ok
    assert during.started_by == StateStore.open().identity
    (after,) = sched.job(job.id).outcomes
    assert after.ok
    assert not after.publishing
    assert len(after.post_ids) == 1


@pytest.mark.parametrize("machine", ["this", "another"])
def test_a_takeover_reads_whose_records_the_mark_names(
    sched: Scheduler, profiles: Path, machine: str
) -> None:
    job = sched.schedule("Spring sale", ["brand-a"], at=START)
    started_by = StateStore.open().identity if machine == "this" else OTHER_MACHINE
    mark = TargetOutcome("brand-a", 0, "sandbox", (), None, None, started_by)
    sched.store.record(job.id, 0, mark, START.timestamp())  # left by a worker that stopped
    assert sched.run_pending() == 1
    ended = sched.job(job.id)
    (outcome,) = ended.outcomes
    assert not outcome.publishing
    if machine == "this":  # its keys: published once, as a publish with the same key would be
        assert ended.status == "done"
        assert outcome.ok
        assert texts(profiles) == ["Spring sale"]
    else:  # it cannot look the post up: never published again
        assert ended.status == "failed"
        assert isinstance(outcome.error, ds.NetworkUnavailable)
        assert not outcome.error.retryable
        assert "may have been published" in str(outcome.error)
        assert texts(profiles) == []


def test_a_mark_left_behind_is_retracted_as_maybe_published(sched: Scheduler) -> None:
    job = sched.schedule("Spring sale", ["brand-a"], at=START)
    mark = TargetOutcome("brand-a", 0, "sandbox", (), None, None, OTHER_MACHINE)
    sched.store.record(job.id, 0, mark, START.timestamp())
    (retracted,) = ds.retract(sched.job(job.id)).outcomes
    assert retracted.skipped is None  # not "it made no post here"
    assert isinstance(retracted.error, ds.NetworkUnavailable)
    assert "may have been published" in str(retracted.error)


def test_an_older_sqlite_store_gets_the_column(profiles: Path) -> None:
    store = profiles / "old.db"
    with Scheduler(store, now=lambda: START) as sched:
        job = sched.schedule("from before", ["brand-a"], at=START)
        sched.run_pending()
    # As a store written before the mark was a field: the column gone, the rows kept.
    db = sqlite3.connect(store)
    with db:
        db.execute("ALTER TABLE outcomes DROP COLUMN started_by")
    db.close()
    with Scheduler(store) as sched:
        (outcome,) = sched.job(job.id).outcomes
        assert outcome.ok
        assert outcome.started_by is None
    db = sqlite3.connect(store)
    columns = {row[1] for row in db.execute("PRAGMA table_info(outcomes)")}
    db.close()
    assert "started_by" in columns


def test_decentsocial_jobs_shows_a_publish_under_way(profiles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from decentsocial.cli import app

    store = str(profiles / "campaign.db")
    sched = Scheduler(store, now=lambda: START)
    job = sched.schedule("Spring sale", ["brand-a"], at=START)
    shown: list[Any] = []

    def look_then_publish(*args: Any, **kwargs: Any) -> Any:
        runner = CliRunner()
        shown.append(runner.invoke(app, ["jobs", "--store", store, "--json"]))
        shown.append(runner.invoke(app, ["jobs", "--store", store], env={"COLUMNS": "200"}))
        return publish_planned(*args, **kwargs)

    monkeypatch.setattr(scheduler_module, "publish_planned", look_then_publish)
    try:
        assert sched.run_pending() == 1
    finally:
        sched.close()
    as_json, as_table = shown
    assert as_json.exit_code == 0, as_json.output
    (listed,) = [j for j in json.loads(as_json.output) if j["id"] == job.id]
    assert [(o["target"], o["publishing"], o["error"]) for o in listed["outcomes"]] == [
        ("brand-a", True, None)
    ]
    assert "brand-a: publishing" in as_table.output


def test_a_store_that_fails_to_keep_the_mark_is_not_counted_against_the_target(
    profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store blips while the mark is written: the run stops, the target is not failed, and it
    goes out once when the job is taken up again (the blip over before the run ends, as blips are)."""
    import threading

    from decentsocial import sqlite_store

    monkeypatch.setattr(sqlite_store, "_TIMEOUT", 0.5)
    now = [START]
    store = profiles / "campaign.db"
    real_identity = scheduler_module._state_identity
    held: list[sqlite3.Connection] = []

    def release(other: sqlite3.Connection) -> None:
        other.execute("ROLLBACK")
        other.close()

    def hold_the_store_then_answer(net: Any) -> str | None:
        if not held:  # another process takes the file for 0.75 s, just before the mark is written
            other = sqlite3.connect(store, isolation_level=None, check_same_thread=False)
            other.execute("BEGIN IMMEDIATE")
            held.append(other)
            threading.Timer(0.75, release, (other,)).start()
        return real_identity(net)

    monkeypatch.setattr(scheduler_module, "_state_identity", hold_the_store_then_answer)
    with Scheduler(store, now=lambda: now[0], lease=60) as sched:
        job = sched.schedule("Spring sale", ["brand-a"], at=START)
        with pytest.raises(ds.NetworkUnavailable, match="locked by another process") as caught:
            sched.run_pending()
        assert caught.value.retryable
        time.sleep(1.0)  # the other process is done
        assert sched.job(job.id).status == "running"  # still leased: nothing was recorded as failed
        assert [o for o in sched.job(job.id).outcomes if o.error is not None] == []
        assert texts(profiles) == []
        now[0] = START + timedelta(seconds=61)  # the lease ran out: taken up again
        assert sched.run_pending() == 1
        done = sched.job(job.id)
    assert done.status == "done", done.outcomes
    assert texts(profiles) == ["Spring sale"]
