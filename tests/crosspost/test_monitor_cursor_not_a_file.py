"""A monitor's cursor path naming a pipe or a device: ``InvalidInput`` at once, before any network is
asked (it waited for ever on a pipe, and read ``/dev/zero`` until memory ran out). Each case runs
``monitor`` on a real sandbox in a child process with a timeout and a memory cap, so the old
behaviour fails the test instead of hanging the run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _monitor_in_child(cursor: Path, tmp_path: Path) -> str:
    script = textwrap.dedent(
        """
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        import decentsocial as ds
        net = ds.connect("sandbox", path=sys.argv[2], account="brand")
        try:
            list(ds.monitor([net], ["acme"], cursor=sys.argv[1], interval=0, max_polls=1))
        except BaseException as exc:
            print(type(exc).__name__, exc)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, str(cursor), str(tmp_path / "sandbox.db")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        return "hung"
    return done.stdout.strip() if done.returncode == 0 else f"crashed: {done.stderr.strip()[-300:]}"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_pipe_as_the_cursor_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "monitor.json"
    os.mkfifo(fifo)
    outcome = _monitor_in_child(fifo, tmp_path)
    assert outcome.startswith("InvalidInput"), outcome
    assert "not a regular file" in outcome


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_as_the_cursor_is_refused_not_read(tmp_path: Path) -> None:
    outcome = _monitor_in_child(Path("/dev/zero"), tmp_path)
    assert outcome.startswith("InvalidInput"), outcome
    assert "not a regular file" in outcome
