"""A job whose stored record is damaged (raw SQL past the scheduler): read as a job that cannot be
read, never as a clean one, and never retracted as "ok" while a post it made may still be up.

Before, a ``post_ids`` of ``null`` hid the target's outcome and ``retract`` said ok (exit 0) with the
post still up; ``[{...}]`` crashed ``retract`` with an untyped ``TypeError``; targets ``[1]`` crashed
``jobs``; targets ``"ab"`` read as the profiles ``a`` and ``b``; an unknown status read as itself.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app
from decentsocial.scheduler import Scheduler

from .profiles import START


def posted(sched: Scheduler, targets: list[str]) -> tuple[str, list[str]]:
    """A job run once on ``targets``: its id and the posts it made."""
    job = sched.schedule("damaged later", targets, at=START)
    assert sched.run_pending() == 1
    done = sched.job(job.id)
    assert done.status == "done"
    assert len(done.post_ids) == len(targets)
    return job.id, done.post_ids


def damage(store: Path, sql: str, *values: object) -> None:
    db = sqlite3.connect(store)
    with db:
        db.execute(sql, values)
    db.close()


def live(folder: Path, post_id: str) -> bool:
    with ds.connect("sandbox", path=folder / "a.db", account="brand") as net:
        try:
            net.get_post(post_id)
        except ds.NotFound:
            return False
        return True


@pytest.mark.parametrize("post_ids", ["null", "[1]", '[{"a": 1}]', "[null]"])
def test_a_damaged_outcome_is_never_retracted_as_ok(sched: Scheduler, profiles: Path, post_ids: str) -> None:
    job_id, [post_id] = posted(sched, ["brand-a"])
    damage(profiles / "campaign.db", "UPDATE outcomes SET post_ids = ?", post_ids)

    job = sched.job(job_id)
    assert isinstance(job.error, ds.InvalidInput)  # read as damaged, not as a clean record
    assert all(isinstance(pid, str) for o in job.outcomes for pid in o.post_ids)
    retraction = ds.retract(job)
    assert not retraction.ok  # the post is up, and nothing in the record says where
    assert [o.target for o in retraction.outcomes] == ["brand-a"]
    assert isinstance(retraction.outcomes[0].error, ds.InvalidInput)
    assert live(profiles, post_id)

    result = CliRunner().invoke(app, ["retract", job_id, "--yes", "--store", str(profiles / "campaign.db")])
    assert result.exit_code == 1, result.output
    assert "failed" in result.output
    assert "unexpected" not in result.output


def test_the_readable_outcomes_of_a_damaged_job_are_still_retracted(sched: Scheduler, profiles: Path) -> None:
    """One damaged outcome hides neither the other targets' posts nor that the job is damaged."""
    job_id, [post_a, post_b] = posted(sched, ["brand-a", "brand-b"])
    damage(profiles / "campaign.db", "UPDATE outcomes SET post_ids = 'null' WHERE target = 'brand-b'")

    job = sched.job(job_id)
    assert job.error is not None
    assert [(o.target, o.post_ids) for o in job.outcomes] == [("brand-a", (post_a,))]
    retraction = ds.retract(job)
    assert retraction.deleted == [post_a]
    assert not live(profiles, post_a)
    assert not retraction.ok
    assert [o.target for o in retraction.outcomes] == ["brand-a", "brand-b"]
    assert all(isinstance(o.error, ds.InvalidInput) for o in retraction.outcomes)
    assert live(profiles, post_b)  # not in the record any more: reported, not claimed deleted


def test_a_job_whose_only_damage_is_its_draft_is_retracted_but_not_ok(
    sched: Scheduler, profiles: Path
) -> None:
    """Its outcomes read in full, so every post goes; the record is damaged all the same: said."""
    job_id, [post_id] = posted(sched, ["brand-a"])
    damage(profiles / "campaign.db", "UPDATE jobs SET draft = ?", '{"text":["not","text"]}')

    retraction = ds.retract(sched.job(job_id))
    assert retraction.deleted == [post_id]
    assert not live(profiles, post_id)
    assert not retraction.ok
    assert "cannot be read" in str(retraction.outcomes[0].error)


def test_a_damaged_job_with_nothing_readable_is_still_reported(sched: Scheduler, profiles: Path) -> None:
    job_id, [post_id] = posted(sched, ["brand-a"])
    damage(profiles / "campaign.db", "UPDATE jobs SET targets = 'null'")
    damage(profiles / "campaign.db", "UPDATE outcomes SET post_ids = 'null'")

    retraction = ds.retract(sched.job(job_id))
    assert not retraction.ok
    assert [o.target for o in retraction.outcomes] == [job_id]
    assert live(profiles, post_id)


@pytest.mark.parametrize("targets", ["[1]", '"ab"', '{"brand-a": 1}'])
def test_damaged_targets_read_as_a_damaged_job(sched: Scheduler, profiles: Path, targets: str) -> None:
    job_id, _ = posted(sched, ["brand-a"])
    damage(profiles / "campaign.db", "UPDATE jobs SET targets = ?", targets)

    job = sched.job(job_id)
    assert isinstance(job.error, ds.InvalidInput)
    assert all(isinstance(t, str) for t in job.targets)
    assert "a" not in job.targets
    for args in (["jobs"], ["jobs", "--json"]):
        result = CliRunner().invoke(app, [*args, "--store", str(profiles / "campaign.db")])
        assert result.exit_code == 0, result.output
        assert "unexpected" not in result.output


def test_an_unknown_status_reads_as_a_damaged_job(sched: Scheduler, profiles: Path) -> None:
    job_id, _ = posted(sched, ["brand-a"])
    damage(profiles / "campaign.db", "UPDATE jobs SET status = 'weird'")

    job = sched.job(job_id)
    assert job.status == "failed"
    assert isinstance(job.error, ds.InvalidInput)
    assert (
        json.loads(
            CliRunner().invoke(app, ["jobs", "--json", "--store", str(profiles / "campaign.db")]).output
        )[0]["status"]
        == "failed"
    )
