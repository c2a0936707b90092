"""Fixtures for the Hive/Steem backend tests: connections to the replay node (tests/servers/hive.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection


@pytest.fixture
def replay(hive_replay: ReplayServer) -> ReplayServer:
    """The session's replay node with its broadcast record and request log emptied."""
    hive_replay.clear()
    return hive_replay


@pytest.fixture(params=["hive", "steem"])
def net(request: pytest.FixtureRequest, replay: ReplayServer) -> Iterator[HiveNetwork]:
    """alice on Hive and on Steem, with test posting and active keys."""
    conn = hive_connection(request.param, replay, "alice", notification_min_score=15)
    assert isinstance(conn, HiveNetwork)
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def hive(replay: ReplayServer) -> Iterator[HiveNetwork]:
    conn = hive_connection("hive", replay, "alice", notification_min_score=15)
    assert isinstance(conn, HiveNetwork)
    try:
        yield conn
    finally:
        conn.close()
