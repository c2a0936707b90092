"""Fixtures shared by the monitoring and history tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[SandboxNetwork, SandboxNetwork]]:
    """A brand and a fan on one sandbox file: the fan's posts are what the brand's monitor sees."""
    brand = ds.connect("sandbox", path=tmp_path / "s.db", account="brand")
    fan = ds.connect("sandbox", path=tmp_path / "s.db", account="fan")
    yield brand, fan
    brand.close()
    fan.close()
