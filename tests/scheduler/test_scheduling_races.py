"""A user's reschedule or pause landing at the worst moment of a worker's claim or end, on both stores.

The moment is made, not waited for: the user's call is run from inside the worker's store call (or
the other way round), so the interleaving is the same on every run.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

from .hooks import before
from .profiles import Clock

HOUR = timedelta(hours=1)


def texts(profiles: Path) -> list[str]:
    with ds.connect("sandbox", path=profiles / "a.db", account="brand") as net:
        return [p.text for p in net.posts(limit=None)]


def test_a_job_claimed_while_it_is_rescheduled_runs_once_and_the_move_is_refused(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("launch", ["brand-a"], at=clock.now + timedelta(minutes=1))
    clock.advance(minutes=1)
    # The worker claims and runs the job between the user's read of it and the move.
    before(user.store, "set_at", lambda: worker.run_pending(), monkeypatch)
    with pytest.raises(ds.InvalidInput, match="is done: only a planned job can be moved"):
        user.reschedule(job.id, clock.now + HOUR)
    assert texts(profiles) == ["launch"]
    clock.advance(hours=2)
    assert worker.run_pending() == 0
    assert user.job(job.id).status == "done"
    assert texts(profiles) == ["launch"]


def test_a_job_rescheduled_while_it_runs_is_refused_and_runs_once(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("launch", ["brand-a", "brand-c"], at=clock.now + timedelta(minutes=1))
    clock.advance(minutes=1)
    refused: list[ds.InvalidInput] = []

    def reschedule() -> None:
        with pytest.raises(ds.InvalidInput, match="is running") as raised:
            user.reschedule(job.id, clock.now + HOUR)
        refused.append(raised.value)

    # The user moves the job while the worker publishes its second target.
    before(worker.store, "holds", reschedule, monkeypatch)
    assert worker.run_pending() == 1
    assert refused
    assert user.job(job.id).status == "done"
    clock.advance(hours=2)
    assert worker.run_pending() == 0
    assert texts(profiles) == ["launch"]


def test_a_recurring_job_rescheduled_as_its_occurrence_ends_goes_on_from_the_new_time(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = clock.now + timedelta(minutes=1)
    job = user.schedule("tip", ["brand-a"], at=start, every=timedelta(days=1))
    clock.advance(minutes=1)
    before(user.store, "set_at", lambda: worker.run_pending(), monkeypatch)
    moved = user.reschedule(job.id, start + HOUR)  # the occurrence ran meanwhile: the next one moves
    assert (moved.status, moved.occurrence, moved.at) == ("scheduled", 1, start + HOUR)
    clock.now = start + timedelta(minutes=59)
    assert worker.run_pending() == 0  # neither the old time nor one in between
    clock.now = start + HOUR
    assert worker.run_pending() == 1
    assert texts(profiles) == ["tip", "tip"]
    assert user.job(job.id).at == start + HOUR + timedelta(days=1)


@pytest.mark.parametrize("when", ["before the end is stored", "after the end is stored"])
def test_a_pause_while_the_next_occurrence_is_planned_holds_the_job(
    user: Scheduler,
    worker: Scheduler,
    clock: Clock,
    profiles: Path,
    monkeypatch: pytest.MonkeyPatch,
    when: str,
) -> None:
    start = clock.now + timedelta(minutes=1)
    job = user.schedule("tip", ["brand-a"], at=start, every=HOUR)
    clock.advance(minutes=1)
    paused: list[list[str]] = []
    store = worker.store
    if when == "before the end is stored":
        # SQLite decides and stores the next occurrence in one transaction; Redis reads the job,
        # decides, then stores it in a script: the pause lands between the two.
        if hasattr(store, "_finish_one"):
            original_call = store._call  # type: ignore[attr-defined]

            def call(script: Any, *args: object) -> Any:
                if script is store._finish and not paused:  # type: ignore[attr-defined]
                    paused.append(user.pause())
                return original_call(script, *args)

            monkeypatch.setattr(store, "_call", call)
        else:
            before(store, "finish", lambda: paused.append(user.pause()), monkeypatch)
    else:
        original_finish = store.finish

        def finish(*args: Any) -> list[str]:
            ended = original_finish(*args)
            paused.append(user.pause())
            return ended

        monkeypatch.setattr(store, "finish", finish)
    worker.run_pending()
    assert paused == [[job.id]]
    assert user.job(job.id).status == "paused"
    for _ in range(3):  # pause() returned: no later occurrence runs
        clock.advance(hours=1)
        assert worker.run_pending() == 0
    assert texts(profiles) == ["tip"]
    assert user.job(job.id).status == "paused"
