"""``Crisis.end(backlog="skip")`` on a job whose every target had published before the crisis held it.

The crisis paused it after its last target began (the worker ran every target; a one-off job, or
a repeating one with nothing after this occurrence, stays paused as it is). Nothing of it is
backlog: "skip" ends it as its worker would have, ``done`` (``failed`` where a target failed),
never ``cancelled`` while its posts are up. Both stores.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.jobs import TargetOutcome
from decentsocial.lifecycle import Crisis
from decentsocial.scheduler import Scheduler

from .profiles import Clock
from .test_pause_after_last_target import WINDOWS, pause_in_the_window, posted

#: A crisis reads the wall clock: the campaigns start at its time.
START = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=1)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


def crisis_after_the_last_target(
    user: Scheduler, worker: Scheduler, monkeypatch: pytest.MonkeyPatch, when: str = WINDOWS[1]
) -> Crisis:
    """Run the due jobs, a crisis landing once the last target (brand-c) began; the crisis."""
    crises: list[Crisis] = []
    start = lambda: crises.append(ds.crisis("We are on it.", ["brand-tiny"], scheduler=user, pin=False))  # noqa: E731
    pause_in_the_window(worker, when, start, monkeypatch)
    assert worker.run_pending() == 1
    return crises[0]


@pytest.mark.parametrize("when", WINDOWS)
def test_a_one_off_job_published_everywhere_ends_done_not_cancelled(
    user: Scheduler,
    worker: Scheduler,
    clock: Clock,
    profiles: Path,
    monkeypatch: pytest.MonkeyPatch,
    when: str,
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    c = crisis_after_the_last_target(user, worker, monkeypatch, when)
    assert c.paused == (job.id,)
    clock.advance(hours=2)
    ended = c.end(backlog="skip")
    assert ended.skipped == ()  # nothing of it was held back: both posts are up
    assert ended.resumed == (job.id,)
    after = user.job(job.id)
    assert after.status == "done"
    assert [(o.target, o.ok) for o in after.outcomes] == [("brand-a", True), ("brand-c", True)]
    assert worker.run_pending() == 0
    assert posted(profiles) == (1, 1)


def test_a_repeating_job_at_its_end_published_everywhere_ends_done(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its last occurrence (nothing follows it before ``until``): the job stays paused as it is.
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START, every=timedelta(days=1), until=START)
    c = crisis_after_the_last_target(user, worker, monkeypatch)
    clock.advance(days=3)
    ended = c.end(backlog="skip")
    assert (ended.skipped, ended.resumed) == ((), (job.id,))
    assert user.job(job.id).status == "done"
    assert worker.run_pending() == 0
    assert posted(profiles) == (1, 1)


def test_one_whose_target_failed_ends_failed_and_sends_nothing_late(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # needs-secret cannot connect here (refused outright): "skip" must not try it again at the end.
    job = user.schedule("tip", ["needs-secret", "brand-a", "brand-c"], at=START)
    c = crisis_after_the_last_target(user, worker, monkeypatch)
    clock.advance(hours=2)
    ended = c.end(backlog="skip")
    assert (ended.skipped, ended.resumed) == ((), (job.id,))
    after = user.job(job.id)
    assert after.status == "failed"
    assert [o.ok for o in after.outcomes] == [False, True, True]
    assert worker.run_pending() == 0
    assert posted(profiles) == (1, 1)


def test_a_job_paused_before_its_last_target_is_still_skipped(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its first target published, its second never began: the rest is backlog, cancelled by "skip".
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    original = worker.store.record
    crises: list[Crisis] = []

    def record(job_id: str, occurrence: int, outcome: TargetOutcome, *when_and_owner: Any) -> bool:
        kept = original(job_id, occurrence, outcome, *when_and_owner)
        if not crises and not outcome.publishing:  # brand-a's outcome: brand-c is not begun
            crises.append(ds.crisis("We are on it.", ["brand-tiny"], scheduler=user, pin=False))
        return kept

    monkeypatch.setattr(worker.store, "record", record)
    worker.run_pending()
    clock.advance(hours=2)
    ended = crises[0].end(backlog="skip")
    assert (ended.skipped, ended.resumed) == ((job.id,), ())
    assert user.job(job.id).status == "cancelled"
    assert posted(profiles) == (1, 0)


@pytest.mark.parametrize("scheduler", ["campaign.db", Path("campaign.db"), 42])
def test_a_scheduler_that_is_no_scheduler_is_invalid_input(profiles: Path, scheduler: object) -> None:
    # The store's path given for the scheduler: a typed error, before anything is published.
    with pytest.raises(ds.InvalidInput, match="Scheduler"):
        ds.crisis("We are on it.", ["brand-a"], scheduler=scheduler)  # type: ignore[arg-type]
    with pytest.raises(ds.InvalidInput, match="Scheduler"):
        Crisis.active(scheduler)  # type: ignore[arg-type]
    with pytest.raises(ds.InvalidInput, match="Scheduler"):
        Crisis.discard(scheduler)  # type: ignore[arg-type]
    with ds.connect("sandbox", path=profiles / "a.db", account="brand") as net:
        assert list(net.posts(limit=None)) == []
