"""A reply's ``root`` comes from its parent's record, which another app may have written without
validation: a root that is no strong ref to a post (its uri no at-URI of a post, its cid no CID)
would make the PDS refuse the reply, so the parent stands as the root instead. Offline, on the
loopback hostile server standing in for the AppView and PDS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from decentsocial.backends.bluesky.ids import POST, tid_for_key
from decentsocial.backends.bluesky.records import reply_ref

from .hostile import DID, HostileServer, hostile_server, send_json

OTHER = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
PARENT = f"at://{OTHER}/{POST}/3kparentpost2"
PARENT_CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
ROOT = f"at://{OTHER}/{POST}/3krootpost222"
ROOT_CID = "bafyreibjifzpqj6o6wcq3hejh7y4z4z2vnmkkdkswqkpzdeiu5tbazgg7u"
KEY = "reply-root-1"
WRITTEN = f"at://{DID}/{POST}/{tid_for_key(f'{DID}/{POST}', KEY)}"

BAD_ROOTS: list[Any] = [
    {"uri": "at://garbage", "cid": ROOT_CID},  # no at-URI of a record
    {"uri": f"at://{OTHER}/app.bsky.feed.like/3krootpost222", "cid": ROOT_CID},  # a like, not a post
    {"uri": f"https://bsky.app/profile/{OTHER}/post/3krootpost222", "cid": ROOT_CID},  # a web link
    {"uri": f" {ROOT}", "cid": ROOT_CID},
    {"uri": ROOT, "cid": "not-a-cid"},
    {"uri": ROOT, "cid": ""},
    {"uri": ROOT},
    {"cid": ROOT_CID},
    "at://garbage",
    None,
]


@pytest.mark.parametrize("root", BAD_ROOTS)
def test_a_parent_whose_root_is_no_strong_ref_to_a_post_stands_as_the_root(root: Any) -> None:
    parent_ref = {"uri": PARENT, "cid": PARENT_CID}
    ref = reply_ref(parent_ref, {"text": "parent", "reply": {"root": root, "parent": root}})
    assert ref == {"root": parent_ref, "parent": parent_ref}


def test_a_well_formed_root_is_kept() -> None:
    parent_ref = {"uri": PARENT, "cid": PARENT_CID}
    root = {"uri": ROOT, "cid": ROOT_CID}
    assert reply_ref(parent_ref, {"reply": {"root": root, "parent": root}}) == {
        "root": root,
        "parent": parent_ref,
    }


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        running.routes["com.atproto.repo.getRecord"] = lambda h: send_json(
            h, {"error": "RecordNotFound", "message": "Could not locate record"}, status=400
        )
        running.routes["com.atproto.repo.createRecord"] = lambda h: send_json(
            h, {"uri": WRITTEN, "cid": PARENT_CID}
        )
        yield running


@pytest.mark.parametrize("root", BAD_ROOTS[:5])
def test_a_reply_to_a_parent_with_a_malformed_root_is_rooted_at_the_parent(
    server: HostileServer, net: BlueskyNetwork, root: Any
) -> None:
    view = {
        "uri": PARENT,
        "cid": PARENT_CID,
        "author": {"did": OTHER, "handle": "other.test"},
        "record": {"$type": POST, "text": "parent", "reply": {"root": root, "parent": root}},
        "indexedAt": "2026-01-01T00:00:00.000Z",
    }
    server.routes["app.bsky.feed.getPostThread"] = lambda h: send_json(
        h, {"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": view}}
    )
    post = net.publish(ds.Draft(text="a reply", reply_to=PARENT, idempotency_key=KEY))
    parent_ref = {"uri": PARENT, "cid": PARENT_CID}
    assert post.raw is not None
    assert post.raw["record"]["reply"] == {"root": parent_ref, "parent": parent_ref}
