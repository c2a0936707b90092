"""A script breaking out of a monitor kept in a variable ends cleanly: no traceback at exit, cursor saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
    import sys
    from pathlib import Path

    import decentsocial as ds

    folder = Path(sys.argv[1])
    brand = ds.connect("sandbox", path=folder / "s.db", account="brand")
    fan = brand.as_account("fan")
    posts = ds.monitor([brand], keywords=["مرحبا"], cursor=folder / "monitor.json", interval=1)
    launch = fan.publish("مرحبا acme")
    for post in posts:
        print(post.id == launch.id)
        break
"""


def test_a_monitor_left_suspended_at_exit_saves_its_cursor_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
    # Ended as Python shut down, its last save failed: "Exception ignored in: <generator object _Monitor.run".
    assert done.stderr == ""
    lines = (tmp_path / "monitor.json").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1  # the snapshot written when the monitor ended, not the line appended per post
    (position,) = json.loads(lines[0])["networks"].values()
    assert len(position["seen"]) == 1
