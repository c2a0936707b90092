"""Fixtures shared by the unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file of the test's own (not written yet), named by ``DECENTSOCIAL_CONFIG``."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(path))
    monkeypatch.delenv("DECENTSOCIAL_PROFILE", raising=False)
    return path
