"""Bluesky's two limits (300 graphemes, 3,000 UTF-8 bytes) in one count: a thread split keeps both,
so an emoji-heavy text is split into parts Bluesky takes, not refused. No server: dry runs only."""

from __future__ import annotations

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky.richtext import MAX_GRAPHEMES, MAX_TEXT_BYTES, post_length
from decentsocial.text import grapheme_len, utf8_len

from .conftest import connect_bluesky

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # one grapheme, 25 UTF-8 bytes


@pytest.mark.parametrize(
    "text",
    [
        " ".join([FAMILY] * 150),  # 299 graphemes, 3,899 bytes: within graphemes, over bytes
        " ".join([FAMILY] * 400),  # over both
        FAMILY * 400,  # no spaces at all
        " ".join(["مرحبا", FAMILY, "بِّ"] * 150),  # Arabic with marks and emoji
    ],
)
def test_a_text_over_either_limit_is_split_into_parts_within_both(text: str) -> None:
    net = connect_bluesky(base_url="http://127.0.0.1:9", handle="alice.test", password="x", allow_http=True)
    outcome = ds.crosspost(text, [net], dry_run=True, max_parts=100).outcomes[0]
    assert outcome.ok, outcome.error
    assert len(outcome.drafts) > 1
    for draft in outcome.drafts:
        assert grapheme_len(draft.text) <= MAX_GRAPHEMES
        assert utf8_len(draft.text) <= MAX_TEXT_BYTES
        net.check_draft(draft)


def test_the_count_is_graphemes_unless_a_tenth_of_the_bytes_is_more() -> None:
    assert post_length("ب" * 300) == 300  # 600 bytes
    assert post_length(FAMILY * 10) == 25  # 10 graphemes, 250 bytes
    assert post_length(FAMILY * 121) == 303  # 3,025 bytes: over, though 121 graphemes


def test_each_limit_is_named_in_its_own_unit() -> None:
    net = connect_bluesky(base_url="http://127.0.0.1:9", handle="alice.test", password="x", allow_http=True)
    with pytest.raises(ds.ContentRejected, match="3899 UTF-8 bytes, over bluesky's limit of 3000"):
        net.prepare(" ".join([FAMILY] * 150))
    with pytest.raises(ds.ContentRejected, match="301 graphemes, over bluesky's limit of 300"):
        net.prepare("ب" * 301)
    assert net.prepare("ب" * 300)
