"""``logout`` run from a terminal asks first (unless ``--yes``): signing in again means the browser, an
app password or a key typed anew. A script is not asked, as before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_cli_interrupts_and_input import _asked_on_a_terminal

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")


def _profile(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.brand]\nnetwork = "sandbox"\npath = "{tmp_path / "s.db"}"\n', encoding="utf-8"
    )
    return {**os.environ, "DECENTSOCIAL_CONFIG": str(config), "PYTHONIOENCODING": "utf-8"}


def test_logout_on_a_terminal_asks_and_keeps_the_profile_on_no(tmp_path: Path) -> None:
    env = _profile(tmp_path)
    command = [sys.executable, "-m", "decentsocial.cli", "logout", "brand"]
    code, _, err = _asked_on_a_terminal(command, env, b"n\n")
    assert code == 1
    assert b"Sign out of brand, removing the profile and its secrets and revoking its token?" in err
    assert "[profiles.brand]" in (tmp_path / "config.toml").read_text(encoding="utf-8")
    code, out, err = _asked_on_a_terminal(command, env, b"y\n")
    assert code == 0, err
    assert b"profile brand removed" in out
    assert "[profiles.brand]" not in (tmp_path / "config.toml").read_text(encoding="utf-8")


def test_logout_from_a_script_or_with_yes_is_not_asked(tmp_path: Path) -> None:
    env = _profile(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "decentsocial.cli", "logout", "brand"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"[y/N]" not in done.stderr
    env = _profile(tmp_path)
    main, terminal = os.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "decentsocial.cli", "logout", "brand", "--yes"],
            env=env,
            stdin=terminal,
            capture_output=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(main)
        os.close(terminal)
    assert done.returncode == 0, done.stderr
    assert b"profile brand removed" in done.stdout
