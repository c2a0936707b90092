"""Splitting text that shows nothing, and links holding an apostrophe.

A post's text over the limit that shows nothing (spaces, newlines, bidi
marks: what an empty right-to-left template leaves) beside its media is one
empty part, not an empty list crosspost indexes into; invisible marks make no
part of their own. An apostrophe belongs to a link's path ("Ender's_Game", as
Bluesky and Mastodon read it) but not to its host ("example.com's").
"""

from __future__ import annotations

from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork, SandboxSettings
from decentsocial.text import entities, is_blank, links, mastodon_len, split_text

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64
RLM = "\u200f"


@pytest.mark.parametrize("blank", [" " * 60, "\n" * 60, f"{RLM} " * 30, f"\u2067\u2069{RLM}\u200b " * 20])
@pytest.mark.parametrize("numbering", [True, False])
def test_a_blank_text_over_the_limit_is_one_empty_part(blank: str, numbering: bool) -> None:
    assert split_text(blank, 40, numbering=numbering) == [""]


def test_invisible_marks_between_words_make_no_part_of_their_own() -> None:
    word = "ب" * 30  # 30 and " LRI(1/2)PDI" (10 graphemes): one part each
    parts = split_text(f"{word} {RLM} {word}", 40)
    assert parts == [f"{word} \u2066(1/2)\u2069", f"{word} \u2066(2/2)\u2069"]
    assert not any(is_blank(p.rsplit(" \u2066(", 1)[0]) for p in parts)


def test_media_with_a_blank_text_over_the_limit_is_published_not_a_crash(tmp_path: Path) -> None:
    net = SandboxNetwork(SandboxSettings(path=tmp_path / "s.db", account="brand", max_length=40))
    try:
        draft = ds.Draft(
            text=f"{RLM} " * 30, media=(ds.Media(data=PNG, alt_text="صورة", mime_type="image/png"),)
        )
        res = ds.crosspost(draft, [net])
        assert res.ok, res.errors
        (post,) = res.posts
        assert is_blank(post.text)
        assert len(post.media) == 1
    finally:
        net.close()


@pytest.mark.parametrize(
    ("status", "link"),
    [
        (
            "اقرأ https://en.wikipedia.org/wiki/Ender's_Game الآن",
            "https://en.wikipedia.org/wiki/Ender's_Game",
        ),
        ("see https://example.com/don't.", "https://example.com/don't"),
        ("«https://ar.wikipedia.org/wiki/ابن_سينا'»", "https://ar.wikipedia.org/wiki/ابن_سينا"),
        ("see 'https://example.com/a', ok", "https://example.com/a"),
        ("https://github.com's design", "https://github.com"),
        ("https://github.com\u2019s design", "https://github.com"),
    ],
)
def test_an_apostrophe_stays_in_a_links_path_but_ends_its_host(status: str, link: str) -> None:
    assert links(status) == (link,)
    (found,) = [e for e in entities(status) if e.kind == "link"]
    assert status.encode()[found.byte_start : found.byte_end].decode() == link  # the facet's bytes


def test_mastodon_counts_a_link_with_an_apostrophe_as_one_url() -> None:
    status = "اقرأ https://en.wikipedia.org/wiki/Ender's_Game الآن"
    assert mastodon_len(status) == len("اقرأ  الآن") + 23
    assert mastodon_len("https://github.com's design") == 23 + len("'s design")
