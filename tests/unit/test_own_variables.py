"""Every ``DECENTSOCIAL_*`` variable the SDK reads is one of its own (never a profile's setting) and is
named in docs/configuration.md: ``DECENTSOCIAL_SCHEDULER_MAX_TAKEOVERS`` was missing, so a profile named
``scheduler`` took it as a ``max_takeovers`` setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from decentsocial import config

ROOT = Path(__file__).resolve().parents[2]
READ = sorted(
    {
        name
        for file in (ROOT / "decentsocial").rglob("*.py")
        for name in re.findall(r'"(DECENTSOCIAL_[A-Z_]+)"', file.read_text(encoding="utf-8"))
    }
)


def test_the_scan_finds_the_variables() -> None:
    assert "DECENTSOCIAL_STATE_DIR" in READ
    assert len(READ) >= 10


@pytest.mark.parametrize("name", READ)
def test_a_variable_the_sdk_reads_is_its_own_and_documented(name: str) -> None:
    assert name in config.OWN_VARIABLES
    assert f"`{name}`" in (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


def test_a_profile_named_like_a_variable_takes_none_of_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.toml").write_text('[profiles.scheduler]\nnetwork = "sandbox"\n')
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("DECENTSOCIAL_SCHEDULER_MAX_TAKEOVERS", "5")
    assert "max_takeovers" not in config.load_profile("scheduler")
