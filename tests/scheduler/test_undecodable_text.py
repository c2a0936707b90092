"""A job id or key holding a lone surrogate (an undecodable byte from a command line, read by Python's
``surrogateescape``) is ``InvalidInput`` naming it, never a crash in the store, and nothing is planned."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from decentsocial import errors
from decentsocial.scheduler import Scheduler


@pytest.fixture
def sched(profiles: Path) -> Scheduler:
    return Scheduler(profiles / "campaign.db")


@pytest.mark.parametrize("command", ["cancel", "pause", "resume", "job", "retry"])
def test_a_job_id_that_is_not_text_is_refused_by_name(sched: Scheduler, command: str) -> None:
    with sched, pytest.raises(errors.InvalidInput, match="job id must be valid Unicode"):
        getattr(sched, command)("job-\udce9")


def test_a_key_that_is_not_text_plans_nothing(sched: Scheduler) -> None:
    at = datetime.now(timezone.utc) + timedelta(hours=1)
    with sched:
        with pytest.raises(errors.InvalidInput, match="key must be valid Unicode"):
            sched.schedule("مرحبا", ["brand-a"], at=at, key="launch-\udce9")
        assert sched.jobs() == []
