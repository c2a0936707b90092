"""A job taken over by a worker with other idempotency records (another machine) never posts twice.

Worker A (a process with its own ``DECENTSOCIAL_STATE_DIR``) is killed right
after its publish reached the network and before the outcome was recorded.
Worker B takes the job over when A's lease ends: sharing A's state store it
finds the post; with a store of its own it cannot, so it records "may have
been published" (``NetworkUnavailable``, not retryable) instead of posting
again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Spring sale starts Monday 🌷"

WORKER = """
import os, sys
import decentsocial.scheduler as s

real = s.publish_planned


def publish_then_die(*args, **kwargs):
    out = real(*args, **kwargs)  # the post is on the network
    os._exit(9)  # killed before the outcome is recorded


s.publish_planned = publish_then_die
s.Scheduler(sys.argv[1]).run_pending()
"""


@pytest.mark.parametrize("shared", [True, False], ids=["one state store", "a state store each"])
def test_a_takeover_never_posts_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared: bool) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        textwrap.dedent(
            f"""
            [profiles.brand-x]
            network = "sandbox"
            path = "{tmp_path / "x.db"}"
            account = "brand"
            [profiles.brand-y]
            network = "sandbox"
            path = "{tmp_path / "x.db"}"
            account = "brand"
            unsupported = ["idempotent_publish"]
            """
        )
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path / ("machine-a" if shared else "machine-b")))
    store = str(tmp_path / "campaign.db")
    with Scheduler(store) as planner:
        # Sharing A's records, B publishes again with the same key (a sandbox that honours keys finds
        # the post); with records of its own, B cannot know: here a sandbox that keeps no keys.
        profile = "brand-x" if shared else "brand-y"
        job = planner.schedule(TEXT, [profile], at=datetime.now(timezone.utc))
    env = {**os.environ, "DECENTSOCIAL_STATE_DIR": str(tmp_path / "machine-a")}
    died = subprocess.run([sys.executable, "-c", WORKER, store], cwd=ROOT, env=env, check=False)
    assert died.returncode == 9

    later = datetime.now(timezone.utc) + timedelta(minutes=10)  # worker A's lease has ended
    with Scheduler(store, now=lambda: later) as worker_b:
        assert worker_b.run_pending() == 1
        ended = worker_b.job(job.id)
    with ds.connect("sandbox", path=tmp_path / "x.db", account="brand") as net:
        assert [p.text for p in net.posts(limit=None)] == [TEXT]
    (outcome,) = ended.outcomes
    if shared:
        assert ended.status == "done"
        assert outcome.ok
        assert len(outcome.post_ids) == 1
    else:
        assert ended.status == "failed"
        assert isinstance(outcome.error, ds.NetworkUnavailable)
        assert not outcome.error.retryable
        assert "may have been published" in str(outcome.error)
