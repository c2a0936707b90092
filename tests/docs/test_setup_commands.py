"""The README's two set-up commands share ``.venv``: run in either order, the suite still runs on 3.12.

The demo command makes ``.venv`` with whatever ``python3`` is; ``scripts/test`` used to keep any
``.venv`` it found, so after the demo on a machine whose ``python3`` is 3.11 the whole suite ran on
3.11 and skipped the Hive signature checks only 3.12 can make. ``scripts/make_venv`` is its step.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = f"{sys.version_info[0]}.{sys.version_info[1]}"


def version_of(python: Path | str) -> str:
    done = subprocess.run(
        [str(python), "-c", 'import sys; print("%d.%d" % sys.version_info[:2])'],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def another_python() -> str | None:
    """A Python 3.10-3.13 of another version than this one (scripts/test puts pyenv's on PATH)."""
    candidates = [shutil.which(f"python3.{minor}") for minor in (10, 11, 12, 13)]
    candidates += [str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.1[0-3]*/bin/python3"))]
    for found in candidates:
        if found and f"python3.{sys.version_info[1]}" not in found:
            try:
                if version_of(found) != HERE:
                    return found
            except (OSError, subprocess.SubprocessError):
                continue
    return None


def make_venv(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "make_venv"), sys.executable],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_venv_of_another_python_is_made_again(tmp_path: Path) -> None:
    other = another_python()
    if other is None:
        pytest.skip("needs a second Python 3.10-3.13 to make the other .venv with")
    subprocess.run([other, "-m", "venv", "--without-pip", ".venv"], cwd=tmp_path, check=True, timeout=120)
    assert version_of(tmp_path / ".venv" / "bin" / "python") != HERE
    done = make_venv(tmp_path)
    assert done.returncode == 0, done.stderr
    assert version_of(tmp_path / ".venv" / "bin" / "python") == HERE
    assert f"not {HERE}: making it again" in done.stderr


def test_a_venv_of_this_python_is_kept(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", ".venv"], cwd=tmp_path, check=True, timeout=120
    )
    kept = tmp_path / ".venv" / "kept"
    kept.write_text("installed packages stand here")
    done = make_venv(tmp_path)
    assert done.returncode == 0, done.stderr
    assert kept.exists()
    assert done.stderr == ""


def test_scripts_test_makes_its_venv_with_that_step() -> None:
    script = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    assert 'bash scripts/make_venv "$python"' in script
    assert script.index("scripts/make_venv") < script.index(".venv/bin/python -m pip install")
