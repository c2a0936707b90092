"""A draft whose ``idempotency_key`` is blank is refused by ``schedule``, as ``publish`` and
``crosspost`` refuse it: read as "no key", each run got a new random job key, so the same script run
twice planned two jobs and posted twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

NOW = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)


@pytest.fixture
def sched(profiles: Path) -> Iterator[Scheduler]:
    with Scheduler(profiles / "campaign.db", now=lambda: NOW) as running:
        yield running


@pytest.mark.parametrize("blank", ["", "  ", "\t\n"])
def test_a_draft_with_a_blank_key_is_refused_and_nothing_is_stored(sched: Scheduler, blank: str) -> None:
    draft = ds.Draft(text="launch", idempotency_key=blank)
    for _ in range(2):  # the same script, run twice
        with pytest.raises(ds.InvalidInput, match="idempotency_key must be non-empty text"):
            sched.schedule(draft, ["brand-a"], at=NOW + timedelta(hours=1))
    assert sched.jobs() == []


def test_the_refusal_is_the_one_crosspost_gives(sched: Scheduler, profiles: Path) -> None:
    draft = ds.Draft(text="launch", idempotency_key="")
    with pytest.raises(ds.InvalidInput) as scheduled:
        sched.schedule(draft, ["brand-a", "brand-c"], at=NOW + timedelta(hours=1))
    with ds.connect("sandbox", path=profiles / "a.db", account="brand") as net:
        with pytest.raises(ds.InvalidInput) as crossposted:
            ds.crosspost(draft, [net])
        assert list(net.posts(limit=5)) == []
    assert scheduled.value.message == crossposted.value.message


def test_a_key_given_still_wins_over_the_drafts(sched: Scheduler) -> None:
    """Only the key the job would fall back to is checked: the job's key is the one given."""
    draft = ds.Draft(text="launch", idempotency_key="")
    job = sched.schedule(draft, ["brand-a"], at=NOW + timedelta(hours=1), key="launch-2026")
    assert job.key == "launch-2026"
    assert sched.schedule(draft, ["brand-a"], at=NOW + timedelta(hours=1), key="launch-2026").id == job.id
    assert len(sched.jobs()) == 1


def test_a_draft_without_a_key_still_gets_a_new_job_each_time(sched: Scheduler) -> None:
    first = sched.schedule(ds.Draft(text="launch"), ["brand-a"], at=NOW + timedelta(hours=1))
    second = sched.schedule(ds.Draft(text="launch"), ["brand-a"], at=NOW + timedelta(hours=1))
    assert first.id != second.id
    assert len(first.key) == len(second.key) == 32  # a new random key, as before
