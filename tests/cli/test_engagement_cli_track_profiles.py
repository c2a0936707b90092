"""``decentsocial track`` names the profile each line is about, as ``report``'s rows do.

Its lines said ``sandbox @brand: …`` for each profile: two profiles of one handle on one network
(two sandbox files, two Mastodon servers) gave two lines that could not be told apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app
from tests.cli._helpers import sandbox_profile


def test_each_line_names_its_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        sandbox_profile("brand", tmp_path / "one.db", "brand")
        + sandbox_profile("brand-copy", tmp_path / "two.db", "brand")
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    for file, posts in (("one.db", 1), ("two.db", 2)):
        with ds.connect("sandbox", path=tmp_path / file, account="brand") as brand:
            for n in range(posts):
                brand.publish(f"post {n}")
    result = CliRunner().invoke(
        app,
        ["track", "--store", str(tmp_path / "m.db"), "-p", "brand", "-p", "brand-copy"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("UTC  brand (sandbox) @brand: 1 post(s), 0 likes, 0 reposts, 0 replies")
    assert lines[1].endswith("UTC  brand-copy (sandbox) @brand: 2 post(s), 0 likes, 0 reposts, 0 replies")


def test_a_network_without_a_profile_is_named_as_before(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as brand:
        brand.publish("launch")
    result = CliRunner().invoke(
        app,
        [
            *("track", "--store", str(tmp_path / "m.db"), "-n", "sandbox"),
            *("-s", f"path={tmp_path / 's.db'}", "-s", "account=brand"),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("UTC  sandbox @brand: 1 post(s), 0 likes, 0 reposts, 0 replies")
