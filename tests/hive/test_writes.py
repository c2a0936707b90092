"""Writes are checked on what reached the node: the signed operations, verified with hiveio-wax."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

import httpx
import pytest

from decentsocial import (
    Amount,
    AuthenticationError,
    Beneficiary,
    ConfigurationError,
    ContentRejected,
    Draft,
    InvalidInput,
    NetworkUnavailable,
    PayoutOptions,
    PermissionDenied,
    connect,
)
from decentsocial.backends.hive import HiveNetwork, ops
from decentsocial.backends.hive.chain import HIVE, STEEM, Chain, check_account, check_permlink
from decentsocial.backends.hive.sign import sign_transaction, tapos

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection, public_key_for, wif_for
from .oracle import wax_check


def only_broadcast(replay: ReplayServer) -> dict[str, Any]:
    assert len(replay.broadcasts) == 1
    return replay.broadcasts[0].transaction


def ops_of(trx: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, value) for name, value in trx["operations"]]


def assert_signed_by(net: HiveNetwork, trx: dict[str, Any], role: str) -> None:
    """wax agrees with what we signed: same id and digest, the account's key recovered, valid tx."""
    view = wax_check(trx, net.chain.chain_id)
    signed = net.signed[-1]
    assert view.id == signed.id
    assert view.digest == signed.digest
    assert view.keys == [public_key_for("alice", role)]


# ---------------------------------------------------------------- publishing


def test_publish_broadcasts_one_signed_comment(net: HiveNetwork, replay: ReplayServer) -> None:
    post = net.publish(Draft(text="Launch day\n\nOur **new** thing #Marketing #web3", tags=("news",)))
    trx = only_broadcast(replay)
    [(name, comment)] = ops_of(trx)
    assert name == "comment"
    assert comment["author"] == "alice"
    assert comment["parent_author"] == ""
    assert comment["title"] == "Launch day"
    assert comment["body"].startswith("Launch day")
    meta = json.loads(comment["json_metadata"])
    assert meta["tags"] == ["news", "marketing", "web3"]
    assert meta["app"] == "decentsocial"
    assert comment["parent_permlink"] == "news"  # the first tag is the category
    assert post.id == f"alice/{comment['permlink']}"
    assert post.tags == ("news", "marketing", "web3")
    assert post.raw is not None
    assert post.raw["transaction_id"] == net.signed[-1].id
    assert_signed_by(net, trx, "posting")


def test_tapos_comes_from_the_configured_node(net: HiveNetwork, replay: ReplayServer) -> None:
    net.publish("TaPoS check")
    trx = only_broadcast(replay)
    # Recorded head block 5000000, id 004c4b40245ffb07…, time 2016-09-15T19:47:21.
    assert trx["ref_block_num"] == 5_000_000 & 0xFFFF
    assert trx["ref_block_prefix"] == int.from_bytes(bytes.fromhex("245ffb07"), "little")
    assert trx["expiration"] == "2016-09-15T19:48:21"


def test_hive_signs_with_the_mainnet_chain_id_not_the_offline_default(
    hive: HiveNetwork, replay: ReplayServer
) -> None:
    hive.publish("Chain id check")
    trx = only_broadcast(replay)
    assert hive.chain.chain_id.startswith("beeab0de")
    assert wax_check(trx, hive.chain.chain_id).keys == [public_key_for("alice", "posting")]
    assert wax_check(trx, "0" * 64).keys != [public_key_for("alice", "posting")]


def test_steem_uses_its_own_chain_id_and_assets(replay: ReplayServer) -> None:
    with hive_connection("steem", replay, "alice") as steem:
        assert isinstance(steem, HiveNetwork)
        steem.publish(Draft(text="Steem post", payout=PayoutOptions(percent_backed=Decimal(0))))
        trx = only_broadcast(replay)
        options = ops_of(trx)[1][1]
        assert options["max_accepted_payout"] == "1000000.000 SBD"
        assert options["percent_steem_dollars"] == 0
        assert wax_check(trx, "0" * 64).keys == [public_key_for("alice", "posting")]


def test_publish_into_a_community(net: HiveNetwork, replay: ReplayServer) -> None:
    post = net.publish(Draft(text="Hello community", community="hive-111119", tags=("intro",)))
    comment = ops_of(only_broadcast(replay))[0][1]
    assert comment["parent_permlink"] == "hive-111119"
    meta = json.loads(comment["json_metadata"])
    assert meta["tags"][0] == "hive-111119"
    assert meta["community"] == "hive-111119"
    assert post.community == "hive-111119"


def test_community_is_the_category_even_when_listed_among_the_tags(
    net: HiveNetwork, replay: ReplayServer
) -> None:
    net.publish(Draft(text="Hello community", community="hive-111119", tags=("intro", "hive-111119")))
    comment = ops_of(only_broadcast(replay))[0][1]
    assert comment["parent_permlink"] == "hive-111119"  # a post is in a community by its category
    assert json.loads(comment["json_metadata"])["tags"] == ["hive-111119", "intro"]


def test_hashtags_that_are_no_hive_tags_stay_in_the_text_only(net: HiveNetwork, replay: ReplayServer) -> None:
    net.publish(Draft(text="Happy #new_year from #Seoul #한국", tags=("kr",)))
    comment = ops_of(only_broadcast(replay))[0][1]
    assert json.loads(comment["json_metadata"])["tags"] == ["kr", "seoul"]
    assert comment["body"] == "Happy #new_year from #Seoul #한국"


def test_tags_follow_draft_all_tags_with_the_category_first(net: HiveNetwork, replay: ReplayServer) -> None:
    # Without Draft.tags the first hashtag is the category; the rest keep Draft.all_tags' order.
    net.publish(Draft(text="Notes #travel #food", tags=("food", "photos")))
    net.publish(Draft(text="More notes #travel #food"))
    first, second = (ops_of(b.transaction)[0][1] for b in replay.broadcasts)
    assert (first["parent_permlink"], json.loads(first["json_metadata"])["tags"]) == (
        "food",
        ["food", "travel", "photos"],
    )
    assert (second["parent_permlink"], json.loads(second["json_metadata"])["tags"]) == (
        "travel",
        ["travel", "food"],
    )


def test_a_long_first_line_makes_a_title_within_the_byte_limit(
    net: HiveNetwork, replay: ReplayServer
) -> None:
    line = "日本語のお知らせ" * 20  # 160 characters, 480 UTF-8 bytes
    net.publish(Draft(text=f"{line}\n\nbody"))
    trx = only_broadcast(replay)
    title = ops_of(trx)[0][1]["title"]
    assert 0 < len(title.encode()) <= 255  # hived: title.size() < 256 bytes
    assert line.startswith(title)
    assert_signed_by(net, trx, "posting")


def test_beneficiaries_and_payout_go_in_the_same_transaction(net: HiveNetwork, replay: ReplayServer) -> None:
    draft = Draft(
        text="Shared reward",
        beneficiaries=(
            Beneficiary(account="zed", percent=Decimal("12.5")),
            Beneficiary(account="bob", percent=Decimal(5)),
        ),
        payout=PayoutOptions(
            max_accepted_payout=Amount.parse(f"10.000 {net.chain.backed}"), percent_backed=Decimal(25)
        ),
    )
    net.publish(draft)
    trx = only_broadcast(replay)
    (c_name, comment), (o_name, options) = ops_of(trx)
    assert (c_name, o_name) == ("comment", "comment_options")
    assert options["permlink"] == comment["permlink"]
    assert options["extensions"] == [
        [0, {"beneficiaries": [{"account": "bob", "weight": 500}, {"account": "zed", "weight": 1250}]}]
    ]
    assert options["max_accepted_payout"] == f"10.000 {net.chain.backed}"
    assert options[net.chain.percent_field] == 5000
    assert_signed_by(net, trx, "posting")


def test_declined_payout(net: HiveNetwork, replay: ReplayServer) -> None:
    net.publish(Draft(text="No payout please", payout=PayoutOptions(decline=True)))
    options = ops_of(only_broadcast(replay))[1][1]
    assert options["max_accepted_payout"] == f"0.000 {net.chain.backed}"


@pytest.mark.parametrize(
    ("draft", "error"),
    [
        (
            lambda: Draft(text="x", beneficiaries=(Beneficiary(account="bob", percent=Decimal("0.001")),)),
            ContentRejected,
        ),
        (
            lambda: Draft(text="x", beneficiaries=(Beneficiary(account="bob", percent=Decimal(5)),) * 2),
            ContentRejected,
        ),
        (
            lambda: Draft(text="x", beneficiaries=(Beneficiary(account="Not_Valid", percent=Decimal(5)),)),
            InvalidInput,
        ),
        (lambda: Draft(text="x", payout=PayoutOptions(percent_backed=Decimal(80))), ContentRejected),
        (
            lambda: Draft(text="x", payout=PayoutOptions(max_accepted_payout=Amount.parse("1.000 BTC"))),
            InvalidInput,
        ),
        (lambda: Draft(text="x", tags=tuple(f"t{i}" for i in range(11))), ContentRejected),
        (lambda: Draft(text="x", tags=("no_underscores",)), ContentRejected),
        (lambda: Draft(text="x", title="t" * 300), ContentRejected),
        (lambda: Draft(text="x", visibility="direct"), ContentRejected),
    ],
)
def test_bad_drafts_fail_before_any_request(
    net: HiveNetwork, replay: ReplayServer, draft: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        net.publish(draft())
    assert replay.requests == []
    assert replay.broadcasts == []


def test_beneficiaries_over_100_percent_are_refused_by_the_draft() -> None:
    with pytest.raises(ContentRejected):
        Draft(
            text="x",
            beneficiaries=(
                Beneficiary(account="a-b", percent=Decimal(60)),
                Beneficiary(account="b-c", percent=Decimal(41)),
            ),
        )


def test_permlinks_do_not_collide(net: HiveNetwork, replay: ReplayServer) -> None:
    ids = {net.publish("Same title").id for _ in range(5)}
    assert len(ids) == 5
    for post_id in ids:
        check_permlink(post_id.split("/", 1)[1], "hive", existing=False)


def test_idempotency_key_gives_the_same_permlink(net: HiveNetwork, replay: ReplayServer) -> None:
    a = net.publish(Draft(text="Once only", idempotency_key="campaign-42"))
    b = net.publish(Draft(text="Once only", idempotency_key="campaign-42"))
    assert a.id == b.id  # a second publish edits the same post; it never creates another


def test_rebroadcast_after_a_lost_answer_is_success_not_a_second_post(replay: ReplayServer) -> None:
    """The node got the tx but its answer was lost; the retry re-sends the same signed tx."""
    lost: list[str] = []
    upstream = httpx.Client()

    def lossy(request: httpx.Request) -> httpx.Response:
        real = upstream.send(
            httpx.Request(request.method, request.url, headers=request.headers, content=request.content)
        )
        if b"broadcast_transaction" in request.content and not lost:
            lost.append("first answer")
            return httpx.Response(503, content=b"gateway lost the answer")
        return httpx.Response(
            real.status_code, content=real.content, headers={"content-type": "application/json"}
        )

    net = hive_connection("hive", replay, "alice", retry={"attempts": 3})
    assert isinstance(net, HiveNetwork)
    net._rpc._transport = httpx.MockTransport(lossy)  # the network path, not our code
    try:
        post = net.publish("Exactly once")
    finally:
        net.close()
        upstream.close()
    assert lost == ["first answer"]
    assert len(replay.broadcasts) == 1  # the second send was the duplicate of the same tx
    assert post.id.startswith("alice/exactly-once-")


def test_reply(net: HiveNetwork, replay: ReplayServer) -> None:
    post = net.reply("steemit/firstpost", "Great first post!")
    [(name, comment)] = ops_of(only_broadcast(replay))
    assert name == "comment"
    assert (comment["parent_author"], comment["parent_permlink"]) == ("steemit", "firstpost")
    assert comment["title"] == ""
    assert comment["permlink"].startswith("re-steemit-")
    assert post.reply_to == "steemit/firstpost"


# ---------------------------------------------------------------- engagement


def test_delete_own_post(net: HiveNetwork, replay: ReplayServer) -> None:
    net.delete("alice/my-old-post")
    assert ops_of(only_broadcast(replay)) == [
        ("delete_comment", {"author": "alice", "permlink": "my-old-post"})
    ]


def test_deleting_anothers_post_is_refused_before_signing(net: HiveNetwork, replay: ReplayServer) -> None:
    with pytest.raises(PermissionDenied):
        net.delete("steemit/firstpost")
    assert replay.broadcasts == []


@pytest.mark.parametrize(
    ("percent", "points"), [(100, 10000), (50, 5000), (-100, -10000), (0.01, 1), (-33.33, -3333)]
)
def test_vote_weights(net: HiveNetwork, replay: ReplayServer, percent: float, points: int) -> None:
    net.vote("steemit/firstpost", percent)
    assert ops_of(only_broadcast(replay)) == [
        ("vote", {"voter": "alice", "author": "steemit", "permlink": "firstpost", "weight": points})
    ]
    assert_signed_by(net, replay.broadcasts[0].transaction, "posting")


@pytest.mark.parametrize("bad", [100.5, -101, 20000, float("nan"), float("inf"), True, "50"])
def test_bad_vote_weights_fail_before_io(net: HiveNetwork, replay: ReplayServer, bad: Any) -> None:
    with pytest.raises(InvalidInput):
        net.vote("steemit/firstpost", bad)
    assert replay.requests == []


@pytest.mark.parametrize("tiny", [0.004, -0.005])
def test_vote_weight_that_rounds_to_zero_is_refused_not_an_unvote(
    net: HiveNetwork, replay: ReplayServer, tiny: float
) -> None:
    with pytest.raises(InvalidInput):  # weight 0 would remove the account's vote
        net.vote("steemit/firstpost", tiny)
    assert replay.requests == []


def test_like_and_unlike(net: HiveNetwork, replay: ReplayServer) -> None:
    net.like("steemit/firstpost")
    net.unlike("steemit/firstpost")
    weights = [ops_of(b.transaction)[0][1]["weight"] for b in replay.broadcasts]
    assert weights == [10000, 0]


def test_repost_is_a_reblog_custom_json(net: HiveNetwork, replay: ReplayServer) -> None:
    assert net.repost("steemit/firstpost") is None
    [(name, op)] = ops_of(only_broadcast(replay))
    assert name == "custom_json"
    assert op["id"] == "follow"
    assert op["required_posting_auths"] == ["alice"]
    assert op["required_auths"] == []
    assert json.loads(op["json"]) == [
        "reblog",
        {"account": "alice", "author": "steemit", "permlink": "firstpost"},
    ]
    assert_signed_by(net, replay.broadcasts[0].transaction, "posting")


def test_follow_and_unfollow(net: HiveNetwork, replay: ReplayServer) -> None:
    net.follow("gtg")
    net.unfollow("@gtg")
    payloads = [json.loads(ops_of(b.transaction)[0][1]["json"]) for b in replay.broadcasts]
    assert payloads == [
        ["follow", {"follower": "alice", "following": "gtg", "what": ["blog"]}],
        ["follow", {"follower": "alice", "following": "gtg", "what": []}],
    ]


def test_join_and_leave_community(net: HiveNetwork, replay: ReplayServer) -> None:
    net.join("hive-111119")
    net.leave("hive-111119")
    customs = [ops_of(b.transaction)[0][1] for b in replay.broadcasts]
    assert [o["id"] for o in customs] == ["community", "community"]
    assert [json.loads(o["json"]) for o in customs] == [
        ["subscribe", {"community": "hive-111119"}],
        ["unsubscribe", {"community": "hive-111119"}],
    ]


def test_account_names_follow_hiveds_rule_double_hyphens_included(
    net: HiveNetwork, replay: ReplayServer
) -> None:
    # hived's is_valid_account_name: labels of 3+ that start with a letter, end with a letter or
    # digit, and hold letters, digits and '-' in between (two in a row included).
    # The name is taken: it goes to the node, asked whether the account exists (no profile of it
    # is recorded, so the node double says so), instead of being refused as InvalidInput first.
    with pytest.raises(NetworkUnavailable, match="not recorded"):
        net.follow("ab--cd")
    assert replay.requests == [("bridge.get_profile", {"account": "ab--cd"})]
    assert check_account("ab--cd", net.name) == "ab--cd"


def test_follow_bad_account_fails_before_io(net: HiveNetwork, replay: ReplayServer) -> None:
    for bad in ("ab", "UPPER", "has_underscore", "a" * 17, "-dash", "two..dots"):
        with pytest.raises(InvalidInput):
            net.follow(bad)
    assert replay.requests == []


# ---------------------------------------------------------------- money


def test_tip_is_a_transfer_on_the_active_key(net: HiveNetwork, replay: ReplayServer) -> None:
    txid = net.tip("steemit", f"0.001 {net.chain.backed}", memo="thanks!")
    trx = only_broadcast(replay)
    assert ops_of(trx) == [
        (
            "transfer",
            {"from": "alice", "to": "steemit", "amount": f"0.001 {net.chain.backed}", "memo": "thanks!"},
        )
    ]
    assert txid == net.signed[-1].id
    assert_signed_by(net, trx, "active")


def test_tip_to_a_post_pays_its_author(net: HiveNetwork, replay: ReplayServer) -> None:
    net.tip("steemit/firstpost", Amount.parse(f"0.002 {net.chain.backed}"))
    assert ops_of(only_broadcast(replay))[0][1]["to"] == "steemit"


def test_tip_above_the_balance_is_refused_before_signing(net: HiveNetwork, replay: ReplayServer) -> None:
    with pytest.raises(ContentRejected):
        net.tip("steemit", f"1.000 {net.chain.liquid}")  # alice holds 0.000
    assert replay.broadcasts == []
    assert not net.signed


@pytest.mark.parametrize("amount", ["1.0001 HBD", "1.000 BTC", "0.000 HBD"])
def test_bad_tip_amounts(hive: HiveNetwork, replay: ReplayServer, amount: str) -> None:
    with pytest.raises(InvalidInput):
        hive.tip("steemit", amount)
    assert replay.requests == []


def test_memo_that_is_a_private_key_is_refused(hive: HiveNetwork, replay: ReplayServer) -> None:
    with pytest.raises(InvalidInput):
        hive.tip("steemit", "0.001 HBD", memo=wif_for("alice", "active"))
    assert replay.requests == []


def test_claim_with_nothing_claimable_broadcasts_nothing(net: HiveNetwork, replay: ReplayServer) -> None:
    reward = net.claim_rewards()
    assert reward.status == "none"
    assert replay.broadcasts == []


@pytest.mark.parametrize("chain", [HIVE, STEEM], ids=["hive", "steem"])
def test_claim_reward_balance_operation_signs_as_wax_expects(chain: Chain) -> None:
    # No recorded account has rewards waiting, so the claim operation is checked on its own.
    op = ops.claim_op(
        chain,
        "alice",
        Amount.parse(f"0.001 {chain.liquid}"),
        Amount.parse(f"1.234 {chain.backed}"),
        Amount.parse("12.345678 VESTS"),
    )
    base = tapos(5_000_000, "004c4b40245ffb07380a393fb2b3d841b76cdaec", "2016-09-15T19:47:21", 60)
    tx = sign_transaction([op], base, wif_for("alice", "posting"), chain, "posting_key")
    view = wax_check(tx, chain.chain_id)
    assert (view.id, view.digest, view.keys) == (tx.id, tx.digest, [public_key_for("alice", "posting")])
    assert op[1][chain.claim_fields[2]] == "12.345678 VESTS"


# ---------------------------------------------------------------- keys and safety


def test_read_only_connection_names_the_posting_key(replay: ReplayServer) -> None:
    with connect("hive", account="alice", nodes=[replay.url]) as net:
        with pytest.raises(AuthenticationError, match="posting key"):
            net.publish("no key")
        with pytest.raises(AuthenticationError, match="posting key"):
            net.like("steemit/firstpost")
    assert replay.requests == []


def test_transfer_without_active_key_names_it(replay: ReplayServer) -> None:
    net = connect("hive", account="alice", posting_key=wif_for("alice", "posting"), nodes=[replay.url])
    with net, pytest.raises(AuthenticationError, match="active key"):
        net.tip("steemit", "0.001 HBD")
    assert replay.broadcasts == []


def test_no_account_means_no_writes(replay: ReplayServer) -> None:
    with connect("hive", nodes=[replay.url]) as net:
        assert net.get_post("steemit/firstpost").id == "steemit/firstpost"  # reads work
        with pytest.raises(AuthenticationError):
            net.publish("who am I")


def test_invalid_wif_is_an_authentication_error_without_the_key(replay: ReplayServer) -> None:
    bad = "5Kdefinitelynotavalidwifkeybutlookssecret1234567890abc"
    net = connect("hive", account="alice", posting_key=bad, nodes=[replay.url])
    with net, pytest.raises(AuthenticationError) as info:
        net.vote("steemit/firstpost", 10)
    assert bad not in str(info.value)
    assert bad not in repr(info.value)
    assert info.value.__cause__ is None


def test_keys_never_appear_in_reprs_errors_or_logs(
    net: HiveNetwork, replay: ReplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    secrets = [wif_for("alice", "posting"), wif_for("alice", "active")]
    caplog.set_level(logging.DEBUG)
    net.publish("Secret-free")
    with pytest.raises(ContentRejected) as info:
        net.tip("steemit", f"5.000 {net.chain.liquid}")
    texts = [
        repr(net),
        str(net.settings),
        repr(net.settings),
        str(info.value),
        caplog.text,
        json.dumps([b.transaction for b in replay.broadcasts]),
    ]
    for secret in secrets:
        assert all(secret not in text for text in texts)


def test_nodes_are_required_and_must_be_urls() -> None:
    with pytest.raises(ConfigurationError):
        connect("hive", account="alice")
    with pytest.raises(ConfigurationError):
        connect("steem", nodes=[])
    with pytest.raises(ConfigurationError):
        connect("hive", nodes=["api.hive.blog"])
    with pytest.raises(ConfigurationError):
        connect("hive", posting_key="5K...", nodes=["http://127.0.0.1:1"])  # a key needs its account


def test_dead_node_fails_fast_with_bounded_retries() -> None:
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connections are refused
        net = connect("hive", nodes=[f"http://127.0.0.1:{port}"], retry={"attempts": 2}, timeout=2)
        started = time.monotonic()
        with pytest.raises(NetworkUnavailable):
            net.get_post("steemit/firstpost")
        assert time.monotonic() - started < 10
        net.close()


def test_invalid_account_setting_is_a_configuration_error(replay: ReplayServer) -> None:
    with pytest.raises(ConfigurationError):
        connect("hive", account="Not_An_Account", nodes=[replay.url])


def test_a_long_running_connection_keeps_only_its_last_signed_transactions(
    net: HiveNetwork, replay: ReplayServer
) -> None:
    from decentsocial.backends.hive.network import SIGNED_KEPT

    txids = [net.tip("steemit", f"0.001 {net.chain.backed}", memo=f"n{i}") for i in range(SIGNED_KEPT + 5)]
    assert len(replay.broadcasts) == SIGNED_KEPT + 5
    assert [tx.id for tx in net.signed] == txids[-SIGNED_KEPT:]
