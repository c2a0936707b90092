"""A post that embeds a feed, a list or a starter pack quotes no post: ``quote_of`` stays empty, as
it names only posts (a caller likes, replies to and reads it as one)."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("atproto")

from decentsocial.backends.bluesky.convert import post_from_record, post_from_view
from decentsocial.models import Account

DID = "did:plc:author000000000000000000"
AUTHOR = Account(network="bluesky", id=DID, handle="author.test")
POST_URI = f"at://{DID}/app.bsky.feed.post/3kpost0000000"
EMBEDDED = {
    "post": f"at://{DID}/app.bsky.feed.post/3kquoted00000",
    "feed": f"at://{DID}/app.bsky.feed.generator/news",
    "list": f"at://{DID}/app.bsky.graph.list/3klist0000000",
    "starter pack": f"at://{DID}/app.bsky.graph.starterpack/3kpack0000000",
}
CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"


def _record(uri: str) -> dict[str, Any]:
    return {
        "$type": "app.bsky.feed.post",
        "text": "look",
        "createdAt": "2026-01-01T00:00:00.000Z",
        "embed": {"$type": "app.bsky.embed.record", "record": {"uri": uri, "cid": CID}},
    }


def _view(uri: str) -> dict[str, Any]:
    return {
        "uri": POST_URI,
        "cid": CID,
        "author": {"did": DID, "handle": "author.test"},
        "record": _record(uri),
        "embed": {"$type": "app.bsky.embed.record#view", "record": {"uri": uri, "cid": CID}},
        "indexedAt": "2026-01-01T00:00:00.000Z",
    }


@pytest.mark.parametrize("kind", list(EMBEDDED))
def test_only_a_quoted_post_is_quote_of(kind: str) -> None:
    uri = EMBEDDED[kind]
    expected = uri if kind == "post" else None
    from_record = post_from_record(
        POST_URI, CID, _record(uri), AUTHOR, web_url="https://bsky.app", blob_base=""
    )
    assert from_record.quote_of == expected
    assert post_from_view(_view(uri), web_url="https://bsky.app").quote_of == expected
