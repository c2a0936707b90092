"""A node's answer must be what was asked for, and writes keep to the chain's own rules.

A node that answers ``bridge.get_post`` with another post (hostile,
caching, or buggy) must not make ``edit`` overwrite that other post. An
edit names the chain's category; a ``#`` memo (encrypt-me, to wallets) is
never sent in clear; the transaction's size, image links included, is
checked before signing.
"""

from __future__ import annotations

import copy
import gzip
import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from decentsocial import ContentRejected, Draft, InvalidInput, Media, NetworkUnavailable
from decentsocial.backends.hive import HiveNetwork

from ..servers import hive as hive_servers
from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import FIXTURE, hive_connection, served

Answer = Callable[[Any], Any]


@pytest.fixture
def upstream() -> Iterator[httpx.Client]:
    client = httpx.Client()
    yield client
    client.close()


def _recorded(upstream: httpx.Client, replay: ReplayServer, method: str, params: Any) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    return upstream.post(replay.url, json=body).json()["result"]


def _through(
    replay: ReplayServer, upstream: httpx.Client, answers: dict[str, Answer], network: str = "hive", **kw: Any
) -> HiveNetwork:
    """A connection whose ``answers`` methods get the given results; the rest go to the replay node."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["method"] in answers:
            result = answers[body["method"]](body["params"])
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result})
        real = upstream.post(replay.node(network), content=request.content)  # as that chain's node
        return httpx.Response(
            real.status_code, content=real.content, headers={"content-type": "application/json"}
        )

    net = hive_connection(network, replay, kw.pop("account", "alice"), **kw)
    net._rpc._transport = httpx.MockTransport(handler)  # the network path, not our code
    return net


def _another_of_alices_posts(upstream: httpx.Client, replay: ReplayServer) -> dict[str, Any]:
    posts = _recorded(
        upstream, replay, "bridge.get_account_posts", {"sort": "posts", "account": "alice", "limit": 20}
    )
    other = copy.deepcopy(posts[0])
    other["permlink"] = "my-pinned-announcement"
    return dict(other)


def test_a_post_answered_for_another_is_malformed_and_never_edited(
    replay: ReplayServer, upstream: httpx.Client
) -> None:
    other = _another_of_alices_posts(upstream, replay)
    net = _through(replay, upstream, {"bridge.get_post": lambda _: other})
    try:
        for act in (
            lambda: net.get_post("alice/typo-fix-me"),
            lambda: net.edit("alice/typo-fix-me", "fixed text"),
            lambda: net.rewards("alice/typo-fix-me"),
        ):
            with pytest.raises(NetworkUnavailable, match="another post than asked for"):
                act()
    finally:
        net.close()
    assert replay.broadcasts == []


def test_a_discussion_rooted_in_another_post_is_malformed(
    replay: ReplayServer, upstream: httpx.Client
) -> None:
    other = _another_of_alices_posts(upstream, replay)
    net = _through(replay, upstream, {"bridge.get_discussion": lambda _: {"alice/typo-fix-me": other}})
    try:
        with pytest.raises(NetworkUnavailable, match="another than asked for"):
            net.thread("alice/typo-fix-me")
    finally:
        net.close()


def test_a_profile_of_another_account_is_malformed(replay: ReplayServer, upstream: httpx.Client) -> None:
    gtg = _recorded(upstream, replay, "bridge.get_profile", {"account": "gtg"})
    net = _through(replay, upstream, {"bridge.get_profile": lambda _: gtg})
    try:
        with pytest.raises(NetworkUnavailable, match="another account than asked for"):
            net.account("alice")
    finally:
        net.close()


PERMLINK = "limited-time-sale-high-steem-power-accounts-for-serious-investors-only"


def _recorded_post(permlink: str) -> dict[str, Any]:
    """A bridge post from the recordings, wherever it was recorded (a list, a discussion)."""

    def walk(item: Any) -> dict[str, Any] | None:
        if isinstance(item, dict):
            if item.get("permlink") == permlink and "category" in item:
                return item
            items = list(item.values())
        elif isinstance(item, list):
            items = item
        else:
            return None
        return next((found for child in items if (found := walk(child)) is not None), None)

    with gzip.open(FIXTURE, "rt") as lines:
        for line in lines:
            if permlink in line and (found := walk(json.loads(line).get("result"))) is not None:
                return found
    raise AssertionError(f"{permlink} is not recorded")


def test_an_edit_keeps_the_chains_category_not_the_first_tag(
    replay: ReplayServer, upstream: httpx.Client
) -> None:
    """Recorded on Steem: category ``bitcoin``, tags ``steem, bitcoin, …``; steemd refuses a changed one."""
    raw = served("steem", _recorded_post(PERMLINK))  # as a Steem node serves it
    assert raw["category"] == "bitcoin"
    assert raw["json_metadata"]["tags"][0] == "steem"
    net = _through(replay, upstream, {"bridge.get_post": lambda _: raw}, "steem", account="blocktrades")
    try:
        net.edit(f"blocktrades/{PERMLINK}", "Sale is over, thanks!")
    finally:
        net.close()
    [sent] = replay.broadcasts
    comment = sent.transaction["operations"][0][1]
    assert (comment["parent_author"], comment["parent_permlink"]) == ("", "bitcoin")
    assert json.loads(comment["json_metadata"])["tags"][0] == "bitcoin"


def test_an_edit_of_a_post_just_published_keeps_its_category(net: HiveNetwork, replay: ReplayServer) -> None:
    post = net.publish(Draft(title="Tagged", text="body", tags=("news", "web3")))
    net.edit(post, Draft(text="new body", tags=("web3",)))
    published, edited = (b.transaction["operations"][0][1] for b in replay.broadcasts)
    assert edited["parent_permlink"] == published["parent_permlink"] == "news"


@pytest.mark.parametrize("memo", ["#order 4411, door code 7781", "#"])
def test_a_memo_meant_to_be_encrypted_is_refused_not_sent_in_clear(
    net: HiveNetwork, replay: ReplayServer, memo: str
) -> None:
    with pytest.raises(InvalidInput, match="meant to be encrypted"):
        net.tip("steemit", f"0.001 {net.chain.backed}", memo=memo)
    assert replay.broadcasts == []
    assert memo not in repr(net.signed)


def test_a_memo_with_a_hash_inside_is_sent(net: HiveNetwork, replay: ReplayServer) -> None:
    net.tip("steemit", f"0.001 {net.chain.backed}", memo="thanks for #42")
    assert len(replay.broadcasts) == 1


def test_check_draft_counts_image_links_and_metadata_in_the_transaction(net: HiveNetwork) -> None:
    url = "https://images.example.com/" + "a" * 1400 + ".png"
    text = "x" * 63_990
    net.check_draft(Draft(title="Gallery", text=text))  # the text alone fits
    big = Draft(title="Gallery", text=text, media=(Media(kind="image", url=url),))
    with pytest.raises(ContentRejected, match="transaction"):
        net.check_draft(big)
    with pytest.raises(ContentRejected, match="transaction"):
        net.publish(big)
    assert not net.signed


def test_free_port_takes_a_port_whose_connections_are_in_time_wait() -> None:
    """The server binds with SO_REUSEADDR: a port with TIME_WAIT sockets is free for it."""
    port = hive_servers._free_port()
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = server.accept()
            accepted.close()  # the server side closes first: its end stays in TIME_WAIT
            client.recv(1)
    assert hive_servers._free_port() == port
