"""Hashtags and mentions after any punctuation or a bidi mark, as the networks find them:
'#' not after a word character, '/', ')' or '='; '@' not after a word character, '/' or '='."""

from __future__ import annotations

import pytest

from decentsocial import Draft, text

RLM, LRM, ALM = "\u200f", "\u200e", "\u061c"


@pytest.mark.parametrize(
    "status",
    [
        "اقرأ المقال «#مصر» اليوم",
        "مقال جديد؛#مصر",  # Arabic semicolon
        "مقال جديد،#مصر",  # Arabic comma
        "هل قرأت؟#مصر",
        "مقال جديد;#مصر",
        f"{RLM}#مصر مقال جديد",
        f"مقال {LRM}#مصر",
        f"مقال {ALM}#مصر",
        "مقال — #مصر",
        "«#مصر»",
        "#مصر",
    ],
)
def test_a_hashtag_after_punctuation_or_a_bidi_mark(status: str) -> None:
    assert text.hashtags(status) == ("مصر",)
    assert Draft(text=status).all_tags == ("مصر",)


@pytest.mark.parametrize(
    "status",
    ["C#sharp", "https://example.com/#anchor", "a/#b", "(x)#y", "key=#value", "كلمة#وسم", "#123"],
)
def test_no_hashtag_inside_a_word_a_url_or_after_a_bracket(status: str) -> None:
    assert text.hashtags(status) == ()


@pytest.mark.parametrize(
    "status",
    [
        "شكرا،@bob@example.social على المقال",
        "«@bob@example.social»",
        f"{RLM}@bob@example.social",
        "؛@bob@example.social",
    ],
)
def test_a_mention_after_arabic_punctuation_or_a_bidi_mark(status: str) -> None:
    assert text.mentions(status) == ("bob@example.social",)


@pytest.mark.parametrize("status", ["mail me at bob@example.social", "a/@bob", "x=@bob"])
def test_no_mention_inside_an_address(status: str) -> None:
    assert text.mentions(status) == ()


def test_mastodon_counts_the_mention_after_an_arabic_comma_as_its_local_part() -> None:
    status = "شكرا،@bob@example.social على المقال"
    assert text.mastodon_len(status) == len("شكرا،@bob على المقال") == 20


def test_mastodon_status_does_not_repeat_a_tag_or_mention_already_in_the_text() -> None:
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    from decentsocial.backends.mastodon.compose import compose_text

    tagged = "اقرأ المقال «#مصر» اليوم"
    assert compose_text(Draft(text=tagged)) == tagged
    mentioned = "شكرا،@bob@example.social على المقال"
    assert compose_text(Draft(text=mentioned, mentions=("bob@example.social",))) == mentioned


def test_facet_byte_offsets_after_arabic_punctuation() -> None:
    status = "مقال جديد؛#مصر"
    (tag,) = text.entities(status)
    encoded = status.encode("utf-8")
    assert encoded[tag.byte_start : tag.byte_end].decode("utf-8") == "#مصر"


@pytest.mark.parametrize(
    ("status", "link"),
    [
        ("اقرأ «https://example.com/مقال» الآن", "https://example.com/مقال"),
        ("見て https://example.com/a。", "https://example.com/a"),
        ("見て「https://example.com/a」", "https://example.com/a"),
        ("\u2067https://example.com/b\u2069 ر", "https://example.com/b"),  # inside a bidi isolate
        ("زوروا https://example.com/c؛ الآن", "https://example.com/c"),
        ("see “https://example.com/d”", "https://example.com/d"),
        ("more https://example.com/e… soon", "https://example.com/e"),
        ("x https://example.com/f\u200b y", "https://example.com/f"),  # a zero-width space
        (f"{RLM}https://example.com/g{RLM}", "https://example.com/g"),
        ("(https://en.wikipedia.org/wiki/Foo_(bar))", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("https://fa.wikipedia.org/wiki/می‌خواهم", "https://fa.wikipedia.org/wiki/می‌خواهم"),  # ZWNJ
        ("https://example.com/👩‍💻 x", "https://example.com/👩‍💻"),  # ZWJ inside an emoji
        ("‫https://example.com/h‬ ر", "https://example.com/h"),  # an embedding
        ("https://example.com/path?q=1&r=2.", "https://example.com/path?q=1&r=2"),
    ],
)
def test_a_link_ends_before_closing_punctuation_and_invisible_marks(status: str, link: str) -> None:
    assert text.links(status) == (link,)
    (found,) = [e for e in text.entities(status) if e.kind == "link"]
    assert status.encode()[found.byte_start : found.byte_end].decode() == link  # the facet's bytes
