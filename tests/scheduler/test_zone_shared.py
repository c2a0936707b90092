"""A rhythm's ``tz`` must name a zone every worker reads alike: ``localtime``, ``posixrules``,
``Factory``, ``right/…`` and ``posix/…`` are refused, by the library and by ``schedule --tz``.

Each worker counts a job's rhythm on its own copy of the zone named. ``localtime`` and
``posixrules`` were taken: they load the zone this machine's file holds, so a worker on another
machine counted the same job on another clock; ``right/…`` counts leap seconds (27 s off), and
``posix/X`` is a copy of ``X`` that not every machine has (a worker without it counted in UTC).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app
from decentsocial.jobs import Plan, content_json
from decentsocial.scheduler import Scheduler

BERLIN = ZoneInfo("Europe/Berlin")
AT = datetime(2027, 1, 4, 9, tzinfo=BERLIN)
DAY = timedelta(days=1)

#: Each name refused, and what the refusal says to give instead.
REFUSED = [
    ("localtime", "name the zone itself"),
    ("posixrules", "name the zone itself"),
    ("LocalTime", "name the zone itself"),  # a case-blind disk (macOS, Windows) finds it too
    ("Factory", "such as 'Europe/Berlin'"),
    ("right/Europe/Berlin", "use 'Europe/Berlin'"),
    ("right/UTC", "use 'UTC'"),
    ("posix/Europe/Berlin", "use 'Europe/Berlin'"),
    ("posix/America/New_York", "use 'America/New_York'"),
    ("posix/localtime", "name the zone itself"),
]


def loaded(name: str) -> ZoneInfo:
    """The zone file ``name`` on this machine; the test is skipped where it has none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pytest.skip(f"this machine has no zone file {name!r}")


@pytest.mark.parametrize(("name", "instead"), REFUSED)
def test_a_zone_read_otherwise_elsewhere_is_refused_and_nothing_stored(
    sched: Scheduler, name: str, instead: str
) -> None:
    with pytest.raises(ds.InvalidInput) as refused:
        sched.schedule("x", ["brand-a"], at=AT, every=DAY, tz=name)
    assert instead in str(refused.value)
    assert "IANA time zone name" not in str(refused.value)  # not "unknown": why this one is not taken
    assert sched.jobs() == []


@pytest.mark.parametrize("name", ["localtime", "posixrules", "posix/Europe/Berlin", "right/Europe/Berlin"])
def test_a_zoneinfo_of_such_a_name_is_refused_too(sched: Scheduler, name: str) -> None:
    with pytest.raises(ds.InvalidInput, match="tz '"):
        sched.schedule("x", ["brand-a"], at=AT, every=DAY, tz=loaded(name))
    assert sched.jobs() == []


def test_localtime_names_the_zone_it_is_on_this_machine_when_it_can(sched: Scheduler) -> None:
    here = loaded("localtime")
    with pytest.raises(ds.InvalidInput) as refused:
        sched.schedule("x", ["brand-a"], at=AT, every=DAY, tz="localtime")
    said = str(refused.value)
    assert "this machine" in said
    assert "another clock" in said
    if "here it is '" in said:  # a link to a zone file (a copy of one cannot be named)
        named = said.split("here it is '")[1].split("'")[0]
        assert named != "localtime"
        assert ZoneInfo(named).utcoffset(AT.replace(tzinfo=None)) == here.utcoffset(AT.replace(tzinfo=None))


@pytest.mark.parametrize("name", ["Europe/Berlin", "UTC", "Etc/UTC", "US/Eastern", "Asia/Calcutta"])
def test_zones_of_the_iana_database_and_its_links_are_taken(sched: Scheduler, name: str) -> None:
    at = AT.astimezone(loaded(name))  # on that zone's clock: 09:00 Berlin is another zone's offset
    job = sched.schedule("x", ["brand-a"], at=at, every=DAY, tz=name)
    assert sched.job(job.id).tz == name


def test_a_job_planned_with_such_a_zone_before_still_moves(sched: Scheduler) -> None:
    """Refused when planned, not when read: a job a store kept from before still runs and moves."""
    loaded("posix/Europe/Berlin")
    store: Any = sched._store
    job_id = store.add(
        Plan(
            key="before",
            at=AT.timestamp(),
            every=DAY.total_seconds(),
            until=None,
            targets=("brand-a",),
            draft_json=content_json(ds.Draft(text="x"), {}),
            created_at=AT.timestamp(),
            local_at="2027-01-04T09:00:00[posix/Europe/Berlin]",
        )
    )
    assert sched.job(job_id).tz == "posix/Europe/Berlin"
    later = datetime(2027, 4, 5, 9, tzinfo=BERLIN)
    assert sched.reschedule(job_id, later).at == later
    assert sched.job(job_id).tz == "posix/Europe/Berlin"


@pytest.mark.parametrize(("name", "instead"), REFUSED)
def test_schedule_tz_refuses_it_as_a_wrong_argument_before_any_store(
    profiles: Path, name: str, instead: str
) -> None:
    store = profiles / "cli.db"
    result = CliRunner().invoke(
        app,
        ["schedule", "x", "--to", "brand-a", "--every", "1d", "--tz", name, "--store", str(store)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 2, result.output  # a wrong argument, as an unknown --tz
    assert "--tz" in result.output
    assert instead in result.output
    assert not store.exists()
    berlin = ["schedule", "x", "--to", "brand-a", "--every", "1d", "--tz", "Europe/Berlin"]
    taken = CliRunner().invoke(app, [*berlin, "--store", str(store)])
    assert taken.exit_code == 0, taken.output
