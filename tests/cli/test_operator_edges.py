"""Edges a bot operator hits with the everyday, engagement, monitor, sign-in and store commands.

Each test names what went wrong before: a wrong account shown, a status that hid a failure or an
interruption, a key broken across lines, a path read as markup, a ``~user`` path that crashed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import decentsocial
import decentsocial as ds
from decentsocial import auth, auth_cli, engagement_cli
from decentsocial.cli import app
from decentsocial.models import Account
from tests.cli._helpers import sandbox_profile

runner = CliRunner()
NO_SUCH_USER = "~decentsocial-no-such-user-x9"


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Profiles ``brand`` (a sandbox account with a post) and ``down`` (a sandbox whose file is a folder)."""
    config = tmp_path / "config.toml"
    config.write_text(
        sandbox_profile("brand", tmp_path / "s.db", "brand") + sandbox_profile("down", tmp_path, "down")
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    monkeypatch.delenv("DECENTSOCIAL_DEBUG", raising=False)
    with ds.connect("sandbox", path=tmp_path / "s.db", account="fan") as fan:
        fan.publish("hello acme")
    return tmp_path


def test_account_with_an_empty_handle_is_refused_not_shown_as_yours(home: Path) -> None:
    """``account "$WHO"`` with $WHO empty showed the operator's own account, status 0, as if WHO's."""
    for handle in ("", "  "):
        result = invoke("account", handle, "-p", "brand", "--json")
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        assert "HANDLE is empty" in result.stderr
    fan = invoke("account", "fan", "-p", "brand", "--json")
    assert fan.exit_code == 0, fan.output
    assert '"handle": "fan"' in fan.stdout


def test_monitor_exits_1_after_failures_with_debug_on_too(home: Path) -> None:
    """With DECENTSOCIAL_DEBUG=1 the failures were not counted: every search failed, and status 0."""
    env = {
        **os.environ,
        "DECENTSOCIAL_DEBUG": "1",
        "PYTHONPATH": str(Path(decentsocial.__file__).resolve().parents[1]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "decentsocial.cli", "monitor", "-k", "acme", "-p", "down", "--for", "2s"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "cannot open the sandbox database" in done.stderr  # the library's own log, as debug shows it
    assert done.stdout == ""


def test_track_once_interrupted_exits_130(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A single snapshot cut short by Ctrl-C (or ``timeout -s INT``) exited 0, as if taken."""

    def interrupted(net: Any, limit: int) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(engagement_cli, "_own_posts", interrupted)
    store = home / "metrics.db"
    result = invoke("track", "--store", str(store), "-p", "brand")
    assert result.exit_code == 130, result.output
    assert f"stopped: 0 snapshot(s) in {store}" in result.output


def test_a_tilde_path_naming_no_user_is_an_error_not_a_crash(home: Path) -> None:
    """``--store ~brnad/x.db`` (no such user) ended in ``unexpected RuntimeError``."""
    for args in (
        ["jobs", "--store", f"{NO_SUCH_USER}/c.db"],
        ["schedule", "hi", "--to", "brand", "--at", "+1h", "--store", f"{NO_SUCH_USER}/c.db"],
        ["track", "-p", "brand", "--store", f"{NO_SUCH_USER}/m.db"],
        ["monitor", "-k", "acme", "-p", "brand", "--cursor", f"{NO_SUCH_USER}/c.json", "--count", "1"],
    ):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)  # a wrong argument (docs/cli.md, Errors)
        assert "unexpected" not in result.output, (args, result.output)
        assert f"{NO_SUCH_USER} is no user's home here" in result.output, (args, result.output)


@pytest.mark.parametrize("folder", ["Dropbox [work]", "x[/b]"])
def test_profiles_shows_a_config_path_with_brackets_as_it_is(
    home: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    """The table's title was markup: ``[work]`` vanished from the path and ``[/b]`` crashed the command."""
    where = home / folder
    where.mkdir(parents=True)
    (where / "config.toml").write_text((home / "config.toml").read_text())
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(where / "config.toml"))
    result = invoke("profiles")
    assert result.exit_code == 0, result.output
    assert "unexpected" not in result.output
    shown = "".join(result.output.split())  # the title is folded to the table's width
    assert f"{folder}/config.toml".replace(" ", "") in shown


def test_a_new_nostr_key_is_printed_on_one_line_on_a_narrow_terminal(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key shown once was broken with a real line break at the width of the terminal: copied, it
    carried the break (and the indentation) inside the key."""
    nsec = "nsec1" + "q" * 58
    npub = "npub1" + "p" * 58
    signed = auth.SignIn(
        "nostr",
        "brand-nostr",
        Account(network="nostr", id="x", handle=npub),
        notes={"nsec": nsec, "npub": npub},
    )
    monkeypatch.setattr(auth_cli, "_ready", lambda profile: None)  # no keyring needed: nothing is saved
    monkeypatch.setattr(auth, "nostr_import", lambda **kwargs: signed)
    result = runner.invoke(
        app,
        ["login", "nostr", "-p", "brand-nostr", "--relay", "ws://127.0.0.1:9"],
        env={"COLUMNS": "40"},
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"  {nsec}" in lines
    assert f"Public key: {npub}" in lines
    assert f"Signed in to nostr as {npub}." in lines
    saved = (
        "Profile brand-nostr saved (secret in the system keyring). Try: decentsocial timeline -p brand-nostr"
    )
    assert saved in lines


def test_a_blank_store_is_refused_not_made(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--store " "`` (a variable holding a space) planned the job in a new file named by a space."""
    monkeypatch.chdir(home)
    for args in (
        ["schedule", "hi", "--to", "brand", "--at", "+1h", "--store", " "],
        ["jobs", "--store", " "],
        ["track", "-p", "brand", "--store", " "],
    ):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)  # a wrong argument (docs/cli.md, Errors)
        assert "--store is empty" in result.output, (args, result.output)
    assert not (home / " ").exists()
