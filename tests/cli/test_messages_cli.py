"""``decentsocial messages`` and ``message send`` through the installed entry point, on a sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The ``decentsocial`` command (``decentsocial.console:main``) in a fresh interpreter."""
    script = "import sys\nfrom decentsocial.console import main\n"
    script += "sys.argv = ['decentsocial', *sys.argv[1:]]\nmain()\n"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DECENTSOCIAL_CONFIG": str(cwd / "none.toml"),
        "PYTHONIOENCODING": "utf-8",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def as_account(tmp_path: Path, account: str) -> list[str]:
    return ["--network", "sandbox", "-s", f"path={tmp_path / 's.db'}", "-s", f"account={account}"]


def test_send_and_list(tmp_path: Path) -> None:
    assert run("messages", *as_account(tmp_path, "bob"), cwd=tmp_path).returncode == 0  # bob exists now
    sent = run("message", "send", "bob", "مرحبا بوب، طلبك جاهز", *as_account(tmp_path, "alice"), cwd=tmp_path)
    assert sent.returncode == 0, sent.stderr
    message_id = sent.stdout.strip()
    assert message_id
    listed = run("messages", *as_account(tmp_path, "bob"), cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "@alice → @bob" in listed.stdout
    assert message_id in listed.stdout
    assert "\u2068مرحبا بوب، طلبك جاهز\u2069" in listed.stdout  # right-to-left text isolated, not reordered
    as_json = run("messages", "--json", "--limit", "5", *as_account(tmp_path, "alice"), cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    [record] = json.loads(as_json.stdout)
    assert (record["id"], record["text"], record["sender"]["handle"]) == (
        message_id,
        "مرحبا بوب، طلبك جاهز",
        "alice",
    )
    assert "raw" not in record


def test_errors_are_one_line_without_the_text(tmp_path: Path) -> None:
    missing = run("message", "send", "nobody", "private words", *as_account(tmp_path, "alice"), cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: [sandbox] no account 'nobody'")
    assert "private words" not in missing.stderr + missing.stdout
    assert missing.stderr.count("\n") == 1
    assert "Traceback" not in missing.stderr
    empty = run("message", "send", "alice", "   ", *as_account(tmp_path, "alice"), cwd=tmp_path)
    assert empty.returncode == 2  # a blank TEXT is a wrong argument, said before anything is sent
    assert empty.stderr == "error: TEXT is empty: give the text, or - to read it from standard input\n"
    nothing = run("messages", *as_account(tmp_path, "carol"), cwd=tmp_path)
    assert nothing.returncode == 0
    assert "(no messages)" in nothing.stdout


def test_a_network_without_messages(tmp_path: Path) -> None:
    lacking = run("messages", *as_account(tmp_path, "alice"), "-s", 'unsupported=["messaging"]', cwd=tmp_path)
    assert lacking.returncode == 1
    assert "messaging" in lacking.stderr


def test_send_reads_the_text_from_stdin_like_post(tmp_path: Path) -> None:
    assert run("messages", *as_account(tmp_path, "bob"), cwd=tmp_path).returncode == 0  # bob exists now
    text = "مرحبا بوب 🎉\nyour order is ready"
    sent = run("message", "send", "bob", "-", *as_account(tmp_path, "alice"), cwd=tmp_path, stdin=text + "\n")
    assert sent.returncode == 0, sent.stderr
    listed = run("messages", "--json", *as_account(tmp_path, "bob"), cwd=tmp_path)
    assert [m["text"] for m in json.loads(listed.stdout)] == [text]
