"""What the command reads and takes, and what it says: stdin, --limit, a dry run, monitor's errors."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial import terminal
from decentsocial.backends.sandbox.network import SandboxNetwork
from decentsocial.cli import app
from decentsocial.errors import InvalidInput, NetworkUnavailable, UnsupportedFeature

runner = CliRunner()


def sandbox(folder: Path) -> list[str]:
    return ["-n", "sandbox", "-s", f"path={folder / 's.db'}", "-s", "account=brand"]


class _Endless:
    """Bytes that never end (``< /dev/zero``): read without a bound, they would fill memory."""

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            raise AssertionError("standard input read without a bound")
        return b"a" * size


class _Stdin:
    encoding = "utf-8"
    buffer = _Endless()


def test_stdin_that_never_ends_is_refused_not_read_until_memory_runs_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin())
    with pytest.raises(InvalidInput, match="standard input is over"):
        terminal.text_or_stdin("-")


def test_post_from_a_pipe_over_the_bound_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terminal, "MAX_STDIN_BYTES", 100)
    result = runner.invoke(app, ["post", "-", "--dry-run", *sandbox(tmp_path)], input="x" * 101)
    assert result.exit_code == 1, result.output
    assert "standard input is over" in result.output
    assert "Traceback" not in result.output


def test_stdin_within_the_bound_is_read_whole(tmp_path: Path) -> None:
    text = "é" * 5000 + "\n"
    result = runner.invoke(app, ["post", "-", "--json", "--dry-run", *sandbox(tmp_path)], input=text)
    assert result.exit_code == 0, result.output
    assert '"dry_run": true' in result.output


def test_dry_run_preview_keeps_the_words_of_two_lines_apart(tmp_path: Path) -> None:
    result = runner.invoke(app, ["post", "Hello\nthere\n\nfriends", "--dry-run", *sandbox(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "would post  sandbox  Hello there friends" in result.output.splitlines()[0]


def test_track_takes_a_limit_past_what_islice_takes(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as net:
        net.publish("one")
        net.publish("two")
    result = runner.invoke(
        app, ["track", "--store", str(tmp_path / "m.db"), "--limit", str(10**20), *sandbox(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "2 post(s)" in result.output
    assert "unexpected" not in result.output


def test_monitor_says_a_failing_search_on_stderr_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise NetworkUnavailable("cannot reach the server \x1b[2J", network="sandbox")

    monkeypatch.setattr(SandboxNetwork, "search", down)
    monkeypatch.delenv("DECENTSOCIAL_DEBUG", raising=False)
    result = runner.invoke(app, ["monitor", "-k", "acme", *sandbox(tmp_path), "--for", "2s", "--json"])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""  # --json stays clean: the warning is on stderr
    assert "warning: searching sandbox failed" in result.stderr
    assert "cannot reach the server" in result.stderr
    assert "\x1b" not in result.stderr


def test_monitor_shows_a_network_that_cannot_stream_and_is_searched_instead_and_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_stream(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise UnsupportedFeature("sandbox", "stream", "not on this server")

    with ds.connect("sandbox", path=tmp_path / "s.db", account="fan") as fan:
        fan.publish("acme news")
    monkeypatch.setattr(SandboxNetwork, "stream", no_stream)
    # The pause before a stream refused for good is said (the package's ``monitor`` is the function).
    monkeypatch.setattr(importlib.import_module("decentsocial.monitor"), "_WIND_DOWN", 0.1)
    monkeypatch.delenv("DECENTSOCIAL_DEBUG", raising=False)
    result = runner.invoke(app, ["monitor", "-k", "acme", *sandbox(tmp_path), "--since", "1h", "--for", "3s"])
    assert result.exit_code == 0, result.output
    assert "acme news" in result.stdout
    assert "warning: sandbox cannot stream" in result.stderr


def test_monitor_without_errors_still_exits_0(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "s.db", account="fan") as fan:
        fan.publish("acme news")
    result = runner.invoke(app, ["monitor", "-k", "acme", *sandbox(tmp_path), "--since", "1h", "--for", "2s"])
    assert result.exit_code == 0, result.output
    assert "acme news" in result.stdout
    assert result.stderr == ""


def test_edit_reads_dash_as_standard_input_as_post_does(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as net:
        post = net.publish("a typo")
    fixed = "النص المصحح\nsecond line\n"
    result = runner.invoke(app, ["edit", post.id, "-", *sandbox(tmp_path)], input=fixed)
    assert result.exit_code == 0, result.output
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as net:
        assert net.get_post(post.id).text == fixed.removesuffix("\n")  # not "-"


def test_a_closed_standard_input_is_a_typed_error_and_asks_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    """Started with standard input closed (``<&-``), Python's ``sys.stdin`` is None: "-" was an
    "unexpected AttributeError", and so was every question asked before deleting."""
    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(InvalidInput, match="standard input, which is closed"):
        terminal.text_or_stdin("-")
    assert terminal.text_or_stdin("plain text") == "plain text"
    assert terminal.stdin_is_terminal() is False
