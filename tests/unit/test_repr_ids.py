"""What a notebook or a log shows of a post: ids whole (to be copied), strangers' text bounded."""

from __future__ import annotations

from datetime import datetime, timezone

import decentsocial as ds
from decentsocial.display import post_html

NOSTR_ID = "f" * 63 + "0"  # an event id: 64 hex digits
BLUESKY_URI = "at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3kabcdefghijk"


def _post(post_id: str, *, title: str | None = None, handle: str = "alice") -> ds.Post:
    return ds.Post(
        network="nostr",
        id=post_id,
        author=ds.Account(network="nostr", id="a" * 64, handle=handle),
        text="مرحبا " * 20_000,
        title=title,
        created_at=datetime(2026, 1, 2, tzinfo=timezone.utc),
    )


def test_a_post_repr_shows_its_whole_id() -> None:
    for post_id in (NOSTR_ID, BLUESKY_URI):
        shown = repr(_post(post_id))
        assert f"id='{post_id}'" in shown
        assert len(shown) < 600  # the 120,000 characters of text are cut


def test_an_id_from_a_hostile_server_is_still_bounded_in_a_repr() -> None:
    shown = repr(_post("x" * 100_000))
    assert "x" * 199 + "…" in shown
    assert "x" * 200 not in shown


def test_a_post_card_bounds_a_strangers_title() -> None:
    card = post_html(_post(NOSTR_ID, title="ع" * 100_000))
    assert len(card) < 6_000
    assert "ع" * 300 + "…" in card
