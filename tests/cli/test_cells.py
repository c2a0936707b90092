"""Table cells of the setup and engagement commands: a stranger's escape sequence or C1 control
(a plugin's error, a handle) is never written to the terminal, and ``[x]`` is never markup."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from decentsocial import registry
from decentsocial.cli import app

runner = CliRunner()

#: An escape sequence (clear the screen), an OSC (set the window title), a C1 CSI (U+009B), and markup.
HOSTILE = "Evil\x1b[2J\x1b]0;owned\x07\x9b31m[bold]x[/bold]"
SHOWN = "Evil[bold]x[/bold]"


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "250"})


def assert_safe(output: str) -> None:
    assert "\x1b" not in output
    assert "\x9b" not in output
    assert "\x07" not in output
    assert SHOWN in output  # shown as text: the controls removed, the brackets kept


def test_a_broken_plugins_error_is_shown_printable(monkeypatch: pytest.MonkeyPatch) -> None:
    real = registry.backend_class
    hostile = type(HOSTILE, (Exception,), {})  # a plugin's exception: its class name is its own

    def backend_class(name: str) -> Any:
        if name == "sandbox":
            raise hostile("import failed")
        return real(name)

    monkeypatch.setattr(registry, "backend_class", backend_class)
    shown = invoke("networks")
    assert shown.exit_code == 0, shown.output
    assert "broken" in shown.output
    assert_safe(shown.output)


def test_a_hostile_handle_in_the_report_table_is_shown_printable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("pandas", reason="report needs the pandas extra")
    from decentsocial import engagement

    def account_report(net: Any, since: datetime) -> Any:
        return {"network": "sandbox", "account": HOSTILE, "posts": 1, "likes": None}, {}

    monkeypatch.setattr(engagement, "account_report", account_report)
    sandbox = ["--network", "sandbox", "-s", f"path={tmp_path / 's.db'}"]  # its report stood in for above
    shown = invoke("report", "--since", "7d", *sandbox)
    assert shown.exit_code == 0, shown.output
    assert_safe(shown.output)
    assert " - " in shown.output or "│ -" in shown.output  # a missing value is a dash
