"""The embedded campaign engine on real sandboxes: plans, bad input, pause/resume, recurrence, takeovers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

from ..handles import open_handles
from .profiles import START, Clock
from .zoned import check_rhythms_on_berlin_time, check_zone_plans_refused

ROOT = Path(__file__).resolve().parents[2]
UTC, WEST, HOUR = timezone.utc, timezone(timedelta(hours=-5)), timedelta(hours=1)


def texts(profiles: Path, db: str = "a.db", account: str = "brand") -> list[str]:
    with ds.connect("sandbox", path=profiles / db, account=account) as net:
        return [p.text for p in net.posts(limit=None)]


def test_a_planned_post_goes_out_when_due_and_its_record_stays(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    job = sched.schedule("Launch day #acme", ["brand-a", "brand-c"], at=START + timedelta(hours=1))
    assert job.status == "scheduled"
    assert sched.run_pending() == 0  # not due yet
    clock.advance(hours=1)
    assert sched.run_pending() == 1
    done = sched.job(job.id)
    assert done.status == "done"
    assert [o.target for o in done.outcomes] == ["brand-a", "brand-c"]
    assert all(o.ok and o.network == "sandbox" and len(o.post_ids) == 1 for o in done.outcomes)
    assert texts(profiles) == ["Launch day #acme"]
    assert texts(profiles, "c.db") == ["Launch day #acme"]
    assert sched.run_pending() == 0  # done jobs never run again
    assert [j.id for j in sched.jobs(status="done")] == [job.id]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s: s.schedule("x", ["brand-a"], at=START - timedelta(minutes=1)), ds.InvalidInput),
        (lambda s: s.schedule("x", ["brand-a"], at=datetime(2026, 12, 2, 9, 0)), ds.InvalidInput),
        (lambda s: s.schedule("x", ["nobody"], at=START), ds.ConfigurationError),
        (lambda s: s.schedule("x", [], at=START), ds.InvalidInput),
        (lambda s: s.schedule("x", "brand-a", at=START), ds.InvalidInput),
        (lambda s: s.schedule("x", ["brand-a"], at=START, every=30), ds.InvalidInput),
        (lambda s: s.schedule("x", ["brand-a"], at=START, until=START + timedelta(days=1)), ds.InvalidInput),
        (lambda s: s.schedule("", ["brand-a"], at=START), ds.ContentRejected),
        # Numbers and times past what Python's dates hold: typed errors, not OverflowError or ValueError.
        (lambda s: s.schedule("x", ["brand-a"], at=START, every=float("nan")), ds.InvalidInput),
        (lambda s: s.schedule("x", ["brand-a"], at=START, every=float("inf")), ds.InvalidInput),
        (lambda s: s.schedule("x", ["brand-a"], at=START, every=1e20), ds.InvalidInput),
        (lambda s: s.schedule("x", ["brand-a"], at=START, every=timedelta.max), ds.InvalidInput),
        (lambda s: s.schedule("x", ["brand-a"], at=datetime.max.replace(tzinfo=UTC)), ds.InvalidInput),
        (lambda s: s.schedule("x", ["brand-a"], at=datetime.max.replace(tzinfo=WEST)), ds.InvalidInput),
        (lambda s: s.schedule("x", None, at=START), ds.InvalidInput),
        (lambda s: s.schedule("x", [["brand-a"]], at=START), ds.InvalidInput),
    ],
)
def test_bad_plans_are_refused_and_nothing_is_stored(
    sched: Scheduler, call: Callable[[Scheduler], Any], error: type
) -> None:
    with pytest.raises(error):
        call(sched)
    assert sched.jobs() == []


@pytest.mark.parametrize(
    "options",
    [{"lease": "5"}, {"lease": float("nan")}, {"poll_interval": float("inf")}, {"poll_interval": 0}],
)
def test_bad_scheduler_options_are_typed_errors(profiles: Path, options: dict[str, Any]) -> None:
    with pytest.raises(ds.InvalidInput, match="positive numbers of seconds"):
        Scheduler(profiles / "campaign.db", **options)
    with pytest.raises(ds.InvalidInput, match="store must be"):
        Scheduler(5)  # type: ignore[arg-type]


def test_a_recurring_job_ends_before_the_calendar_does(sched: Scheduler, clock: Clock) -> None:
    clock.now = datetime(9998, 12, 20, tzinfo=timezone.utc)
    job = sched.schedule("tip", ["brand-a"], at=clock.now, every=timedelta(days=7))
    assert sched.run_pending() == 1
    assert sched.run_pending() == 0
    clock.advance(days=7)
    assert sched.run_pending() == 1  # on 9998-12-27; the next would be in 9999: the job is done
    assert sched.job(job.id).status == "done"
    assert [j.id for j in sched.jobs()] == [job.id]  # the store still reads back


def test_pause_resume_cancel_and_reschedule(sched: Scheduler, clock: Clock, profiles: Path) -> None:
    first = sched.schedule("first", ["brand-a"], at=START + timedelta(minutes=10))
    second = sched.schedule("second", ["brand-a"], at=START + timedelta(minutes=10))
    third = sched.schedule("third", ["brand-a"], at=START + timedelta(minutes=10))
    assert sorted(sched.pause()) == sorted([first.id, second.id, third.id])
    clock.advance(minutes=30)
    assert sched.run_pending() == 0  # paused jobs wait
    assert sched.resume(first.id) == [first.id]
    sched.cancel(third.id)
    sched.reschedule(second.id, START + timedelta(hours=2))
    assert sched.resume() == [second.id]
    assert sched.run_pending() == 1
    assert texts(profiles) == ["first"]
    clock.advance(hours=2)
    assert sched.run_pending() == 1
    assert texts(profiles) == ["second", "first"]
    assert sched.job(third.id).status == "cancelled"
    with pytest.raises(ds.InvalidInput):
        sched.cancel(first.id)  # done already
    with pytest.raises(ds.NotFound):
        sched.pause("no-such-job")


def test_a_paused_running_job_stops_before_its_next_target(sched: Scheduler, profiles: Path) -> None:
    job = sched.schedule("one at a time", ["brand-a", "brand-c"], at=START)
    claimed, leased_until = sched._claim()  # a worker has it, with a fresh lease (checked by a read)
    assert [j.id for j in claimed] == [job.id]
    assert sched.pause(job.id) == [job.id]
    assert sched._run(claimed[0], leased_until) is None  # the worker notices before its first target
    assert sched.job(job.id).status == "paused"
    assert texts(profiles) == []
    sched.resume(job.id)
    assert sched.run_pending() == 1
    assert sched.job(job.id).status == "done"
    assert texts(profiles) == ["one at a time"] == texts(profiles, "c.db")


def test_a_recurring_job_posts_each_occurrence_once(sched: Scheduler, clock: Clock, profiles: Path) -> None:
    job = sched.schedule(
        "evergreen tip", ["brand-a"], at=START, every=timedelta(hours=1), until=START + timedelta(hours=2)
    )
    for _ in range(5):
        sched.run_pending()
        clock.advance(hours=1)
    done = sched.job(job.id)
    assert done.status == "done"
    assert [o.occurrence for o in done.outcomes] == [0, 1, 2]
    assert len(set(done.post_ids)) == 3
    assert texts(profiles) == ["evergreen tip"] * 3


def test_a_late_recurring_job_posts_once_and_skips_what_it_missed(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    daily = sched.schedule("daily tip", ["brand-a"], at=START, every=timedelta(days=1))
    sched.pause(daily.id)
    clock.advance(days=10, hours=3)  # paused ten days (or no worker ran): ten occurrences missed
    sched.resume(daily.id)
    assert sched.run_pending() == 1  # once, not eleven times in a burst
    assert sched.run_pending() == 0
    again = sched.job(daily.id)
    assert again.at == START + timedelta(days=11)  # the next of its rhythm after now
    assert texts(profiles) == ["daily tip"]
    clock.advance(hours=21)
    assert sched.run_pending() == 1
    assert texts(profiles) == ["daily tip"] * 2


def test_a_late_job_whose_next_time_is_past_its_end_is_done(sched: Scheduler, clock: Clock) -> None:
    job = sched.schedule(
        "hourly", ["brand-a"], at=START, every=timedelta(hours=1), until=START + timedelta(hours=3)
    )
    clock.advance(hours=5)
    assert sched.run_pending() == 1
    assert sched.job(job.id).status == "done"


def test_the_store_ends_only_the_occurrences_still_running(sched: Scheduler) -> None:
    """What ``on_finished`` is given: not a job paused while its last target posted."""
    kept, paused = (sched.schedule(t, ["brand-a"], at=START) for t in ("kept", "paused"))
    now = START.timestamp()
    assert len(sched.store.claim(now, now + 300, "w1", 2)) == 2
    sched.pause(paused.id)
    assert sched.store.finish("w1", [(kept.id, None, now), (paused.id, None, now)], now) == [kept.id]
    assert (sched.job(kept.id).status, sched.job(paused.id).status) == ("done", "paused")


def test_job_ids_must_be_given(sched: Scheduler) -> None:
    jobs = [sched.schedule(t, ["brand-a"], at=START + timedelta(hours=1)) for t in ("one", "two")]
    for bad in (None, "", "  ", 5):
        with pytest.raises(ds.InvalidInput, match="job id"):
            sched.cancel(bad)  # type: ignore[arg-type]
        with pytest.raises(ds.InvalidInput, match="job id"):
            sched.reschedule(bad, START + timedelta(hours=2))  # type: ignore[arg-type]
        with pytest.raises(ds.InvalidInput, match="job id"):
            sched.job(bad)  # type: ignore[arg-type]
    for bad in ("", 5):
        with pytest.raises(ds.InvalidInput, match="job id"):
            sched.pause(bad)  # type: ignore[arg-type]
    assert [sched.job(j.id).status for j in jobs] == ["scheduled", "scheduled"]  # nothing cancelled


def test_reschedule_keeps_to_the_jobs_end(sched: Scheduler) -> None:
    end = START + timedelta(days=2)
    job = sched.schedule("tip", ["brand-a"], at=START, every=timedelta(hours=1), until=end)
    with pytest.raises(ds.InvalidInput, match="after its end"):
        sched.reschedule(job.id, START + timedelta(days=30))
    assert sched.job(job.id).at == START
    assert sched.reschedule(job.id, end).at == end


def test_a_rhythm_on_a_zones_clock_keeps_its_local_hour(sched: Scheduler, clock: Clock) -> None:
    check_rhythms_on_berlin_time(sched, clock)


def test_a_zone_that_cannot_count_the_rhythm_is_refused_and_nothing_stored(sched: Scheduler) -> None:
    check_zone_plans_refused(sched)


def test_each_job_a_call_ends_is_handed_over_with_its_record(sched: Scheduler, clock: Clock) -> None:
    once = sched.schedule("once", ["brand-a"], at=START)
    hourly = sched.schedule("hourly", ["brand-a", "brand-c"], at=START, every=timedelta(hours=1))
    sched.schedule("later", ["brand-a"], at=START + timedelta(days=1))
    ended: list[ds.Job] = []
    assert sched.run_pending(on_finished=ended.append) == 2
    assert sorted(j.id for j in ended) == sorted([once.id, hourly.id])  # not the job still to come
    by_id = {j.id: j for j in ended}
    assert by_id[once.id].status == "done"
    again = by_id[hourly.id]
    assert (again.status, again.occurrence) == ("scheduled", 1)  # already planned for its next hour
    assert [(o.occurrence, o.target, len(o.post_ids)) for o in again.outcomes] == [
        (0, "brand-a", 1),
        (0, "brand-c", 1),
    ]
    assert sched.run_pending(on_finished=ended.append) == 0  # nothing due: nothing handed over
    assert len(ended) == 2


def test_a_target_that_cannot_connect_fails_alone(sched: Scheduler, profiles: Path) -> None:
    job = sched.schedule("hello", ["needs-secret", "brand-a"], at=START)
    sched.run_pending()
    done = sched.job(job.id)
    assert done.status == "failed"
    failed, posted = done.outcomes
    assert isinstance(failed.error, ds.ConfigurationError)
    assert "NOT_SET_ON_THIS_WORKER" in str(failed.error)
    assert posted.ok
    assert texts(profiles) == ["hello"]


def test_each_target_posts_its_own_variant_kept_in_the_job(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    job = sched.schedule(
        ds.Draft(text="the long form #acme", tags=("acme",)),
        ["brand-a", "brand-b", "brand-c"],
        at=START + timedelta(minutes=5),
        variants={"sandbox": "the sandbox form", "brand-b": {"text": "صيغة العلامة ب", "tags": ["b"]}},
    )
    stored = sched.job(job.id)  # read back from the store, not the object schedule() built
    assert stored.draft.text == "the long form #acme"
    assert {k: v.text for k, v in stored.variants.items()} == {
        "sandbox": "the sandbox form",
        "brand-b": "صيغة العلامة ب",
    }
    assert stored.draft_for("brand-b", "sandbox").tags == ("b",)
    assert stored.draft_for("brand-a", "sandbox").tags == ("acme",)  # a text variant keeps the rest
    clock.advance(minutes=5)
    assert sched.run_pending() == 1
    assert sched.job(job.id).status == "done"
    assert texts(profiles) == ["the sandbox form"] == texts(profiles, "c.db")
    assert texts(profiles, account="brand-b") == ["صيغة العلامة ب"]


def test_a_draft_a_target_cannot_take_is_refused_at_schedule_and_nothing_is_stored(sched: Scheduler) -> None:
    long = "far more than the twenty graphemes brand-tiny takes"
    with pytest.raises(ds.ContentRejected, match="brand-tiny"):
        sched.schedule(long, ["brand-a", "brand-tiny"], at=START)
    with pytest.raises(ds.ContentRejected, match="brand-tiny"):  # the variant itself is checked too
        sched.schedule("short", ["brand-a", "brand-tiny"], at=START, variants={"brand-tiny": long})
    with pytest.raises(ds.InvalidInput, match="matches no target"):
        sched.schedule("short", ["brand-a"], at=START, variants={"bluesky": "no bluesky target"})
    with pytest.raises(ds.InvalidInput, match="matches no target"):
        sched.schedule("short", ["brand-a"], at=START, variants={"brand-c": "not a target of this job"})
    assert sched.jobs() == []
    fits = sched.schedule(long, ["brand-a", "brand-tiny"], at=START, variants={"brand-tiny": "fits"})
    assert fits.variants["brand-tiny"].text == "fits"
    # a target this process cannot connect to is left to the worker, variants by its network included
    later = sched.schedule("x", ["needs-secret"], at=START, variants={"threads": "for threads"})
    assert later.variants["threads"].text == "for threads"


def test_scheduling_again_with_other_variants_is_a_conflict(sched: Scheduler) -> None:
    first = sched.schedule("same", ["brand-a"], at=START, key="k", variants={"brand-a": "a"})
    assert sched.schedule("same", ["brand-a"], at=START, key="k", variants={"brand-a": "a"}).id == first.id
    with pytest.raises(ds.InvalidInput, match="with another content"):
        sched.schedule("same", ["brand-a"], at=START, key="k", variants={"brand-a": "b"})
    with pytest.raises(ds.InvalidInput, match="with another content"):
        sched.schedule("same", ["brand-a"], at=START, key="k")


def test_a_worker_keeps_its_connection_until_the_profile_is_edited(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    due = START + timedelta(hours=1)
    first = sched.schedule("before the edit", ["brand-a"], at=due)
    clock.advance(seconds=1)  # jobs due at one instant run in the order they were scheduled
    second = sched.schedule("still the same file", ["brand-a"], at=due)
    clock.advance(hours=1)
    assert sched.run_pending(limit=1) == 1
    kept = sched._connections.get("brand-a")
    assert sched.run_pending(limit=1) == 1
    assert sched._connections.get("brand-a") is kept  # one connection for every job of the profile
    config = profiles / "config.toml"
    config.write_text(config.read_text().replace(str(profiles / "a.db"), str(profiles / "moved.db"), 1))
    third = sched.schedule("after the edit", ["brand-a"], at=clock.now)
    assert sched.run_pending() == 1
    assert sched._connections.get("brand-a") is not kept
    assert texts(profiles) == ["still the same file", "before the edit"]
    assert texts(profiles, "moved.db") == ["after the edit"]
    assert [sched.job(j.id).status for j in (first, second, third)] == ["done"] * 3


def test_plans_wait_for_the_disk_and_a_workers_bookkeeping_does_not(sched: Scheduler) -> None:
    from decentsocial.sqlite_store import SQLiteStore

    store = sched._store
    assert isinstance(store, SQLiteStore)
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    job = sched.schedule("durable plan", ["brand-a"], at=START)
    sched.pause(job.id)
    sched.resume(job.id)
    planning = [s for s in statements if s.startswith(("PRAGMA", "BEGIN", "COMMIT"))]
    durable = ["PRAGMA synchronous=FULL", "BEGIN IMMEDIATE", "COMMIT", "PRAGMA synchronous=NORMAL"]
    assert planning == durable * 3
    statements.clear()
    assert sched.run_pending() == 1
    store._db.set_trace_callback(None)
    assert not [s for s in statements if s.startswith("PRAGMA")]  # claim and finish: NORMAL
    # the claim, the target's "started" mark (before its publish), the record kept with the job's end,
    # and the claim that finds nothing more due
    assert statements.count("BEGIN IMMEDIATE") == 4
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_scheduling_is_itself_exactly_once(sched: Scheduler) -> None:
    first = sched.schedule(ds.Draft(text="once", idempotency_key="campaign-1"), ["brand-a"], at=START)
    again = sched.schedule(ds.Draft(text="once", idempotency_key="campaign-1"), ["brand-a"], at=START)
    assert again.id == first.id
    with pytest.raises(ds.InvalidInput, match="with another content"):
        sched.schedule(ds.Draft(text="twice", idempotency_key="campaign-1"), ["brand-a"], at=START)
    with pytest.raises(
        ds.InvalidInput, match=r"already planned \(for 2026-12-01T09:00:00\+00:00\) with another time"
    ):
        sched.schedule(ds.Draft(text="once", idempotency_key="campaign-1"), ["brand-a"], at=START + HOUR)
    assert len(sched.jobs()) == 1


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "posts.db") as net:
        net.publish("a sandbox file, not a scheduler store")
    with pytest.raises(ds.ConfigurationError, match="not a decentsocial scheduler store"):
        Scheduler(tmp_path / "posts.db")
    (tmp_path / "notes.txt").write_text("plain text " * 200)
    with pytest.raises(ds.ConfigurationError, match="not a decentsocial scheduler store"):
        Scheduler(tmp_path / "notes.txt")
    assert open_handles(tmp_path / "posts.db") == open_handles(tmp_path / "notes.txt") == 0


def test_a_store_held_by_another_process_is_a_typed_error_and_nothing_changes(
    profiles: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from decentsocial import sqlite_store

    monkeypatch.setattr(sqlite_store, "_TIMEOUT", 0.3)
    store = profiles / "campaign.db"
    with Scheduler(store, now=clock) as sched:
        job = sched.schedule("held", ["brand-a"], at=START)
        other = sqlite3.connect(store, isolation_level=None)  # another process, mid-write
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(
            ds.NetworkUnavailable,
            match=r"scheduler store .* stayed locked by another process"
            r" for 0\.3 s while claiming due jobs",
        ) as caught:
            sched.run_pending()
        assert caught.value.retryable  # another try, once the other process is done, can work
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
        with pytest.raises(ds.NetworkUnavailable, match="while adding a job"):
            sched.schedule("not stored", ["brand-a"], at=START)
        with pytest.raises(ds.NetworkUnavailable, match="while changing the status of jobs"):
            sched.pause()
        assert [j.status for j in sched.jobs()] == ["scheduled"]  # reads go on; nothing changed
        other.execute("ROLLBACK")
        other.close()
        assert sched.run_pending() == 1  # no transaction was left open
        assert [j.id for j in sched.jobs()] == [job.id]
        assert sched.job(job.id).status == "done"
    assert texts(profiles) == ["held"]


def test_a_running_worker_waits_out_a_store_held_elsewhere_and_goes_on(
    profiles: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3
    import threading

    from decentsocial import sqlite_store

    monkeypatch.setattr(sqlite_store, "_TIMEOUT", 0.2)
    store = profiles / "campaign.db"
    with Scheduler(store, now=clock, poll_interval=0.05) as sched:
        job = sched.schedule("after the wait", ["brand-a"], at=START)
        other = sqlite3.connect(store, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another process holds the store for about a second

        def release() -> None:
            other.execute("ROLLBACK")
            other.close()

        threading.Timer(1.0, release).start()
        stop = threading.Event()
        worker = threading.Thread(target=sched.run, args=(stop,))
        worker.start()
        try:
            deadline = time.monotonic() + 30
            while sched.job(job.id).status != "done" and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop.set()
            worker.join(10)
        assert not worker.is_alive()
        assert sched.job(job.id).status == "done"  # the worker went on once the store was free
    assert texts(profiles) == ["after the wait"]
    waits = [r.getMessage() for r in caplog.records if "trying again in" in r.getMessage()]
    assert waits, "the worker said nothing of the store it waited for"
    assert "stayed locked by another process for 0.2 s" in waits[0]
    pauses = [float(m.rsplit("trying again in ", 1)[1].split()[0]) for m in waits]
    assert pauses[:3] == [0.05, 0.1, 0.2][: len(pauses)]  # each pause twice the last


def test_a_store_error_no_wait_can_mend_ends_the_worker(profiles: Path, clock: Clock) -> None:
    with Scheduler(profiles / "campaign.db", now=clock, poll_interval=0.05) as sched:
        sched.store.close()  # a store gone for good: another try would meet the same failure
        with pytest.raises(ds.NetworkUnavailable, match="failed while claiming due jobs") as caught:
            sched.run(lambda: False)
        assert not caught.value.retryable


def _older_layout(store: Path) -> None:
    """A store as made before: rowid tables and the index ``jobs_due`` on ``(status, at)``."""
    import sqlite3

    from decentsocial import sqlite_store

    schema = sqlite_store._SCHEMA.replace(" WITHOUT ROWID", "").replace("DROP INDEX IF EXISTS jobs_due;", "")
    schema = schema.replace(",\n    local_at    TEXT", "")  # and no rhythms on a zone's clock
    schema = schema.replace("jobs_soonest ON jobs (status, at, created_at)", "jobs_due ON jobs (status, at)")
    with sqlite3.connect(store) as db:
        db.executescript(schema)
        db.execute("INSERT INTO meta (name, value) VALUES ('format', ?)", (sqlite_store._MAGIC,))
    db.close()


@pytest.mark.parametrize("layout", ["current", "older"])
def test_jobs_due_at_one_instant_run_in_the_order_scheduled_in_either_store_layout(
    profiles: Path, clock: Clock, layout: str
) -> None:
    import sqlite3

    store = profiles / f"{layout}.db"
    if layout == "older":
        _older_layout(store)
    sched = Scheduler(store, now=clock)
    try:
        due = START + timedelta(hours=1)
        planned = []
        for i in range(6):
            planned.append(sched.schedule(f"post {i}", ["brand-a"], at=due))
            clock.advance(microseconds=1)
        held = sched.schedule("held back", ["brand-a", "brand-c"], at=due)
        sched.pause(held.id)
        tomorrow = due + timedelta(days=1)
        zoned = sched.schedule("zoned", ["brand-a"], at=tomorrow, every=timedelta(days=1), tz="Europe/Berlin")
        assert sched.job(zoned.id).tz == "Europe/Berlin"
        clock.advance(hours=1)
        for _ in planned:
            assert sched.run_pending(limit=1) == 1
        assert sched.run_pending() == 0
        assert texts(profiles) == [f"post {i}" for i in reversed(range(6))]  # newest first: run in order
        assert [sched.job(j.id).status for j in planned] == ["done"] * 6
        assert sched.job(held.id).status == "paused"
    finally:
        sched.close()
    with sqlite3.connect(store) as db:
        tables = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index')"))
    db.close()
    assert ("WITHOUT ROWID" in tables["jobs"]) is (layout == "current")
    assert "local_at" in tables["jobs"]  # an older store gets the column when opened
    assert "jobs_soonest" in tables  # an older store gets the new index in place of the old one
    assert "jobs_due" not in tables


_WORKER = """
import sys
from decentsocial import Scheduler
Scheduler(sys.argv[1], lease=float(sys.argv[2]), poll_interval=0.1).run()
"""


@pytest.mark.slow
def test_a_worker_killed_mid_campaign_is_finished_by_another_without_doubles(profiles: Path) -> None:
    """200 due jobs; worker A is killed with SIGKILL part way; worker B takes over expired leases.

    The last 80 jobs are held back (paused) while worker A runs, so a poll
    slowed by a loaded machine cannot let A finish the whole campaign before
    the kill lands; they are resumed for worker B.
    """
    store = profiles / "campaign.db"
    plan = Scheduler(store)
    now = datetime.now(timezone.utc)
    jobs = [plan.schedule(f"campaign post {i:03d}", ["brand-a", "brand-c"], at=now) for i in range(200)]
    held = [plan.pause(job.id)[0] for job in jobs[120:]]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, "-c", _WORKER, str(store), "2"], env=env)
    try:
        deadline = time.monotonic() + 120
        while len(plan.jobs(status="done")) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    done_before = len(plan.jobs(status="done"))
    assert 40 <= done_before <= 120, "the kill must land in the middle of the campaign"
    assert sorted(plan.resume()) == sorted(held)
    time.sleep(2.5)  # the dead worker's lease expires
    takeover = Scheduler(store, lease=2)
    while takeover.run_pending():
        pass
    finished = plan.jobs()
    assert {j.status for j in finished} == {"done"}
    for job in finished:
        assert [len(o.post_ids) for o in job.outcomes] == [1, 1], job.id
    expected = sorted(f"campaign post {i:03d}" for i in range(200))
    assert sorted(texts(profiles)) == expected  # each exactly once on brand-a
    assert sorted(texts(profiles, "c.db")) == expected  # and on brand-c
    assert len(jobs) == 200


# ---------------------------------------------------------------- the command line


def test_the_campaign_commands_plan_run_and_report(profiles: Path) -> None:
    from typer.testing import CliRunner

    from decentsocial.cli import app

    runner = CliRunner()
    store = str(profiles / "cli.db")

    def invoke(*args: str) -> Any:
        return runner.invoke(app, [*args, "--store", store], env={"COLUMNS": "200"})

    planned = invoke(
        "schedule", "from the command line #cli", "--to", "brand-a", "--to", "brand-c", "--at", "now"
    )
    assert planned.exit_code == 0, planned.output
    job_id = planned.output.split()[1]
    later = invoke("schedule", "later", "--to", "brand-a", "--at", "+2h", "--every", "1d")
    assert later.exit_code == 0, later.output
    later_id = later.output.split()[1]
    assert invoke("pause", later_id).output.startswith("paused 1 job(s)")
    ran = invoke("worker", "--once")
    assert ran.exit_code == 0, ran.output
    assert f"{job_id} done: 2 post(s)" in ran.output
    listed = invoke("jobs")
    assert job_id in listed.output
    assert "paused" in listed.output
    assert texts(profiles) == ["from the command line #cli"]
    assert invoke("cancel", later_id).exit_code == 0
    daily = invoke(
        "schedule",
        "9:00 in Berlin",
        "--to",
        "brand-a",
        "--at",
        "2030-01-07T09:00+01:00",
        "--every",
        "1d",
        "--tz",
        "Europe/Berlin",
        "--json",
    )
    assert daily.exit_code == 0, daily.output
    assert json.loads(daily.output)["tz"] == "Europe/Berlin"
    assert "on Europe/Berlin time" in invoke("jobs").output
    hourly = invoke("schedule", "x", "--to", "brand-a", "--every", "1h", "--tz", "Europe/Berlin")
    assert hourly.exit_code == 2  # options that do not go together: a wrong argument (docs/cli.md, Errors)
    assert "whole days" in hourly.output
    bad = invoke("schedule", "x", "--to", "brand-a", "--at", "2026-12-24T09:00")
    assert bad.exit_code == 2  # a wrong argument (docs/cli.md, Errors)
    assert "no time zone" in bad.output
    unknown = invoke("schedule", "x", "--to", "nobody", "--at", "+1h")
    assert unknown.exit_code == 1
    assert "no profile 'nobody'" in unknown.output
    targets = ["--to", "brand-a", "--to", "brand-c"]
    varied = invoke("schedule", "the long form", *targets, "--variant", "brand-c=for c = short")
    assert varied.exit_code == 0, varied.output
    assert invoke("worker", "--once").exit_code == 0
    assert texts(profiles, "c.db")[0] == "for c = short"  # split at the first '=' only
    assert texts(profiles)[0] == "the long form"
    typo = invoke("schedule", "x", "--to", "brand-a", "--variant", "brand-q=x")
    assert typo.exit_code == 2  # a wrong argument, said before the store is made (docs/cli.md, Errors)
    assert "names no --to profile and no network" in typo.output
    assert invoke("schedule", "x", "--to", "brand-a", "--variant", "no equals sign").exit_code == 2


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1.5h", 5400)]
)
def test_durations(text: str, seconds: float) -> None:
    from decentsocial.campaign_cli import parse_duration

    assert parse_duration(text).total_seconds() == seconds


def test_times() -> None:
    from decentsocial.campaign_cli import parse_when

    assert parse_when("+2h", now=START) == START + timedelta(hours=2)
    assert parse_when("now", now=START) == START
    assert parse_when("2026-12-24T09:00+01:00") == datetime(2026, 12, 24, 8, 0, tzinfo=timezone.utc)
    for bad in ("tomorrow", "2026-12-24T09:00", "+2 fortnights"):
        with pytest.raises(ds.InvalidInput):
            parse_when(bad, now=START)


def test_a_clock_this_machine_does_not_know_is_counted_in_utc(caplog: pytest.LogCaptureFixture) -> None:
    """A worker whose system lacks the job's zone (or a store edited by hand) goes on, in UTC."""
    from decentsocial.jobs import next_state

    at = START.timestamp()
    for local_at in ("2026-12-01T10:00:00[Nowhere/Atlantis]", "not a time[Europe/Berlin]"):
        then = next_state(at, 86400.0, None, False, at, local_at)
        assert (then.status, then.following) == ("scheduled", at + 86400.0)
    assert "counted in UTC" in caplog.text
