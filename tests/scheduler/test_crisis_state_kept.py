"""A crisis without a scheduler stays recorded in the state store until it is ended, however long."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import decentsocial as ds


def test_a_crisis_left_active_past_a_month_is_still_found_and_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The state store forgets month-old records when a process opens it; the crisis record must not
    # go with them, or its pin stays for good and a second crisis could start.
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path / "state"))
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as net:
        c = ds.crisis("We are aware of the outage. نحن نتابع 🚧", [net])
        (statement,) = c.pinned
    later = textwrap.dedent(
        f"""
        import time
        now = time.time() + 31 * 86400  # a process started a month later
        time.time = lambda: now
        import decentsocial as ds
        active = ds.Crisis.active()
        assert active is not None, "the crisis record was forgotten"
        with ds.connect("sandbox", path={str(tmp_path / "s.db")!r}, account="brand") as net:
            print(active.end(nets=[net]).unpinned)
            print([p.id for p in net.pinned()])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", later], capture_output=True, text=True, env=dict(os.environ), timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [repr((statement.id,)), "[]"]
    assert ds.Crisis.active() is None
