"""A long draft with ``Draft.mentions`` is split so that its first part, the one the mentions are written
into, still fits Bluesky's limit: before, the parts were sized as if the mentions took no room and the
whole network was ``ContentRejected`` ("312 graphemes, over bluesky's limit of 300"). No server: dry runs."""

from __future__ import annotations

import pytest

pytest.importorskip("atproto")

import decentsocial as ds
from decentsocial.backends.bluesky.richtext import MAX_GRAPHEMES, post_length

from .conftest import connect_bluesky


@pytest.mark.parametrize(
    "text",
    [
        " ".join(["launch"] * 120),
        " ".join(["إطلاق", "المنتج", "الجديد"] * 60),  # Arabic
        " ".join(["🚀", "go"] * 200),
    ],
    ids=["latin", "arabic", "emoji"],
)
def test_the_first_part_fits_with_its_mentions(text: str) -> None:
    net = connect_bluesky(base_url="http://127.0.0.1:9", handle="alice.test", password="x", allow_http=True)
    draft = ds.Draft(text=text, mentions=("partner.example.com", "agency.example.org"))
    outcome = ds.crosspost(draft, [net], dry_run=True).outcomes[0]
    assert outcome.ok, outcome.error
    assert len(outcome.drafts) > 1
    first = outcome.drafts[0]
    assert first.mentions == ("partner.example.com", "agency.example.org")
    net.check_draft(first)  # the mentions written in, within the limit
    assert all(post_length(d.text) <= MAX_GRAPHEMES for d in outcome.drafts)


def test_the_room_is_the_whole_limit_without_mentions() -> None:
    net = connect_bluesky(base_url="http://127.0.0.1:9", handle="alice.test", password="x", allow_http=True)
    assert net.text_limit().limit == MAX_GRAPHEMES
    assert net.text_limit(ds.Draft(text="hi")).limit == MAX_GRAPHEMES
    # Mentioned in the text already: nothing is written in.
    assert net.text_limit(ds.Draft(text="@bob.test hi", mentions=("bob.test",))).limit == MAX_GRAPHEMES
    written = net.text_limit(ds.Draft(text="hi", mentions=("bob.test",)))
    assert written.limit == MAX_GRAPHEMES - len("@bob.test ")
