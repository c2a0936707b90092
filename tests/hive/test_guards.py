"""Caller input checked before any request or signature: ids, node URLs, memos, amounts, clock values."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from decentsocial import (
    Amount,
    ConfigurationError,
    InvalidInput,
    NetworkUnavailable,
    RetryPolicy,
    connect,
    connect_any,
)
from decentsocial.backends.hive import HiveNetwork
from decentsocial.backends.hive.ops import holds_private_key, is_wif
from decentsocial.backends.hive.transport import RpcClient

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection, wif_for

# ---------------------------------------------------------------- ids

BAD_POST_IDS = [
    "../accounts/5/follow?",
    "alice/..",
    "Alice/post",
    "al/post",
    "alice/a b",
    "alice/x/y",
    "alice",
]
BAD_NAMES = ["../accounts/5", "Not_An_Account", "a", "alice/../gtg", "al\ud800ce", "-alice"]

POST_CALLS: dict[str, Callable[[HiveNetwork, str], Any]] = {
    "like": lambda net, ref: net.like(ref),
    "unlike": lambda net, ref: net.unlike(ref),
    "vote": lambda net, ref: net.vote(ref, 50),
    "repost": lambda net, ref: net.repost(ref),
    "delete": lambda net, ref: net.delete(ref),
    "reply": lambda net, ref: net.reply(ref, "hi"),
    "get_post": lambda net, ref: net.get_post(ref),
    "thread": lambda net, ref: net.thread(ref),
    "rewards": lambda net, ref: net.rewards(ref),
    "tip": lambda net, ref: net.tip(ref, "0.001 HBD"),
}
NAME_CALLS: dict[str, Callable[[HiveNetwork, str], Any]] = {
    "account": lambda net, ref: net.account(ref),
    "posts": lambda net, ref: list(net.posts(ref, limit=1)),
    "blog": lambda net, ref: list(net.blog(ref, limit=1)),
    "follow": lambda net, ref: net.follow(ref),
    "unfollow": lambda net, ref: net.unfollow(ref),
    "pending_rewards": lambda net, ref: net.pending_rewards(ref),
    "reward_history": lambda net, ref: list(net.reward_history(ref, limit=1)),
    "community": lambda net, ref: net.community(ref),
    "community_posts": lambda net, ref: list(net.community_posts(ref, limit=1)),
    "join": lambda net, ref: net.join(ref),
    "leave": lambda net, ref: net.leave(ref),
}


@pytest.mark.parametrize("call", list(POST_CALLS), ids=list(POST_CALLS))
@pytest.mark.parametrize("bad", BAD_POST_IDS)
def test_a_bad_post_id_is_invalid_input_and_sends_nothing(
    hive: HiveNetwork, replay: ReplayServer, call: str, bad: str
) -> None:
    if call == "tip" and "/" not in bad:
        pytest.skip("a tip also goes to an account name: 'alice' is one")
    with pytest.raises(InvalidInput):
        POST_CALLS[call](hive, bad)
    assert replay.requests == []


@pytest.mark.parametrize("call", list(NAME_CALLS), ids=list(NAME_CALLS))
@pytest.mark.parametrize("bad", BAD_NAMES, ids=["traversal", "case", "short", "slash", "surrogate", "hyphen"])
def test_a_bad_account_or_community_name_is_invalid_input_and_sends_nothing(
    hive: HiveNetwork, replay: ReplayServer, call: str, bad: str
) -> None:
    with pytest.raises(InvalidInput):
        NAME_CALLS[call](hive, bad)
    assert replay.requests == []


def test_like_with_a_path_traversal_id_sends_nothing(hive: HiveNetwork, replay: ReplayServer) -> None:
    with pytest.raises(InvalidInput):
        hive.like("../accounts/5/follow?")
    assert replay.requests == []
    assert replay.broadcasts == []


def test_a_request_that_cannot_be_json_is_invalid_input_before_any_io() -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    client = RpcClient(
        "hive",
        ["http://127.0.0.1:1"],
        timeout=5,
        policy=RetryPolicy.never(),
        transport=httpx.MockTransport(record),
    )
    try:
        with pytest.raises(InvalidInput):
            client.call("bridge.get_ranked_posts", {"tag": "half\ud83d"})
        with pytest.raises(InvalidInput):
            client.call("bridge.get_ranked_posts", {"limit": float("nan")})
    finally:
        client.close()
    assert sent == []


# ---------------------------------------------------------------- node URLs


@pytest.mark.parametrize("network", ["hive", "steem"])
def test_plain_http_to_a_remote_node_is_refused_at_connect(network: str) -> None:
    with pytest.raises(ConfigurationError, match="allow_http"):
        connect_any(network, nodes=["https://api.hive.blog", "http://api.deathwing.me"])


def test_plain_http_is_taken_for_loopback_and_with_allow_http() -> None:
    for nodes, allow_http in (
        (["http://127.0.0.1:8091"], False),
        (["http://localhost:8091"], False),
        (["http://[::1]:8091"], False),
        (["http://api.deathwing.me"], True),
    ):
        net = connect("hive", nodes=nodes, allow_http=allow_http)
        assert isinstance(net, HiveNetwork)
        net.close()


@pytest.mark.parametrize("url", ["https://user:secret@api.hive.blog", "https://:secret@node", "ftp://node"])
def test_odd_node_urls_are_configuration_errors_without_the_password(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        connect("hive", nodes=[url])
    assert "secret" not in str(info.value)


def test_a_backslash_in_a_node_url_cannot_move_the_host() -> None:
    net = connect("hive", nodes=["https://api.hive.blog\\@evil.example"])
    assert isinstance(net, HiveNetwork)
    try:
        assert [httpx.URL(node).host for node in net._rpc.nodes] == ["api.hive.blog"]
    finally:
        net.close()


# ---------------------------------------------------------------- keys in memos


def _compressed_wif(seed: str) -> str:
    """A compressed-form WIF (K…/L…, 52 characters) made here, with its checksum."""
    payload = b"\x80" + hashlib.sha256(seed.encode()).digest() + b"\x01"
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number, out = int.from_bytes(raw, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        out = alphabet[digit] + out
    return out


KEY = wif_for("alice", "active")
COMPRESSED = _compressed_wif("decentsocial-test")
DISGUISES = {
    "alone": KEY,
    "padded": f"  {KEY}\n",
    "in a sentence": f"thanks! my key is {KEY}, keep it safe",
    "quoted": f'"{KEY}"',
    "after a colon": f"key:{KEY}",
    "run into words": f"abc{KEY}xyz",
    "split by spaces": " ".join(KEY[i : i + 7] for i in range(0, len(KEY), 7)),
    "split by newlines": "\n".join(KEY[i : i + 10] for i in range(0, len(KEY), 10)),
    "split by punctuation": "-".join(KEY[i : i + 4] for i in range(0, len(KEY), 4)),
    "split by dots and commas": ".,".join(KEY[i : i + 13] for i in range(0, len(KEY), 13)),
    "full-width characters": "".join(chr(ord(c) + 0xFEE0) for c in KEY),
    "compressed form": COMPRESSED,
    "compressed, split": " / ".join(COMPRESSED[i : i + 6] for i in range(0, len(COMPRESSED), 6)),
    "shape only, bad checksum": "5K" + "1" * 49,
}


@pytest.mark.parametrize("memo", list(DISGUISES.values()), ids=list(DISGUISES))
def test_a_memo_holding_a_private_key_is_refused_before_signing(
    hive: HiveNetwork, replay: ReplayServer, memo: str
) -> None:
    with pytest.raises(InvalidInput, match="private key") as info:
        hive.tip("steemit", "0.001 HBD", memo=memo)
    assert KEY not in str(info.value)
    assert COMPRESSED not in str(info.value)
    assert replay.requests == []
    assert not hive.signed


@pytest.mark.parametrize(
    "memo",
    [
        "thanks for the great post!",
        "5 Hours of great content thanks everyone who joined us today at the meetup",
        "STM6LLegbAgLAy28EHrffBVuANFWcFgmqRMW13wBmTExqFE9SCkg4",  # a public key is no secret
        "order 5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTA" + "x",  # checksum broken, run on
        "",
    ],
)
def test_ordinary_memos_are_not_mistaken_for_keys(memo: str) -> None:
    assert not holds_private_key(memo)


def test_wif_check_is_by_checksum() -> None:
    assert is_wif(KEY)
    assert is_wif(COMPRESSED)
    assert not is_wif(KEY[:-1] + ("a" if KEY[-1] != "a" else "b"))


def test_a_memo_with_a_lone_surrogate_is_invalid_input(hive: HiveNetwork, replay: ReplayServer) -> None:
    with pytest.raises(InvalidInput):
        hive.tip("steemit", "0.001 HBD", memo="half an emoji \ud83d")
    assert replay.requests == []


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    "amount",
    [
        "1e999 HIVE",
        "1E+999 HBD",
        "1" + "0" * 39 + " HBD",
        "0." + "0" * 38 + "1 HBD",
        "1234567890123456789012345678901234567890.5 HIVE",
        "-0.000 HBD",
        "-0 HIVE",
        "0.0001 HBD",
        "1.2345 HIVE",
        "4611686018427387.904 HIVE",  # one above hived's HIVE_MAX_SATOSHIS
        "NaN HBD",
        "Infinity HIVE",
        "1e-999999999 HIVE",
        "0.001 VESTS",
    ],
)
def test_extreme_amounts_are_invalid_input_before_any_request(
    hive: HiveNetwork, replay: ReplayServer, amount: str
) -> None:
    with pytest.raises(InvalidInput):
        hive.tip("steemit", amount)
    assert replay.requests == []
    assert not hive.signed


def test_an_amount_at_the_chain_maximum_is_written_exactly() -> None:
    from decentsocial.backends.hive import HIVE
    from decentsocial.backends.hive.ops import transfer_op

    op = transfer_op(HIVE, "alice", "gtg", Amount.parse("4611686018427387.903 HIVE"), "")
    assert op[1]["amount"] == "4611686018427387.903 HIVE"
    op = transfer_op(HIVE, "alice", "gtg", Amount.parse("1.50 HBD"), "")
    assert op[1]["amount"] == "1.500 HBD"


# ---------------------------------------------------------------- clock values from the node


@pytest.mark.parametrize(
    "props",
    [
        {"time": "9999-12-31T23:59:59"},  # expiration would overflow datetime
        {"time": "0001-01-01T00:00:00"},
        {"time": "2016-09-15T19:47:21Z+junk"},
        {"time": 1e308},
        {"head_block_id": "00"},  # too short for the TaPoS prefix
        {"head_block_id": "zz" * 20},
        {"head_block_number": 1e400},
        {"head_block_number": "5e6"},
        {"head_block_number": None},
    ],
)
def test_odd_chain_properties_are_a_typed_error_before_signing(
    replay: ReplayServer, props: dict[str, Any]
) -> None:
    base = {"head_block_number": 5_000_000, "head_block_id": "004c4b40245ffb07" + "0" * 24}
    answer = {**base, "time": "2016-09-15T19:47:21", **props}

    def node(request: httpx.Request) -> httpx.Response:
        import json

        body = json.loads(request.content)
        if body["method"] == "condenser_api.get_dynamic_global_properties":
            text = json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": answer})
            return httpx.Response(200, content=text.replace("Infinity", "1e400").encode())
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": {}})

    net = hive_connection("hive", replay, "alice")
    net._rpc = RpcClient(
        "hive", [replay.url], timeout=5, policy=net.retry, transport=httpx.MockTransport(node)
    )
    try:
        with pytest.raises(NetworkUnavailable, match="chain properties"):
            net.vote("steemit/firstpost", 10)
        assert not net.signed
    finally:
        net.close()
