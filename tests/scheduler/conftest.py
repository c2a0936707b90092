"""Fixtures shared by the scheduler tests (a module may define its own ``profiles``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .profiles import write_profiles


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder of a config file holding ``write_profiles``' profiles, named by DECENTSOCIAL_CONFIG."""
    config = tmp_path / "config.toml"
    write_profiles(config, tmp_path)
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    return tmp_path
