"""The replay node double answers recorded calls only, and records broadcasts as a node answers them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ..servers._jsonrpc_replay import DUPLICATE_ERROR, NOT_RECORDED, ReplayServer
from ..servers.hive import PORTS


def rpc(server: ReplayServer, method: str, params: Any) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    answer: dict[str, Any] = httpx.post(server.url, json=body, timeout=5).json()
    assert answer["id"] == 7
    return answer


def test_listens_on_loopback_in_the_reserved_ports(replay: ReplayServer) -> None:
    host, _, port = replay.url.removeprefix("http://").partition(":")
    assert host == "127.0.0.1"
    assert int(port) in PORTS
    with pytest.raises(ValueError):
        ReplayServer([], host="0.0.0.0")


def test_recorded_call_is_answered_with_the_recorded_result(replay: ReplayServer) -> None:
    answer = rpc(replay, "bridge.get_profile", {"account": "alice"})
    assert answer["result"]["name"] == "alice"
    assert answer["result"]["stats"]["followers"] == 24


def test_unrecorded_call_gets_a_json_rpc_error_naming_it(replay: ReplayServer) -> None:
    answer = rpc(replay, "bridge.get_profile", {"account": "nobody-recorded"})
    assert answer["error"]["code"] == NOT_RECORDED
    assert "nobody-recorded" in answer["error"]["message"]


def test_legacy_call_form_and_api_method_form_meet(replay: ReplayServer) -> None:
    legacy = rpc(replay, "call", ["condenser_api", "get_dynamic_global_properties", []])
    modern = rpc(replay, "condenser_api.get_dynamic_global_properties", [])
    assert legacy["result"] == modern["result"]
    assert modern["result"]["head_block_number"] == 5_000_000


def test_recorded_error_answers_are_served(replay: ReplayServer) -> None:
    answer = rpc(replay, "bridge.get_post", {"author": "gtg", "permlink": ""})
    assert answer["error"]["code"] == -32602
    assert "permlink cannot be blank" in answer["error"]["message"]


def test_documented_defaults_match_recordings_that_left_them_out(replay: ReplayServer) -> None:
    # Recorded as {"sort": "created", "tag": "hive-171487"}; limit 20 and no start are bridge's defaults.
    plain = rpc(replay, "bridge.get_ranked_posts", {"sort": "created", "tag": "hive-171487"})
    explicit = rpc(
        replay,
        "bridge.get_ranked_posts",
        {"sort": "created", "tag": "hive-171487", "limit": 20, "start_author": "", "start_permlink": ""},
    )
    assert plain["result"] == explicit["result"]


def test_smaller_limit_is_the_head_of_the_recorded_list(replay: ReplayServer) -> None:
    full = rpc(replay, "bridge.get_account_posts", {"sort": "posts", "account": "alice"})["result"]
    head = rpc(replay, "bridge.get_account_posts", {"sort": "posts", "account": "alice", "limit": 3})[
        "result"
    ]
    assert head == full[:3]
    # More than a full recorded page cannot be known.
    too_many = rpc(replay, "bridge.get_account_posts", {"sort": "posts", "account": "alice", "limit": 50})
    assert too_many["error"]["code"] == NOT_RECORDED


def test_page_after_a_start_post_follows_it(replay: ReplayServer) -> None:
    first = rpc(replay, "bridge.get_ranked_posts", {"sort": "created", "tag": "hive-135485", "limit": 20})[
        "result"
    ]
    start = first[5]
    page = rpc(
        replay,
        "bridge.get_ranked_posts",
        {
            "sort": "created",
            "tag": "hive-135485",
            "limit": 4,
            "start_author": start["author"],
            "start_permlink": start["permlink"],
        },
    )["result"]
    assert page == first[6:10]


def test_broadcast_is_recorded_and_a_duplicate_gets_the_nodes_error(replay: ReplayServer) -> None:
    trx = {
        "ref_block_num": 1,
        "ref_block_prefix": 2,
        "expiration": "2016-09-15T19:48:21",
        "operations": [["vote", {"voter": "a", "author": "b", "permlink": "c", "weight": 1}]],
        "extensions": [],
        "signatures": ["00"],
    }
    assert rpc(replay, "condenser_api.broadcast_transaction", [trx])["result"] == {}
    again = rpc(replay, "network_broadcast_api.broadcast_transaction", {"trx": trx, "max_block_age": -1})
    assert again["error"] == DUPLICATE_ERROR
    assert [b.transaction for b in replay.broadcasts] == [trx]
    listed = httpx.get(replay.url + "/_replay/broadcasts", timeout=5).json()
    assert listed == [{"method": "condenser_api.broadcast_transaction", "transaction": trx}]


def test_unsigned_broadcast_is_refused(replay: ReplayServer) -> None:
    trx = {
        "ref_block_num": 1,
        "ref_block_prefix": 2,
        "expiration": "2016-09-15T19:48:21",
        "operations": [["vote", {}]],
        "extensions": [],
        "signatures": [],
    }
    answer = rpc(replay, "condenser_api.broadcast_transaction_synchronous", [trx])
    assert "Missing Posting Authority" in answer["error"]["message"]
    assert replay.broadcasts == []


def test_synchronous_broadcast_answers_with_id_and_block(replay: ReplayServer) -> None:
    trx = {
        "ref_block_num": 3,
        "ref_block_prefix": 4,
        "expiration": "2016-09-15T19:48:21",
        "operations": [["vote", {"voter": "a"}]],
        "extensions": [],
        "signatures": ["00"],
    }
    result = rpc(replay, "condenser_api.broadcast_transaction_synchronous", [trx])["result"]
    assert set(result) == {"id", "block_num", "trx_num", "expired"}
    assert result["expired"] is False


def test_account_history_start_below_limit_gets_hiveds_assertion(replay: ReplayServer) -> None:
    answer = rpc(
        replay, "account_history_api.get_account_history", {"account": "a-m3001", "start": 4, "limit": 10}
    )
    assert "start must be greater than or equal to limit-1" in answer["error"]["message"]


def test_account_history_of_a_wholly_recorded_account_is_answered_by_range(replay: ReplayServer) -> None:
    newest = rpc(
        replay, "account_history_api.get_account_history", {"account": "a-m3001", "start": -1, "limit": 10}
    )
    assert [e[0] for e in newest["result"]["history"]] == list(range(5, 15))
    oldest = rpc(
        replay, "account_history_api.get_account_history", {"account": "a-m3001", "start": 4, "limit": 5}
    )
    assert [e[0] for e in oldest["result"]["history"]] == list(range(0, 5))
    assert oldest["result"]["history"][0][1]["op"]["type"] == "account_create_operation"
