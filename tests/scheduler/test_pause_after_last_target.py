"""A pause that lands after a job's last target began and before its worker ends the occurrence.

Every target of the occurrence is then done (published once), so the occurrence ends all the same:
a recurring job moves on to its next occurrence and stays held, its resume and a reschedule work
on that next post (left open, the done occurrence ran again on resume, publishing nothing, and a
reschedule moved that empty run: the post at the new time never went out). The moment is made,
not waited for: the pause runs from inside the worker's store call. Both stores.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.lifecycle import Crisis
from decentsocial.scheduler import Scheduler

from .profiles import Clock

#: A crisis reads the wall clock: the campaigns start at its time.
START = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=1)
DAY = timedelta(days=1)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


def texts(profiles: Path, db: str) -> list[str]:
    with ds.connect("sandbox", path=profiles / db, account="brand") as net:
        return [p.text for p in net.posts(limit=None)]


def posted(profiles: Path) -> tuple[int, int]:
    """How many times the tip is up on each target's sandbox (brand-a, brand-c)."""
    return texts(profiles, "a.db").count("tip"), texts(profiles, "c.db").count("tip")


def pause_in_the_window(
    worker: Scheduler, when: str, pause: Callable[[], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run ``pause`` once, as the last target (brand-c) publishes or just after it published."""
    store = worker.store
    if when == "after the last target published":
        name, at_call = "finish", 1
    else:  # records: a's mark, a's outcome, then c's mark: kept, c publishes (before it: c stops)
        name, at_call = "record", 3
    original = getattr(store, name)
    calls: list[int] = []

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == at_call and name == "finish":
            pause()
        result = original(*args, **kwargs)
        if len(calls) == at_call and name == "record":
            pause()
        return result

    monkeypatch.setattr(store, name, wrapped)


WINDOWS = ["while the last target publishes", "after the last target published"]


@pytest.mark.parametrize("when", WINDOWS)
def test_a_recurring_job_paused_after_its_last_target_ends_the_occurrence_and_stays_held(
    user: Scheduler,
    worker: Scheduler,
    clock: Clock,
    profiles: Path,
    monkeypatch: pytest.MonkeyPatch,
    when: str,
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START, every=DAY)
    paused: list[list[str]] = []
    pause_in_the_window(worker, when, lambda: paused.append(user.pause(job.id)), monkeypatch)
    ended: list[ds.Job] = []
    assert worker.run_pending(on_finished=ended.append) == 1
    assert paused == [[job.id]]
    assert posted(profiles) == (1, 1)

    held = user.job(job.id)
    assert (held.status, held.occurrence, held.at) == ("paused", 1, START + DAY)  # held at its next post
    assert [(o.occurrence, o.target, o.ok, len(o.post_ids)) for o in held.outcomes] == [
        (0, "brand-a", True, 1),
        (0, "brand-c", True, 1),
    ]
    assert [(j.id, j.status) for j in ended] == [(job.id, "paused")]  # its occurrence ended here
    assert [j.id for j in user.jobs(status="paused")] == [job.id]

    clock.advance(hours=2)
    assert user.resume(job.id) == [job.id]
    assert worker.run_pending() == 0  # nothing left of the first occurrence: no empty run
    assert user.job(job.id).at == START + DAY
    clock.now = START + DAY
    assert worker.run_pending() == 1
    assert posted(profiles) == (2, 2)  # each occurrence once on each target, never twice
    after = user.job(job.id)
    assert (after.status, after.occurrence, after.at) == ("scheduled", 2, START + 2 * DAY)


def test_a_reschedule_during_such_a_pause_moves_the_next_post(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START, every=DAY)
    pause_in_the_window(worker, WINDOWS[1], lambda: user.pause(job.id), monkeypatch)
    assert worker.run_pending() == 1
    later = START + timedelta(hours=3)
    moved = user.reschedule(job.id, later)  # the user moves the campaign's next post
    assert (moved.status, moved.at) == ("paused", later)
    user.resume(job.id)
    clock.now = later
    assert worker.run_pending() == 1
    assert posted(profiles) == (2, 2)  # the next post went out at the new time (it was lost)
    after = user.job(job.id)
    assert (after.occurrence, after.at) == (2, later + DAY)


def test_a_reschedule_landing_before_the_worker_ends_it_is_the_next_time(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START, every=DAY)
    later = START + timedelta(hours=3)

    def pause_and_move() -> None:
        user.pause(job.id)
        user.reschedule(job.id, later)

    pause_in_the_window(worker, WINDOWS[1], pause_and_move, monkeypatch)
    assert worker.run_pending() == 1
    held = user.job(job.id)
    assert (held.status, held.occurrence, held.at) == ("paused", 1, later)
    user.resume(job.id)
    clock.now = later
    assert worker.run_pending() == 1
    assert posted(profiles) == (2, 2)


def test_a_crisis_landing_after_the_last_target_resumes_the_job_at_its_next_post(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START, every=DAY)
    crises: list[Crisis] = []
    statement = "We are on it."

    def crisis() -> None:
        crises.append(ds.crisis(statement, ["brand-tiny"], scheduler=user, pin=False))

    pause_in_the_window(worker, WINDOWS[1], crisis, monkeypatch)
    assert worker.run_pending() == 1
    assert crises[0].paused == (job.id,)
    held = user.job(job.id)
    assert (held.status, held.occurrence, held.at) == ("paused", 1, START + DAY)
    assert crises[0].end().resumed == (job.id,)
    assert worker.run_pending() == 0  # the crisis's end runs nothing of the ended occurrence
    clock.now = START + DAY
    assert worker.run_pending() == 1
    assert posted(profiles) == (2, 2)
    assert texts(profiles, "tiny.db") == [statement]


def test_a_one_off_job_paused_after_its_last_target_is_never_published_again(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    pause_in_the_window(worker, WINDOWS[1], lambda: user.pause(job.id), monkeypatch)
    assert worker.run_pending() == 1
    held = user.job(job.id)  # nothing follows it: held as it is, every target recorded
    assert (held.status, held.occurrence) == ("paused", 0)
    assert [o.ok for o in held.outcomes] == [True, True]
    user.resume(job.id)
    assert worker.run_pending() == 1  # its resume ends it
    assert user.job(job.id).status == "done"
    assert posted(profiles) == (1, 1)
