"""Text measured as each network measures it, for every script."""

from __future__ import annotations

import pytest

from decentsocial import text

FAMILY = "👨‍👩‍👧‍👦"  # one grapheme, 7 code points, 25 UTF-8 bytes
DEV = "👩🏽‍💻"  # skin tone + ZWJ


def test_graphemes() -> None:
    assert text.grapheme_len(FAMILY) == 1
    assert text.grapheme_len(DEV) == 1
    assert text.grapheme_len("مرحبا") == 5
    assert text.grapheme_len("こんにちは") == 5
    assert text.grapheme_len("e\u0301") == 1  # combining accent
    assert text.utf8_len(FAMILY) == 25


def test_entities_have_byte_offsets_for_rtl_and_emoji() -> None:
    s = f"{FAMILY} مرحبا #تسويق و @alice.test: https://example.com/a?b=1."
    found = text.entities(s)
    assert [(e.kind, e.value) for e in found] == [
        ("tag", "تسويق"),
        ("mention", "alice.test"),
        ("link", "https://example.com/a?b=1"),
    ]
    raw = s.encode("utf-8")
    for e in found:
        assert s[e.start : e.end] == raw[e.byte_start : e.byte_end].decode("utf-8")
        assert s[e.start : e.end].lstrip("#@") == e.value


@pytest.mark.parametrize(
    ("s", "tags"),
    [
        ("#One #two #ONE", ("one", "two")),
        ("no#tag here", ()),
        ("#123 is not a tag but #a1 is", ("a1",)),
        ("日本語 #東京", ("東京",)),
        ("(#paren)", ("paren",)),
        ("https://example.com/#anchor", ()),
    ],
)
def test_hashtags(s: str, tags: tuple[str, ...]) -> None:
    assert text.hashtags(s) == tags


def test_mentions_local_and_remote() -> None:
    assert text.mentions("hi @bob and @carol@example.social, mail a@b.c") == ("bob", "carol@example.social")


def test_url_weighted_len_mastodon_rule() -> None:
    url = "https://example.com/" + "x" * 100
    assert text.url_weighted_len(f"see {url}") == 4 + 23
    assert text.url_weighted_len("hi @carol@example.social") == len("hi @carol")


def test_split_text_fits_and_keeps_words() -> None:
    words = " ".join(f"كلمة{i}" for i in range(200)) + " https://example.com/" + "y" * 40
    parts = text.split_text(words, 300)
    assert len(parts) > 1
    assert all(text.grapheme_len(p) <= 300 for p in parts)
    # Arabic text: each part's numbering is a left-to-right isolate (LRI ... PDI) at its end.
    assert parts[-1].endswith(f" \u2066({len(parts)}/{len(parts)})\u2069")
    rebuilt = " ".join(p.rsplit(" \u2066(", 1)[0] for p in parts)
    assert rebuilt == words


def test_split_text_short_is_unchanged() -> None:
    assert text.split_text("short", 300) == ["short"]


def test_truncate_never_cuts_a_grapheme() -> None:
    s = FAMILY * 10
    cut = text.truncate(s, 5)
    assert text.grapheme_len(cut) <= 5
    assert cut.endswith("…")
    assert cut[:-1] == FAMILY * 4


@pytest.mark.parametrize("repeat", [1, 40, 400])  # short texts are remembered, long ones counted each time
def test_grapheme_len_same_when_remembered_or_not(repeat: int) -> None:
    s = "مرحبا 👍🏽 🇫🇷 e\u0301 " * repeat
    expected = len(text.graphemes(s))
    assert text.grapheme_len(s) == expected
    assert text.grapheme_len(s) == expected  # the second time (from the cache, for short texts)
    assert text.grapheme_len(s + "x") == expected + 1


def test_hashtags_mentions_links_match_the_entities() -> None:
    s = "#Launch @ana مرحبا #launch https://example.com/a @bob@example.social #وسم https://example.com/a"
    found = text.entities(s)
    assert text.hashtags(s) == tuple(dict.fromkeys(e.value.lower() for e in found if e.kind == "tag"))
    assert text.mentions(s) == ("ana", "bob@example.social")
    assert text.links(s) == ("https://example.com/a",)
    assert text.hashtags(s) == ("launch", "وسم")  # asked again: the same (remembered) answer


@pytest.mark.parametrize(
    "sample",
    [
        "",
        "seeded",
        "plain words, no entities at all. 12:30",
        "#Launch with @ana and https://example.com/x.",
        "＃فعالية مع @ana@mastodon.social و #إطلاق",
        "@bob.bsky.social #Tag #tag HTTPS://Example.com/a) (see http://b.example)",
        "mail me: ana@example.com #123 #",
        "سلام #مرحبا https://example.com/مسار @user_1",
    ],
)
def test_entity_values_are_the_three_scans(sample: str) -> None:
    """One call gives what hashtags, mentions and links give, also when it skips the scan."""
    assert text.entity_values(sample) == (text.hashtags(sample), text.mentions(sample), text.links(sample))
