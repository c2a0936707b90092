"""Every recorded error answer (about 300 of them) becomes a typed error, never a raw KeyError."""

from __future__ import annotations

import json
from contextlib import closing
from typing import Any

import httpx
import pytest

from decentsocial import (
    AuthenticationError,
    ContentRejected,
    DecentSocialError,
    InvalidInput,
    NetworkUnavailable,
    NotFound,
    PermissionDenied,
    RateLimited,
    UnsupportedFeature,
)
from decentsocial.backends.hive.failures import RpcError, error_from_rpc, is_duplicate_transaction
from decentsocial.backends.hive.transport import RpcClient
from decentsocial.retry import RetryPolicy

from ..servers._jsonrpc_replay import ReplayServer, load_cases, split_call
from ..servers.hive import FIXTURE

ERROR_CASES = [
    c
    for c in load_cases(FIXTURE)
    if isinstance(c.get("error"), dict)
    and "code" in c["error"]
    and split_call(c["method"], c.get("params"))[0]
    not in (
        "condenser_api.broadcast_transaction",
        "condenser_api.broadcast_transaction_synchronous",
    )
]


def test_there_are_about_300_recorded_errors() -> None:
    assert 250 <= len(ERROR_CASES) <= 350


def test_every_recorded_error_maps_to_a_typed_error(replay: ReplayServer) -> None:
    client = RpcClient("hive", [replay.url], timeout=5, policy=RetryPolicy.never())
    kinds: dict[str, int] = {}
    try:
        for case in ERROR_CASES:
            with pytest.raises(DecentSocialError) as info:
                client.call(case["method"], case.get("params"))
            err = info.value
            assert not isinstance(err, NetworkUnavailable), f"{case['id']}: {err}"
            assert isinstance(err.__cause__, RpcError)
            assert err.network == "hive"
            assert err.server_message
            kinds[type(err).__name__] = kinds.get(type(err).__name__, 0) + 1
    finally:
        client.close()
    # The recordings hold all four kinds of failure a caller must tell apart.
    assert {"InvalidInput", "NotFound", "UnsupportedFeature"} <= set(kinds)


ALL_ERRORS = [c for c in load_cases(FIXTURE) if isinstance(c.get("error"), dict) and "code" in c["error"]]


def test_recorded_broadcast_errors_map_to_rejections() -> None:
    broadcasts = [c for c in ALL_ERRORS if "broadcast" in c["method"]]
    assert broadcasts
    for case in broadcasts:
        assert isinstance(
            error_from_rpc("hive", case["method"], case["error"]), (ContentRejected, InvalidInput)
        )


def _first(substring: str) -> dict[str, Any]:
    return next(c for c in ALL_ERRORS if substring in json.dumps(c["error"]))


@pytest.mark.parametrize(
    ("substring", "expected"),
    [
        ("Account joeyarnoldvn does not exist", NotFound),
        ("Post gtg/non_existing_permlink does not exist", NotFound),
        ("was deleted", NotFound),
        ("limit = 0 outside valid range", InvalidInput),
        ("invalid account char", InvalidInput),
        ("permlink cannot be blank", InvalidInput),
        ("offset cannot be negative", InvalidInput),
        ("got an unexpected keyword argument", InvalidInput),
        ("condenser_api get state is not supported", UnsupportedFeature),
        ("follow_api_plugin not enabled", UnsupportedFeature),
        ("Api not found bridge_api", UnsupportedFeature),
        ("verify_authority", ContentRejected),  # a broadcast refused for its TaPoS
        ("attempting to push a block that is too old", ContentRejected),
    ],
)
def test_specific_recorded_errors(substring: str, expected: type[DecentSocialError]) -> None:
    case = _first(substring)
    err = error_from_rpc("hive", case["method"], case["error"])
    assert type(err) is expected, f"{case['id']}: {err!r}"


def test_missing_authority_is_an_authentication_error() -> None:
    error = {"code": -32000, "message": "Assert Exception:Missing Posting Authority alice"}
    assert isinstance(
        error_from_rpc("hive", "condenser_api.broadcast_transaction", error), AuthenticationError
    )


def test_duplicate_transaction_is_recognised() -> None:
    assert is_duplicate_transaction(
        {"code": -32003, "message": "Assert Exception:false: Duplicate transaction check failed"}
    )
    assert not is_duplicate_transaction(_first("invalid account char")["error"])


def test_malformed_error_objects_still_map() -> None:
    odd: Any
    for odd in (None, "text", 17, [], {}, {"code": "x"}, {"message": None, "data": {"nested": True}}):
        assert isinstance(error_from_rpc("steem", "bridge.get_post", odd), DecentSocialError)


def _client(handler: Any, nodes: tuple[str, ...] = ("http://node-a.test",), attempts: int = 1) -> RpcClient:
    return RpcClient(
        "hive",
        nodes,
        timeout=5,
        policy=RetryPolicy(attempts=attempts, sleep=lambda _: None),
        transport=httpx.MockTransport(handler),
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, AuthenticationError), (403, PermissionDenied), (404, NotFound), (400, ContentRejected)],
)
def test_an_http_status_without_a_json_rpc_answer_maps_by_status(
    status: int, expected: type[DecentSocialError]
) -> None:
    client = _client(lambda request: httpx.Response(status, text="<html>nope</html>"))
    with closing(client), pytest.raises(expected) as info:
        client.call("bridge.get_post", {"author": "a", "permlink": "b"})
    assert "HTTP" in str(info.value)
    assert info.value.network == "hive"


def test_a_json_rpc_error_sent_with_an_http_error_status_keeps_the_nodes_words() -> None:
    error = {"code": -32602, "message": "Invalid parameters: limit = 0 outside valid range"}
    client = _client(lambda request: httpx.Response(400, json={"jsonrpc": "2.0", "id": 1, "error": error}))
    with closing(client), pytest.raises(InvalidInput) as info:
        client.call("bridge.get_ranked_posts", {"limit": 0})
    assert isinstance(info.value.__cause__, RpcError)


def test_rate_limit_carries_the_wait_the_node_asks_for() -> None:
    client = _client(lambda request: httpx.Response(429, headers={"Retry-After": "7"}))
    with closing(client), pytest.raises(RateLimited) as info:
        client.call("bridge.get_post", {})
    assert info.value.retry_after == 7


def test_a_5xx_hands_the_retry_to_the_next_node_and_a_rate_limit_does_not() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.host == "node-a.test":
            return httpx.Response(502)
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": {"ok": True}})

    client = _client(handler, nodes=("http://node-a.test", "http://node-b.test"), attempts=3)
    with closing(client):
        assert client.call("bridge.get_post", {}) == {"ok": True}
    assert seen == ["node-a.test", "node-b.test"]


def test_an_answer_without_json_is_not_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, text="not json")

    client = _client(handler, attempts=3)
    with closing(client), pytest.raises(NetworkUnavailable) as info:
        client.call("bridge.get_post", {})
    assert not info.value.retryable
    assert calls == [1]
