"""A Steem node URL in a Hive connection (both chains speak the same JSON-RPC API since Hive forked
from Steem) is a ``ConfigurationError`` naming the node, from the amounts its answers carry: no Steem
post shown as a Hive post, nothing signed for it. A Steem connection is not checked the same way (no
recorded answer of a Steem node to prove it never sends a Hive asset): it reads a Hive node as before.

On recorded answers: ``replay.url`` is a Hive node (the recordings, as they are), and
``replay.node("steem")`` the same history as a Steem node serves it (its amounts in SBD/STEEM).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from decentsocial import connect
from decentsocial.backends.hive import HIVE, STEEM, Chain, HiveNetwork, convert
from decentsocial.backends.hive.convert import (
    _PLAIN_AMOUNT,
    REWARD_OPS,
    claimable_reward,
    post_from_bridge,
    reward_from_history,
)
from decentsocial.errors import ConfigurationError

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import FIXTURE, hive_connection, served, wif_for

READS: dict[str, Callable[[HiveNetwork], Any]] = {
    "get_post": lambda net: net.get_post("steemit/firstpost"),
    "thread": lambda net: net.thread("steemit/firstpost"),
    "posts": lambda net: list(net.posts("alice", limit=5)),
    "rewards": lambda net: net.rewards("jouchelle/test-beneficiaries"),
    "pending_rewards": lambda net: net.pending_rewards("gtg"),
}
WRITES: dict[str, Callable[[HiveNetwork], Any]] = {
    "vote": lambda net: net.vote("steemit/firstpost", 10),
    "reply": lambda net: net.reply("steemit/firstpost", "welcome"),
    "claim_rewards": lambda net: net.claim_rewards(),
    "tip": lambda net: net.tip("steemit", f"0.001 {net.chain.backed}"),
    "follow": lambda net: net.follow("gtg"),
}
#: (the connection's network, the chain its node serves, what the error names).
WRONG = [pytest.param(("hive", "steem", "serves Steem, not Hive"), id="hive-connection-on-a-steem-node")]


@pytest.fixture
def wrong(request: pytest.FixtureRequest, replay: ReplayServer) -> Iterator[tuple[HiveNetwork, str, str]]:
    network, served_chain, message = request.param
    node = replay.node(served_chain)
    net = hive_connection(network, replay, "alice", nodes=[node])
    try:
        yield net, node, message
    finally:
        net.close()


@pytest.mark.parametrize("wrong", WRONG, indirect=True)
@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_read_from_a_node_of_the_other_chain_names_it(
    wrong: tuple[HiveNetwork, str, str], read: Callable[[HiveNetwork], Any]
) -> None:
    net, node, message = wrong
    with pytest.raises(ConfigurationError, match=message) as info:
        read(net)  # before: the other chain's posts and amounts, labelled as this chain's
    assert f"the node at {node.removesuffix('/steem')} " in str(info.value)
    assert info.value.network == net.name
    assert not info.value.retryable


@pytest.mark.parametrize("wrong", WRONG, indirect=True)
@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_nothing_is_signed_for_a_node_of_the_other_chain(
    wrong: tuple[HiveNetwork, str, str], write: Callable[[HiveNetwork], Any], replay: ReplayServer
) -> None:
    """A transaction signed with this chain's id would be refused there as a bad signature (an
    ``AuthenticationError``, which blames the key): the head block's supply says which chain it is."""
    net, _, message = wrong
    with pytest.raises(ConfigurationError, match=message):
        write(net)
    assert replay.broadcasts == []
    assert len(net.signed) == 0


@pytest.mark.parametrize("read", [r for name, r in READS.items() if name != "pending_rewards"])
def test_a_steem_connection_on_a_hive_node_reads_and_signs_as_before(
    read: Callable[[HiveNetwork], Any], replay: ReplayServer
) -> None:
    net = hive_connection("steem", replay, "alice", nodes=[replay.url])
    try:
        read(net)
        net.vote("steemit/firstpost", 10)
    finally:
        net.close()
    assert len(replay.broadcasts) == 1


@pytest.mark.parametrize("network", ["hive", "steem"])
@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_each_chain_on_its_own_node_reads_in_its_own_assets(
    network: str, read: Callable[[HiveNetwork], Any], replay: ReplayServer
) -> None:
    net = hive_connection(network, replay, "alice")
    try:
        read(net)
        net.vote("steemit/firstpost", 10)
    finally:
        net.close()
    assert len(replay.broadcasts) == 1


def test_the_message_names_several_nodes_by_host_only() -> None:
    chain = HIVE.at(["https://user:pw@node-a.example/rpc?token=t0k", "https://node-b.example:8443"], None)
    assert chain == HIVE  # what is compared stays the chain's
    text = str(_error(chain))
    assert "a node of https://node-a.example, https://node-b.example:8443 serves Steem, not Hive" in text
    assert "pw" not in text
    assert "t0k" not in text
    assert "rpc" not in text


def _error(chain: Chain) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as info:
        post_from_bridge({**_recorded_post(), "pending_payout_value": "1.000 SBD"}, chain)
    return info.value


def test_a_steem_node_url_in_a_hive_connection_is_named_in_a_connection_error(replay: ReplayServer) -> None:
    net = connect(
        "hive",
        account="alice",
        posting_key=wif_for("alice", "posting"),
        nodes=[replay.node("steem")],
        retry={"attempts": 1},
    )
    try:
        with pytest.raises(ConfigurationError) as info:
            net.get_post("steemit/firstpost")
    finally:
        net.close()
    assert str(info.value).startswith(f"[hive] the node at {replay.url} serves Steem, not Hive")
    assert "amount in SBD" in str(info.value)


# ---------------------------------------------------------------- never on this chain's own answers


def _cases() -> list[dict[str, Any]]:
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _recorded_post() -> dict[str, Any]:
    return next(
        c["result"]
        for c in _cases()
        if c["method"] == "bridge.get_post" and isinstance(c.get("result"), dict)
    )


def test_every_recorded_hive_amount_is_in_hive_assets() -> None:
    """The recordings are Hive's first ~5M blocks (2016, before the fork): Hive nodes serve that
    history in HBD and HIVE, so an SBD or STEEM amount is never one of a Hive node's answers."""
    assets: dict[str, int] = {}
    for case in _cases():
        for text in _strings([case.get("result"), case.get("error")]):
            if (found := _PLAIN_AMOUNT.fullmatch(text)) is not None:
                assets[found[2]] = assets.get(found[2], 0) + 1
    assert set(assets) == {"HBD", "HIVE", "VESTS"}
    assert assets["HBD"] > 10_000


def _convertible(cases: list[dict[str, Any]]) -> Iterator[tuple[str, Any]]:
    """Every recorded answer the amount-reading converters take: posts, accounts, history, props."""
    for case in cases:
        method, result = case["method"], case.get("result")
        if method.startswith("bridge.") and method != "bridge.get_discussion" and isinstance(result, list):
            yield from (("post", i) for i in result if isinstance(i, dict) and "permlink" in i)
        elif method in ("bridge.get_post", "bridge.get_discussion") and isinstance(result, dict):
            items = [result] if method == "bridge.get_post" else list(result.values())
            yield from (("post", i) for i in items if isinstance(i, dict) and "permlink" in i)
        elif method == "condenser_api.get_accounts" and isinstance(result, list):
            yield from (("account", a) for a in result)
        elif method == "account_history_api.get_account_history" and isinstance(result, dict):
            yield from (("history", e) for e in result.get("history") or [])
        elif method.endswith("get_dynamic_global_properties"):
            yield "props", result


@pytest.mark.parametrize("chain", [HIVE, STEEM], ids=["hive", "steem"])
def test_every_recorded_answer_reads_on_its_own_chains_node(chain: Chain) -> None:
    """No wrong-chain error on any recorded answer, as a node of the connection's own chain serves it."""
    kinds: dict[str, int] = {}
    for kind, answer in _convertible(_cases()):
        answer = served(chain, answer)
        if kind == "post":
            post_from_bridge(answer, chain)
        elif kind == "account":
            claimable_reward(answer, chain)
        elif kind == "history":
            paid_to = str(answer[1]["op"]["value"].get("benefactor", "any"))  # its amounts read too
            reward_from_history(answer, paid_to, chain, frozenset(REWARD_OPS))
        else:
            convert.chain_props(answer, chain)
        kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds["post"] > 2000
    assert kinds["account"] >= 5
    assert kinds["history"] > 1000
    assert kinds["props"] == 2
