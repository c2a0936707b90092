"""Links as Bluesky's PDS takes them: text that only looks like the start of a link is no link."""

from __future__ import annotations

from typing import Any

import decentsocial as ds
from decentsocial.text import links, mastodon_len


def test_a_scheme_without_a_host_is_no_link() -> None:
    for text in ("Coming soon: https://...", "see https://) ok", "https://، التالي"):
        assert links(text) == (), text
    assert mastodon_len("Coming soon: https://...") == len("Coming soon: https://...")
    assert links("https://example.com/...") == ("https://example.com/",)


def test_bluesky_publishes_a_text_with_a_placeholder_link(bluesky_harness: Any) -> None:
    net = bluesky_harness.me
    res = ds.crosspost("Our new site opens Monday: https://... stay tuned", [net])
    assert res.ok, res.errors
    assert res.posts[0].links == ()
