"""A resume (by hand, or a crisis's end with ``backlog="now"``) landing while a worker still publishes.

A pause lets the target in flight finish. Resumed while its worker still publishes it (its mark, no
outcome, a live lease), the job was moved back to ``scheduled``: another worker could claim it at
once and publish that target a second time (stopped only by the idempotency keys), the first
worker stopped before its next target, and its end of the occurrence was refused (a recurring job
stayed at the occurrence just run; a reschedule made during the pause then moved that empty run,
and the post at the new time never went out). Now the resume hands such a job back to its worker
(``running`` under its lease), in the same atomic step as the decision. The moment is made, not
waited for: the other party runs from inside the worker's store call. Both stores.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.lifecycle import Crisis
from decentsocial.scheduler import Scheduler

from .hooks import after
from .profiles import Clock
from .test_pause_after_last_target import posted

#: A crisis reads the wall clock: the campaigns start at its time.
START = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=1)
DAY = timedelta(days=1)
#: The worker's store records, for a job on brand-a then brand-c: a's mark (just before a
#: publishes), a's outcome, c's mark (just before c, the last target, publishes).
FIRST_PUBLISHING, LAST_PUBLISHING = 1, 3


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


def during(worker: Scheduler, call: int, then: Callable[[], Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Run ``then`` once, right after the worker's ``call``-th record (a mark: its publish follows)."""
    after(worker.store, "record", then, monkeypatch, call=call)


def start(user: Scheduler) -> Crisis:
    return ds.crisis("We are on it.", ["brand-tiny"], scheduler=user, pin=False)


# ---------------------------------------------------------------- handed back to the worker


def test_a_job_resumed_by_hand_while_its_worker_publishes_goes_on_with_that_worker(
    user: Scheduler, worker: Scheduler, other: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    claimed: list[int] = []

    def pause_resume_and_poll() -> None:
        assert user.pause(job.id) == [job.id]
        assert user.resume(job.id) == [job.id]
        assert user.job(job.id).status == "running"  # back under its worker's lease
        claimed.append(other.run_pending())  # the first still publishes a: nothing to claim

    during(worker, FIRST_PUBLISHING, pause_resume_and_poll, monkeypatch)
    ended: list[ds.Job] = []
    assert worker.run_pending(on_finished=ended.append) == 1
    assert claimed == [0]
    after = user.job(job.id)
    assert after.status == "done"  # the worker went on with c and ended it
    assert [(o.target, o.ok) for o in after.outcomes] == [("brand-a", True), ("brand-c", True)]
    assert [j.id for j in ended] == [job.id]
    assert posted(profiles) == (1, 1)
    assert other.run_pending() == 0


def test_a_crisis_ended_now_while_a_worker_publishes_hands_the_job_back_to_it(
    user: Scheduler, worker: Scheduler, other: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    seen: list[tuple[tuple[str, ...], tuple[str, ...], int]] = []

    def crisis_and_end() -> None:
        c = start(user)
        ended = c.end()  # backlog="now"
        seen.append((c.paused, ended.resumed, other.run_pending()))

    during(worker, FIRST_PUBLISHING, crisis_and_end, monkeypatch)
    assert worker.run_pending() == 1
    assert seen == [((job.id,), (job.id,), 0)]  # paused, resumed, and no other worker claimed it
    assert user.job(job.id).status == "done"
    assert posted(profiles) == (1, 1)
    assert other.run_pending() == 0


def test_a_recurring_job_resumed_as_its_last_target_publishes_moves_on_to_its_next_post(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START, every=DAY)
    during(worker, LAST_PUBLISHING, lambda: (user.pause(job.id), user.resume(job.id)), monkeypatch)
    ended: list[ds.Job] = []
    assert worker.run_pending(on_finished=ended.append) == 1
    after = user.job(job.id)
    assert (after.status, after.occurrence, after.at) == ("scheduled", 1, START + DAY)  # ended by its worker
    assert [j.id for j in ended] == [job.id]
    assert worker.run_pending() == 0  # no empty run of the occurrence just published
    clock.now = START + DAY
    assert worker.run_pending() == 1
    assert posted(profiles) == (2, 2)


def test_a_reschedule_during_the_pause_is_the_next_post_of_the_job_handed_back(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START, every=DAY)
    later = START + timedelta(hours=3)

    def pause_move_resume() -> None:
        user.pause(job.id)
        user.reschedule(job.id, later)
        user.resume(job.id)

    during(worker, LAST_PUBLISHING, pause_move_resume, monkeypatch)
    assert worker.run_pending() == 1
    after = user.job(job.id)
    assert (after.status, after.occurrence, after.at) == ("scheduled", 1, later)
    clock.now = later
    assert worker.run_pending() == 1
    assert posted(profiles) == (2, 2)  # the post at the new time went out (it was an empty run)
    assert user.job(job.id).at == later + DAY


def test_a_job_resumed_by_hand_during_a_crisis_as_its_last_target_publishes_ends_done(
    user: Scheduler, worker: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    crises: list[Crisis] = []

    def crisis_then_resume() -> None:
        crises.append(start(user))
        assert user.resume(job.id) == [job.id]

    during(worker, LAST_PUBLISHING, crisis_then_resume, monkeypatch)
    assert worker.run_pending() == 1
    assert user.job(job.id).status == "done"  # its worker began nothing more: it ended it
    assert crises[0].end().resumed == ()
    assert worker.run_pending() == 0
    assert posted(profiles) == (1, 1)


# ---------------------------------------------------------------- resumed as scheduled, as before


def test_a_job_resumed_by_hand_during_a_crisis_with_targets_left_waits_for_its_end(
    user: Scheduler, worker: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    crises: list[Crisis] = []

    def crisis_then_resume() -> None:
        crises.append(start(user))
        assert user.resume(job.id) == [job.id]

    during(worker, FIRST_PUBLISHING, crisis_then_resume, monkeypatch)
    worker.run_pending()
    held = user.job(job.id)
    assert held.status == "scheduled"  # nothing more begins during the crisis
    assert [(o.target, o.ok) for o in held.outcomes] == [("brand-a", True)]
    assert posted(profiles) == (1, 0)
    crises[0].end()
    assert worker.run_pending() == 1
    assert user.job(job.id).status == "done"
    assert posted(profiles) == (1, 1)


def test_a_job_moved_later_during_its_pause_waits_for_that_time(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    later = START + timedelta(hours=3)

    def pause_move_resume() -> None:
        user.pause(job.id)
        user.reschedule(job.id, later)
        user.resume(job.id)

    during(worker, FIRST_PUBLISHING, pause_move_resume, monkeypatch)
    worker.run_pending()
    held = user.job(job.id)
    assert (held.status, held.at) == ("scheduled", later)  # the worker stopped before c
    assert posted(profiles) == (1, 0)
    clock.now = later
    assert worker.run_pending() == 1
    assert user.job(job.id).status == "done"
    assert posted(profiles) == (1, 1)


class Killed(BaseException):
    """The worker's process dying in the middle of a publish (nothing after it runs)."""


@pytest.mark.parametrize("how", ["by hand", "crisis end"])
def test_a_mark_left_by_a_worker_whose_lease_ran_out_resumes_as_scheduled(
    user: Scheduler,
    worker: Scheduler,
    other: Scheduler,
    clock: Clock,
    profiles: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)

    def die() -> None:
        raise Killed

    during(worker, LAST_PUBLISHING, die, monkeypatch)  # c's mark is kept, then the worker dies
    with pytest.raises(Killed):
        worker.run_pending()
    clock.advance(hours=2)  # its lease ran out long ago
    if how == "by hand":
        user.pause(job.id)
        assert user.resume(job.id) == [job.id]
    else:
        assert start(user).end().resumed == (job.id,)
    assert user.job(job.id).status == "scheduled"
    assert other.run_pending() == 1  # taken up again: c's publish, with the same keys, is found
    assert user.job(job.id).status == "done"
    assert posted(profiles) == (1, 1)


def test_resuming_every_job_hands_back_only_the_one_under_way(
    user: Scheduler, worker: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    idle = user.schedule("sale", ["brand-a"], at=START + timedelta(hours=1))
    statuses: list[tuple[str, str]] = []

    def pause_and_resume_all() -> None:
        assert sorted(user.pause()) == sorted([job.id, idle.id])
        assert sorted(user.resume()) == sorted([job.id, idle.id])
        statuses.append((user.job(job.id).status, user.job(idle.id).status))

    during(worker, FIRST_PUBLISHING, pause_and_resume_all, monkeypatch)
    assert worker.run_pending() == 1
    assert statuses == [("running", "scheduled")]
    assert user.job(job.id).status == "done"
    assert posted(profiles) == (1, 1)


# ---------------------------------------------------------------- Redis: read again when it changed


@pytest.mark.parametrize("store", ["redis"], indirect=True)  # SQLite decides in its write transaction
def test_on_redis_a_worker_writing_between_the_resumes_read_and_write_is_read_again(
    store: str, user: Scheduler, worker: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The resume reads the job (its last target publishing), the worker records that target and
    # ends what it can (a paused one-off: nothing), then the resume writes: WATCH refuses the stale
    # write, and the job, read again (no work under way now), is scheduled; a worker ends it.
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    marked, go, finished = threading.Event(), threading.Event(), threading.Event()

    def hold_the_publish() -> None:
        marked.set()
        assert go.wait(30)

    during(worker, LAST_PUBLISHING, hold_the_publish, monkeypatch)
    original_finish = worker.store.finish

    def finish(*args: Any) -> Any:
        try:
            return original_finish(*args)
        finally:
            finished.set()

    monkeypatch.setattr(worker.store, "finish", finish)
    problems: list[BaseException] = []

    def run() -> None:
        try:
            worker.run_pending(limit=1)  # no claim after it: it raced the resume's write (and won: done)
        except BaseException as exc:  # seen by the test's thread
            problems.append(exc)
            finished.set()

    running = threading.Thread(target=run, daemon=True)
    running.start()
    try:
        assert marked.wait(30)
        user.pause(job.id)
        from decentsocial import held_jobs  # where the Redis store decides, under WATCH

        decide = held_jobs.resumed_as
        reads: list[str] = []

        def resumed_as(*args: Any) -> Any:
            if not reads:  # the resume has read the job: the worker publishes c and ends now
                go.set()
                assert finished.wait(30)
            reads.append(decide(*args))
            return reads[-1]

        monkeypatch.setattr(held_jobs, "resumed_as", resumed_as)
        assert user.resume(job.id) == [job.id]
    finally:
        go.set()  # never left waiting
        running.join(30)
    assert not problems
    assert reads == ["running", "scheduled"]  # decided on what it read first: refused, read again
    assert user.job(job.id).status == "scheduled"
    assert worker.run_pending() == 1  # ends it, sending nothing again
    assert user.job(job.id).status == "done"
    assert posted(profiles) == (1, 1)
