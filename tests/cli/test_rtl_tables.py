"""Right-to-left text in a table cell is isolated on each line the table shows it on.

A terminal lays out every line by itself: Arabic in a cell that is not
isolated pulls the borders and the next cell's number into its direction,
and an isolate opened on one line of a wrapped cell and closed on another
takes the rest of the first line (the next cells) with it.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app
from decentsocial.scheduler import Scheduler
from decentsocial.terminal import cell

FSI, PDI = "\u2068", "\u2069"
ARABIC = "\u0645\u062a\u062c\u0631"  # "shop"


def assert_isolated_line_by_line(shown: str) -> None:
    """Each line holding Arabic opens one isolate before it and closes it after it, on that line."""
    arabic_lines = [line for line in shown.splitlines() if ARABIC[0] in line or "\u0633" in line]
    assert arabic_lines, shown
    for line in arabic_lines:
        assert line.count(FSI) == line.count(PDI) >= 1, repr(line)
        first_letter = min(i for i, ch in enumerate(line) if "\u0600" <= ch <= "\u06ff")
        assert line.index(FSI) < first_letter, repr(line)
        last_letter = max(i for i, ch in enumerate(line) if "\u0600" <= ch <= "\u06ff")
        assert line.rindex(PDI) > last_letter, repr(line)


def test_an_arabic_profile_in_the_jobs_table_does_not_take_the_post_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles."{ARABIC}"]\nnetwork = "sandbox"\npath = "{tmp_path / "s.db"}"\naccount = "shop"\n'
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    Scheduler(tmp_path / "campaign.db").schedule(
        "launch", [ARABIC], at=datetime.now(timezone.utc) + timedelta(hours=1)
    )
    shown = CliRunner().invoke(
        app, ["jobs", "--store", str(tmp_path / "campaign.db")], env={"COLUMNS": "120"}
    )
    assert shown.exit_code == 0, shown.output
    assert_isolated_line_by_line(shown.output)
    row = next(line for line in shown.output.splitlines() if ARABIC in line)
    # The isolate ends inside the targets cell: the posts count after it stays outside.
    assert row.index(PDI) < row.index("│ 0 ")


def test_a_wrapped_arabic_cell_is_isolated_on_every_line() -> None:
    table = Table()
    table.add_column("targets", max_width=14)
    table.add_column("posts")
    table.add_row(cell(f"{ARABIC} \u0633\u0648\u0642 {ARABIC} \u0633\u0648\u0642 {ARABIC}"), cell("12"))
    console = Console(record=True, width=40, force_terminal=False)
    console.print(table)
    shown = console.export_text()
    assert len([line for line in shown.splitlines() if ARABIC in line or "\u0633" in line]) > 1, shown
    assert_isolated_line_by_line(shown)


def test_the_monitor_view_folds_an_arabic_post_with_an_isolate_on_each_line() -> None:
    from decentsocial.monitor_cli import _view

    post = ds.Post(
        network="sandbox",
        id="1",
        author=ds.Account(network="sandbox", id="m", handle="shop"),
        text=" ".join([ARABIC, "\u0633\u0648\u0642", "2027"] * 12),
        created_at="2027-01-01T00:00:00Z",
    )
    console = Console(record=True, width=60, force_terminal=False)
    console.print(_view(deque([post]), Counter(sandbox=1), time.monotonic()))
    shown = console.export_text()
    assert len([line for line in shown.splitlines() if ARABIC in line]) > 1, shown
    assert_isolated_line_by_line(shown)


def test_left_to_right_cells_are_left_as_they_are() -> None:
    table = Table()
    table.add_column("targets")
    table.add_row(cell("brand, shop"))
    console = Console(record=True, width=40, force_terminal=False)
    console.print(table)
    shown = console.export_text()
    assert FSI not in shown
    assert "brand, shop" in shown
