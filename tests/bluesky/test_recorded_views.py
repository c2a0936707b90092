"""The converter reads the post views the reference AppView really sent (no stack needed).

``tests/fixtures/bluesky/post_views.json`` holds 100 ``getAuthorFeed`` post
views recorded from the reference stack (``bench/record_bluesky_views.py``):
hashtags, links and mentions as facets, Arabic text, replies, quotes,
images with alt text, link cards and self-labels. Each is checked against
the view itself, field by field; the conversion bench compares the same
views with Granary's.
"""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial.backends.bluesky.convert import post_from_view

from .recorded import recorded_post_views

VIEWS = recorded_post_views()
FACET = "app.bsky.richtext.facet#"


def _facets(view: dict[str, Any], kind: str, key: str) -> list[str]:
    return [
        feature[key]
        for facet in view["record"].get("facets", [])
        for feature in facet["features"]
        if feature["$type"] == FACET + kind
    ]


def test_the_recording_holds_every_shape_it_says() -> None:
    embeds = {view.get("embed", {}).get("$type") for view in VIEWS}
    assert {
        "app.bsky.embed.images#view",
        "app.bsky.embed.record#view",
        "app.bsky.embed.external#view",
    } <= embeds
    assert any(view["record"].get("reply") for view in VIEWS)
    assert any(view.get("labels") for view in VIEWS)
    assert any(view["record"].get("langs") == ["ar"] for view in VIEWS)
    for kind, key in (("tag", "tag"), ("link", "uri"), ("mention", "did")):
        assert sum(bool(_facets(view, kind, key)) for view in VIEWS) >= 5, kind


@pytest.mark.parametrize("view", VIEWS, ids=[view["uri"].rsplit("/", 1)[1] for view in VIEWS])
def test_a_recorded_view_converts_field_by_field(view: dict[str, Any]) -> None:
    post = post_from_view(view, web_url="https://bsky.app")
    record, embed = view["record"], view.get("embed", {})
    assert post.id == view["uri"]
    assert post.text == record["text"]  # Arabic included, unchanged
    assert post.author.id == view["author"]["did"]
    assert post.author.handle == view["author"]["handle"]
    rkey = view["uri"].rsplit("/", 1)[1]
    assert post.url == f"https://bsky.app/profile/{view['author']['handle']}/post/{rkey}"
    assert post.reply_to == (record["reply"]["parent"]["uri"] if "reply" in record else None)
    assert post.language == (record["langs"][0] if record.get("langs") else None)
    assert set(_facets(view, "tag", "tag")) <= set(post.tags)
    assert set(_facets(view, "link", "uri")) <= set(post.links)
    assert len(_facets(view, "mention", "did")) == len(post.mentions)
    images = embed.get("images", []) if embed.get("$type") == "app.bsky.embed.images#view" else []
    assert [m.alt_text for m in post.media] == [image["alt"] for image in images]
    assert [m.url for m in post.media] == [image["fullsize"] for image in images]
    quoted = embed["record"]["uri"] if embed.get("$type") == "app.bsky.embed.record#view" else None
    assert post.quote_of == quoted
    if embed.get("$type") == "app.bsky.embed.external#view":
        assert embed["external"]["uri"] in post.links
    assert (post.content_warning is not None) == bool(view.get("labels"))
    assert post.metrics is not None
    assert (post.metrics.likes, post.metrics.replies, post.metrics.reposts, post.metrics.quotes) == (
        view["likeCount"],
        view["replyCount"],
        view["repostCount"],
        view["quoteCount"],
    )
    assert post.raw == view
