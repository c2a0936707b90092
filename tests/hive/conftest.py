"""Fixtures for the Hive/Steem backend tests: connections to the replay node (tests/servers/hive.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer, load_cases, split_call
from ..servers.hive import FIXTURE, _free_port, hive_connection

#: Communities whose ``bridge.get_community`` is recorded only with an observer, asked here without one
#: (a post into a community, a join, a leave ask whether it exists). hive-197922 does not exist.
ASKED_WITHOUT_OBSERVER = ("hive-117600", "hive-171487", "hive-186669", "hive-197922")


def _without_observer(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Recorded ``bridge.get_community`` answers of ``ASKED_WITHOUT_OBSERVER``, as Hivemind gives them
    to no observer: the same answer, its ``context`` (the observer's role) empty, as in the answers
    recorded without one; a "does not exist" error as it is (it names no observer)."""
    added: dict[str, dict[str, Any]] = {}
    for case in cases:
        method, params = split_call(case["method"], case.get("params"))
        name = params.get("name") if isinstance(params, dict) else None
        if method != "bridge.get_community" or name not in ASKED_WITHOUT_OBSERVER or name in added:
            continue
        if isinstance(case.get("result"), dict):
            added[name] = {**case, "params": {"name": name}, "result": {**case["result"], "context": {}}}
        elif "does not exist" in str(case.get("error")):
            added[name] = {**case, "params": {"name": name}}
    assert sorted(added) == sorted(ASKED_WITHOUT_OBSERVER)
    return list(added.values())


@pytest.fixture(scope="session")
def hive_replay() -> Iterator[ReplayServer]:
    """The replay node of tests/servers/hive.py, with the recorded answers above asked without observer."""
    cases = load_cases(FIXTURE)
    server = ReplayServer([*cases, *_without_observer(cases)], port=_free_port()).start()
    try:
        yield server
    finally:
        server.stop()


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
