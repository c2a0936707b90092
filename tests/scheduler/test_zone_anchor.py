"""A rhythm on a zone's clock whose first time (or new time) is one the clocks skip: the later days
keep the local hour written, not the hour the skipped night ran at."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from decentsocial.scheduler import Scheduler

from . import zoned
from .profiles import Clock

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def clock() -> Clock:
    """Before either change of the clocks (the scheduler fixture runs on it)."""
    return Clock(datetime(2027, 3, 27, tzinfo=BERLIN))


def ran_at(sched: Scheduler, job_id: str, times: int) -> list[str]:
    """The Berlin times the job's next ``times`` occurrences ran at, each run when due."""
    return zoned.ran_at(sched, sched._now, job_id, times, shown_as="%m-%d %H:%M")


def test_a_first_time_the_clocks_skip_runs_an_hour_later_once(sched: Scheduler) -> None:
    day = timedelta(days=1)
    skipped = datetime(2027, 3, 28, 2, 30, tzinfo=BERLIN)  # 02:30 does not exist that night
    night = sched.schedule("night", ["brand-a"], at=skipped, every=day, tz="Europe/Berlin")
    assert ran_at(sched, night.id, 3) == ["03-28 03:30", "03-29 02:30", "03-30 02:30"]


def test_a_job_moved_to_a_time_the_clocks_skip_goes_back_to_it_the_next_day(sched: Scheduler) -> None:
    day = timedelta(days=1)
    night = sched.schedule(
        "night", ["brand-a"], at=datetime(2027, 3, 27, 9, tzinfo=BERLIN), every=day, tz=BERLIN
    )
    moved = sched.reschedule(night.id, datetime(2027, 3, 28, 2, 30, tzinfo=BERLIN))
    assert moved.at == datetime(2027, 3, 28, 3, 30, tzinfo=BERLIN)
    assert ran_at(sched, night.id, 2) == ["03-28 03:30", "03-29 02:30"]


def test_fold_one_on_a_skipped_time_runs_once_that_night(sched: Scheduler) -> None:
    # fold=1 reads the skipped 02:30 with the offset after the change: 01:30, an hour earlier.
    early = datetime(2027, 3, 28, 2, 30, fold=1, tzinfo=BERLIN)
    night = sched.schedule("night", ["brand-a"], at=early, every=timedelta(days=1), tz=BERLIN)
    assert ran_at(sched, night.id, 2) == ["03-28 01:30", "03-29 01:30"]


def test_a_time_shown_twice_runs_the_time_given_then_the_first_one(sched: Scheduler) -> None:
    second = datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=BERLIN)  # the second 02:30 (+01:00)
    night = sched.schedule("night", ["brand-a"], at=second, every=timedelta(days=1), tz=BERLIN)
    assert night.at.utcoffset() == timedelta(0)
    assert night.at.hour == 1  # 01:30 UTC: the second 02:30, as given
    assert ran_at(sched, night.id, 2) == ["10-31 02:30", "11-01 02:30"]
