"""The "Crisis communication" page's playbook runs as written, on sandbox profiles named as in the page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ("brand-mastodon", "brand-bluesky", "brand-nostr", "brand-hive")


def test_the_playbook_runs_pauses_pins_and_ends(tmp_path: Path) -> None:
    page = (ROOT / "docs" / "crisis.md").read_text(encoding="utf-8")
    section = page.split("## The playbook, in code", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    config = tmp_path / "config.toml"
    config.write_text(
        "".join(
            f'[profiles.{name}]\nnetwork = "sandbox"\npath = "{tmp_path / name}.db"\naccount = "brand"\n'
            for name in PROFILES
        )
    )
    # A planned job for the crisis to pause and its end to resume.
    setup = textwrap.dedent(
        """
        from datetime import datetime, timedelta, timezone
        import decentsocial as ds
        sched = ds.Scheduler("campaign.db")
        sched.schedule("Spring sale!", ["brand-mastodon"], at=datetime.now(timezone.utc) + timedelta(days=1))
        sched.close()
        """
    )
    env = {
        **os.environ,
        "DECENTSOCIAL_CONFIG": str(config),
        "DECENTSOCIAL_STATE_DIR": str(tmp_path / "state"),
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
    }
    for script in (setup, code.group(1)):
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "paused jobs: ('" in out
    assert out.count(" ok\n") == len(PROFILES)
    assert "not pinned" not in out
    assert "resumed: ('" in out
    assert "errors: ()" in out
    import decentsocial as ds

    for name in PROFILES:
        with ds.connect("sandbox", path=tmp_path / f"{name}.db", account="brand") as net:
            [statement] = list(net.posts())
            assert statement.text.startswith("Update: product X batch 42 only.")  # edited in place
            assert list(net.pinned()) == []  # unpinned at the end
