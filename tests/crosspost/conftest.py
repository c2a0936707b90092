"""Sandbox connections for the cross-posting and monitoring tests: real SQLite files in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork, SandboxSettings
from decentsocial.network import BaseNetwork, TextLimit
from decentsocial.text import grapheme_len


class SandboxWithLimit(SandboxNetwork):
    """The real sandbox, stating its ``max_length`` through the ``text_limit`` hook.

    The hook is how a backend tells ``crosspost`` how to split a long draft
    (``BaseNetwork.text_limit``); until the sandbox declares it itself, this
    adds exactly that and nothing else.
    """

    def text_limit(self) -> TextLimit:
        return TextLimit(self.config.max_length, grapheme_len, "graphemes")


@pytest.fixture
def connections(tmp_path: Path) -> Iterator[list[BaseNetwork]]:
    """Opened connections, closed after the test."""
    opened: list[BaseNetwork] = []
    yield opened
    for net in opened:
        net.close()


@pytest.fixture
def sandbox(tmp_path: Path, connections: list[BaseNetwork]):  # type: ignore[no-untyped-def]
    """``sandbox("name", account="alice", **settings)``: a connection to sandbox file ``name``."""

    def open_(name: str = "main", **settings: object) -> BaseNetwork:
        net = ds.connect("sandbox", path=tmp_path / f"{name}.db", **settings)
        connections.append(net)
        return net

    return open_


@pytest.fixture
def limited(tmp_path: Path, connections: list[BaseNetwork]):  # type: ignore[no-untyped-def]
    """``limited("name", account="carol", max_length=40)``: a sandbox that states its text limit."""

    def open_(name: str, *, account: str, max_length: int) -> BaseNetwork:
        settings = SandboxSettings(path=tmp_path / f"{name}.db", account=account, max_length=max_length)
        net = SandboxWithLimit(settings)
        connections.append(net)
        return net

    return open_
