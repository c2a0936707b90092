"""``decentsocial monitor`` through typer's CliRunner, on a sandbox profile: lines, JSON, the cursor."""

from __future__ import annotations

import json
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.fixture
def brand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        textwrap.dedent(
            f"""
            [profiles.brand]
            network = "sandbox"
            path = "{tmp_path / "s.db"}"
            account = "brand"
            """
        )
    )
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
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith("error: "), result.output
        assert "Traceback" not in result.output
    (brand / "bad.json").write_text("[]")
    result = invoke("monitor", "-k", "acme", "-p", "brand", "--cursor", str(brand / "bad.json"))
    assert result.exit_code == 1
    assert "not a monitor cursor" in result.output
