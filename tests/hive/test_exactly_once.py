"""Money and posts made at most once where an answer is ambiguous, late or another call's.

A gateway (jussi) that gives up waiting for hived answers HTTP 200 with its
own error object: the transaction may be on chain. An expired keyed tip may
sit in a block that is not irreversible yet. Two identical transactions signed
on one head block would be one. A keyed publish with
beneficiaries cannot send its ``comment_options`` twice.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from decentsocial import Beneficiary, ContentRejected, Draft, NetworkUnavailable
from decentsocial.backends.hive import HiveNetwork
from decentsocial.retry import RetryPolicy

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection
from .test_tip_once import MovingChain, chain, through

__all__ = ["chain"]  # the fixture, imported for these tests


def key() -> str:
    return f"once-{uuid.uuid4()}"


def _error(body: dict[str, Any], error: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "error": error})


GATEWAY_ERRORS = [
    {"code": 1050, "message": "Response Timeout"},
    {"code": 1000, "message": "Request Timeout"},
    {"code": 1100, "message": "Upstream response error"},
    {"code": -32603, "message": "Internal Error"},
]


def _gateway(chain: MovingChain, error: dict[str, Any]) -> Any:
    """The node takes the first broadcast; the gateway in front answers with its own error."""
    chain.lose = False
    answered: list[str] = []
    real = chain.__call__

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        response = real(request)
        if "broadcast" in body["method"] and not answered:
            answered.append("gateway error")
            return _error(body, error)
        return response

    return handler


def _via(net: HiveNetwork, handler: Any) -> None:
    net._rpc._transport = httpx.MockTransport(handler)  # the network path, not our code


@pytest.mark.parametrize("error", GATEWAY_ERRORS, ids=lambda e: str(e["code"]))
def test_a_gateway_timeout_keeps_a_keyed_tip_and_the_retry_pays_once(
    chain: MovingChain, replay: ReplayServer, error: dict[str, Any]
) -> None:
    net = through(chain, replay)
    _via(net, _gateway(chain, error))
    tip_key = key()
    try:
        with pytest.raises(NetworkUnavailable) as info:
            net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
        assert not info.value.retryable  # may be on chain: the key is kept
        first = net.signed[-1]
        assert net.tip("steemit", "0.001 HBD", idempotency_key=tip_key) == first.id
    finally:
        net.close()
    assert [b.transaction for b in replay.broadcasts] == [first.json]


def test_a_gateway_timeout_on_a_tip_is_no_rejection_and_a_retry_re_sends_the_same(
    chain: MovingChain, replay: ReplayServer
) -> None:
    net = through(chain, replay)
    net.retry = RetryPolicy(attempts=2, sleep=lambda _: None)
    _via(net, _gateway(chain, GATEWAY_ERRORS[0]))
    try:
        txid = net.tip("steemit", "0.001 HBD")  # the second attempt's duplicate is the first's success
    finally:
        net.close()
    assert txid == net.signed[-1].id
    assert len(replay.broadcasts) == 1


def test_hived_refusal_is_still_a_rejection(chain: MovingChain, replay: ReplayServer) -> None:
    refusal = {
        "code": -32000,
        "message": "Assert Exception:_db.get_balance(...) >= o.amount: Account does not have enough funds",
        "data": {"code": 10, "name": "assert_exception"},
    }
    chain.lose = False

    def refusing(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if "broadcast" in body["method"]:
            return _error(body, refusal)
        return chain(request)

    net = through(chain, replay)
    _via(net, refusing)
    try:
        with pytest.raises(ContentRejected):
            net.tip("steemit", "0.001 HBD")
    finally:
        net.close()


def _one_reversible(chain: MovingChain, txid: str) -> None:
    entry = {"trx_id": txid, "timestamp": "2016-09-15T19:47:24", "op": {"type": "transfer_operation"}}
    chain.reversible = [[8, entry]]


def test_an_expired_tip_in_a_reversible_block_is_the_receipt(
    chain: MovingChain, replay: ReplayServer
) -> None:
    """Past its expiration at the head, not yet at the last irreversible block: history with
    reversible blocks lists it, and it is not paid again."""
    chain.step = 90  # next properties call: head 90 s later (expired), irreversible block 30 s later
    tip_key = key()
    net = through(chain, replay)
    try:
        with pytest.raises(NetworkUnavailable):
            net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
        signed = net.signed[-1]
        _one_reversible(chain, signed.id)
        assert net.tip("steemit", "0.001 HBD", idempotency_key=tip_key) == signed.id
    finally:
        net.close()
    assert len(replay.broadcasts) == 1


def test_an_expired_tip_is_replaced_only_once_its_expiration_is_irreversible(
    chain: MovingChain, replay: ReplayServer
) -> None:
    chain.step = 90
    tip_key = key()
    net = through(chain, replay)
    try:
        with pytest.raises(NetworkUnavailable):
            net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
        lost = net.signed[-1]
        replay.clear()  # it never reached a block; no history lists it
        with pytest.raises(NetworkUnavailable, match="not irreversible") as info:
            net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
        assert not info.value.retryable
        assert replay.broadcasts == []
        receipt = net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)  # 180 s on: irreversible
    finally:
        net.close()
    assert receipt != lost.id
    assert len(replay.broadcasts) == 1


def test_two_identical_tips_on_one_head_block_are_two_transfers(
    hive: HiveNetwork, replay: ReplayServer
) -> None:
    """The replay node's head never moves: as two tips within one block on a live chain."""
    first = hive.tip("steemit", "0.001 HBD", memo="thanks")
    second = hive.tip("steemit", "0.001 HBD", memo="thanks")
    assert first != second
    assert len(replay.broadcasts) == 2


def test_a_fresh_tip_answered_as_a_duplicate_is_refused_not_reported_as_sent(
    hive: HiveNetwork, replay: ReplayServer
) -> None:
    """Another process sent the very same transfer on the same head block: this call paid nothing."""
    other = hive_connection("hive", replay, "alice")
    try:
        sent = other.tip("steemit", "0.001 HBD", memo="thanks")
    finally:
        other.close()
    with pytest.raises(ContentRejected, match="identical transaction"):
        hive.tip("steemit", "0.001 HBD", memo="thanks")
    assert hive.signed[-1].id == sent
    assert len(replay.broadcasts) == 1


def test_a_vote_repeated_on_one_head_block_is_a_transaction_of_its_own(
    hive: HiveNetwork, replay: ReplayServer
) -> None:
    """As a block later: hived judges the second (an identical vote is refused), never a duplicate
    answer that would hide a vote changed in between (see test_toggles)."""
    hive.vote("steemit/firstpost", 50)
    hive.vote("steemit/firstpost", 50)
    assert len(replay.broadcasts) == 2
    assert hive.signed[0].id != hive.signed[1].id


def _launch(idempotency_key: str) -> Draft:
    return Draft(
        title="Launch",
        text="Launch day #news",
        idempotency_key=idempotency_key,
        beneficiaries=(Beneficiary(account="gtg", percent=10),),
    )


class LivePosts:
    """Refuses ``comment_options`` for a post that has them, as hived does; bridge shows posts made."""

    def __init__(self, chain: MovingChain, replay: ReplayServer) -> None:
        self.chain, self.replay = chain, replay
        self.made: dict[tuple[str, str], dict[str, Any]] = {}
        self.template = dict(chain.upstream.post(replay.url, json=_call("bridge.get_post")).json()["result"])

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["method"] == "bridge.get_post":
            found = self.made.get((body["params"]["author"], body["params"]["permlink"]))
            if found is None:
                return _error(body, {"code": -32602, "message": "Invalid parameters: post does not exist"})
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": found})
        trx = body["params"][0] if "broadcast" in body["method"] else None
        if trx is not None and trx not in [b.transaction for b in self.replay.broadcasts]:
            # (a transaction the node has gets its duplicate answer)
            ops = {name: (op["author"], op["permlink"]) for name, op in trx["operations"]}
            if ops.get("comment_options") in self.made:
                message = "Assert Exception:_c.beneficiaries.size() == 0: Comment already has beneficiaries"
                return _error(body, {"code": -32000, "message": message})
            if "comment" in ops:
                author, permlink = ops["comment"]
                self.made[ops["comment"]] = {**self.template, "author": author, "permlink": permlink}
        return self.chain(request)


def _call(method: str) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "method": method,
        "params": {"author": "steemit", "permlink": "firstpost"},
    }


@pytest.mark.parametrize("step", [3, 120], ids=["before-expiry", "after-expiry"])
def test_a_keyed_publish_with_beneficiaries_retried_after_a_lost_answer_is_the_post(
    chain: MovingChain, replay: ReplayServer, step: int
) -> None:
    chain.step = step
    live = LivePosts(chain, replay)
    net = through(chain, replay)
    _via(net, live)
    draft = _launch(key())
    try:
        with pytest.raises(NetworkUnavailable):
            net.publish(draft)
        first = replay.broadcasts[0].transaction
        # The node took it: the author's history lists its comment (bridge may lag; history does not).
        comment = {"trx_id": net.signed[-1].id, "timestamp": "2016-09-15T19:47:24"}
        chain.history = [[1, {**comment, "op": {"type": "comment_operation"}}]]
        post = net.publish(draft)
    finally:
        net.close()
    [(author, permlink)] = live.made
    assert post.id == f"{author}/{permlink}"
    assert [b.transaction for b in replay.broadcasts] == [first]  # never a second post or options
