"""A pause, resume or crisis landing between a worker's check that it holds a job and its mark.

Before each target the worker checks that it still holds the job, then marks the target's publish
under way, then publishes. A resume and a crisis's skip decide whether a worker is still at the job
by that mark: landing between check and mark, they saw none, let the job go (``scheduled`` for
another worker to claim, or ``cancelled``), and the first worker published the target all the same
(a paused job's, a cancelled job's, one during a crisis). Now the store keeps the mark only while
the job is still that worker's, in one atomic step, and the worker publishes only then: it stops
that job as when its check fails. The moment is made, not waited for: the other party runs from
inside the worker's ``holds`` call, right after it answered. Both stores.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.crisis_mode import CrisisEnd
from decentsocial.jobs import TargetOutcome
from decentsocial.lifecycle import Crisis
from decentsocial.scheduler import Scheduler

from .hooks import after
from .profiles import Clock
from .test_pause_after_last_target import posted

#: A crisis reads the wall clock: the campaigns start at its time.
START = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=1)
#: The worker's checks, for a job on brand-a then brand-c: before a, before c (the last target).
BEFORE_FIRST, BEFORE_LAST = 1, 2


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


def start(user: Scheduler) -> Crisis:
    return ds.crisis("We are on it.", ["brand-tiny"], scheduler=user, pin=False)


def outcomes(sched: Scheduler, job_id: str) -> list[tuple[str, bool, bool]]:
    """The job's record: each target, whether it published, whether it is only a mark."""
    return [(o.target, o.ok, o.publishing) for o in sched.job(job_id).outcomes]


def test_a_pause_and_resume_after_the_check_stops_the_worker_before_it_publishes(
    user: Scheduler, worker: Scheduler, other: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)

    def pause_and_resume() -> None:
        assert user.pause(job.id) == [job.id]
        assert user.resume(job.id) == [job.id]
        assert user.job(job.id).status == "scheduled"  # no mark: no worker at it

    after(worker.store, "holds", pause_and_resume, monkeypatch, call=BEFORE_FIRST)
    assert worker.run_pending(limit=1) == 1  # the job it claimed (let go, it is due again)
    assert posted(profiles) == (0, 0)  # the job was let go: its worker published nothing of it
    assert (user.job(job.id).status, outcomes(user, job.id)) == ("scheduled", [])
    assert other.run_pending() == 1
    assert user.job(job.id).status == "done"
    assert outcomes(user, job.id) == [("brand-a", True, False), ("brand-c", True, False)]
    assert posted(profiles) == (1, 1)
    assert worker.run_pending() == other.run_pending() == 0


def test_a_pause_and_resume_before_the_last_target_leaves_it_to_the_next_worker(
    user: Scheduler, worker: Scheduler, other: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    after(
        worker.store,
        "holds",
        lambda: (user.pause(job.id), user.resume(job.id)),
        monkeypatch,
        call=BEFORE_LAST,
    )
    assert worker.run_pending(limit=1) == 1  # the job it claimed (let go, it is due again)
    assert posted(profiles) == (1, 0)  # c was never begun by the worker that lost the job
    assert (user.job(job.id).status, outcomes(user, job.id)) == ("scheduled", [("brand-a", True, False)])
    assert other.run_pending() == 1
    assert user.job(job.id).status == "done"
    assert posted(profiles) == (1, 1)


def test_another_worker_claiming_the_job_in_the_window_publishes_it_alone(
    user: Scheduler, worker: Scheduler, other: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    claimed: list[int] = []

    def pause_resume_and_claim() -> None:
        user.pause(job.id)
        user.resume(job.id)
        claimed.append(other.run_pending())  # runs the whole job while the first waits to mark a

    after(worker.store, "holds", pause_resume_and_claim, monkeypatch, call=BEFORE_FIRST)
    assert worker.run_pending() == 1
    assert claimed == [1]
    assert user.job(job.id).status == "done"
    assert outcomes(user, job.id) == [("brand-a", True, False), ("brand-c", True, False)]
    assert posted(profiles) == (1, 1)


def test_a_pause_after_the_check_holds_the_target_until_the_resume(
    user: Scheduler, worker: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    after(worker.store, "holds", lambda: user.pause(job.id), monkeypatch, call=BEFORE_FIRST)
    assert worker.run_pending() == 1
    assert posted(profiles) == (0, 0)  # paused before a began: nothing goes out while it is held
    assert (user.job(job.id).status, outcomes(user, job.id)) == ("paused", [])
    assert user.resume(job.id) == [job.id]
    assert worker.run_pending() == 1
    assert user.job(job.id).status == "done"
    assert posted(profiles) == (1, 1)


def test_a_crisis_started_after_the_check_sends_nothing_more_until_its_end(
    user: Scheduler, worker: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    crises: list[Crisis] = []
    after(worker.store, "holds", lambda: crises.append(start(user)), monkeypatch, call=BEFORE_FIRST)
    assert worker.run_pending() == 1
    assert crises[0].paused == (job.id,)
    assert posted(profiles) == (0, 0)  # the campaign's tip never goes out during the crisis
    assert outcomes(user, job.id) == []
    assert crises[0].end().resumed == (job.id,)
    assert worker.run_pending() == 1
    assert user.job(job.id).status == "done"
    assert posted(profiles) == (1, 1)


def test_a_crisis_skip_after_the_check_cancels_the_job_with_nothing_sent(
    user: Scheduler, worker: Scheduler, other: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    ended: list[CrisisEnd] = []

    def skip() -> None:
        ended.append(start(user).end(backlog="skip"))

    after(worker.store, "holds", skip, monkeypatch, call=BEFORE_FIRST)
    assert worker.run_pending() == 1
    assert (ended[0].skipped, ended[0].under_way) == ((job.id,), ())
    assert user.job(job.id).status == "cancelled"
    assert posted(profiles) == (0, 0)  # a cancelled job's target never goes out
    assert outcomes(user, job.id) == []
    assert worker.run_pending() == other.run_pending() == 0


def test_a_crisis_skip_before_the_last_target_cancels_the_rest(
    user: Scheduler, worker: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    ended: list[CrisisEnd] = []

    def skip() -> None:
        ended.append(start(user).end(backlog="skip"))

    after(worker.store, "holds", skip, monkeypatch, call=BEFORE_LAST)
    assert worker.run_pending() == 1
    assert ended[0].skipped == (job.id,)
    assert user.job(job.id).status == "cancelled"
    assert posted(profiles) == (1, 0)
    assert outcomes(user, job.id) == [("brand-a", True, False)]
    assert worker.run_pending() == 0


def test_the_store_keeps_a_mark_only_for_the_worker_holding_the_job(user: Scheduler, clock: Clock) -> None:
    job = user.schedule("tip", ["brand-a"], at=START)
    mark = TargetOutcome("brand-a", 0, "sandbox", (), None, "sandbox:brand", "state-of-w1")
    now = clock.now.timestamp()
    assert user.store.record(job.id, 0, mark, now, "w1") is False  # scheduled: held by nobody
    assert user.store.claim(now, now + 60, "w1")
    assert user.store.record(job.id, 0, mark, now, "w2") is False  # another worker's
    assert outcomes(user, job.id) == []
    assert user.store.record(job.id, 0, mark, now, "w1") is True
    assert outcomes(user, job.id) == [("brand-a", False, True)]
    user.pause(job.id)
    assert user.store.record(job.id, 0, mark, now, "w1") is False  # paused: no longer running
