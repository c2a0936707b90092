"""The campaign commands through the real entry point, some with a terminal as their input.

Each command runs as ``python -m decentsocial.cli`` in a fresh process (this
checkout first on the path) on a scheduler store in tmp_path. A command that
asks reads its answer from a pseudo-terminal, as it would from a person.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from decentsocial.scheduler import Scheduler

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").write_text(
        f'[profiles.brand]\nnetwork = "sandbox"\npath = "{tmp_path / "s.db"}"\naccount = "brand"\n'
    )
    return tmp_path


def run(
    home: Path, *args: str, answer: str | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The command's run with ``stdin`` piped in; with ``answer``, its input is a terminal, answered."""
    env = {
        **os.environ,
        "DECENTSOCIAL_CONFIG": str(home / "config.toml"),
        "DECENTSOCIAL_STORE": str(home / "campaign.db"),
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
        "COLUMNS": "200",
    }
    command = [sys.executable, "-m", "decentsocial.cli", *args]
    if answer is None:
        return subprocess.run(
            command, cwd=home, env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False
        )
    pty = pytest.importorskip("pty")
    typed, terminal = pty.openpty()
    try:
        os.write(typed, answer.encode())
        return subprocess.run(
            command,
            cwd=home,
            env=env,
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(typed)
        os.close(terminal)


def planned(home: Path, key: str | None = None) -> str:
    sched = Scheduler(home / "campaign.db")
    try:
        return sched.schedule(
            "Big sale!", ["brand"], at=datetime.now(timezone.utc) + timedelta(hours=1), key=key
        ).id
    finally:
        sched.close()


def status(home: Path, job_id: str) -> str:
    sched = Scheduler(home / "campaign.db")
    try:
        return sched.job(job_id).status
    finally:
        sched.close()


def test_cancel_asks_on_a_terminal_like_the_other_commands_that_cannot_be_undone(home: Path) -> None:
    job_id = planned(home, key="سبت-sale")
    kept = run(home, "cancel", job_id, answer="n\n")
    assert kept.returncode == 1
    assert f"Cancel job {job_id} (سبت-sale), scheduled for " in kept.stderr
    assert status(home, job_id) == "scheduled"

    cancelled = run(home, "cancel", job_id, "--json", answer="y\n")
    assert cancelled.returncode == 0, cancelled.stderr
    assert json.loads(cancelled.stdout) == {"action": "cancelled", "ids": [job_id]}  # the question on stderr
    assert status(home, job_id) == "cancelled"
    again = run(home, "cancel", job_id, answer="y\n")  # nothing to ask: it says why it cannot
    assert again.returncode == 1
    assert again.stderr == f"error: job {job_id} is cancelled: only an unfinished job can be cancelled\n"

    other = planned(home)
    unasked = run(home, "cancel", other, "--yes", answer="")
    assert unasked.returncode == 0, unasked.stderr
    assert unasked.stderr == ""
    assert status(home, other) == "cancelled"


def test_cancel_from_a_script_is_not_asked(home: Path) -> None:
    job_id = planned(home)
    done = run(home, "cancel", job_id)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"cancelled 1 job(s): {job_id}\n"
    assert status(home, job_id) == "cancelled"
    missing = run(home, "cancel", "nosuchjob", answer="y\n")
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: ")
    assert "Traceback" not in missing.stderr


def test_schedule_reads_the_text_from_stdin_like_post(home: Path) -> None:
    text = "تخفيضات كبيرة 🎉 big sale\nsecond line"
    piped = run(home, "schedule", "-", "--to", "brand", "--at", "+1h", "--json", stdin=text + "\n")
    assert piped.returncode == 0, piped.stderr
    job = json.loads(piped.stdout)
    assert job["text"] == text
    sched = Scheduler(home / "campaign.db")
    try:
        assert sched.job(job["id"]).draft.text == text
    finally:
        sched.close()


@pytest.mark.parametrize("poll", ["0", "-1", "nan", "1e300"])
def test_worker_refuses_a_poll_no_wait_can_have(home: Path, poll: str) -> None:
    refused = run(home, "worker", "--poll", poll)
    assert refused.returncode == 2  # a wrong argument
    assert refused.stderr.startswith(
        "error: --poll must be more than 0 seconds and less than a wait can be, got "
    )
    assert "unexpected" not in refused.stderr
