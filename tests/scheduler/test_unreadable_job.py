"""A job whose stored draft cannot be read back: refused at schedule(), and, when a store holds one
anyway (damaged, or written by another version), reported failed without hiding the other jobs.

The unreadable records are written straight into the store, as a damaged or older record would be:
raw SQL for the SQLite store, raw HSET for the Redis one (a redis-server of this module's own).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial import scheduler as scheduler_module
from decentsocial.cli import app
from decentsocial.models import Amount, PayoutOptions
from decentsocial.scheduler import Job, Scheduler

from .profiles import Clock

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)

#: Drafts no version of decentsocial reads: a field of the wrong type, variants that are not a
#: mapping, JSON cut short.
UNREADABLE = {
    "wrong type": '{"text":["not","text"]}',
    "variants": '{"draft":{"text":"x"},"variants":[1]}',
    "cut short": '{"text":"cut',
}


def texts(folder: Path) -> list[str]:
    with ds.connect("sandbox", path=folder / "a.db", account="brand") as net:
        return [p.text for p in net.posts(limit=None)]


def insert_sqlite(store: Path, job_id: str, draft: str, at: datetime) -> None:
    """A job row as an older or damaged store holds it, written past the scheduler."""
    with sqlite3.connect(store) as db:
        db.execute(
            "INSERT INTO jobs (id, key, status, at, targets, draft, created_at)"
            " VALUES (?, ?, 'scheduled', ?, ?, ?, ?)",
            (job_id, f"key-{job_id}", at.timestamp(), json.dumps(["brand-a"]), draft, START.timestamp()),
        )
    db.close()


def stored_status(store: Path, job_id: str) -> str:
    with sqlite3.connect(store) as db:
        row = db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
    db.close()
    return str(row[0])


def check_reported_failed(job: Job, job_id: str) -> None:
    assert job.status == "failed"
    assert isinstance(job.error, ds.InvalidInput)
    assert job_id in str(job.error)
    assert "cannot be read" in str(job.error)
    assert job.targets == ("brand-a",)


# ---------------------------------------------------------------- schedule() stores nothing it cannot read


def test_content_that_does_not_read_back_is_refused_and_nothing_is_stored(
    profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = profiles / "campaign.db"
    monkeypatch.setattr(scheduler_module, "content_json", lambda draft, variants: UNREADABLE["wrong type"])
    with Scheduler(store, now=Clock()) as sched:
        with pytest.raises(ds.InvalidInput, match="does not read back"):
            sched.schedule("hello", ["brand-a"], at=START + timedelta(hours=1))
        assert sched.jobs() == []
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM jobs").fetchone() == (0,)
    db.close()


def test_a_payout_cap_in_exponent_form_is_stored_readable_or_not_at_all(profiles: Path) -> None:
    """The audit's case (a valid Amount whose text form was not read back): whatever the Amount
    does, schedule() either stores a job every later read understands, or nothing."""
    cap = Amount(value=Decimal("1000.000").normalize(), asset="HBD")  # Decimal('1E+3')
    draft = ds.Draft(text="capped payout", payout=PayoutOptions(max_accepted_payout=cap))
    with Scheduler(profiles / "campaign.db", now=Clock()) as sched:
        good = sched.schedule("an ordinary post", ["brand-a"], at=START + timedelta(hours=1))
        try:
            capped = sched.schedule(draft, ["brand-a"], at=START + timedelta(minutes=30))
        except ds.InvalidInput:
            assert [job.id for job in sched.jobs()] == [good.id]  # nothing of it was stored
        else:
            assert capped.draft.payout == draft.payout
            assert [job.id for job in sched.jobs()] == [capped.id, good.id]
            assert all(job.error is None for job in sched.jobs())


# ---------------------------------------------------------------- a SQLite store holding one


@pytest.mark.parametrize("draft", list(UNREADABLE.values()), ids=list(UNREADABLE))
def test_an_unreadable_job_in_sqlite_is_failed_and_hides_nothing(profiles: Path, draft: str) -> None:
    store, clock = profiles / "campaign.db", Clock()
    with Scheduler(store, now=clock) as sched:
        good = sched.schedule("still goes out", ["brand-a"], at=START + timedelta(hours=1))
    insert_sqlite(store, "bad0000000000001", draft, START + timedelta(minutes=30))
    insert_sqlite(store, "bad0000000000002", draft, START + timedelta(hours=2))

    with Scheduler(store, now=clock) as sched:  # another process: nothing was cached
        listed = sched.jobs()
        assert [job.id for job in listed] == ["bad0000000000001", good.id, "bad0000000000002"]
        check_reported_failed(listed[0], "bad0000000000001")
        assert listed[1].status == "scheduled"
        assert listed[1].error is None
        check_reported_failed(sched.job("bad0000000000002"), "bad0000000000002")
        assert [job.id for job in sched.jobs(status="scheduled")] == [good.id]
        assert len(sched.jobs(status="failed")) == 2
        with pytest.raises(ds.InvalidInput, match="cannot be read"):
            sched.reschedule("bad0000000000002", START + timedelta(hours=3))

        sched.cancel("bad0000000000002")
        assert sched.job("bad0000000000002").status == "cancelled"

        clock.now = START + timedelta(hours=1)
        ended: list[Job] = []
        assert sched.run_pending(on_finished=ended.append) == 2
        assert texts(profiles) == ["still goes out"]  # the unreadable job published nothing
        assert sched.job(good.id).status == "done"
        assert sorted(job.id for job in ended) == sorted([good.id, "bad0000000000001"])
        assert stored_status(store, "bad0000000000001") == "failed"  # no worker claims it again
        assert sched.run_pending() == 0


def test_a_job_that_ran_keeps_its_status_and_record_when_its_draft_is_damaged(profiles: Path) -> None:
    """What it posted stays listed (a retraction needs it), and a done job stays done."""
    store, clock = profiles / "campaign.db", Clock()
    with Scheduler(store, now=clock) as sched:
        job = sched.schedule("posted, then damaged", ["brand-a"], at=START)
        assert sched.run_pending() == 1
        posted = sched.job(job.id).post_ids
        assert len(posted) == 1
        with sqlite3.connect(store) as db:
            db.execute("UPDATE jobs SET draft = ? WHERE id = ?", (UNREADABLE["wrong type"], job.id))
        db.close()
        damaged = sched.job(job.id)
        assert damaged.status == "done"
        assert isinstance(damaged.error, ds.InvalidInput)
        assert damaged.post_ids == posted
        assert [o.target for o in damaged.outcomes] == ["brand-a"]


def test_the_jobs_command_shows_why_a_job_is_failed(profiles: Path) -> None:
    store = profiles / "campaign.db"
    Scheduler(store).close()
    insert_sqlite(store, "bad0000000000001", UNREADABLE["cut short"], START)
    runner = CliRunner()
    shown = runner.invoke(app, ["jobs", "--store", str(store)], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    assert "bad0000000000001" in shown.output
    assert "failed" in shown.output
    assert "cannot be read" in shown.output
    as_json = runner.invoke(app, ["jobs", "--store", str(store), "--json"])
    assert as_json.exit_code == 0, as_json.output
    (job,) = json.loads(as_json.output)
    assert (job["status"], job["error"]["type"]) == ("failed", "InvalidInput")


# ---------------------------------------------------------------- a Redis store holding one


@pytest.fixture(scope="module")
def redis_server() -> Iterator[str]:
    pytest.importorskip("redis", reason="the celery extra is not installed")
    from .test_celery import RedisServer

    server = RedisServer()
    yield server.url(3)
    server.stop()


def insert_redis(url: str, job_id: str, fields: dict[str, str], at: float) -> None:
    """A job hash as an older or damaged store holds it, written past the scheduler (as _ADD does)."""
    import redis

    from decentsocial.redis_store import PREFIX

    client = redis.Redis.from_url(url, decode_responses=True)
    record = {
        "id": job_id,
        "key": f"key-{job_id}",
        "status": "scheduled",
        "at": repr(at),
        "occurrence": "0",
        "targets": json.dumps(["brand-a"]),
        "created_at": repr(START.timestamp()),
        **fields,
    }
    for name, value in record.items():
        client.hset(PREFIX + "job:" + job_id, name, value)
    client.hset(PREFIX + "keys", record["key"], job_id)
    client.zadd(PREFIX + "all", {job_id: at})
    client.zadd(PREFIX + "due", {job_id: at})
    client.close()


@pytest.mark.server
def test_an_unreadable_job_in_redis_is_failed_and_hides_nothing(redis_server: str, profiles: Path) -> None:
    import redis

    from decentsocial.redis_store import PREFIX

    redis.Redis.from_url(redis_server).flushdb()
    clock = Clock()
    with Scheduler(redis_server, now=clock) as sched:
        good = sched.schedule("still goes out", ["brand-a"], at=START + timedelta(hours=1))
    soon, later = (START + timedelta(minutes=30)).timestamp(), (START + timedelta(hours=2)).timestamp()
    insert_redis(redis_server, "bad0000000000001", {"draft": UNREADABLE["variants"]}, soon)
    insert_redis(redis_server, "bad0000000000002", {"draft": UNREADABLE["wrong type"]}, later)
    # Damaged past the draft: a time that is no number (listed first, its time unknown).
    insert_redis(redis_server, "bad0000000000003", {"draft": '{"text":"x"}', "at": "soon"}, later)

    with Scheduler(redis_server, now=clock) as sched:
        listed = sched.jobs()
        assert [job.id for job in listed] == [
            "bad0000000000003",
            "bad0000000000001",
            good.id,
            "bad0000000000002",
        ]
        for job in (listed[0], listed[1], listed[3]):
            check_reported_failed(job, job.id)
        assert listed[2].status == "scheduled"
        assert listed[2].error is None
        check_reported_failed(sched.job("bad0000000000001"), "bad0000000000001")

        sched.cancel("bad0000000000002")
        assert sched.job("bad0000000000002").status == "cancelled"

        clock.now = START + timedelta(hours=1)
        assert sched.run_pending() == 2
        assert texts(profiles) == ["still goes out"]
        assert sched.job(good.id).status == "done"
        client = redis.Redis.from_url(redis_server, decode_responses=True)
        assert client.hget(PREFIX + "job:bad0000000000001", "status") == "failed"
        assert client.zscore(PREFIX + "due", "bad0000000000001") is None  # never claimed again
        client.close()
        assert sched.run_pending() == 0
