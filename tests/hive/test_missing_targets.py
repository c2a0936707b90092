"""A follow, community subscription or reblog of nothing is ``NotFound`` before anything is signed.

The chain takes a ``custom_json`` naming any account, community or post, and
Hivemind drops a follow, subscription or reblog of one it does not know
without a word: ``follow("not.existing")``, ``join("hive-197922")`` or
``repost("gtg/not_existing_permlink")`` used to sign and broadcast it, and
report success for a write that did nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from decentsocial import AuthenticationError, Draft, NotFound, connect
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer

#: Recorded: hivemind's answers for an account, a community (conftest.py) and a post that do not exist.
MISSING_ACCOUNT = "not.existing"
MISSING_COMMUNITY = "hive-197922"
MISSING_POST = "gtg/not_existing_permlink"

VERBS: dict[str, Callable[[HiveNetwork, str], object]] = {
    "follow": lambda net, name: net.follow(name),
    "unfollow": lambda net, name: net.unfollow(name),
    "join": lambda net, name: net.join(name),
    "leave": lambda net, name: net.leave(name),
}


def _target(verb: str) -> str:
    return MISSING_ACCOUNT if "follow" in verb else MISSING_COMMUNITY


@pytest.mark.parametrize("verb", list(VERBS))
def test_a_write_to_nobody_is_not_found_and_nothing_is_signed(
    net: HiveNetwork, replay: ReplayServer, verb: str
) -> None:
    name = _target(verb)
    with pytest.raises(NotFound, match=f"cannot {verb} {name}: no such {net.name} ") as info:
        VERBS[verb](net, name)
    assert "does not exist" in (info.value.server_message or "")
    assert replay.broadcasts == []
    assert len(net.signed) == 0
    read = "bridge.get_profile" if "follow" in verb else "bridge.get_community"
    assert [method for method, _ in replay.requests] == [read]  # one read, no head block, no broadcast


@pytest.mark.parametrize("verb", list(VERBS))
def test_a_write_to_someone_who_exists_still_goes_out(
    net: HiveNetwork, replay: ReplayServer, verb: str
) -> None:
    name = "gtg" if "follow" in verb else "hive-111119"
    VERBS[verb](net, name)
    [sent] = replay.broadcasts
    [(op, body)] = sent.transaction["operations"]
    assert op == "custom_json"
    payload = json.loads(body["json"])
    assert payload[1].get("following", payload[1].get("community")) == name


@pytest.mark.parametrize("verb", list(VERBS))
def test_without_the_key_nothing_is_asked(replay: ReplayServer, verb: str) -> None:
    net = connect("hive", account="alice", nodes=[replay.url], retry={"attempts": 1}, timeout=5)
    try:
        with pytest.raises(AuthenticationError, match="posting key"):
            VERBS[verb](net, _target(verb))
    finally:
        net.close()
    assert replay.requests == []


def test_a_reblog_of_no_post_is_not_found_and_nothing_is_signed(
    net: HiveNetwork, replay: ReplayServer
) -> None:
    with pytest.raises(NotFound, match=f"cannot repost {MISSING_POST}: no such {net.name} post") as info:
        net.repost(MISSING_POST)
    assert "does not exist" in (info.value.server_message or "")
    assert replay.broadcasts == []
    assert len(net.signed) == 0
    assert replay.requests == [
        ("bridge.get_post_header", {"author": "gtg", "permlink": "not_existing_permlink"})
    ]


def test_a_reblog_of_a_post_that_exists_goes_out_after_one_read(
    net: HiveNetwork, replay: ReplayServer
) -> None:
    net.repost("steemit/firstpost")
    [sent] = replay.broadcasts
    [(_, body)] = sent.transaction["operations"]
    assert json.loads(body["json"]) == [
        "reblog",
        {"account": "alice", "author": "steemit", "permlink": "firstpost"},
    ]
    assert [m for m, _ in replay.requests].count("bridge.get_post_header") == 1


def test_a_post_into_no_community_is_not_found_and_nothing_is_signed(
    net: HiveNetwork, replay: ReplayServer
) -> None:
    # Hivemind would file it under the tag hive-197922, in no community: the caller would never know.
    draft = Draft(text="Hello community\n\nbody", community=MISSING_COMMUNITY)
    with pytest.raises(NotFound, match=f"cannot post in {MISSING_COMMUNITY}: no such {net.name} community"):
        net.publish(draft)
    assert replay.broadcasts == []
    assert len(net.signed) == 0
    assert replay.requests == [("bridge.get_community", {"name": MISSING_COMMUNITY})]


def test_a_post_into_a_community_asks_once_and_a_reply_not_at_all(
    net: HiveNetwork, replay: ReplayServer
) -> None:
    post = net.publish(Draft(text="Hello community\n\nbody", community="hive-111119"))
    net.reply(post, Draft(text="and a reply", community="hive-111119"))
    assert len(replay.broadcasts) == 2
    assert [m for m, _ in replay.requests].count("bridge.get_community") == 1
