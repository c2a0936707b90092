"""A job a worker ended inside a batch keeps its claim until the batch's end is recorded.

A worker that claimed several due jobs at once (they ran fast) used to record
their end only after the whole batch: a job ended early in a batch whose later
jobs turned slow (a network answering late) sat ``running`` under a lease no one
renewed, so another worker took it over when the lease expired and ran its
occurrence again (and, with other idempotency records, failed it as "may have
been published").
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import decentsocial.scheduler as scheduler_module
from decentsocial.crosspost import Outcome, publish_planned
from decentsocial.scheduler import Scheduler

from .profiles import START, Clock

LEASE = 60.0


def test_a_job_ended_early_in_a_slow_batch_is_not_taken_over(
    profiles: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Scheduler(profiles / "campaign.db", lease=LEASE, now=clock)
    other = Scheduler(profiles / "campaign.db", lease=LEASE, now=clock)
    quick = first.schedule("quick one", ["brand-a"], at=START)
    slow = first.schedule("slow one", ["brand-b", "brand-c", "brand-a"], at=START + timedelta(seconds=1))
    clock.advance(seconds=1)  # both due: the quick one first
    taken_over: list[int] = []

    def publish(outcome: Outcome) -> Outcome:
        done = publish_planned(outcome)
        if outcome.drafts and outcome.drafts[0].text == "slow one":
            clock.advance(seconds=LEASE * 0.4)  # each target of this job answers late
            if not taken_over and clock.now > START + timedelta(seconds=1 + LEASE):
                taken_over.append(other.run_pending())  # another worker, past the batch's first lease
        return done

    monkeypatch.setattr(scheduler_module, "publish_planned", publish)
    first._batch = 2  # as it would claim once jobs ran fast
    try:
        assert first.run_pending() == 2
        assert taken_over == [0]  # the quick job had ended: nothing to take over
        ended = first.job(quick.id)
        assert ended.status == "done"
        assert ended.takeovers == 0
        assert len(ended.outcomes) == 1
        assert ended.outcomes[0].ok
        assert first.job(slow.id).status == "done"
    finally:
        first.close()
        other.close()
