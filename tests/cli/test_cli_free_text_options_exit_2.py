"""Every free-text option and argument is checked as the command line is read: status 2, one line, nothing
made or sent; and what ``track`` says when Ctrl-C cuts a snapshot short.

docs/cli.md, Errors: a wrong argument is one the command refuses before it reads or writes anything.
``--cw``, ``--tag``, ``--title`` and ``--alt`` holding a byte the command line could not decode (a lone
surrogate in ``sys.argv``) were the draft's error (status 1, naming ``content_warning``); a profile, a
post id, a search, a job id the same were the network's or the store's, and ``schedule``, ``crisis
start`` and ``track`` had made their store by then, ``monitor`` searched with it (``--replies-to``:
exit 0, having watched nothing). A blank value (``--cw "$CW"`` with ``$CW`` unset) posted without the
warning; ``timeline --search ""`` showed the home timeline as if it were the results; a blank TEXT
or STATEMENT, a ``--variant`` naming no target and a folder given for a file were refused only after
a store was made, or not at all (``demo --path " "`` made a file named by a space). ``track`` stopped
by Ctrl-C in its first round said "stopped: 0 snapshot(s)" and exited 0, whatever it had stored.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.cli import app
from decentsocial.models import Draft
from tests.cli import _helpers as helpers
from tests.cli._helpers import refused, run_with_bytes

BAD = os.fsdecode(b"a\xff")  # as the shell's $'a\xff' reaches sys.argv under a UTF-8 locale


@pytest.fixture
def home(home: Path) -> Path:
    """The folder with profile ``brand``, and an image."""
    (home / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return home


def invoke(home: Path, *args: str) -> Any:
    """The command run in ``home``, ``HOME`` in its arguments standing for that folder."""
    return helpers.invoke(home, *(a.replace("HOME", str(home)) for a in args))


def made(home: Path) -> list[str]:
    """What a command left in ``home`` besides the config and the image."""
    return helpers.made(home, "pic.png")


# ---------------------------------------------------------------- a byte the command line could not decode

SURROGATE = [
    (["post", "hi", "-p", "brand", "--cw", BAD], "--cw"),
    (["post", "hi", "-p", "brand", "--tag", BAD], "--tag"),
    (["post", "hi", "-p", "brand", "--tag", "ok", "--tag", BAD], "--tag (the 2nd given)"),
    (["post", "hi", "-p", "brand", "--title", BAD], "--title"),
    (["post", "hi", "-p", "brand", "--dry-run", "--title", BAD], "--title"),
    (["post", "hi", "-p", "brand", "--image", "HOME/pic.png", "--alt", BAD], "--alt"),
    (["post", "hi", "--to", BAD], "--to"),
    (["reply", "id1", "hi", "-p", "brand", "--cw", BAD], "--cw"),
    (["reply", "id1", "hi", "-p", "brand", "--image", "HOME/pic.png", "--alt", BAD], "--alt"),
    (["reply", BAD, "hi", "-p", "brand"], "POST_ID"),
    (["edit", "id1", "hi", "-p", "brand", "--cw", BAD], "--content-warning"),
    (["edit", BAD, "hi", "-p", "brand"], "POST_ID"),
    (["like", BAD, "-p", "brand"], "POST_ID"),
    (["pin", BAD, "-p", "brand"], "POST_ID"),
    (["timeline", "-p", "brand", "--search", BAD], "--search"),
    (["timeline", "-p", BAD], "--profile"),
    (["search", BAD, "-p", "brand"], "QUERY"),
    (["account", BAD, "-p", "brand"], "HANDLE"),
    (["message", "send", BAD, "hi", "-p", "brand"], "ACCOUNT"),
    (["schedule", "hi", "--to", BAD, "--at", "+1h"], "--to"),  # made its job store first
    (["schedule", "hi", "--to", "brand", "--variant", f"{BAD}=x"], "--variant NAME"),
    (["cancel", BAD], "JOB_ID"),
    (["retract", BAD], "JOB_OR_KEY"),
    (["crisis", "start", "hi", "--to", BAD], "--to"),  # made its store first
    (["monitor", "-k", BAD, "-p", "brand", "--for", "1s"], "--keyword"),  # searched with it
    (["monitor", "--replies-to", BAD, "-p", "brand", "--for", "1s"], "--replies-to"),  # exit 0
    (["track", "-p", BAD], "--profile"),  # made its metrics store first
    (["login", "mastodon", BAD, "-p", "x"], "SERVER"),
    (["login", "nostr", "-p", "x", "--relay", BAD], "--relay"),
    (["logout", BAD, "--yes"], "PROFILE"),
]


@pytest.mark.parametrize(("args", "name"), SURROGATE)
def test_a_free_text_value_with_an_undecodable_byte_is_a_wrong_argument(
    home: Path, args: list[str], name: str
) -> None:
    line = refused(invoke(home, *args), f"{name} is not valid Unicode", "could not decode", "character 1")
    assert "Traceback" not in line
    assert made(home) == []  # no sandbox, no job or metrics store, no idempotency records


@pytest.mark.parametrize("option", ["--cw", "--tag", "--title", "--alt"])
def test_the_options_from_undecodable_command_line_bytes_in_a_real_process(
    tmp_path: Path, option: str
) -> None:
    """As a shell under a UTF-8 locale passes ``--cw $'\\xff'``: the byte is a lone surrogate in argv."""
    image = tmp_path / "pic.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    args = ["post", "hello", "-n", "sandbox", "--image", str(image), "-s", f"path={tmp_path / 's.db'}"]
    said = run_with_bytes(tmp_path, *args, option, b"warn \xff", LC_ALL="C.UTF-8")
    assert said.startswith(f"error: {option} is not valid Unicode: a lone surrogate at character 5"), said
    assert said.count("\n") == 1
    assert not (tmp_path / "s.db").exists()  # nothing posted: the sandbox was never opened
    assert not (tmp_path / "state").exists()


# ---------------------------------------------------------------- blank where a value is required

BLANK = [
    (["post", "hi", "-p", "brand", "--cw", ""], "--cw is empty", "or leave --cw out"),
    (["post", "hi", "-p", "brand", "--tag", " "], "--tag is empty", ""),
    (["post", "hi", "-p", "brand", "--title", ""], "--title is empty", ""),
    (["post", "hi", "--to", ""], "--to is empty", ""),
    (["post", "", "-p", "brand"], "TEXT is empty", "- to read it from standard input"),
    (["post", "  ", "-p", "brand", "--dry-run"], "TEXT is empty", ""),
    (["reply", "id1", "", "-p", "brand"], "TEXT is empty", ""),
    (["reply", "", "hi", "-p", "brand"], "POST_ID is empty", ""),
    (["edit", "id1", " ", "-p", "brand"], "TEXT is empty", ""),
    (["edit", "id1", "hi", "-p", "brand", "--cw", ""], "--content-warning is empty", ""),
    (["like", "", "-p", "brand"], "POST_ID is empty", ""),
    (["timeline", "-p", "brand", "--search", ""], "--search is empty", ""),  # showed the timeline
    (["search", "", "-p", "brand"], "QUERY is empty", ""),
    (["message", "send", "bob", " ", "-p", "brand"], "TEXT is empty", ""),
    (["schedule", "", "--to", "brand"], "TEXT is empty", ""),
    (["schedule", "hi", "--to", ""], "--to is empty", ""),
    (["schedule", "hi", "--to", "brand", "--variant", "brand= "], "--variant 'brand' has no text", ""),
    (["cancel", ""], "JOB_ID is empty", ""),
    (["crisis", "start", " ", "--to", "brand"], "STATEMENT is empty", ""),  # made its store first
    (["crisis", "start", "hi", "--to", ""], "--to is empty", ""),  # made its store first
    (["logout", "", "--yes"], "PROFILE is empty", ""),
]


@pytest.mark.parametrize(("args", "said", "more"), BLANK)
def test_a_blank_value_is_a_wrong_argument(home: Path, args: list[str], said: str, more: str) -> None:
    line = refused(invoke(home, *args), said, more)
    if "--to" in said:  # required by schedule and crisis start: leaving it out is no way out
        assert "leave" not in line or args[0] == "post"
    assert made(home) == []


def test_an_empty_alt_and_an_empty_text_with_an_image_are_still_taken(home: Path) -> None:
    """``--alt ""`` skips the description of one image among several; a post of images only has no text."""
    skipped = invoke(home, "post", "hi", "-p", "brand", "--image", "HOME/pic.png", "--alt", "", "--dry-run")
    assert skipped.exit_code == 0, skipped.output
    only = invoke(home, "post", "", "-p", "brand", "--image", "HOME/pic.png", "--dry-run", "--json")
    assert only.exit_code == 0, only.output


def test_text_piped_in_empty_is_still_the_files_fault(home: Path) -> None:
    result = helpers.runner.invoke(
        app, ["post", "-", "-p", "brand"], input=b"", env={"DECENTSOCIAL_CONFIG": str(home / "config.toml")}
    )
    assert result.exit_code == 1, result.output
    assert "needs text or media" in result.stderr


# ---------------------------------------------------------------- --variant, paths, --timeout


def test_a_variant_naming_no_target_is_refused_before_the_store(home: Path) -> None:
    line = refused(invoke(home, "schedule", "hi", "--to", "brand", "--variant", "brnad=hello"))
    assert (
        "--variant 'brnad' names no --to profile and no network of theirs; use one of brand, sandbox" in line
    )
    assert made(home) == []
    by_network = invoke(home, "schedule", "hi", "--to", "brand", "--variant", "sandbox=hello", "--json")
    assert by_network.exit_code == 0, by_network.output
    assert json.loads(by_network.stdout)["targets"] == ["brand"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["schedule", "hi", "--to", "brand", "--store", "HOME/box"], "--store"),
        (["jobs", "--store", "HOME/box"], "--store"),
        (["crisis", "end", "--store", "HOME/box"], "--store"),
        (["track", "-p", "brand", "--store", "HOME/box"], "--store"),
        (["monitor", "-k", "acme", "-p", "brand", "--cursor", "HOME/box", "--for", "1s"], "--cursor"),
        (["demo", "--path", "HOME/box"], "--path"),
    ],
)
def test_a_folder_given_for_a_file_is_a_wrong_argument(home: Path, args: list[str], option: str) -> None:
    (home / "box").mkdir()
    refused(invoke(home, *args), f"{option} {home / 'box'} is a folder: give a file path")
    assert made(home) == ["box"]
    assert list((home / "box").iterdir()) == []


@pytest.mark.parametrize("path", ["", " ", "~no_such_user_ds29/demo.db"])
def test_demo_path_blank_or_no_ones_home_is_a_wrong_argument(
    home: Path, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``demo --path " "`` made a file named by a space in the current folder (status 0)."""
    monkeypatch.chdir(home)
    refused(invoke(home, "demo", "--path", path), "--path")
    assert made(home) == []


def test_a_login_timeout_past_what_a_wait_can_be_is_a_wrong_argument(home: Path) -> None:
    """``--timeout inf`` passed ``min=1``: the sign-in ended, the browser open, as an unexpected error."""
    refused(
        invoke(home, "login", "mastodon", "https://127.0.0.1:9", "-p", "x", "--timeout", "inf"), "--timeout"
    )


# ---------------------------------------------------------------- track: Ctrl-C in a snapshot


def _config(tmp_path: Path, port: int, *, sandbox: bool) -> Path:
    """Profile ``first`` (a sandbox account with a post) when ``sandbox``, and ``down``: a Mastodon
    account on a loopback server that takes the request and never answers."""
    lines = [
        f'[profiles.down]\nnetwork = "mastodon"\nbase_url = "http://127.0.0.1:{port}"\naccess_token = "t"'
    ]
    if sandbox:
        lines.append(
            f'[profiles.first]\nnetwork = "sandbox"\npath = "{tmp_path / "first.db"}"\naccount = "brand"'
        )
        with ds.connect("sandbox", path=tmp_path / "first.db", account="brand") as net:
            net.publish(Draft(text="from first"))
    config = tmp_path / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def _snapshots(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute("SELECT count(*) FROM snapshots").fetchone()[0])


def _track_interrupted(tmp_path: Path, profiles: list[str], *args: str) -> tuple[int, str, str]:
    """``track`` over ``profiles``, the last one ``down``; Ctrl-C once its request has come (the
    profiles before it are stored by then: one at a time, in order)."""
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    if os.name != "posix":
        pytest.skip("SIGINT to a child process is a POSIX thing")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections wait in the backlog: the request is taken, never answered
        config = _config(tmp_path, silent.getsockname()[1], sandbox="first" in profiles)
        env = {**os.environ, "DECENTSOCIAL_CONFIG": str(config), "PYTHONIOENCODING": "utf-8"}
        command = [sys.executable, "-m", "decentsocial.cli", "track", "--store", str(tmp_path / "metrics.db")]
        for name in profiles:
            command += ["-p", name]
        proc = subprocess.Popen(
            [*command, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's Ctrl-C
        )
        try:
            readable, _, _ = select.select([silent], [], [], 120)  # the request to "down" has come
            assert readable, "track never asked the silent server"
            time.sleep(0.3)  # the request sent, the answer waited for
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert "Traceback" not in err
    return proc.returncode, out, err


def test_ctrl_c_in_the_first_round_of_an_every_run_says_what_it_stored_and_exits_130(tmp_path: Path) -> None:
    """It said "stopped: 0 snapshot(s)" and exited 0, though the first profile's posts were stored."""
    code, out, err = _track_interrupted(tmp_path, ["first", "down"], "--every", "1h")
    assert code == 130, (out, err)
    lines = out.splitlines()
    assert "first (sandbox) @brand: 1 post(s)" in lines[0]
    assert lines[-1] == (
        f"stopped: 0 snapshot(s) in {tmp_path / 'metrics.db'}; the snapshot Ctrl-C cut short stored"
        " 1 of 2 account(s)"
    )
    assert _snapshots(tmp_path / "metrics.db") == 1  # the first profile's post, as said


def test_ctrl_c_in_a_single_snapshot_says_it_stored_nothing(tmp_path: Path) -> None:
    code, out, err = _track_interrupted(tmp_path, ["down"])
    assert code == 130, (out, err)
    assert out.splitlines()[-1] == (
        f"stopped: 0 snapshot(s) in {tmp_path / 'metrics.db'}; the snapshot Ctrl-C cut short stored nothing"
    )
    assert _snapshots(tmp_path / "metrics.db") == 0
