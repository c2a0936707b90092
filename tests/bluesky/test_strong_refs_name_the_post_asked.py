"""A like, repost, reply or quote names its post by the at-URI asked for, with the author's DID.

An AppView may name a post's repo by handle (the same post: ``check_asked_post`` takes it), but a
strong ref holding a handle is one no AppView counts: the like would not show, and ``unlike``
(which finds its own like by the DID's at-URI) would not find it. And a PDS answering ``getRecord``
with another record than asked for must not lend that record's cid to the one asked for. Offline,
on the loopback hostile server.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from decentsocial.backends.bluesky.ids import LIKE, POST

from .hostile import DID, HostileServer, hostile_server, send_json
from .recorded import recorded_post_views

VIEW = recorded_post_views()[0]
AUTHOR, HANDLE = VIEW["author"]["did"], VIEW["author"]["handle"]
ASKED = VIEW["uri"]  # by DID
CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"


def not_found(handler: Any) -> None:
    send_json(handler, {"error": "RecordNotFound", "message": "Could not locate record"}, status=400)


@pytest.fixture
def server() -> Iterator[HostileServer]:
    by_handle = copy.deepcopy(VIEW)
    by_handle["uri"] = ASKED.replace(AUTHOR, HANDLE)
    by_handle["viewer"] = {}
    with hostile_server() as running:

        def create(handler: Any) -> None:
            body = json.loads(running.bodies[-1])
            uri = f"at://{body['repo']}/{body['collection']}/{body['rkey']}"
            send_json(handler, {"uri": uri, "cid": CID})

        running.routes["com.atproto.repo.getRecord"] = not_found
        running.routes["com.atproto.repo.createRecord"] = create
        running.routes["app.bsky.feed.getPosts"] = lambda h: send_json(h, {"posts": [by_handle]})
        running.routes["app.bsky.feed.getPostThread"] = lambda h: send_json(
            h, {"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": by_handle}}
        )
        running.routes["com.atproto.identity.resolveHandle"] = lambda h: send_json(h, {"did": AUTHOR})
        yield running


def written(server: HostileServer) -> list[dict[str, Any]]:
    """The records the client asked the PDS to create."""
    return [
        json.loads(body)["record"]
        for path, body in zip(server.paths, server.bodies, strict=True)
        if "com.atproto.repo.createRecord" in path
    ]


@pytest.mark.parametrize("act", ["like", "repost"])
def test_a_like_or_repost_names_the_post_by_its_authors_did(
    server: HostileServer, net: BlueskyNetwork, act: str
) -> None:
    getattr(net, act)(ASKED)
    [record] = written(server)
    assert record["subject"] == {"uri": ASKED, "cid": VIEW["cid"]}


def test_the_like_is_found_by_unlike(server: HostileServer, net: BlueskyNetwork) -> None:
    net.like(ASKED)
    found = json.loads(server.bodies[-1])
    own = f"at://{DID}/{LIKE}/{found['rkey']}"
    value = {"$type": LIKE, "subject": found["record"]["subject"], "createdAt": "2026-01-01T00:00:00.000Z"}
    server.routes["com.atproto.repo.getRecord"] = lambda h: (
        send_json(h, {"uri": own, "cid": CID, "value": value}) if LIKE in h.path else not_found(h)
    )
    server.routes["com.atproto.repo.deleteRecord"] = lambda h: send_json(h, {})
    net.unlike(ASKED)
    assert json.loads(server.bodies[-1])["rkey"] == found["rkey"]


def test_a_reply_and_a_quote_name_the_post_by_its_authors_did(
    server: HostileServer, net: BlueskyNetwork
) -> None:
    net.publish(ds.Draft(text="a reply", reply_to=ASKED))
    net.publish(ds.Draft(text="a quote", quote_of=ASKED))
    reply, quote = written(server)
    ref = {"uri": ASKED, "cid": VIEW["cid"]}
    assert reply["reply"]["parent"] == ref
    assert quote["embed"]["record"] == ref


def test_a_record_lookup_answered_with_another_post_lends_it_no_cid(
    server: HostileServer, net: BlueskyNetwork
) -> None:
    mine = f"at://{DID}/{POST}/3kminemine222"
    other = {
        "uri": f"at://{DID}/{POST}/3kanotherpost",
        "cid": CID,
        "value": {"$type": POST, "text": "another post", "createdAt": "2026-01-01T00:00:00.000Z"},
    }
    server.routes["com.atproto.repo.getRecord"] = lambda h: send_json(h, other)
    with pytest.raises(ds.NetworkUnavailable, match="another record than asked for"):
        net.like(mine)
    assert written(server) == []
