"""Community pins on Hive: a moderator's ``custom_json`` (signed, checked with wax), refused without the role.

Roles come from recorded ``bridge.get_community_context`` answers (Hivemind's
mock communities): test-safari is an admin of hive-171487, hive-186669 the
owner of its own community, gtg a guest of hive-171487 and dan of
hive-117600. ``alice/My-first-post-hive-1`` is a recorded post in
hive-171487; hive-135485's recorded ``created`` list starts with its 15
pinned posts. Broadcasts are recorded by the replay node, never applied.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from decentsocial import Account, AuthenticationError, Draft, PermissionDenied, UnsupportedFeature, connect
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection, public_key_for
from .oracle import wax_check
from .test_writes import ops_of

RECORDED_POST = "alice/My-first-post-hive-1"  # in hive-171487
#: The pinned posts at the head of hive-135485's recorded created list, in the order Hivemind gave them.
PINNED_135485 = [
    "blocktrades/crocodile03",
    "blocktrades/crocodile02",
    *(f"test-creator/pinpost{n}" for n in range(12, 0, -1)),
    "test-creator/pinned-post",
]


@pytest.fixture
def connections(replay: ReplayServer) -> Iterator[dict[str, HiveNetwork]]:
    """Hive connections by account name, opened on first use and closed after the test."""
    opened: dict[str, HiveNetwork] = {}

    class Opener(dict[str, HiveNetwork]):
        def __missing__(self, account: str) -> HiveNetwork:
            opened[account] = self[account] = hive_connection("hive", replay, account)
            return opened[account]

    try:
        yield Opener()
    finally:
        for conn in opened.values():
            conn.close()


def community_op(trx: dict[str, Any]) -> tuple[list[str], Any]:
    """The one ``custom_json`` of ``trx``: its posting auths and decoded json (id ``community``)."""
    [(name, op)] = ops_of(trx)
    assert name == "custom_json"
    assert op["id"] == "community"
    assert op["required_auths"] == []
    return op["required_posting_auths"], json.loads(op["json"])


def assert_signed(net: HiveNetwork, trx: dict[str, Any], account: str) -> None:
    """wax recomputes our id and digest and recovers ``account``'s posting key from the signature."""
    view = wax_check(trx, net.chain.chain_id)
    signed = next(tx for tx in net.signed if tx.json == trx)
    assert (view.id, view.digest) == (signed.id, signed.digest)
    assert view.keys == [public_key_for(account, "posting")]


def role_reads(replay: ReplayServer) -> list[Any]:
    return [params for method, params in replay.requests if method == "bridge.get_community_context"]


def test_an_admin_pins_and_unpins_another_authors_post(
    connections: dict[str, HiveNetwork], replay: ReplayServer
) -> None:
    admin = connections["test-safari"]
    admin.pin(RECORDED_POST)  # by id: read, to learn its community
    admin.unpin(RECORDED_POST)
    admin.pin(RECORDED_POST)  # again on the same block: a transaction of its own, not the first's duplicate
    body = {"community": "hive-171487", "account": "alice", "permlink": "My-first-post-hive-1"}
    pin, unpin, again = [b.transaction for b in replay.broadcasts]
    assert community_op(pin) == community_op(again) == (["test-safari"], ["pinPost", body])
    assert community_op(unpin) == (["test-safari"], ["unpinPost", body])
    assert_signed(admin, pin, "test-safari")
    assert_signed(admin, unpin, "test-safari")
    assert_signed(admin, again, "test-safari")
    assert role_reads(replay) == [{"name": "hive-171487", "account": "test-safari"}] * 3


@pytest.mark.parametrize(
    ("account", "community"), [("test-safari", "hive-171487"), ("hive-186669", "hive-186669")]
)
def test_a_moderator_pins_a_post_published_into_the_community(
    connections: dict[str, HiveNetwork], replay: ReplayServer, account: str, community: str
) -> None:
    mod = connections[account]
    post = mod.publish(
        Draft(text="بيان: نحن على علم بالمشكلة\n\nStatement: we are on it", community=community)
    )
    replay.clear()
    mod.pin(post)  # a Post carries its community: no read of the post
    [trx] = [b.transaction for b in replay.broadcasts]
    author, permlink = post.id.split("/")
    assert community_op(trx) == (
        [account],
        ["pinPost", {"community": community, "account": author, "permlink": permlink}],
    )
    assert_signed(mod, trx, account)
    assert [m for m, _ in replay.requests if m == "bridge.get_post"] == []


def test_a_guest_cannot_pin_and_nothing_is_signed(
    connections: dict[str, HiveNetwork], replay: ReplayServer
) -> None:
    gtg = connections["gtg"]  # a guest of hive-171487
    calls: list[Callable[[], object]] = [lambda: gtg.pin(RECORDED_POST), lambda: gtg.unpin(RECORDED_POST)]
    for call in calls:
        with pytest.raises(PermissionDenied, match="gtg has guest there") as caught:
            call()
        assert caught.value.network == "hive"
    assert replay.broadcasts == []
    assert len(gtg.signed) == 0


def test_the_author_needs_the_role_too(connections: dict[str, HiveNetwork], replay: ReplayServer) -> None:
    dan = connections["dan"]  # a guest of hive-117600
    post = dan.publish(Draft(text="my post in hive-117600", community="hive-117600"))
    replay.clear()
    calls: list[Callable[[], object]] = [lambda: dan.pin(post), lambda: dan.unpin(post)]
    for call in calls:
        with pytest.raises(PermissionDenied, match="takes the role mod, admin or owner"):
            call()
    assert replay.broadcasts == []
    assert role_reads(replay) == [{"name": "hive-117600", "account": "dan"}] * 2


def test_a_post_in_no_community_cannot_be_pinned(
    connections: dict[str, HiveNetwork], replay: ReplayServer
) -> None:
    alice = connections["alice"]
    mine = alice.publish(Draft(text="On my blog\n\nno community", tags=("news",)))
    replay.clear()
    for target in (mine, "steemit/firstpost"):  # published here, and a recorded post read by id
        with pytest.raises(PermissionDenied, match="in no community"):
            alice.pin(target)
        with pytest.raises(PermissionDenied, match="in no community"):
            alice.unpin(target)
    assert replay.broadcasts == []
    assert role_reads(replay) == []


def test_pinned_lists_a_communitys_pinned_posts(
    connections: dict[str, HiveNetwork], replay: ReplayServer
) -> None:
    alice = connections["alice"]
    found = list(alice.pinned("hive-135485", limit=None))
    assert [p.id for p in found] == PINNED_135485
    assert {p.community for p in found} == {"hive-135485"}
    assert all(p.raw is not None and p.raw["stats"]["is_pinned"] is True for p in found)
    community = Account(network="hive", id="hive-135485", handle="hive-135485")
    assert [p.id for p in alice.pinned(community, limit=3)] == PINNED_135485[:3]
    # Each listing took one request: the first page already shows where the pins end.
    assert [m for m, _ in replay.requests].count("bridge.get_ranked_posts") == 2


def test_pinned_pages_through_a_long_run_of_pins(
    connections: dict[str, HiveNetwork], replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(HiveNetwork, "page_size", 10)
    alice = connections["alice"]
    assert [p.id for p in alice.pinned("hive-135485", limit=None)] == PINNED_135485
    pages = [params for method, params in replay.requests if method == "bridge.get_ranked_posts"]
    assert len(pages) == 2
    assert (pages[1]["start_author"], pages[1]["start_permlink"]) == ("test-creator", "pinpost5")


def test_an_ordinary_account_has_no_pins_to_list(
    connections: dict[str, HiveNetwork], replay: ReplayServer
) -> None:
    alice = connections["alice"]
    calls: list[Callable[[], object]] = [lambda: alice.pinned(), lambda: alice.pinned("gtg")]
    for call in calls:
        with pytest.raises(UnsupportedFeature, match="no profile pins"):
            call()
    assert replay.requests == []


def test_a_connection_without_a_key_fails_before_any_request(replay: ReplayServer) -> None:
    net = connect("hive", account="test-safari", nodes=[replay.url], retry={"attempts": 1})
    try:
        with pytest.raises(AuthenticationError, match="posting key"):
            net.pin(RECORDED_POST)
    finally:
        net.close()
    assert replay.requests == []


def test_steem_has_no_pins(replay: ReplayServer) -> None:
    with hive_connection("steem", replay, "test-safari") as steem:
        calls: list[Callable[[], object]] = [
            lambda: steem.pin(RECORDED_POST),
            lambda: steem.unpin(RECORDED_POST),
            lambda: steem.pinned("hive-135485"),
        ]
        for call in calls:
            with pytest.raises(UnsupportedFeature, match="pin") as caught:
                call()
            assert caught.value.network == "steem"
            assert "Hive's communities" in str(caught.value)
    assert replay.requests == []
    assert replay.broadcasts == []
