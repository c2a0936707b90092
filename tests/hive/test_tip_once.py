"""A keyed tip is one transfer: the signed transaction is kept and re-sent, never signed anew.

The replay node's head block is fixed; on a real chain it moves every three
seconds, so a tip signed again after a lost answer would be a new
transaction (new TaPoS, new id) and a second payment. The proxy here moves
the head on every ``get_dynamic_global_properties`` and can lose the
answer to the first broadcast after the node took it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from decentsocial import AuthenticationError, NetworkUnavailable
from decentsocial.backends.hive import HiveNetwork
from decentsocial.backends.hive.transport import RpcClient

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection, public_key_for
from .oracle import wax_check

HEAD_TIME = datetime(2016, 9, 15, 19, 47, 21, tzinfo=timezone.utc)
HEAD_BLOCK = 5_000_000  # the recorded head block, at HEAD_TIME


class MovingChain:
    """Forwards to the replay node; the head block moves ``step`` seconds per properties call.

    The last irreversible block trails the head by ``lib_lag`` blocks (20, as
    recorded; a block every 3 s). History answers as HAfAH does: entries in
    reversible blocks only when ``include_reversible`` is asked for.
    """

    def __init__(self, replay: ReplayServer, *, step: int = 3, lose_first_broadcast: bool = True) -> None:
        self.replay = replay
        self.step = step
        self.lose = lose_first_broadcast
        self.heads = 0
        self.lib_lag = 20
        self.history: list[Any] = []  # what account_history_api answers (transfers of alice)
        self.reversible: list[Any] = []  # transfers in blocks that are not irreversible yet
        self.upstream = httpx.Client()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        method = body["method"]
        if method == "account_history_api.get_account_history":
            wanted = self.history + (self.reversible if body["params"].get("include_reversible") else [])
            return self._answer(body, {"history": wanted})
        if method == "condenser_api.get_block_header":
            stamp = HEAD_TIME + timedelta(seconds=3 * (body["params"][0] - HEAD_BLOCK))
            return self._answer(body, {"timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%S")})
        real = self.upstream.post(str(request.url), content=request.content)  # the node asked
        answer = real.json()
        if method == "condenser_api.get_dynamic_global_properties":
            props = dict(answer["result"])
            moved = self.heads * self.step // 3
            props["head_block_number"] += moved
            props["last_irreversible_block_num"] = props["head_block_number"] - self.lib_lag
            props["head_block_id"] = f"{props['head_block_number']:08x}" + f"{self.heads:08x}" * 4
            props["time"] = (HEAD_TIME + timedelta(seconds=self.heads * self.step)).strftime(
                "%Y-%m-%dT%H:%M:%S"
            )
            self.heads += 1
            return self._answer(body, props)
        if "broadcast" in method and self.lose:
            self.lose = False
            raise httpx.ReadTimeout(
                "the answer was lost after the node took the transaction", request=request
            )
        return httpx.Response(
            real.status_code, content=real.content, headers={"content-type": "application/json"}
        )

    @staticmethod
    def _answer(body: dict[str, Any], result: Any) -> httpx.Response:
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result})


@pytest.fixture
def chain(replay: ReplayServer) -> Iterator[MovingChain]:
    proxy = MovingChain(replay)
    yield proxy
    proxy.upstream.close()


def through(chain: MovingChain, replay: ReplayServer, network: str = "hive", **extra: Any) -> HiveNetwork:
    """A connection for alice whose requests go through the moving-chain proxy."""
    net = hive_connection(network, replay, "alice", **extra)
    net._rpc.close()
    net._rpc = RpcClient(
        net.name,
        [replay.node(network)],
        timeout=5,
        policy=net.retry,
        limits=net.settings.limits,
        transport=httpx.MockTransport(chain),
    )
    return net


def key() -> str:
    return f"tip-{uuid.uuid4()}"


@pytest.mark.parametrize("network", ["hive", "steem"])
def test_a_retry_after_a_lost_answer_makes_one_transfer(
    chain: MovingChain, replay: ReplayServer, network: str
) -> None:
    net = through(chain, replay, network)
    tip_key = key()
    backed = net.chain.backed
    try:
        with pytest.raises(NetworkUnavailable) as info:
            net.tip("steemit", f"0.001 {backed}", memo="thanks", idempotency_key=tip_key)
        assert not info.value.retryable  # the transfer may be on chain: not a failure to retry blindly
        assert len(replay.broadcasts) == 1  # the node took it; only the answer was lost
        first = net.signed[-1]
        receipt = net.tip("steemit", f"0.001 {backed}", memo="thanks", idempotency_key=tip_key)
    finally:
        net.close()
    assert receipt == first.id
    assert len(replay.broadcasts) == 1  # the retry re-sent the same transaction: a duplicate, not a payment
    trx = replay.broadcasts[0].transaction
    assert trx == first.json
    view = wax_check(trx, net.chain.chain_id)
    assert view.id == receipt
    assert view.keys == [public_key_for("alice", "active")]


def test_a_retry_from_another_connection_re_sends_the_kept_transaction(
    chain: MovingChain, replay: ReplayServer
) -> None:
    """The process that signed crashed: a new connection (same state store) finishes the same tip."""
    tip_key = key()
    first = through(chain, replay)
    try:
        with pytest.raises(NetworkUnavailable):
            first.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
        signed = first.signed[-1]
    finally:
        first.close()
    second = through(chain, replay)
    try:
        assert second.tip("steemit", "0.001 HBD", idempotency_key=tip_key) == signed.id
        assert second.tip("steemit", "0.001 HBD", idempotency_key=tip_key) == signed.id  # the receipt now
    finally:
        second.close()
    assert [b.transaction for b in replay.broadcasts] == [signed.json]


def test_the_kept_transaction_is_re_sent_even_when_the_node_had_not_got_it(
    chain: MovingChain, replay: ReplayServer
) -> None:
    """A timeout before the node took it: the retry's broadcast is the first one to land, still once."""
    chain.lose = False
    tip_key = key()
    net = through(chain, replay)
    try:
        txid = net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
        replay.clear()  # as if that broadcast never arrived
        assert net.tip("steemit", "0.001 HBD", idempotency_key=tip_key) == txid
    finally:
        net.close()
    assert replay.broadcasts == []  # the finished tip answers from its receipt: nothing sent again


def _history_entry(txid: str) -> list[Any]:
    return [7, {"trx_id": txid, "timestamp": "2016-09-15T19:47:30", "op": {"type": "transfer_operation"}}]


def test_an_expired_transaction_found_in_history_is_the_receipt(
    chain: MovingChain, replay: ReplayServer
) -> None:
    chain.step = 120  # every properties call is two minutes later: the 60 s expiration has passed
    tip_key = key()
    net = through(chain, replay)
    try:
        with pytest.raises(NetworkUnavailable):
            net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
        signed = net.signed[-1]
        chain.history = [_history_entry("0" * 40), _history_entry(signed.id)]
        assert net.tip("steemit", "0.001 HBD", idempotency_key=tip_key) == signed.id
    finally:
        net.close()
    assert len(replay.broadcasts) == 1


def test_an_expired_transaction_not_in_history_is_replaced_once(
    chain: MovingChain, replay: ReplayServer
) -> None:
    chain.step = 120
    tip_key = key()
    net = through(chain, replay)
    try:
        with pytest.raises(NetworkUnavailable):
            net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
        lost = net.signed[-1]
        replay.clear()  # it never reached a block, and now it never can
        chain.history = [_history_entry("0" * 40)]
        receipt = net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
    finally:
        net.close()
    assert receipt != lost.id
    assert [b.transaction["signatures"] for b in replay.broadcasts] == [net.signed[-1].json["signatures"]]


def test_an_expired_transaction_with_a_history_too_short_to_tell_is_not_paid_again(
    chain: MovingChain, replay: ReplayServer
) -> None:
    chain.step = 120
    tip_key = key()
    net = through(chain, replay)
    try:
        with pytest.raises(NetworkUnavailable):
            net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
        # 1000 newer transfers, none of them ours: the history does not reach back to it.
        newer = [[i, {"trx_id": f"{i:040x}", "timestamp": "2016-09-15T20:00:00"}] for i in range(1000)]
        chain.history = newer
        with pytest.raises(NetworkUnavailable, match="check the account"):
            net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
    finally:
        net.close()
    assert len(replay.broadcasts) == 1


def test_a_tip_the_node_refused_frees_its_key(chain: MovingChain, replay: ReplayServer) -> None:
    """A refusal took nothing: the key may be used again, and nothing kept is re-sent."""
    chain.lose = False
    tip_key = key()
    net = through(chain, replay)
    refused: list[int] = []
    real = chain.__call__

    def refusing(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if "broadcast" in body["method"] and not refused:
            refused.append(1)
            error = {"code": -32000, "message": "Assert Exception:false: missing required active authority"}
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "error": error})
        return real(request)

    net._rpc.close()
    net._rpc = RpcClient(
        "hive", [replay.url], timeout=5, policy=net.retry, transport=httpx.MockTransport(refusing)
    )
    try:
        with pytest.raises(AuthenticationError):
            net.tip("steemit", "0.001 HBD", idempotency_key=tip_key)
        assert net.tip("steemit", "0.002 HBD", idempotency_key=tip_key)  # other content: the key was freed
    finally:
        net.close()
    [sent] = replay.broadcasts
    assert sent.transaction["operations"][0][1]["amount"] == "0.002 HBD"
