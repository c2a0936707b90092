"""Sandbox connections for the cross-posting and monitoring tests: real SQLite files in tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork, SandboxSettings
from decentsocial.base import BaseNetwork


@pytest.fixture
def connections(tmp_path: Path) -> Iterator[list[BaseNetwork[Any]]]:
    """Opened connections, closed after the test."""
    opened: list[BaseNetwork[Any]] = []
    yield opened
    for net in opened:
        net.close()


@pytest.fixture
def sandbox(tmp_path: Path, connections: list[BaseNetwork[Any]]) -> Callable[..., SandboxNetwork]:
    """``sandbox("name", account="alice", **settings)``: a connection to sandbox file ``name``."""

    def open_(name: str = "main", **settings: Any) -> SandboxNetwork:
        net = ds.connect("sandbox", path=tmp_path / f"{name}.db", **settings)
        connections.append(net)
        return net

    return open_


@pytest.fixture
def limited(tmp_path: Path, connections: list[BaseNetwork[Any]]) -> Callable[..., SandboxNetwork]:
    """``limited("name", account="carol", max_length=40)``: a sandbox with a small text limit."""

    def open_(name: str, *, account: str, max_length: int) -> SandboxNetwork:
        settings = SandboxSettings(path=tmp_path / f"{name}.db", account=account, max_length=max_length)
        net = SandboxNetwork(settings)
        connections.append(net)
        return net

    return open_
