"""A draft tag Mastodon cannot read back as that hashtag (a space, punctuation, digits only) is refused
before anything is sent: written into the text as ``#brand new`` it tagged ``#brand`` and left a stray
word, and ``#2026`` tagged nothing, without a word."""

from __future__ import annotations

import pytest

pytest.importorskip("mastodon")

import decentsocial as ds
from decentsocial.backends.mastodon.compose import check_static, compose_text
from decentsocial.text import hashtags


@pytest.mark.parametrize("tag", ["brand new", "a.b", "x,y", "2026", "a-b"])
def test_a_tag_no_hashtag_can_carry_is_refused(tag: str) -> None:
    with pytest.raises(ds.ContentRejected, match="cannot be a Mastodon hashtag"):
        check_static(ds.Draft(text="launch day", tags=(tag,)))


@pytest.mark.parametrize("tag", ["launch", "café", "رمضان", "snake_case", "Brand2026", "نص·نص"])
def test_a_tag_mastodon_reads_back_is_written_and_read_as_itself(tag: str) -> None:
    draft = ds.Draft(text="launch day", tags=(tag,))
    check_static(draft)
    assert tag.lower() in hashtags(compose_text(draft))
