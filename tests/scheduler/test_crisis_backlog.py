"""What ``Crisis.end(backlog="skip")`` cancels: every one-off post the crisis held past its time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

from .profiles import Clock

START = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def clock() -> Clock:
    """Campaigns start at the wall clock's time (a crisis reads it too)."""
    return Clock(START)


def texts(profiles: Path) -> list[str]:
    with ds.connect("sandbox", path=profiles / "a.db", account="brand") as net:
        return [p.text for p in net.posts(limit=None)]


def test_a_post_planned_during_the_crisis_and_due_in_it_is_skipped_too(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    # The crisis held it as much as the ones it paused: "skip" must not let it out in the end's burst.
    before = sched.schedule("planned before", ["brand-a"], at=START + timedelta(hours=1))
    c = ds.crisis("statement", ["brand-c"], scheduler=sched, pin=False)
    during = sched.schedule("SALE! 50% off", ["brand-a"], at=START + timedelta(hours=2))
    later = sched.schedule("after the crisis", ["brand-a"], at=START + timedelta(hours=5))
    held = sched.schedule("held by hand", ["brand-a"], at=START + timedelta(hours=2))
    sched.pause(held.id)
    clock.now = START + timedelta(hours=3)
    ended = c.end(backlog="skip")
    assert sorted(ended.skipped) == sorted([before.id, during.id])
    assert sched.run_pending() == 0
    assert texts(profiles) == []
    assert [sched.job(j.id).status for j in (before, during, later, held)] == [
        "cancelled",
        "cancelled",
        "scheduled",
        "paused",
    ]


def test_without_skip_the_post_planned_during_the_crisis_goes_out_at_its_end(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    c = ds.crisis("statement", ["brand-c"], scheduler=sched, pin=False)
    sched.schedule("planned during", ["brand-a"], at=START + timedelta(hours=1))
    clock.now = START + timedelta(hours=2)
    assert c.end().skipped == ()
    assert sched.run_pending() == 1
    assert texts(profiles) == ["planned during"]


def test_a_repeating_job_whose_end_passed_during_the_crisis_is_skipped(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    # Its one held occurrence would go out days after the campaign's end: that is backlog too.
    day = timedelta(days=1)
    ended = sched.schedule(
        "daily sale", ["brand-a"], at=START + timedelta(hours=1), every=day, until=START + 2 * day
    )
    going_on = sched.schedule("weekly tip", ["brand-a"], at=START + timedelta(hours=1), every=7 * day)
    c = ds.crisis("statement", ["brand-c"], scheduler=sched, pin=False)
    clock.now = START + 5 * day
    done = c.end(backlog="skip")
    assert done.skipped == (ended.id,)
    assert done.resumed == (going_on.id,)
    assert sched.run_pending() == 1
    assert texts(profiles) == ["weekly tip"]
    assert sched.job(ended.id).status == "cancelled"


def test_without_skip_that_late_occurrence_still_runs_once(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    day = timedelta(days=1)
    job = sched.schedule(
        "daily sale", ["brand-a"], at=START + timedelta(hours=1), every=day, until=START + 2 * day
    )
    c = ds.crisis("statement", ["brand-c"], scheduler=sched, pin=False)
    clock.now = START + 5 * day
    assert c.end().resumed == (job.id,)
    assert sched.run_pending() == 1
    assert sched.job(job.id).status == "done"
