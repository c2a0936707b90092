"""Every recorded error answer (about 300 of them) becomes a typed error, never a raw KeyError."""

from __future__ import annotations

import json
from typing import Any

import pytest

from decentsocial import (
    AuthenticationError,
    ContentRejected,
    DecentSocialError,
    InvalidInput,
    NetworkUnavailable,
    NotFound,
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
