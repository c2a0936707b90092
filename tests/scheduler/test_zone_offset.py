"""A rhythm's ``at`` written with another UTC offset than its ``tz`` has then is refused, by the
library and by ``schedule --at … --tz …`` (status 2), naming both offsets and the time to give.

The rhythm keeps the local time ``at`` shows on the zone's clock: ``09:00+01:00`` with
``America/New_York`` (-05:00 in December) was taken and ran at 03:00 New York time every day, not at
the 09:00 written. An offset the zone has then is taken (either side of a time shown twice, a time the
clocks skip with the offset before the change), and so is UTC (an instant).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app
from decentsocial.models import parse_iso_datetime
from decentsocial.scheduler import Scheduler

from . import zoned

NEW_YORK = ZoneInfo("America/New_York")
DAY = timedelta(days=1)


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ran_at(sched: Scheduler, job_id: str, times: int) -> list[str]:
    """The New York times the job's next ``times`` occurrences ran at, each run when due."""
    return zoned.ran_at(sched, sched._now, job_id, times, zone=NEW_YORK)


def test_an_offset_the_zone_does_not_have_then_is_refused_naming_both_and_nothing_stored(
    sched: Scheduler,
) -> None:
    with pytest.raises(ds.InvalidInput) as refused:
        sched.schedule("x", ["brand-a"], at=iso("2026-12-08T09:00+01:00"), every=DAY, tz="America/New_York")
    said = str(refused.value)
    assert "UTC+01:00" in said
    assert "America/New_York's is UTC-05:00" in said
    assert "03:00 on America/New_York's clock" in said
    assert "give 2026-12-08T09:00:00-05:00" in said  # the time to write for 09:00 there
    assert "2026-12-08T08:00:00+00:00" in said  # or the instant, in UTC
    assert sched.jobs() == []


def test_the_winter_offset_in_summer_is_refused(sched: Scheduler) -> None:
    with pytest.raises(ds.InvalidInput, match=r"is 10:00 on America/New_York's clock.*UTC-04:00"):
        sched.schedule("x", ["brand-a"], at=iso("2027-07-08T09:00-05:00"), every=DAY, tz=NEW_YORK)
    assert sched.jobs() == []


def test_an_other_zone_with_another_offset_is_refused_one_with_the_same_is_taken(sched: Scheduler) -> None:
    berlin = datetime(2026, 12, 8, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    with pytest.raises(ds.InvalidInput, match=r"UTC\+01:00"):
        sched.schedule("x", ["brand-a"], at=berlin, every=DAY, tz="America/New_York")
    toronto = datetime(2026, 12, 8, 9, tzinfo=ZoneInfo("America/Toronto"))  # New York's offset
    job = sched.schedule("x", ["brand-a"], at=toronto, every=DAY, tz="America/New_York")
    assert ran_at(sched, job.id, 2) == ["12-08 09:00-0500", "12-09 09:00-0500"]


def test_the_offset_the_zone_has_then_is_taken_and_keeps_its_hour_across_the_change(sched: Scheduler) -> None:
    job = sched.schedule("x", ["brand-a"], at=iso("2027-03-12T09:00-05:00"), every=DAY, tz="America/New_York")
    assert job.tz == "America/New_York"
    # The clocks go forward on 14 March: 09:00 New York time all along.
    assert ran_at(sched, job.id, 4) == [
        "03-12 09:00-0500",
        "03-13 09:00-0500",
        "03-14 09:00-0400",
        "03-15 09:00-0400",
    ]


@pytest.mark.parametrize(
    ("at", "first"),
    [
        ("2027-11-07T01:30-04:00", "11-07 01:30-0400"),  # the first 01:30 of the night shown twice
        ("2027-11-07T01:30-05:00", "11-07 01:30-0500"),  # the second one
    ],
)
def test_either_offset_of_a_time_shown_twice_is_taken(sched: Scheduler, at: str, first: str) -> None:
    given = iso(at)
    job = sched.schedule("x", ["brand-a"], at=given, every=DAY, tz="America/New_York")
    assert job.at == given
    assert ran_at(sched, job.id, 2) == [first, "11-08 01:30-0500"]


def test_a_skipped_time_with_the_offset_before_the_change_keeps_its_hour(sched: Scheduler) -> None:
    """02:30 does not exist on 14 March 2027 in New York; written as ZoneInfo writes it (-05:00) it runs
    at 03:30 that night and at 02:30 the next day, as the same time on the zone itself does."""
    skipped = iso("2027-03-14T02:30-05:00")
    assert datetime(2027, 3, 14, 2, 30, tzinfo=NEW_YORK).isoformat() == "2027-03-14T02:30:00-05:00"
    job = sched.schedule("x", ["brand-a"], at=skipped, every=DAY, tz="America/New_York")
    assert ran_at(sched, job.id, 3) == ["03-14 03:30-0400", "03-15 02:30-0400", "03-16 02:30-0400"]
    with pytest.raises(ds.InvalidInput, match="is 01:30 on America/New_York's clock, not the 02:30 written"):
        sched.schedule("y", ["brand-a"], at=iso("2027-03-14T02:30-04:00"), every=DAY, tz="America/New_York")


def test_utc_is_an_instant_and_a_time_without_a_zone_is_still_refused(sched: Scheduler) -> None:
    job = sched.schedule("x", ["brand-a"], at=iso("2026-12-08T14:00+00:00"), every=DAY, tz="America/New_York")
    assert ran_at(sched, job.id, 2) == ["12-08 09:00-0500", "12-09 09:00-0500"]
    with pytest.raises(ds.InvalidInput, match="no time zone"):
        sched.schedule("y", ["brand-a"], at=datetime(2026, 12, 8, 9), every=DAY, tz="America/New_York")


def test_reschedule_refuses_such_an_offset_and_leaves_the_job(sched: Scheduler) -> None:
    job = sched.schedule("x", ["brand-a"], at=iso("2026-12-08T09:00-05:00"), every=DAY, tz="America/New_York")
    with pytest.raises(ds.InvalidInput, match=r"UTC\+01:00.*UTC-05:00"):
        sched.reschedule(job.id, iso("2026-12-10T09:00+01:00"))
    assert sched.job(job.id).at == job.at
    moved = sched.reschedule(job.id, iso("2026-12-10T10:00-05:00"))
    assert ran_at(sched, moved.id, 2) == ["12-10 10:00-0500", "12-11 10:00-0500"]


# ---------------------------------------------------------------- the command line


def invoke(store: Path, *args: str) -> Any:
    return CliRunner().invoke(app, [*args, "--store", str(store)], env={"COLUMNS": "200"})


def schedule_at(store: Path, at: str) -> Any:
    return invoke(
        store,
        "schedule",
        "x",
        "--to",
        "brand-a",
        "--at",
        at,
        "--every",
        "1d",
        "--tz",
        "America/New_York",
        "--json",
    )


def test_schedule_refuses_such_an_offset_as_a_wrong_argument_before_any_store(profiles: Path) -> None:
    store = profiles / "cli.db"
    result = schedule_at(store, "2030-12-10T09:00+01:00")
    assert result.exit_code == 2, result.output  # a wrong argument (docs/cli.md, Errors)
    said = " ".join(result.output.split())
    assert "--at 2030-12-10T09:00:00+01:00 is 03:00 on America/New_York's clock" in said
    assert "UTC+01:00" in said
    assert "UTC-05:00" in said
    assert "give 2030-12-10T09:00:00-05:00" in said
    assert not store.exists()


@pytest.mark.parametrize(
    ("at", "utc"),
    [
        ("2030-12-10T09:00-05:00", "2030-12-10T14:00:00Z"),  # the offset New York has then
        ("2030-11-03T01:30-04:00", "2030-11-03T05:30:00Z"),  # the first 01:30 of the night shown twice
        ("2030-11-03T01:30-05:00", "2030-11-03T06:30:00Z"),  # the second
        ("2030-12-10T14:00Z", "2030-12-10T14:00:00Z"),  # UTC: an instant
        ("+1d", None),
    ],
)
def test_schedule_takes_an_offset_the_zone_has_then(profiles: Path, at: str, utc: str | None) -> None:
    result = schedule_at(profiles / "cli.db", at)
    assert result.exit_code == 0, result.output
    planned = json.loads(result.output)
    assert planned["tz"] == "America/New_York"
    if utc is not None:
        assert parse_iso_datetime(planned["at"]) == parse_iso_datetime(utc)


def test_reschedule_refuses_such_an_offset_from_the_store_s_zone(profiles: Path) -> None:
    store = profiles / "cli.db"
    job_id = json.loads(schedule_at(store, "2030-12-10T09:00-05:00").output)["id"]
    moved = invoke(store, "reschedule", job_id, "--at", "2030-12-11T09:00+01:00")
    assert moved.exit_code == 1, moved.output  # the zone is the job's, read from the store
    assert "UTC-05:00" in " ".join(moved.output.split())
    listed = json.loads(invoke(store, "jobs", "--json").output)
    assert parse_iso_datetime(listed[0]["at"]) == datetime(2030, 12, 10, 14, tzinfo=timezone.utc)
