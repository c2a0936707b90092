"""A mention facet's byte offsets as a stranger's record may hold them: one that counts from the text's
end (negative) or covers nothing names the mention by its DID, never by some other span's bytes."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("atproto")

from decentsocial.backends.bluesky.convert import post_from_record
from decentsocial.models import Account

AUTHOR = Account(network="bluesky", id="did:plc:author000000000000000000", handle="author.test")
TEXT = "مرحبا @bob.test 👋🏽"  # Arabic, then a mention, then an emoji with a skin tone (8 bytes)
START = TEXT.encode().index(b"@")
END = START + len(b"@bob.test")


def _mentions(index: dict[str, Any], did: str | None = "did:plc:bob00000000000000000000") -> tuple[str, ...]:
    feature: dict[str, Any] = {"$type": "app.bsky.richtext.facet#mention"}
    if did is not None:
        feature["did"] = did
    record = {
        "$type": "app.bsky.feed.post",
        "text": TEXT,
        "createdAt": "2026-01-01T00:00:00.000Z",
        "facets": [{"index": index, "features": [feature]}],
    }
    uri = f"at://{AUTHOR.id}/app.bsky.feed.post/3kpost0000000"
    return post_from_record(uri, None, record, AUTHOR, web_url="https://bsky.app", blob_base="").mentions


def test_a_mention_over_its_own_bytes_is_its_handle() -> None:
    assert _mentions({"byteStart": START, "byteEnd": END}) == ("bob.test",)


@pytest.mark.parametrize(
    "index",
    [
        {"byteStart": -8, "byteEnd": -1},
        {"byteStart": -len(TEXT.encode()), "byteEnd": END},
        {"byteStart": 0, "byteEnd": -8},
    ],
    ids=["both-negative", "start-negative", "end-negative"],
)
def test_a_negative_offset_names_the_mention_by_its_did(index: dict[str, Any]) -> None:
    assert _mentions(index) == ("did:plc:bob00000000000000000000",)


def test_a_mention_covering_nothing_without_a_did_is_no_mention() -> None:
    assert _mentions({"byteStart": END, "byteEnd": START}, did=None) == ()
