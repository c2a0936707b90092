"""Answers a server should not have given, where ``thread()`` reads on and ``pinned()`` reads a profile:
another post's replies, a reply listed twice, another account's profile, a pinned uri that is no post.
Offline, on a loopback server that answers with recorded post views."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("atproto")

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork

from .conftest import connect_bluesky
from .hostile import HostileServer, hostile_server, send_json
from .recorded import recorded_post_views

BASE = recorded_post_views()[0]
DID = BASE["author"]["did"]
HANDLE = BASE["author"]["handle"]


def _view(rkey: str, text: str) -> dict[str, Any]:
    view = copy.deepcopy(BASE)
    view["uri"] = f"at://{DID}/app.bsky.feed.post/{rkey}"
    view["record"] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-01-01T00:00:00.000Z"}
    view.pop("embed", None)
    view["replyCount"] = 1
    return view


ROOT = _view("3kroot0000000", "root")
MIDDLE = _view("3kmiddle00000", "middle")  # its replies are not in the first answer: read on from it
OTHER = _view("3kother000000", "other")
FOREIGN = _view("3kforeign0000", "a reply to another post")


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        running.routes["app.bsky.actor.getProfiles"] = lambda h: send_json(h, {"profiles": []})
        yield running


@pytest.fixture
def net(server: HostileServer) -> Iterator[BlueskyNetwork]:
    net = connect_bluesky(base_url=server.url, handle="victim.test", password="pw", state_path=None)
    yield net
    net.close()


def _threads(answers: dict[str, dict[str, Any]]) -> Any:
    def answer(handler: Any) -> None:
        uri = parse_qs(urlsplit(handler.path).query)["uri"][0]
        send_json(handler, {"thread": answers[uri]})

    return answer


def test_reading_on_from_a_reply_answered_with_another_posts_thread_is_refused(
    server: HostileServer, net: BlueskyNetwork
) -> None:
    server.routes["app.bsky.feed.getPostThread"] = _threads(
        {
            ROOT["uri"]: {"post": ROOT, "replies": [{"post": MIDDLE}]},
            MIDDLE["uri"]: {"post": OTHER, "replies": [{"post": FOREIGN, "replies": []}]},
        }
    )
    with pytest.raises(ds.NetworkUnavailable, match="another post than asked for"):
        net.thread(ROOT["uri"])


def test_reading_on_from_a_reply_its_own_answer_is_taken(server: HostileServer, net: BlueskyNetwork) -> None:
    below = _view("3kbelow000000", "below")
    server.routes["app.bsky.feed.getPostThread"] = _threads(
        {
            ROOT["uri"]: {"post": ROOT, "replies": [{"post": MIDDLE}]},
            MIDDLE["uri"]: {"post": MIDDLE, "replies": [{"post": below, "replies": []}]},
        }
    )
    assert [p.text for p in net.thread(ROOT["uri"])] == ["root", "middle", "below"]


def test_a_reply_the_server_lists_twice_is_read_once(server: HostileServer, net: BlueskyNetwork) -> None:
    reply = _view("3kreply000000", "reply")
    twice = [{"post": reply, "replies": []}, {"post": copy.deepcopy(reply), "replies": []}]
    server.routes["app.bsky.feed.getPostThread"] = _threads({ROOT["uri"]: {"post": ROOT, "replies": twice}})
    assert [p.text for p in net.thread(ROOT["uri"])] == ["root", "reply"]


def test_pinned_of_an_account_answered_with_another_profile_is_refused(
    server: HostileServer, net: BlueskyNetwork
) -> None:
    other = {"did": "did:plc:someoneelse00000000000000", "handle": "someone.else.test"}
    profile = {**other, "pinnedPost": {"uri": ROOT["uri"], "cid": ROOT["cid"]}}
    server.routes["app.bsky.actor.getProfile"] = lambda h: send_json(h, profile)
    server.routes["app.bsky.feed.getPosts"] = lambda h: send_json(h, {"posts": [ROOT]})
    with pytest.raises(ds.NetworkUnavailable, match="another profile than asked for"):
        list(net.pinned(HANDLE))


@pytest.mark.parametrize("uri", ["garbage", "at://did:plc:x/app.bsky.feed.like/3k"], ids=["text", "a-like"])
def test_a_pinned_uri_that_is_no_post_is_the_servers_fault(
    server: HostileServer, net: BlueskyNetwork, uri: str
) -> None:
    profile = {"did": DID, "handle": HANDLE, "pinnedPost": {"uri": uri}}
    server.routes["app.bsky.actor.getProfile"] = lambda h: send_json(h, profile)
    # InvalidInput would blame the caller's argument, which was a well-formed handle.
    with pytest.raises(ds.NetworkUnavailable, match="malformed pinned post"):
        list(net.pinned(HANDLE))
