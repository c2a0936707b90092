"""Fixtures for the sandbox's own tests: a fresh in-memory sandbox per test, clock frozen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork

START = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def sandbox(**settings: Any) -> SandboxNetwork:
    net = ds.connect("sandbox", **settings)
    assert isinstance(net, SandboxNetwork)
    return net


@pytest.fixture
def alice() -> Iterator[SandboxNetwork]:
    net = sandbox(account="alice", now=START, payout_delay=3600)
    yield net
    net.close()


@pytest.fixture
def bob(alice: SandboxNetwork) -> Iterator[SandboxNetwork]:
    net = alice.as_account("bob")
    yield net
    net.close()


@pytest.fixture
def carol(alice: SandboxNetwork) -> Iterator[SandboxNetwork]:
    net = alice.as_account("carol")
    yield net
    net.close()
