"""A recurring campaign counted on Berlin's clock across both daylight saving changes, for either store."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

BERLIN = ZoneInfo("Europe/Berlin")


def ran_at(
    sched: Scheduler,
    clock: Any,
    job_id: str,
    times: int,
    zone: ZoneInfo = BERLIN,
    shown_as: str = "%m-%d %H:%M%z",
) -> list[str]:
    """Run the job's next ``times`` occurrences, each when due; the local times (``zone``'s) they ran at."""
    shown = []
    for _ in range(times):
        due = sched.job(job_id).at
        clock.now = due
        assert sched.run_pending() == 1
        shown.append(due.astimezone(zone).strftime(shown_as))
    return shown


def check_rhythms_on_berlin_time(sched: Scheduler, clock: Any) -> None:
    """Weekly at 09:00, daily at 02:30 (an hour the clocks skip in spring, show twice in autumn), and
    a job moved to 10:00: each keeps its local hour, where the same plan counted in UTC moves by one."""
    clock.now = datetime(2027, 3, 20, tzinfo=BERLIN)
    week = timedelta(days=7)
    spring = datetime(2027, 3, 22, 9, tzinfo=BERLIN)
    weekly = sched.schedule("weekly tip", ["brand-a"], at=spring, every=week, tz="Europe/Berlin")
    assert weekly.tz == "Europe/Berlin"
    assert ran_at(sched, clock, weekly.id, 3) == ["03-22 09:00+0100", "03-29 09:00+0200", "04-05 09:00+0200"]
    sched.cancel(weekly.id)
    clock.now = spring - timedelta(hours=1)
    in_utc = sched.schedule("weekly tip (UTC)", ["brand-a"], at=spring, every=week)
    assert in_utc.tz is None
    assert ran_at(sched, clock, in_utc.id, 2) == ["03-22 09:00+0100", "03-29 10:00+0200"]
    sched.cancel(in_utc.id)
    clock.now = datetime(2027, 3, 26, tzinfo=BERLIN)

    night = sched.schedule(
        "night",
        ["brand-a"],
        at=datetime(2027, 3, 27, 2, 30, tzinfo=BERLIN),
        every=timedelta(days=1),
        tz=BERLIN,
    )
    # 02:30 does not exist on 28 March: that night's runs an hour later, and the next is at 02:30 again.
    assert ran_at(sched, clock, night.id, 3) == ["03-27 02:30+0100", "03-28 03:30+0200", "03-29 02:30+0200"]
    autumn = datetime(2027, 10, 30, 2, 30, tzinfo=BERLIN)
    assert sched.reschedule(night.id, autumn).at == autumn
    # 02:30 comes twice on 31 October: the first one.
    assert ran_at(sched, clock, night.id, 3) == ["10-30 02:30+0200", "10-31 02:30+0200", "11-01 02:30+0100"]

    moved = datetime(2027, 11, 2, 10, tzinfo=BERLIN)
    assert sched.reschedule(night.id, moved).at == moved  # the rhythm goes on from 10:00 local
    clock.now = moved + timedelta(days=3, hours=5)  # late: three occurrences missed, run once
    assert sched.run_pending() == 1
    assert sched.job(night.id).at.astimezone(BERLIN) == datetime(2027, 11, 6, 10, tzinfo=BERLIN)


def check_zone_plans_refused(sched: Scheduler) -> None:
    at = datetime(2027, 1, 4, 9, tzinfo=BERLIN)
    day = timedelta(days=1)
    for bad, every, says in [
        ("Europe/Atlantis", day, "IANA time zone"),
        ("", day, "IANA time zone"),
        ("../../etc/passwd", day, "IANA time zone"),
        (5, day, "IANA time zone"),
        ("Europe/Berlin", None, "tz goes with every"),
        ("Europe/Berlin", timedelta(hours=1), "whole days"),
        ("Europe/Berlin", timedelta(days=1, minutes=1), "whole days"),
    ]:
        with pytest.raises(ds.InvalidInput, match=says):
            sched.schedule("x", ["brand-a"], at=at, every=every, tz=bad)  # type: ignore[arg-type]
    assert sched.jobs() == []
    job = sched.schedule("x", ["brand-a"], at=at, every=day, tz="Europe/Berlin", key="k")
    assert sched.schedule("x", ["brand-a"], at=at, every=day, tz=BERLIN, key="k").id == job.id
    with pytest.raises(ds.InvalidInput, match="another tz"):
        sched.schedule("x", ["brand-a"], at=at, every=day, tz="Europe/Paris", key="k")
    with pytest.raises(ds.InvalidInput, match="another tz"):
        sched.schedule("x", ["brand-a"], at=at, every=day, key="k")
