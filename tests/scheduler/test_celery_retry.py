"""Retrying a failed job on real Celery workers: only the target that published nothing goes out again."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("celery", reason="the celery extra is not installed")

import decentsocial as ds
from decentsocial.scheduler import Scheduler

from .test_celery import clock, home, profiles, sched, server, settled, texts, wait_for, worker  # noqa: F401

pytestmark = pytest.mark.server


def test_a_failed_job_retried_on_the_workers_posts_its_failed_target_only(
    sched: Scheduler,  # noqa: F811
    profiles: Path,  # noqa: F811
    home: Path,  # noqa: F811
) -> None:
    config = home / "config.toml"
    planned = config.read_text()
    job = sched.schedule("Launch day! #acme", ["brand-a", "brand-c"], at=sched._now())
    config.write_text(planned.replace("[profiles.brand-c]", "[profiles.renamed]"))  # not on the workers
    try:
        assert sched.run_pending() == 1
        wait_for(settled(sched, job.id))
        failed = sched.job(job.id)
        assert failed.status == "failed"
        assert [type(o.error) for o in failed.outcomes] == [type(None), ds.ConfigurationError]
    finally:
        config.write_text(planned)
    sched.retry(job.id)
    assert sched.run_pending() == 1
    wait_for(lambda: sched.job(job.id).status == "done")
    assert [o.ok for o in sched.job(job.id).outcomes] == [True, True]
    assert texts(profiles) == ["Launch day! #acme"] == texts(profiles, "c.db")  # brand-a posted once
