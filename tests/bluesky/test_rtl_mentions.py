"""On the real local PDS: mentions written before an Arabic post keep it right to left, with facets
over exactly their ``@handle`` bytes, and still notify.

``Draft.mentions`` are written in front of the text (a Bluesky mention is a
facet over the text's own ``@handle``). For an Arabic draft the Latin handle
was then the post's first strong character, and apps that take the direction
from it laid the whole post out left to right. Now the text begins with
RIGHT-TO-LEFT MARK and each ``@`` has LEFT-TO-RIGHT MARK before it (3 UTF-8
bytes each, and a grapheme each in the limit).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytest.importorskip("atproto")

import decentsocial as ds
from tests.contract.harness import poll_until
from tests.servers.bluesky import BlueskyStack

pytestmark = pytest.mark.server

RLM, LRM = "\u200f", "\u200e"
ARABIC = "شكرا لكم على الدعم 👋🏽 #شكر"


def _record(stack: BlueskyStack, uri: str) -> dict[str, Any]:
    """The stored record, read with plain HTTP from the PDS (not through the backend)."""
    repo, collection, rkey = uri.partition("at://")[2].split("/")
    answer = httpx.get(
        f"{stack.pds_url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": repo, "collection": collection, "rkey": rkey},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()["value"]  # type: ignore[no-any-return]


def test_an_arabic_post_with_mentions_stays_right_to_left_with_exact_facets(
    stack: BlueskyStack, make_account: Any
) -> None:
    author, _, _ = make_account("rtlauthor")
    ivy, ivy_handle, _ = make_account("rtlivy")
    jon, jon_handle, _ = make_account("rtljon")
    post = author.publish(ds.Draft(text=ARABIC, mentions=(ivy_handle, f"@{jon_handle}")))
    stored = _record(stack, post.id)
    assert stored["text"] == f"{RLM}{LRM}@{ivy_handle} {LRM}@{jon_handle} {ARABIC}"
    raw = stored["text"].encode("utf-8")
    covered = {
        raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode("utf-8"): f["features"][0]
        for f in stored["facets"]
    }
    assert covered == {
        f"@{ivy_handle}": {"$type": "app.bsky.richtext.facet#mention", "did": ivy.me().id},
        f"@{jon_handle}": {"$type": "app.bsky.richtext.facet#mention", "did": jon.me().id},
        "#شكر": {"$type": "app.bsky.richtext.facet#tag", "tag": "شكر"},
    }
    assert set(post.mentions) == {ivy_handle, jon_handle}

    def notified() -> None:
        assert any(
            n.kind == "mention" and n.post is not None and n.post.id == post.id for n in ivy.notifications()
        )

    poll_until(notified)


def test_the_marks_count_in_the_limit_on_the_server_too(make_account: Any) -> None:
    author, _, _ = make_account("rtllimit")
    _, ivy_handle, _ = make_account("rtlivy2")
    room = author.text_limit(ds.Draft(text="ب", mentions=(ivy_handle,))).limit
    assert room == 300 - len(f"{RLM}{LRM}@{ivy_handle} ")
    with pytest.raises(ds.ContentRejected, match="301 graphemes"):
        author.publish(ds.Draft(text="ب" * (room + 1), mentions=(ivy_handle,)))
    post = author.publish(ds.Draft(text="ب" * room, mentions=(ivy_handle,)))  # the PDS takes 300
    assert post.text == f"{RLM}{LRM}@{ivy_handle} " + "ب" * room
