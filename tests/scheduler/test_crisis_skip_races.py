"""``Crisis.end(backlog="skip")`` racing another ``end`` or a worker still publishing, on both stores.

Each job is decided on and changed in one atomic step of the store, while the crisis is still the
active one: a second ``end`` (an operator's ``crisis end`` and a bot's at once) that finds the crisis
over skips nothing the first resumed; a job whose worker is publishing a target when the skip runs
is left to that worker (``CrisisEnd.under_way``), which ends it, never ``cancelled`` with its post
up. The moment is made, not waited for: the other party runs from inside a store call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.crisis_mode import CrisisEnd
from decentsocial.lifecycle import Crisis
from decentsocial.scheduler import Scheduler

from .hooks import after, before
from .profiles import Clock
from .test_pause_after_last_target import posted

#: A crisis reads the wall clock: the campaigns start at its time.
START = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=1)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def bot(store: str, clock: Clock) -> Iterator[Scheduler]:
    """Another process on the same store that ends the crisis too."""
    with Scheduler(store, now=clock) as s:
        yield s


def start(user: Scheduler) -> Crisis:
    return ds.crisis("We are on it.", ["brand-tiny"], scheduler=user, pin=False)


# ---------------------------------------------------------------- two ends at once


def test_a_bot_skipping_as_the_operator_ends_the_crisis_cancels_nothing_it_resumed(
    user: Scheduler,
    bot: Scheduler,
    worker: Scheduler,
    clock: Clock,
    profiles: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job = user.schedule("tip", ["brand-a"], at=START + timedelta(minutes=10))
    c = start(user)
    clock.advance(hours=2)
    theirs = Crisis.active(bot)
    assert theirs is not None
    assert theirs.id == c.id
    ended: list[CrisisEnd] = []
    # The bot has read the crisis record (still active); the operator's end runs to its end
    # (backlog "now": the overdue tip is to go out) before the bot's skip.
    after(bot.store, "note", lambda: ended.append(c.end()), monkeypatch)
    late = theirs.end(backlog="skip")
    assert ended[0].resumed == (job.id,)
    assert user.job(job.id).status == "scheduled"  # the crisis was over: nothing of it is backlog
    assert (late.skipped, late.resumed, late.under_way) == ((), (), ())
    assert Crisis.active(user) is None
    assert worker.run_pending() == 1
    assert posted(profiles) == (1, 0)


def test_a_second_skip_that_comes_late_skips_nothing_the_first_resumed(
    user: Scheduler,
    bot: Scheduler,
    worker: Scheduler,
    clock: Clock,
    profiles: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    overdue = user.schedule("sale", ["brand-a"], at=START + timedelta(minutes=10))
    later = user.schedule("tip", ["brand-c"], at=START + timedelta(hours=3))
    c = start(user)
    clock.advance(hours=2)
    theirs = Crisis.active(bot)
    assert theirs is not None
    first: list[CrisisEnd] = []

    def first_end() -> None:
        first.append(c.end(backlog="skip"))
        clock.advance(hours=2)  # the second process goes on later: "later" is due by then

    after(bot.store, "note", first_end, monkeypatch)
    second = theirs.end(backlog="skip")
    assert [user.job(j.id).status for j in (overdue, later)] == ["cancelled", "scheduled"]
    assert (first[0].skipped, first[0].resumed) == ((overdue.id,), (later.id,))
    assert (second.skipped, second.resumed, second.under_way) == ((), (), ())
    assert worker.run_pending() == 1
    assert posted(profiles) == (0, 1)


# ---------------------------------------------------------------- a worker still publishing

WINDOWS = ["while the last target publishes", "after the last target published"]


@pytest.mark.parametrize("when", WINDOWS)
def test_a_job_whose_last_target_is_publishing_is_left_to_its_worker_and_ends_done(
    user: Scheduler,
    worker: Scheduler,
    profiles: Path,
    monkeypatch: pytest.MonkeyPatch,
    when: str,
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    ended: list[CrisisEnd] = []

    def crisis_and_skip() -> None:
        ended.append(start(user).end(backlog="skip"))

    if when == "while the last target publishes":  # records: a's mark, a's outcome, c's mark
        after(worker.store, "record", crisis_and_skip, monkeypatch, call=3)
    else:  # c published: its outcome is kept with the end of the occurrence
        before(worker.store, "finish", crisis_and_skip, monkeypatch)
    worker.run_pending()
    after_run = user.job(job.id)
    assert after_run.status == "done"  # not "cancelled": both posts are up
    assert [(o.target, o.ok) for o in after_run.outcomes] == [("brand-a", True), ("brand-c", True)]
    assert (ended[0].skipped, ended[0].under_way) == ((), (job.id,))
    assert posted(profiles) == (1, 1)
    assert worker.run_pending() == 0
    assert posted(profiles) == (1, 1)


def test_a_job_whose_first_target_is_publishing_is_cancelled_and_keeps_that_post(
    user: Scheduler, worker: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The crisis caught it half way: the target not begun is backlog (skipped, as for a job that had
    # published some targets before the crisis); the post in flight goes out and is recorded.
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    ended: list[CrisisEnd] = []
    after(worker.store, "record", lambda: ended.append(start(user).end(backlog="skip")), monkeypatch)
    worker.run_pending()
    after_run = user.job(job.id)
    assert after_run.status == "cancelled"
    assert [(o.target, o.ok) for o in after_run.outcomes] == [("brand-a", True)]
    assert (ended[0].skipped, ended[0].under_way) == ((job.id,), ())
    assert posted(profiles) == (1, 0)
    assert worker.run_pending() == 0
    assert posted(profiles) == (1, 0)


class Killed(BaseException):
    """The worker's process dying in the middle of a publish (nothing after it runs)."""


def test_a_mark_left_by_a_worker_that_stopped_is_no_work_under_way(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its lease ran out long ago: nothing will finish the job, so the skip cancels it as backlog.
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)

    def die() -> None:
        raise Killed

    after(worker.store, "record", die, monkeypatch, call=3)  # c's mark is kept, then the worker dies
    with pytest.raises(Killed):
        worker.run_pending()
    clock.advance(hours=2)
    c = start(user)
    ended = c.end(backlog="skip")
    assert user.job(job.id).status == "cancelled"
    assert worker.run_pending() == 0
    assert posted(profiles) == (1, 0)
    assert (ended.skipped, ended.under_way) == ((job.id,), ())


@pytest.mark.parametrize("store", ["redis"], indirect=True)  # SQLite decides in its write transaction
def test_on_redis_a_worker_ending_the_job_between_the_skips_read_and_write_is_read_again(
    store: str, user: Scheduler, worker: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The skip reads the job (its last target publishing), the worker records that target and
    # ends what it can, then the skip writes: WATCH refuses the stale write, and the job, read
    # again, ends done (handed back to a worker that is gone, it stayed running until its lease ran out).
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START)
    marked, go, finished = threading.Event(), threading.Event(), threading.Event()

    def hold_the_publish() -> None:
        marked.set()
        assert go.wait(30)

    after(worker.store, "record", hold_the_publish, monkeypatch, call=3)  # c's mark is kept
    after(worker.store, "finish", finished.set, monkeypatch)
    problems: list[BaseException] = []

    def run() -> None:
        try:
            worker.run_pending()
        except BaseException as exc:  # seen by the test's thread
            problems.append(exc)
            finished.set()

    running = threading.Thread(target=run, daemon=True)
    running.start()
    try:
        assert marked.wait(30)
        c = start(user)
        from decentsocial import crisis_backlog  # where the Redis store decides, under WATCH

        decide = crisis_backlog.held_backlog
        reads: list[str | None] = []

        def held_backlog(*args: Any) -> Any:
            if not reads:  # the skip has read the job: the worker publishes c and ends now
                go.set()
                assert finished.wait(30)
            reads.append(decide(*args))
            return reads[-1]

        monkeypatch.setattr(crisis_backlog, "held_backlog", held_backlog)
        ended = c.end(backlog="skip")
    finally:
        go.set()  # never left waiting
        running.join(30)
    assert not problems
    assert reads[0] == "running"  # decided on what it read first: refused, read again
    assert user.job(job.id).status == "done"
    assert (ended.skipped, ended.resumed, ended.under_way) == ((), (job.id,), ())
    assert posted(profiles) == (1, 1)
