"""One idempotency key, one transaction, even when two calls with it run at once.

A call that ``asyncio.wait_for`` gave up on keeps running in its worker thread
while the caller retries with the same key; two workers (or processes) may be
handed the same key. Only one of them may sign: the other is told to call
again, and then gets the first one's result. Keyed writes also wait for the
last irreversible block before signing again, tips and publishes alike.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from decentsocial import Beneficiary, Draft, NetworkUnavailable
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer
from .test_exactly_once import LivePosts, _error, _via
from .test_tip_once import MovingChain, chain, through

__all__ = ["chain"]  # the fixture, imported for these tests

Handler = Callable[[httpx.Request], httpx.Response]


class Gate:
    """The node holds the first request for ``method`` until a second call asks for it too, or one of
    the calls has finished: two calls that can both get that far do (no timing involved)."""

    def __init__(self, handler: Handler, method: str) -> None:
        self.handler, self.method = handler, method
        self.changed = threading.Condition()
        self.arrived = 0
        self.finished = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["method"] == self.method:
            with self.changed:
                self.arrived += 1
                self.changed.notify_all()
                self.changed.wait_for(lambda: self.arrived >= 2 or self.finished >= 1, timeout=10)
        return self.handler(request)

    def run(self, calls: list[Callable[[], Any]]) -> list[Any]:
        """Run ``calls`` in threads at once; their results or errors, in order."""
        results: list[Any] = [None] * len(calls)

        def one(i: int) -> None:
            try:
                results[i] = calls[i]()
            except Exception as exc:  # the outcome is what the test checks
                results[i] = exc
            finally:
                with self.changed:
                    self.finished += 1
                    self.changed.notify_all()

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(calls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        return results


def _one_result(results: list[Any]) -> str:
    """The one call that went through; the other was told another call with its key is running."""
    done = [r for r in results if not isinstance(r, Exception)]
    busy = [r for r in results if isinstance(r, NetworkUnavailable) and "in progress" in r.message]
    assert len(done) == 1, results
    assert len(busy) == 1, results
    assert not busy[0].retryable  # the key stays claimed: the running call may pay
    return str(done[0])


@pytest.mark.parametrize("connections", [1, 2], ids=["one-connection", "two-connections"])
def test_two_tips_with_one_key_at_once_pay_once(
    chain: MovingChain, replay: ReplayServer, connections: int
) -> None:
    chain.lose = False
    gate = Gate(chain, "condenser_api.get_accounts")  # the balance check, just before signing
    nets = [through(chain, replay) for _ in range(connections)]
    for net in nets:
        _via(net, gate)
    tip_key = f"race-{uuid.uuid4()}"

    def tip(net: HiveNetwork) -> Callable[[], str]:
        return lambda: net.tip("steemit", "0.001 HBD", memo="thanks", idempotency_key=tip_key)

    try:
        receipt = _one_result(gate.run([tip(nets[0]), tip(nets[-1])]))
        assert tip(nets[-1])() == receipt  # called again: that tip's receipt, not a payment
    finally:
        for net in nets:
            net.close()
    [sent] = replay.broadcasts
    assert sent.transaction["operations"][0][0] == "transfer"


def test_a_call_that_outlived_its_lease_signs_nothing_once_another_kept_a_transaction(
    chain: MovingChain, replay: ReplayServer
) -> None:
    """A hung call whose lease ran out, and a retry that took the key over: both signed, one keeps."""
    chain.lose = False
    gate = Gate(chain, "condenser_api.get_accounts")
    lease: dict[str, Any] = {"retry": {"attempts": 1, "total_seconds": 0.01}, "timeout": 0.01}  # 0.16 s
    nets = [through(chain, replay, "hive", **lease) for _ in range(2)]
    for net in nets:
        _via(net, gate)
    tip_key = f"hung-{uuid.uuid4()}"

    def tip(net: HiveNetwork) -> Callable[[], str]:
        return lambda: net.tip("steemit", "0.001 HBD", memo="thanks", idempotency_key=tip_key)

    held: list[Any] = []
    hung = threading.Thread(target=lambda: held.extend(gate.run([tip(nets[0])])))
    try:
        hung.start()
        with gate.changed:  # the first call is at the balance check, past its lookup
            assert gate.changed.wait_for(lambda: gate.arrived >= 1, timeout=10)
        found = nets[0].state.get(f"leases:{nets[0].state_scope}", f"tip:{tip_key}")
        assert found is not None
        while time.time() <= found[1]["until"]:  # until its lease has run out
            time.sleep(0.05)
        try:
            results: list[Any] = [tip(nets[1])()]
        except NetworkUnavailable as exc:
            results = [exc]
        hung.join(30)
    finally:
        for net in nets:
            net.close()
    done = [r for r in held + results if isinstance(r, str)]
    lost = [r for r in held + results if isinstance(r, NetworkUnavailable) and "meanwhile" in r.message]
    assert len(done) == 1, held + results
    assert len(lost) == 1, held + results
    assert len(replay.broadcasts) == 1


def test_two_tips_with_different_keys_on_one_head_block_are_two_transfers(
    hive: HiveNetwork, replay: ReplayServer
) -> None:
    first = hive.tip("steemit", "0.001 HBD", memo="thanks", idempotency_key=f"a-{uuid.uuid4()}")
    second = hive.tip("steemit", "0.001 HBD", memo="thanks", idempotency_key=f"b-{uuid.uuid4()}")
    assert first != second
    assert len(replay.broadcasts) == 2


def _launch(key: str) -> Draft:
    return Draft(
        title="Launch",
        text="Launch day #news",
        idempotency_key=key,
        beneficiaries=(Beneficiary(account="gtg", percent=10),),
    )


def test_two_keyed_publishes_with_beneficiaries_at_once_sign_once(
    chain: MovingChain, replay: ReplayServer
) -> None:
    chain.lose = False
    gate = Gate(LivePosts(chain, replay), "condenser_api.get_dynamic_global_properties")
    net = through(chain, replay)
    _via(net, gate)
    draft = _launch(f"race-{uuid.uuid4()}")
    try:
        post = _one_result(gate.run([lambda: net.publish(draft).id, lambda: net.publish(draft).id]))
        assert net.publish(draft).id == post
    finally:
        net.close()
    assert len(replay.broadcasts) == 1


class LaggingBridge(LivePosts):
    """Hivemind behind the head: bridge shows no post yet, whatever the chain took."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["method"] == "bridge.get_post":
            return _error(body, {"code": -32602, "message": "Invalid parameters: post does not exist"})
        return super().__call__(request)


def test_an_expired_keyed_publish_in_a_reversible_block_is_the_post(
    chain: MovingChain, replay: ReplayServer
) -> None:
    """Expired at the head, in a block not irreversible yet, and bridge lags: nothing signed again."""
    chain.step = 90  # next properties call: head 90 s later (expired), irreversible block 30 s later
    net = through(chain, replay)
    _via(net, LaggingBridge(chain, replay))
    draft = _launch(f"lag-{uuid.uuid4()}")
    try:
        with pytest.raises(NetworkUnavailable):
            net.publish(draft)  # the node took it; the answer was lost
        signed = net.signed[-1]
        entry = {"trx_id": signed.id, "timestamp": "2016-09-15T19:47:24", "op": {"type": "comment_operation"}}
        chain.reversible = [[9, entry]]
        post = net.publish(draft)
    finally:
        net.close()
    assert post.raw is not None
    assert post.raw["transaction_id"] == signed.id
    assert [b.transaction for b in replay.broadcasts] == [signed.json]


def test_an_expired_keyed_publish_is_signed_again_only_once_its_expiration_is_irreversible(
    chain: MovingChain, replay: ReplayServer
) -> None:
    chain.step = 90
    live = LaggingBridge(chain, replay)
    net = through(chain, replay)
    _via(net, live)
    draft = _launch(f"lag-{uuid.uuid4()}")
    try:
        with pytest.raises(NetworkUnavailable):
            net.publish(draft)
        lost = net.signed[-1]
        replay.clear()  # it never reached a block; no history lists it
        live.made.clear()
        with pytest.raises(NetworkUnavailable, match="not irreversible") as info:
            net.publish(draft)
        assert not info.value.retryable
        assert replay.broadcasts == []
        post = net.publish(draft)  # 180 s on: the expiration is irreversible
    finally:
        net.close()
    assert post.raw is not None
    assert post.raw["transaction_id"] != lost.id
    assert len(replay.broadcasts) == 1
