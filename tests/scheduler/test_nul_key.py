"""A job key or id holding a NUL character (U+0000) is ``InvalidInput`` naming it, and nothing is stored.

A draft's ``idempotency_key`` (the key a job falls back to) cannot hold a NUL, but
``schedule(key=...)`` stored one in the job store, as ``schedule --key`` did from a program running the
CLI, and the job ran under it; a job id holding one was looked up as any other. Now both are refused
as a lone surrogate is, before the store is written or asked. Other control characters are kept.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from decentsocial import Draft, InvalidInput
from decentsocial.scheduler import Scheduler

from .profiles import START


def test_a_key_holding_a_nul_plans_nothing(sched: Scheduler) -> None:
    at = START + timedelta(hours=1)
    with pytest.raises(InvalidInput) as refused:
        sched.schedule("مرحبا", ["brand-a"], at=at, key="launch\x00v2")
    assert refused.value.message == "key holds a NUL character (U+0000) at character 6: 'launch\\x00v2'"
    assert sched.jobs() == []
    with pytest.raises(InvalidInput, match=r"key holds a NUL character \(U\+0000\) at character 0"):
        sched.schedule(Draft(text="launch", idempotency_key="launch"), ["brand-a"], at=at, key="\x00")
    assert sched.jobs() == []
    # The same plan under a plain key is planned, once.
    job = sched.schedule("مرحبا", ["brand-a"], at=at, key="launch-v2")
    assert [j.id for j in sched.jobs()] == [job.id]


@pytest.mark.parametrize("command", ["cancel", "pause", "resume", "job", "retry"])
def test_a_job_id_holding_a_nul_is_refused_by_name(sched: Scheduler, command: str) -> None:
    job = sched.schedule("launch", ["brand-a"], at=START + timedelta(hours=1), key="launch")
    with pytest.raises(InvalidInput, match=r"a job id holds a NUL character \(U\+0000\) at character"):
        getattr(sched, command)(job.id + "\x00")
    assert sched.job(job.id).status == "scheduled"


def test_reschedule_refuses_a_job_id_holding_a_nul(sched: Scheduler) -> None:
    job = sched.schedule("launch", ["brand-a"], at=START + timedelta(hours=1), key="launch")
    with pytest.raises(InvalidInput, match="a job id holds a NUL character"):
        sched.reschedule("\x00" + job.id, START + timedelta(hours=2))
    assert sched.job(job.id).at == START + timedelta(hours=1)


def test_a_key_with_other_control_characters_is_still_planned(sched: Scheduler) -> None:
    job = sched.schedule("launch", ["brand-a"], at=START + timedelta(hours=1), key="launch\tv2\x1b")
    assert sched.job(job.id).key == "launch\tv2\x1b"
