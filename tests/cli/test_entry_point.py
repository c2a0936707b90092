"""The installed command's code path (``main``) in a real process, and the quick start's example."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli._helpers import ROOT, run_process


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_process(cwd, *args, DECENTSOCIAL_CONFIG=str(cwd / "none.toml"))


def test_main_runs_the_demo_and_reports_errors_in_one_line(tmp_path: Path) -> None:
    demo = run_cli("demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "alice claimed 1.000 SAND" in demo.stdout
    bad = run_cli("timeline", "--network", "nope", cwd=tmp_path)
    assert bad.returncode == 2  # a wrong argument (docs/cli.md, Errors)
    assert bad.stdout == ""
    assert bad.stderr.strip().count("\n") == 0
    assert bad.stderr.startswith("error: --network: unknown network 'nope'")
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("page_name", "heading"), [("docs/quickstart.md", "## Ten lines"), ("README.md", "## Example")]
)
def test_the_quick_start_example_runs_and_is_exactly_once(
    tmp_path: Path, page_name: str, heading: str
) -> None:
    page = (ROOT / page_name).read_text(encoding="utf-8")
    section = page.split(heading, 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    script = tmp_path / "example.py"
    script.write_text(code.group(1), encoding="utf-8")
    runs = [
        subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    first, second = (r.stdout.splitlines() for r in runs)
    assert "pending 1.000 SAND" in first
    assert first[-1].startswith("True ['sandbox://posts/")
    assert second[-1] == first[-1]  # the idempotency keys: the same posts, not new ones
