"""Fixtures for the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli._helpers import write_config


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A folder with a config (profile ``brand`` on a sandbox); every store would be made here.
    A test module that needs more in it overrides this fixture."""
    return write_config(tmp_path)
