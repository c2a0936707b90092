"""``decentsocial edit``, ``pin``, ``unpin``, ``retract``, ``crisis start/end`` through the real entry point.

Each command runs as ``python -m decentsocial.cli`` in a fresh process (this
checkout first on the path), on sandbox profiles and a scheduler store in
tmp_path; what it did is read back from the sandbox files.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler
from tests.cli._helpers import run_process, sandbox_profile


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").write_text(
        sandbox_profile("brand", tmp_path / "s.db", "brand")
        + sandbox_profile("brand-b", tmp_path / "b.db", "brand")
        + sandbox_profile("fan", tmp_path / "s.db", "fan")
    )
    return tmp_path


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_process(home, *args, DECENTSOCIAL_STORE=str(home / "campaign.db"))


def sandbox(home: Path, db: str = "s.db", account: str = "brand") -> ds.Network:
    return ds.connect("sandbox", path=home / db, account=account)


def test_edit_pin_and_unpin(home: Path) -> None:
    with sandbox(home) as net, sandbox(home, account="fan") as fan:
        post = net.publish("first words")
        theirs = fan.publish("a fan's words")
    edited = run(home, "edit", post.id, "كلمات جديدة new words", "--cw", "update", "--profile", "brand")
    assert edited.returncode == 0, edited.stderr
    assert "edited" in edited.stdout
    pinned = run(home, "pin", post.id, "--profile", "brand")
    assert pinned.returncode == 0, pinned.stderr
    with sandbox(home) as net:
        fresh = net.get_post(post.id)
        assert fresh.text == "كلمات جديدة new words"
        assert fresh.content_warning == "update"
        assert [p.id for p in net.pinned()] == [post.id]
    denied = run(home, "pin", theirs.id, "--profile", "brand")
    assert denied.returncode == 1
    assert denied.stderr == "error: [sandbox] cannot pin fan's post: only the author can\n"
    assert "Traceback" not in denied.stderr
    too_long = run(home, "edit", post.id, "x" * 501, "--profile", "brand")
    assert too_long.returncode == 1
    assert "limit" in too_long.stderr
    assert run(home, "unpin", post.id, "--profile", "brand").returncode == 0
    with sandbox(home) as net:
        assert list(net.pinned()) == []
        assert net.get_post(post.id).text == "كلمات جديدة new words"


def test_retract_a_job_by_id_or_key(home: Path) -> None:
    long = " ".join(f"part {i} of the campaign text." for i in range(30))
    sched = Scheduler(home / "campaign.db")
    job = sched.schedule(long, ["brand", "brand-b"], at=datetime.now(timezone.utc), key="spring-sale")
    sched.run_pending()
    assert len(sched.job(job.id).post_ids) >= 4  # a thread on each profile
    sched.close()
    first = run(home, "retract", "spring-sale")
    assert first.returncode == 0, first.stderr
    assert f"Retracted job {job.id}" in first.stdout
    assert "deleted" in first.stdout
    for db in ("s.db", "b.db"):
        with sandbox(home, db) as net:
            assert list(net.posts()) == []
    again = run(home, "retract", job.id)  # safe to run twice
    assert again.returncode == 0, again.stderr
    missing = run(home, "retract", "no-such-job")
    assert missing.returncode == 1
    assert "no job" in missing.stderr


def test_retracting_a_repeating_job_says_it_goes_on(home: Path) -> None:
    """Retracting deletes what a job made; a repeating job still posts at its next time, and is said so."""
    sched = Scheduler(home / "campaign.db")
    job = sched.schedule("weekly offer", ["brand"], at=datetime.now(timezone.utc), every=timedelta(days=7))
    sched.run_pending()
    assert sched.job(job.id).status == "scheduled"  # its next occurrence is planned
    sched.close()
    done = run(home, "retract", job.id)
    assert done.returncode == 0, done.stderr
    assert f"job {job.id} is still scheduled" in done.stderr
    assert f"decentsocial cancel {job.id}" in done.stderr
    as_json = run(home, "retract", job.id, "--json")
    assert json.loads(as_json.stdout)["job_status"] == "scheduled"
    assert run(home, "cancel", job.id, "--yes").returncode == 0
    after = run(home, "retract", job.id)
    assert after.returncode == 0, after.stderr
    assert "still" not in after.stderr


def test_crisis_start_and_end(home: Path) -> None:
    sched = Scheduler(home / "campaign.db")
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    planned = sched.schedule("Big sale!", ["brand"], at=later)
    held = sched.schedule("Held", ["brand"], at=later)
    sched.pause(held.id)
    sched.close()
    started = run(home, "crisis", "start", "نعتذر. We are on it.", "--to", "brand", "--to", "brand-b")
    assert started.returncode == 0, started.stderr
    assert "1 job(s) paused" in started.stdout
    assert started.stdout.count("(pinned)") == 2
    again = run(home, "crisis", "start", "again", "--to", "brand")
    assert again.returncode == 1
    assert "already active" in again.stderr
    with sandbox(home) as net:
        assert [p.text for p in net.pinned()] == ["نعتذر. We are on it."]
    ended = run(home, "crisis", "end")
    assert ended.returncode == 0, ended.stderr
    assert "2 unpinned, 1 job(s) resumed" in ended.stdout
    sched = Scheduler(home / "campaign.db")
    assert sched.job(planned.id).status == "scheduled"
    assert sched.job(held.id).status == "paused"
    sched.close()
    with sandbox(home) as net, sandbox(home, "b.db") as b:
        assert list(net.pinned()) == []
        assert list(b.pinned()) == []
    nothing = run(home, "crisis", "end")
    assert nothing.returncode == 1
    assert "no crisis is active" in nothing.stderr


def test_a_store_that_is_not_there_is_said_and_not_made(home: Path) -> None:
    typo = ["--store", str(home / "campain.db")]
    for args in (("jobs",), ("pause",), ("resume",), ("cancel", "j1"), ("retract", "k1"), ("crisis", "end")):
        result = run(home, *args, *typo)
        assert result.returncode == 1, (args, result.stdout)
        assert f"no scheduler store at {home / 'campain.db'}: check --store" in result.stderr, args
        assert not (home / "campain.db").exists()  # no empty store made to hide the typo
    # A crisis may start without campaigns, so it makes the store, and says it paused nothing.
    started = run(home, "crisis", "start", "We are on it.", "--to", "brand", "--no-pin", *typo)
    assert started.returncode == 0, started.stderr
    assert "0 job(s) paused" in started.stdout
    assert "no scheduler store was at" in started.stdout
    assert run(home, "crisis", "end", *typo).returncode == 0  # the crisis is in the store it made
    planned = run(home, "schedule", "Later", "--to", "brand", "--at", "+2h", "--store", str(home / "new.db"))
    assert planned.returncode == 0, planned.stderr  # planning the first job makes the store
    assert run(home, "jobs", "--store", str(home / "new.db")).returncode == 0


def test_a_redis_url_store_goes_to_redis_not_to_a_file(home: Path) -> None:
    result = run(home, "jobs", "--store", "redis://127.0.0.1:9/0")  # port 9: nothing listens
    assert result.returncode == 1
    assert "Redis" in result.stderr  # unreachable, or the celery extra missing: either way, Redis
    assert not (home / "redis:").exists()  # before, it became the SQLite file redis:/127.0.0.1:9/0
