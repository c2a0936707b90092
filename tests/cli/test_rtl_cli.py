"""Right-to-left text typed by the user is isolated wherever a command shows it back."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app


def test_search_heading_isolates_an_arabic_query(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.brand]\nnetwork = "sandbox"\npath = "{tmp_path / "s.db"}"\naccount = "brand"\n'
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as brand:
        brand.publish("عرض 50% اليوم #عرض")
    found = CliRunner().invoke(app, ["search", "عرض 50%", "-p", "brand"], env={"COLUMNS": "200"})
    assert found.exit_code == 0, found.output
    heading = found.output.splitlines()[0]
    assert heading.startswith("brand (sandbox): search \u2068'عرض 50%'\u2069 ─")
