"""A rhythm with a fraction of a second in ``every``: it runs at ``at + n × every`` exactly, up to and
including ``until`` (as the docs say), however many occurrences it has run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import decentsocial as ds
from decentsocial.scheduler import Scheduler

from .profiles import Clock

#: 100.7 s: its float sums drift off the microsecond grid (at + 3 × every lands past until).
EVERY = timedelta(seconds=100, microseconds=700000)


def texts(profiles: Path) -> list[str]:
    with ds.connect("sandbox", path=profiles / "a.db", account="brand") as net:
        return [p.text for p in net.posts(limit=None)]


def run_all(sched: Scheduler, clock: Clock, job_id: str, limit: int) -> list[ds.Job]:
    """Run the job at each of its times (the clock set to the time the job shows): what it showed."""
    seen: list[ds.Job] = []
    for _ in range(limit):
        job = sched.job(job_id)
        if job.status != "scheduled":
            break
        seen.append(job)
        clock.now = job.at
        assert sched.run_pending() == 1
    return seen


def test_an_until_on_the_rhythm_runs_its_last_occurrence(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    at = clock.now + timedelta(hours=1)
    job = sched.schedule("tip", ["brand-a"], at=at, every=EVERY, until=at + 3 * EVERY)
    seen = run_all(sched, clock, job.id, 10)
    assert [j.at for j in seen] == [at + n * EVERY for n in range(4)]
    assert sched.job(job.id).status == "done"
    assert len(texts(profiles)) == 4


def test_a_fractional_rhythm_does_not_drift(sched: Scheduler, clock: Clock) -> None:
    at = clock.now + timedelta(hours=1, microseconds=123457)
    job = sched.schedule("tip", ["brand-a"], at=at, every=EVERY)
    seen = run_all(sched, clock, job.id, 40)
    assert [j.at for j in seen] == [at + n * EVERY for n in range(40)]


def test_a_late_run_picks_the_rhythm_time_after_now_not_now_itself(sched: Scheduler, clock: Clock) -> None:
    at = clock.now + timedelta(hours=1)
    job = sched.schedule("tip", ["brand-a"], at=at, every=EVERY)
    for late in range(2, 60):  # the worker runs exactly on a later rhythm time: the next is after it
        clock.now = sched.job(job.id).at + (late - 1) * EVERY
        first = sched.job(job.id).at
        assert sched.run_pending() == 1
        assert sched.job(job.id).at == first + late * EVERY
