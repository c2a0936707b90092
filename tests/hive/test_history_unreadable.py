"""An expired keyed transaction is signed anew only on a history that says it is in no block.

A node's history answer that cannot be read (no list, an entry of another
shape, an operation without its transaction id) tells nothing: read as an
empty history, it made a second transfer of a tip the chain had already
taken, or a second post of a keyed publish with beneficiaries.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from decentsocial import NetworkUnavailable
from decentsocial.backends.hive.failures import is_refusal, result_of

from ..servers._jsonrpc_replay import ReplayServer
from .test_exactly_once import LivePosts, _launch, _via
from .test_tip_once import MovingChain, chain, through

__all__ = ["chain"]  # the fixture, imported for these tests

#: Answers to ``get_account_history`` that say nothing of whether a transaction is in a block.
UNREADABLE: list[Any] = [
    {},
    {"history": None},
    {"history": "none"},
    {"history": [[7]]},
    {"history": [[7, "transfer"]]},
    {"history": [{"trx_id": "0" * 40}]},
    {"history": [[7, {"timestamp": "2016-09-15T19:47:30", "op": {"type": "transfer_operation"}}]]},
]


class UnreadableHistory:
    """The moving chain, with ``result`` as its answer to every history request."""

    def __init__(self, chain: Callable[[httpx.Request], httpx.Response], result: Any) -> None:
        self.chain, self.result = chain, result

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["method"] == "account_history_api.get_account_history":
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": self.result})
        return self.chain(request)


@pytest.mark.parametrize("answer", UNREADABLE, ids=range(len(UNREADABLE)))
def test_an_expired_tip_with_an_unreadable_history_is_not_paid_again(
    chain: MovingChain, replay: ReplayServer, answer: Any
) -> None:
    pytest.importorskip("beem")  # signs
    chain.step = 120  # every properties call is two minutes later: the 60 s expiration has passed
    tip_key = f"tip-{uuid.uuid4()}"
    net = through(chain, replay)
    _via(net, UnreadableHistory(chain, answer))
    try:
        with pytest.raises(NetworkUnavailable):  # the node took it; its answer was lost
            net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
        with pytest.raises(NetworkUnavailable, match="malformed account history") as info:
            net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
    finally:
        net.close()
    assert not info.value.retryable
    assert len(replay.broadcasts) == 1  # one transfer, never a second one


def test_an_expired_keyed_publish_with_an_unreadable_history_is_not_posted_again(
    chain: MovingChain, replay: ReplayServer
) -> None:
    pytest.importorskip("beem")  # signs
    chain.step = 120
    live = LivePosts(chain, replay)
    net = through(chain, replay)
    _via(net, UnreadableHistory(live, {"history": [[1, "comment"]]}))
    draft = _launch(f"once-{uuid.uuid4()}")
    try:
        with pytest.raises(NetworkUnavailable):
            net.publish(draft)
        with pytest.raises(NetworkUnavailable, match="malformed account history"):
            net.publish(draft)
    finally:
        net.close()
    assert len(replay.broadcasts) == 1


@pytest.mark.parametrize("code", [[-32000], {"value": -32000}], ids=["list", "object"])
def test_an_error_code_that_is_no_number_is_a_typed_error(code: Any) -> None:
    """A node's error object whose code is a list or an object: typed, never a TypeError."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "error": {"code": code, "message": "odd"}}).encode()
    assert not is_refusal({"code": code, "message": "odd"})
    for method in ("bridge.get_post", "condenser_api.broadcast_transaction"):
        with pytest.raises(NetworkUnavailable) as info:
            result_of("hive", method, 200, {}, body)
        assert info.value.retryable  # a broken gateway's answer, not hived's refusal: not a rejection
