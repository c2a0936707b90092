"""reward_history against nodes whose account history never runs out: every request counts.

A page without rewards is skipped inside one fetch, so a node that sends
only non-reward operations could once keep the call paging for ever (the
skipped requests were not counted against ``limits.max_pages``). Each node
here is a real HTTP server on 127.0.0.1 with a safety stop, so the test
ends even when the client does not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from decentsocial import NetworkUnavailable, connect
from decentsocial.backends.hive import HiveNetwork

from ..servers._loopback_http import serve

HISTORY = "account_history_api.get_account_history"
MAX_PAGES = 3
SAFETY_STOP = 50  # the node answers with an error past this: the client should stop long before
NEWEST = 10**6

#: The index of the entries a node sends for a page that starts at ``start`` (-1: the newest).
Indexer = Callable[[int], int]


def _vote(index: int) -> list[Any]:
    """A history entry that is not a reward."""
    return [index, {"timestamp": "2024-01-01T00:00:00", "op": {"type": "vote_operation", "value": {}}}]


def _author_reward(index: int) -> list[Any]:
    op = {
        "type": "author_reward_operation",
        "value": {
            "author": "alice",
            "permlink": f"post-{index}",
            "hbd_payout": "0.001 HBD",
            "hive_payout": "0.000 HIVE",
            "vesting_payout": "1.000000 VESTS",
        },
    }
    return [index, {"timestamp": "2024-01-01T00:00:00", "op": op}]


@contextmanager
def history_node(index_of: Indexer, rewards: bool = False) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A node answering every history request with ``limit`` entries at ``index_of(start)``.

    Yields its URL and the params of the history requests it saw.
    """
    seen: list[dict[str, Any]] = []

    class Node(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            params = request["params"]
            answer: dict[str, Any] = {"jsonrpc": "2.0", "id": request["id"]}
            if request["method"] != HISTORY or len(seen) >= SAFETY_STOP:
                answer["error"] = {"code": -32000, "message": "stop"}
            else:
                seen.append(params)
                index = index_of(params["start"])
                entry = _author_reward(index) if rewards else _vote(index)
                answer["result"] = {"history": [entry] * params["limit"]}
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serve(Node, "hive-endless-history") as url:
        yield url, seen


def _connection(url: str) -> HiveNetwork:
    net = connect("hive", nodes=[url], retry={"attempts": 1}, limits={"deadline": 2, "max_pages": MAX_PAGES})
    assert isinstance(net, HiveNetwork)
    return net


def _down_by_one(start: int) -> int:
    """Entries at ``start`` itself: the next page starts one lower, a cursor that barely moves."""
    return NEWEST if start < 0 else start


def test_pages_without_rewards_count_against_max_pages() -> None:
    with history_node(_down_by_one) as (url, seen):
        net = _connection(url)
        try:
            with pytest.raises(NetworkUnavailable, match="max_pages") as info:
                list(net.reward_history("alice", page_size=10, limit=1))
        finally:
            net.close()
    assert info.value.network == "hive"
    assert len(seen) == MAX_PAGES


def test_pages_with_and_without_rewards_share_one_budget() -> None:
    """Reward pages (counted by the pager) and skipped pages (counted inside one fetch) add up."""
    with history_node(_down_by_one, rewards=True) as (url, seen):
        net = _connection(url)
        try:
            with pytest.raises(NetworkUnavailable, match="max_pages"):
                list(net.reward_history("alice", page_size=2, limit=None))
        finally:
            net.close()
    assert len(seen) == MAX_PAGES


@pytest.mark.parametrize(
    "index_of",
    [
        lambda start: NEWEST if start < 0 else start + 1,  # the next page starts where this one did
        lambda start: NEWEST if start < 0 else start + 5,  # the next page starts above this one
    ],
    ids=["stays", "moves-up"],
)
@pytest.mark.parametrize("rewards", [False, True], ids=["no-rewards", "rewards"])
def test_a_cursor_that_does_not_move_back_ends_the_listing(index_of: Indexer, rewards: bool) -> None:
    with history_node(index_of, rewards=rewards) as (url, seen):
        net = _connection(url)
        try:
            with pytest.raises(NetworkUnavailable, match="cursor") as info:
                list(net.reward_history("alice", page_size=10, limit=None))
        finally:
            net.close()
    assert info.value.network == "hive"
    assert len(seen) == 2  # the newest page, then the one whose entries are not below its start
