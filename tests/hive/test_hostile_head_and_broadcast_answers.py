"""A node's head block and broadcast answers are checked before anything is signed or reported sent.

TaPoS (ref_block_num, ref_block_prefix) and the expiration come from the node's
``get_dynamic_global_properties``: a block id that is not 20 bytes of hex, or
that names another block than the head block number sent with it, or a head
time far ahead of this machine's clock (a transaction a node could hold back and
put on chain days later) is a malformed answer, and nothing is signed.

``condenser_api.broadcast_transaction`` answers ``{}``: an answer without a
result, or naming another transaction's id, is not taken as sent; the same
signed transaction is re-sent (never a new one), and a duplicate answer then
is the receipt.

The node is the replay node of tests/servers/hive.py behind a proxy that
changes only the answers under test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from decentsocial import NetworkUnavailable
from decentsocial.backends.hive import HIVE, HiveNetwork
from decentsocial.backends.hive.transport import RpcClient

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection
from .oracle import wax_check

Answer = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


class Proxy:
    """Forwards every request to the replay node; ``props`` edits the chain properties it answers,
    ``account`` the accounts ``get_accounts`` answers, ``broadcast`` the answer to each broadcast
    (after the replay node recorded it)."""

    def __init__(self, replay: ReplayServer) -> None:
        self.replay = replay
        self.props: dict[str, Any] = {}
        self.account: dict[str, Any] = {}
        self.broadcast: Answer | None = None
        self.sent: list[Any] = []  # the transactions broadcast, in order
        self.upstream = httpx.Client()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        answer = self.upstream.post(str(request.url), content=request.content).json()  # the node asked
        method = body["method"]
        if method == "condenser_api.get_dynamic_global_properties":
            answer = {**answer, "result": {**answer["result"], **self.props}}
        elif method == "condenser_api.get_accounts":
            answer = {**answer, "result": [{**entry, **self.account} for entry in answer["result"]]}
        elif "broadcast" in method:
            self.sent.append(body["params"][0])
            if self.broadcast is not None:
                answer = self.broadcast(body, answer)
        return httpx.Response(200, json=answer)


@pytest.fixture
def proxy(replay: ReplayServer) -> Iterator[Proxy]:
    p = Proxy(replay)
    yield p
    p.upstream.close()


def through(proxy: Proxy, network: str = "hive", attempts: int = 1) -> HiveNetwork:
    net = hive_connection(network, proxy.replay, "alice", retry={"attempts": attempts})
    net._rpc.close()
    net._rpc = RpcClient(
        net.name,
        [proxy.replay.node(network)],
        timeout=5,
        policy=net.retry,
        limits=net.settings.limits,
        transport=httpx.MockTransport(proxy),
    )
    return net


def _chain_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# ---------------------------------------------------------------- the head block


@pytest.mark.parametrize(
    "props",
    [
        pytest.param({"head_block_id": "004c4b40245ffb07"}, id="id-of-8-bytes"),
        pytest.param({"head_block_id": "004c4b40245ffb07380a393fb2b3d841b76cdaec00"}, id="id-of-21-bytes"),
        pytest.param({"head_block_id": "00 4c 4b 40 24 5f fb 07 38 0a 39 3f b2 b3"}, id="id-with-spaces"),
        pytest.param({"head_block_number": 12}, id="id-of-another-block"),
        pytest.param({"head_block_number": -5}, id="negative-head-block"),
        pytest.param({"head_block_number": True}, id="head-block-a-bool"),
        pytest.param({"time": "8999-09-15T19:47:21"}, id="head-in-year-8999"),
        pytest.param({"time": "__two_hours_ahead__"}, id="head-two-hours-ahead"),
    ],
)
@pytest.mark.parametrize("network", ["hive", "steem"])
def test_a_junk_head_block_signs_nothing(proxy: Proxy, network: str, props: dict[str, Any]) -> None:
    if props.get("time") == "__two_hours_ahead__":
        props = {"time": _chain_time(datetime.now(timezone.utc) + timedelta(hours=2))}
    proxy.props = props
    net = through(proxy, network)
    try:
        with pytest.raises(NetworkUnavailable, match="chain properties"):
            net.vote("steemit/firstpost", 10)
        with pytest.raises(NetworkUnavailable, match="chain properties"):
            net.tip("gtg", f"0.001 {net.chain.backed}")
        assert not net.signed
        assert proxy.sent == []
        assert proxy.replay.broadcasts == []
    finally:
        net.close()


def test_a_head_block_ahead_of_the_clock_says_so(proxy: Proxy) -> None:
    proxy.props = {"time": _chain_time(datetime.now(timezone.utc) + timedelta(hours=3))}
    net = through(proxy)
    try:
        with pytest.raises(NetworkUnavailable, match="over an hour ahead of this machine's clock"):
            net.like("steemit/firstpost")
    finally:
        net.close()


def test_a_head_block_at_this_machines_time_is_signed_on(proxy: Proxy) -> None:
    """The clock check leaves a live chain's head alone: expiration is the head time plus the setting."""
    head = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=5)  # a clock a bit behind
    proxy.props = {
        "time": _chain_time(head),
        "head_block_number": 0x05F5E100,
        "head_block_id": "05f5e100" + "a1b2c3d4" + "0" * 24,
    }
    net = through(proxy)
    try:
        net.vote("steemit/firstpost", 10)
        (tx,) = net.signed
        assert tx.json["ref_block_num"] == 0xE100
        assert tx.json["ref_block_prefix"] == 0xD4C3B2A1
        assert tx.json["expiration"] == _chain_time(head + timedelta(seconds=60))
    finally:
        net.close()


# ---------------------------------------------------------------- the broadcast answer


def _no_result(body: dict[str, Any], real: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": body["id"]}


def _null_result(body: dict[str, Any], real: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": body["id"], "result": None}


def _other_id(body: dict[str, Any], real: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": body["id"], "result": {"id": "ab" * 20, "block_num": 5_000_001}}


@pytest.mark.parametrize("answer", [_no_result, _null_result, _other_id], ids=lambda f: f.__name__)
def test_a_broadcast_answer_that_says_nothing_of_the_transaction_is_not_sent(
    proxy: Proxy, answer: Answer
) -> None:
    proxy.broadcast = answer
    net = through(proxy, attempts=3)
    try:
        with pytest.raises(NetworkUnavailable, match="may have reached") as caught:
            net.vote("steemit/firstpost", 10)
        assert not caught.value.retryable  # only this very transaction may be sent again
        (tx,) = net.signed
    finally:
        net.close()
    assert tx.id in str(caught.value)
    assert len(proxy.sent) == 3
    assert all(sent == tx.json for sent in proxy.sent)
    assert len(proxy.replay.broadcasts) == 1


@pytest.mark.parametrize("answer", [_no_result, _other_id], ids=lambda f: f.__name__)
def test_after_an_answer_without_a_receipt_the_same_tip_is_re_sent_and_the_duplicate_is_the_receipt(
    proxy: Proxy, answer: Answer
) -> None:
    """A tip (signed to differ from any other) re-sent after an answer that gave no receipt: the node's
    duplicate answer means the first send was taken; one transfer, never a second signed one."""
    answers = iter([answer])
    proxy.broadcast = lambda body, real: next(answers, lambda b, r: r)(body, real)
    net = through(proxy, attempts=3)
    try:
        tx_id = net.tip("gtg", "0.001 HBD")
        (tx,) = net.signed
    finally:
        net.close()
    assert tx_id == tx.id
    assert len(proxy.sent) == 2
    assert proxy.sent[0] == proxy.sent[1] == tx.json
    assert len(proxy.replay.broadcasts) == 1


def test_an_answer_naming_this_transaction_is_the_receipt(proxy: Proxy) -> None:
    """A node answering as ``broadcast_transaction_synchronous`` does, with this transaction's id
    (computed by hiveio-wax from what was sent)."""
    proxy.broadcast = lambda body, real: {
        "jsonrpc": "2.0",
        "id": body["id"],
        "result": {"id": wax_check(body["params"][0], HIVE.chain_id).id, "block_num": 5_000_001},
    }
    net = through(proxy)
    try:
        net.vote("steemit/firstpost", 10)
        (tx,) = net.signed
    finally:
        net.close()
    assert proxy.sent == [tx.json]
