"""``decentsocial monitor`` through typer's CliRunner, on a sandbox profile: lines, JSON, the cursor."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app
from tests.cli._helpers import sandbox_profile

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.fixture
def brand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(sandbox_profile("brand", tmp_path / "s.db", "brand"))
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    with ds.connect("sandbox", path=tmp_path / "s.db", account="fan") as fan:
        fan.publish("old news about acme")
        fan.publish("مرحبا acme \x1b[31mred\x1b[0m")  # Arabic, and an escape sequence to strip
        fan.publish("nothing to see")
    return tmp_path


def test_since_shows_the_matching_posts_then_the_cursor_resumes(brand: Path) -> None:
    cursor = str(brand / "monitor.json")
    result = invoke(
        "monitor", "-k", "acme", "--profile", "brand", "--since", "1h", "--cursor", cursor, "--for", "2s"
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert "@fan: old news about acme" in lines[0]
    assert "مرحبا acme" in lines[1]
    assert "\x1b" not in lines[1]
    later: list[str] = []

    def publish() -> None:
        with ds.connect("sandbox", path=brand / "s.db", account="fan") as fan:
            later.append(fan.publish("new acme post").id)

    timer = threading.Timer(1.0, publish)
    timer.start()
    again = invoke(
        "monitor", "-k", "acme", "-p", "brand", "--cursor", cursor, "--json", "--count", "1", "--for", "15s"
    )
    timer.join()
    assert again.exit_code == 0, again.output
    (line,) = again.output.splitlines()
    data = json.loads(line)
    assert data["id"] == later[0]
    assert data["text"] == "new acme post"
    assert data["network"] == "sandbox"


def test_bad_arguments_are_one_line_errors(brand: Path) -> None:
    for args in (
        ["monitor", "-p", "brand"],
        ["monitor", "-k", "", "-p", "brand"],
        ["monitor", "-k", "acme", "-p", "brand", "--since", "yesterday"],
        ["monitor", "-k", "acme", "-p", "brand", "--for", "0s"],
    ):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)  # wrong arguments
        assert result.output.startswith("error: "), result.output
        assert "Traceback" not in result.output
    (brand / "bad.json").write_text("[]")
    result = invoke("monitor", "-k", "acme", "-p", "brand", "--cursor", str(brand / "bad.json"))
    assert result.exit_code == 1
    assert "not a monitor cursor" in result.output


def test_durations_past_what_a_wait_or_the_calendar_can_hold_are_refused(brand: Path) -> None:
    # --count 1: were --for taken, the first post would end the run (exit 0) with the timer thread dead.
    result = invoke(
        "monitor", "-k", "acme", "-p", "brand", "--since", "1h", "--count", "1", "--for", "400000d"
    )
    assert result.exit_code == 2, result.output
    assert "--for is longer than a wait can be, got '400000d'" in result.output
    result = invoke("monitor", "-k", "acme", "-p", "brand", "--since", "999999d", "--for", "1s")
    assert result.exit_code == 2, result.output
    assert "'999999d' is further back than the calendar goes" in result.output


def test_the_live_view_and_json_lines_show_a_strangers_post_as_written() -> None:
    """A post's "[link=…]" made a real terminal link in the live view and a stray "[/bold]" stopped it;
    ``--json`` wrote U+009B (a terminal's CSI) raw."""
    import time
    from collections import Counter, deque

    from rich.console import Console

    from decentsocial.monitor_cli import _json_line, _view

    hostile = "pay here: [link=https://evil.example]https://bank.example[/link] [/bold] \x9b2J"
    post = ds.Post(
        network="sandbox",
        id="1",
        author=ds.Account(network="sandbox", id="m", handle="[red]mallory"),
        text=hostile,
        created_at="2027-01-01T00:00:00Z",
    )
    console = Console(record=True, width=300, emoji=False, force_terminal=True)
    console.print(_view(deque([post]), Counter(sandbox=1), time.monotonic()))
    shown = console.export_text()
    assert "[link=https://evil.example]https://bank.example[/link] [/bold]" in shown
    assert "@[red]mallory" in shown
    assert "\x1b]8;" not in console.export_text(styles=True)  # no hyperlink escape
    line = _json_line(post)
    assert "\x9b" not in line
    assert json.loads(line)["text"] == hostile
