"""An AppView that answers for another post or profile than the one asked for is a malformed answer
(``NetworkUnavailable``): kept, that post's counts would be stored, liked or replied to under the id
asked for. The same post named by handle or by DID is the same post. Offline, on a loopback server
that answers with a recorded post view."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork

from .conftest import connect_bluesky
from .hostile import HostileServer, hostile_server, send_json
from .recorded import recorded_post_views

RECORDED = recorded_post_views()[0]  # the view the server gives, whatever is asked
DID = RECORDED["author"]["did"]
HANDLE = RECORDED["author"]["handle"]
ASKED = f"at://{DID}/app.bsky.feed.post/3kasked0000a"  # another post of the same author


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        running.routes["app.bsky.feed.getPosts"] = lambda h: send_json(h, {"posts": [RECORDED]})
        running.routes["app.bsky.feed.getPostThread"] = lambda h: send_json(
            h, {"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": RECORDED, "replies": []}}
        )
        running.routes["app.bsky.actor.getProfiles"] = lambda h: send_json(h, {"profiles": []})
        running.routes["app.bsky.actor.getProfile"] = lambda h: send_json(h, RECORDED["author"])
        running.routes["com.atproto.identity.resolveHandle"] = lambda h: send_json(h, {"did": DID})
        running.routes["com.atproto.repo.getRecord"] = lambda h: send_json(
            h, {"error": "RecordNotFound", "message": "Could not locate record"}, status=400
        )
        yield running


@pytest.fixture
def net(server: HostileServer) -> Iterator[BlueskyNetwork]:
    net = connect_bluesky(base_url=server.url, handle="victim.test", password="pw", state_path=None)
    yield net
    net.close()


def test_get_post_answered_with_another_post_is_refused(net: BlueskyNetwork) -> None:
    with pytest.raises(ds.NetworkUnavailable, match="another post than asked for") as caught:
        net.get_post(ASKED)
    assert ASKED in str(caught.value)
    assert RECORDED["uri"] in str(caught.value)


def test_the_asked_post_by_did_or_by_handle_is_taken(net: BlueskyNetwork) -> None:
    assert net.get_post(RECORDED["uri"]).id == RECORDED["uri"]
    by_handle = RECORDED["uri"].replace(DID, HANDLE)
    assert net.get_post(by_handle).id == RECORDED["uri"]  # the handle resolves to the DID


def test_a_view_naming_its_repo_by_handle_is_the_same_post(
    server: HostileServer, net: BlueskyNetwork
) -> None:
    view = copy.deepcopy(RECORDED)
    view["uri"] = view["uri"].replace(DID, HANDLE)
    server.routes["app.bsky.feed.getPosts"] = lambda h: send_json(h, {"posts": [view]})
    assert net.get_post(RECORDED["uri"]).metrics.likes == RECORDED.get("likeCount")


def test_thread_of_another_post_is_refused(net: BlueskyNetwork) -> None:
    with pytest.raises(ds.NetworkUnavailable, match="another post than asked for"):
        net.thread(ASKED)


def test_like_never_lands_on_another_post(server: HostileServer, net: BlueskyNetwork) -> None:
    with pytest.raises(ds.NetworkUnavailable, match="another post than asked for"):
        net.like(ASKED)
    assert not any("createRecord" in path or "applyWrites" in path for path in server.paths)


@pytest.mark.parametrize("asked", ["someone.test", "did:plc:someoneelse00000000000000"])
def test_a_profile_of_another_account_is_refused(net: BlueskyNetwork, asked: str) -> None:
    with pytest.raises(ds.NetworkUnavailable, match="another profile than asked for"):
        net.account(asked)


@pytest.mark.parametrize("asked", [HANDLE, HANDLE.upper(), DID])
def test_the_asked_profile_is_taken(net: BlueskyNetwork, asked: str) -> None:
    assert net.account(asked).id == DID


def test_a_profile_whose_handle_no_longer_verifies_is_taken(
    server: HostileServer, net: BlueskyNetwork
) -> None:
    profile: dict[str, Any] = {**RECORDED["author"], "handle": "handle.invalid"}
    server.routes["app.bsky.actor.getProfile"] = lambda h: send_json(h, profile)
    assert net.account(HANDLE).id == DID
