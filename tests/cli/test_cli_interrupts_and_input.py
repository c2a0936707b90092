"""Ctrl-C during a post, text from a file saved by any editor, right-to-left notifications, any locale."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import suppress
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app
from decentsocial.setup_cli import ARABIC_LINE

runner = CliRunner()


def _sandbox(tmp_path: Path, name: str = "cli.db", account: str = "alice") -> list[str]:
    return ["--network", "sandbox", "-s", f"path={tmp_path / name}", "-s", f"account={account}"]


def _texts(path: Path, account: str = "alice") -> list[str]:
    with ds.connect("sandbox", path=path, account=account) as net:
        return [p.text for p in net.posts(limit=None)]


def _config(tmp_path: Path, profiles: dict[str, str]) -> dict[str, str]:
    """A config file with one sandbox profile per name, each on its own file; its environment."""
    lines = []
    for name, file in profiles.items():
        lines += [f'[profiles."{name}"]', 'network = "sandbox"', f'path = "{tmp_path / file}"']
        lines += ['account = "brand"', "timeout = 120"]  # a locked file is waited for, not an error
    config = tmp_path / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"DECENTSOCIAL_CONFIG": str(config)}


# ---------------------------------------------------------------- Ctrl-C


def _interrupted_after_first_posts(tmp_path: Path, *args: str) -> tuple[int, str, dict[str, str]]:
    """Run a command writing to profiles "first" then "second"; Ctrl-C once "first" has posted.

    The write lock of "second"'s file is held meanwhile, so the command is
    still waiting on it when the interrupt comes.
    """
    env = {**os.environ, **_config(tmp_path, {"first": "first.db", "second": "second.db"})}
    env.update(PYTHONIOENCODING="utf-8", DECENTSOCIAL_STORE=str(tmp_path / "campaign.db"))
    second = tmp_path / "second.db"
    with ds.connect("sandbox", path=second, account="brand"):
        pass  # the file exists, for the lock
    lock = sqlite3.connect(second, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    proc = subprocess.Popen(
        [sys.executable, "-m", "decentsocial.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's Ctrl-C
    )
    try:
        for _ in range(600):
            if (tmp_path / "first.db").exists() and _texts(tmp_path / "first.db", "brand"):
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
    finally:
        lock.rollback()
        lock.close()
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err
    return proc.returncode, err, env


def test_ctrl_c_during_a_post_names_the_key_that_finishes_it_without_a_second_copy(tmp_path: Path) -> None:
    code, err, env = _interrupted_after_first_posts(
        tmp_path, "post", "launch day", "--to", "first", "--to", "second"
    )
    assert code == 130, err
    found = re.search(r"--key ([0-9a-f]{32})", err)
    assert found is not None, err  # before: nothing at all, and a second run posted again on "first"
    assert err.startswith("interrupted: ")

    again = runner.invoke(
        app, ["post", "launch day", "--to", "first", "--to", "second", "--key", found.group(1)], env=env
    )
    assert again.exit_code == 0, again.output
    assert _texts(tmp_path / "first.db", "brand") == ["launch day"]
    assert _texts(tmp_path / "second.db", "brand") == ["launch day"]


def test_ctrl_c_during_crisis_start_says_how_to_end_what_it_began(tmp_path: Path) -> None:
    code, err, env = _interrupted_after_first_posts(
        tmp_path, "crisis", "start", "We are aware of the outage.", "--to", "first", "--to", "second"
    )
    assert code == 130, err
    assert err.startswith("interrupted: the crisis may have started in part"), err  # before: nothing
    assert "crisis end" in err
    ended = runner.invoke(app, ["crisis", "end"], env=env)
    assert ended.exit_code == 0, ended.output


# ---------------------------------------------------------------- text from standard input


def test_a_byte_order_mark_and_crlf_line_ends_are_not_published(tmp_path: Path) -> None:
    data = "\ufeff#launch first line\r\nsecond line\r\n".encode()
    result = runner.invoke(app, ["post", "-", *_sandbox(tmp_path)], input=data)
    assert result.exit_code == 0, result.output
    assert _texts(tmp_path / "cli.db") == ["#launch first line\nsecond line"]


def test_a_utf16_file_is_read_as_the_text_it_holds(tmp_path: Path) -> None:
    data = f"{ARABIC_LINE}\r\n".encode("utf-16")  # Windows Notepad's "Unicode"
    result = runner.invoke(app, ["post", "-", *_sandbox(tmp_path)], input=data)
    assert result.exit_code == 0, result.output
    assert _texts(tmp_path / "cli.db") == [ARABIC_LINE]


def test_input_that_is_not_utf8_is_named_as_such_and_nothing_is_posted(tmp_path: Path) -> None:
    result = runner.invoke(app, ["post", "-", *_sandbox(tmp_path)], input="café".encode("cp1252"))
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: standard input is not UTF-8 text (byte 3 cannot be read): save the file as UTF-8"
    )
    assert not (tmp_path / "cli.db").exists() or _texts(tmp_path / "cli.db") == []


def test_a_reply_from_standard_input_drops_the_byte_order_mark_too(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "cli.db", account="alice") as alice:
        post = alice.publish(ds.Draft(text="hello"))
    result = runner.invoke(app, ["reply", post.id, "-", *_sandbox(tmp_path)], input="\ufeffthanks\n".encode())
    assert result.exit_code == 0, result.output
    assert sorted(_texts(tmp_path / "cli.db")) == ["hello", "thanks"]


# ---------------------------------------------------------------- what is shown


def test_a_right_to_left_notification_keeps_its_isolates(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "cli.db", account="alice") as alice:
        post = alice.publish(ds.Draft(text="hello"))
        with alice.as_account("bob") as bob:
            bob.reply(post, ds.Draft(text=f"{ARABIC_LINE} 123"))
    result = runner.invoke(app, ["notifications", *_sandbox(tmp_path)])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "reply @bob" in line)
    # Without the isolates the numbers after the Arabic words are laid out as part of them.
    assert line.endswith(f": \u2068{ARABIC_LINE} 123\u2069"), repr(line)


def test_post_lines_line_up_when_a_profile_name_is_wide(tmp_path: Path) -> None:
    env = _config(tmp_path, {"🚀launch": "a.db", "brand-main": "b.db"})
    result = runner.invoke(
        app, ["post", "hi", "--to", "🚀launch", "--to", "brand-main", "--dry-run"], env=env
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("would post")]
    assert len(lines) == 2
    columns = {cell_len(line[: line.rindex(" hi")]) for line in lines}
    assert len(columns) == 1, lines  # the text starts in the same terminal column on both lines


def test_output_in_a_legacy_encoding_does_not_stop_the_command(tmp_path: Path) -> None:
    """Windows gives a redirected output its code page (cp1252): Arabic and emoji cannot be written in it."""
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "DECENTSOCIAL_CONFIG": str(tmp_path / "none.toml")}
    result = subprocess.run(
        [sys.executable, "-m", "decentsocial.cli", "demo"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"\u2068{ARABIC_LINE} #decentsocial\u2069".encode() in result.stdout  # UTF-8, whole

    posted = subprocess.run(
        [
            sys.executable,
            "-m",
            "decentsocial.cli",
            "post",
            f"{ARABIC_LINE} 🚀",
            *_sandbox(tmp_path),
            "--json",
        ],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert posted.returncode == 0, posted.stderr
    assert json.loads(posted.stdout.decode("utf-8"))["ok"] is True
    assert _texts(tmp_path / "cli.db") == [f"{ARABIC_LINE} 🚀"]


def _asked_on_a_terminal(command: list[str], env: dict[str, str], answer: bytes) -> tuple[int, bytes, bytes]:
    """Run ``command`` with a terminal as stdin, wait for its question on stderr, answer it."""
    main, terminal = os.openpty()
    try:
        with subprocess.Popen(
            command, env=env, stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        ) as proc:
            assert proc.stderr is not None
            asked = b""
            while b"[y/N]" not in asked:
                ready, _, _ = select.select([proc.stderr], [], [], 60)
                if not ready:
                    proc.kill()
                    pytest.fail(f"no question on stderr; stdout: {proc.communicate()[0]!r}")
                chunk = os.read(proc.stderr.fileno(), 1024)
                if not chunk:
                    break
                asked += chunk
            os.write(main, answer)
            out, rest = proc.communicate(timeout=120)
            return proc.returncode, out, asked + rest
    finally:
        os.close(main)
        os.close(terminal)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_delete_asks_on_stderr_so_its_json_stays_a_document(tmp_path: Path) -> None:
    """Run from a terminal with the output piped (``delete ID --json | jq``): the question must be seen."""
    with ds.connect("sandbox", path=tmp_path / "cli.db", account="alice") as alice:
        post_id = alice.publish(ds.Draft(text="to delete")).id
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "DECENTSOCIAL_CONFIG": str(tmp_path / "none.toml")}
    command = [sys.executable, "-m", "decentsocial.cli", "delete", post_id, *_sandbox(tmp_path), "--json"]
    # Before, the question went to stdout (into the pipe) and the command waited, unseen.
    code, out, _ = _asked_on_a_terminal(command, env, b"y\n")
    assert code == 0
    assert b"Delete post" not in out
    assert json.loads(out) == {
        "action": "deleted",
        "target": "sandbox",
        "network": "sandbox",
        "id": post_id,
        "url": None,
    }
    assert _texts(tmp_path / "cli.db") == []


def test_edit_shows_each_line_of_the_new_text_on_its_own(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "cli.db", account="alice") as alice:
        post = alice.publish(ds.Draft(text="old words"))
    result = runner.invoke(app, ["edit", post.id, f"first line\n{ARABIC_LINE}", *_sandbox(tmp_path)])
    assert result.exit_code == 0, result.output
    # Before, the lines ran together: "first line" and the Arabic became one word.
    assert result.output.splitlines()[1:] == ["  first line", f"  \u2068{ARABIC_LINE}\u2069"]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_retract_from_a_terminal_asks_before_deleting_a_jobs_posts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime, timezone

    from decentsocial.scheduler import Scheduler

    config = _config(tmp_path, {"brand": "s.db"})
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", config["DECENTSOCIAL_CONFIG"])
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "DECENTSOCIAL_STORE": str(tmp_path / "campaign.db")}
    sched = Scheduler(tmp_path / "campaign.db")
    job = sched.schedule("spring sale", ["brand"], at=datetime.now(timezone.utc), key="spring-sale")
    sched.run_pending()
    sched.close()
    command = [sys.executable, "-m", "decentsocial.cli", "retract", "spring-sale"]
    code, _, err = _asked_on_a_terminal(command, env, b"n\n")
    assert code == 1
    assert f"Delete the 1 post(s) job {job.id} (spring-sale) made, on brand?".encode() in err
    assert _texts(tmp_path / "s.db", "brand") == ["spring sale"]  # nothing deleted

    code, out, err = _asked_on_a_terminal(command, env, b"y\n")
    assert code == 0, err
    assert f"Retracted job {job.id}".encode() in out
    assert _texts(tmp_path / "s.db", "brand") == []


def test_a_second_ctrl_c_ends_the_wait_for_a_request_already_sent_quietly(tmp_path: Path) -> None:
    """After a Ctrl-C the command waits for a request in flight; a second one ends it, no traceback."""
    pytest.importorskip("mastodon")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []

    def accept() -> None:  # a server that takes each request and never answers
        with suppress(OSError):  # closed at the end
            while True:
                accepted.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    config = tmp_path / "config.toml"
    config.write_text(
        textwrap.dedent(
            f"""
            [profiles.first]
            network = "sandbox"
            path = "{tmp_path / "first.db"}"
            account = "brand"
            [profiles.silent]
            network = "mastodon"
            base_url = "http://127.0.0.1:{server.getsockname()[1]}"
            access_token = "token"
            allow_http = true
            timeout = 110
            """
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "DECENTSOCIAL_CONFIG": str(config), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "decentsocial.cli", "post", "launch", "--to", "first", "--to", "silent"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stderr is not None
        for _ in range(600):  # the silent server has the request; "first" has posted
            if accepted and (tmp_path / "first.db").exists() and _texts(tmp_path / "first.db", "brand"):
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        said = b""
        while b"\n" not in said:  # the first interrupt is reported at once
            ready, _, _ = select.select([proc.stderr], [], [], 60)
            assert ready, said
            chunk = os.read(proc.stderr.fileno(), 4096)
            assert chunk, said
            said += chunk
        assert said.startswith(b"interrupted: it may be posted already")
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=100)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        server.close()
        for conn in accepted:
            conn.close()
    assert b"Traceback" not in rest, rest  # before: Python's exit handler printed one
    assert proc.returncode == -signal.SIGINT


def test_piped_post_and_message_headers_stay_on_one_line(tmp_path: Path) -> None:
    """A long handle (a Nostr npub is 63 characters) made the header wrap at 80 columns in a pipe."""
    handle = "a" * 60
    with ds.connect("sandbox", path=tmp_path / "cli.db", account=handle) as net:
        post = net.publish(ds.Draft(text="hello"))
        message_id = net.send_message(handle, "a note")
    where = _sandbox(tmp_path, account=handle)
    for command, start, end in (
        (["timeline", *where], f"@{handle} posted ", f" UTC · 0 likes · 0 replies · {post.id}"),
        (
            ["account", *where, "--posts", "1"],
            f"@{handle} posted ",
            f" UTC · 0 likes · 0 replies · {post.id}",
        ),
        (["messages", *where], f"@{handle} → @{handle} ", f" UTC · {message_id}"),
    ):
        result = runner.invoke(app, command, env={"COLUMNS": "80"})
        assert result.exit_code == 0, result.output
        header = next(line for line in result.output.splitlines() if line.startswith(start))
        assert header.endswith(end), header


def test_a_file_in_the_systems_legacy_encoding_is_still_read(tmp_path: Path) -> None:
    """Where the system's encoding is cp1252 (Windows), a cp1252 file reads as it always did."""
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "DECENTSOCIAL_CONFIG": str(tmp_path / "none.toml")}
    posted = subprocess.run(
        [sys.executable, "-m", "decentsocial.cli", "post", "-", *_sandbox(tmp_path)],
        input="café crème\r\n".encode("cp1252"),
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert posted.returncode == 0, posted.stderr
    assert _texts(tmp_path / "cli.db") == ["café crème"]
