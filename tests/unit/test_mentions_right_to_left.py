"""Mentions written before a right-to-left draft keep the post right to left.

Bluesky (``text_with_mentions``) and Mastodon (``compose_text``) write the
``Draft.mentions`` missing from the text (and Mastodon a reply's ``@author``)
in front of it. A Latin ``@handle`` was then an Arabic post's first strong
character, and every app that takes a paragraph's direction from it (HTML
``dir="auto"``, the networks' web and mobile apps: UAX #9 rules P2/P3) laid
the whole post out left to right. Now such a text begins with RIGHT-TO-LEFT
MARK, and each ``@`` has LEFT-TO-RIGHT MARK before it, so it is drawn with its
handle (``alice@`` and ``alice @bob@`` otherwise). The layout is checked with
the system's FriBidi (``tests.bidi_layout``; skipped without it). A
left-to-right draft comes out byte for byte as before.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decentsocial import Draft
from decentsocial import text as textlib
from decentsocial.text import entities, grapheme_len, mastodon_len, mentions
from tests.bidi_layout import layout

RLM, LRM = "\u200f", "\u200e"
ARABIC = "شكرا لكم على الدعم، نلتقي غدا"
HEBREW = "תודה רבה על התמיכה"
PERSIAN = "سلام ۱۲۳ دوستان"  # Persian digits are no strong characters: the letters decide


def _bluesky() -> Callable[[str, tuple[str, ...]], str]:
    pytest.importorskip("atproto", reason="the bluesky extra is not installed")
    from decentsocial.backends.bluesky.richtext import text_with_mentions

    return lambda text, handles: text_with_mentions(text, handles)


def _mastodon() -> Callable[[str, tuple[str, ...]], str]:
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    from decentsocial.backends.mastodon.compose import compose_text

    return lambda text, handles: compose_text(Draft(text=text, mentions=handles))


WRITERS = {"bluesky": _bluesky, "mastodon": _mastodon}
HANDLES = {"bluesky": ("alice.example.com", "bob.test"), "mastodon": ("alice", "bob@remote.example")}


@pytest.mark.parametrize(
    ("text", "rtl"),
    [
        (ARABIC, True),
        (HEBREW, True),
        ("١٢٣ " + ARABIC, True),  # Arabic-Indic digits are weak
        ("2026: " + ARABIC, True),
        ("hello " + ARABIC, False),
        (ARABIC + "\n" + "hello", True),
        ("123\n" + ARABIC, True),  # a first line with no letter decides nothing
        ("\u2066@alice\u2069 " + ARABIC, True),  # what an isolate holds is skipped (P2)
        ("\u2067" + ARABIC + "\u2069 hello", False),
        ("\u2067" + ARABIC + "\n" + "hello", False),  # a paragraph's end closes the isolate
        (RLM + "123", True),
        ("", False),
        ("123 !?", False),
        ("👋🏽", False),
    ],
)
def test_reads_right_to_left_is_the_first_strong_character(text: str, rtl: bool) -> None:
    assert textlib.reads_right_to_left(text) is rtl


@pytest.mark.parametrize("network", WRITERS)
@pytest.mark.parametrize("text", [ARABIC, HEBREW, PERSIAN])
def test_a_right_to_left_draft_stays_right_to_left_with_its_mentions(network: str, text: str) -> None:
    write = WRITERS[network]()
    handles = HANDLES[network]
    composed = write(text, handles)
    assert composed == RLM + " ".join(f"{LRM}@{h}" for h in handles) + " " + text
    assert textlib.reads_right_to_left(composed)
    assert mentions(composed) == handles  # each mention still read as one, and nothing else


@pytest.mark.parametrize("network", WRITERS)
@pytest.mark.parametrize("text", [ARABIC, HEBREW, PERSIAN])
def test_the_post_is_laid_out_right_to_left_with_the_mentions_at_its_start(network: str, text: str) -> None:
    visual = layout()
    handles = HANDLES[network]
    composed = WRITERS[network]()(text, handles)
    seen = " ".join(f"@{h}" for h in handles)
    # Drawn as an app that takes the direction from the text does: the text as it is drawn alone,
    # and at its start (the right end of a right-to-left line) the mentions in order, each "@" with
    # its handle.
    assert visual(composed, None) == visual(text, None) + " " + seen
    assert visual(composed, None) == visual(composed, True)


@pytest.mark.parametrize("network", WRITERS)
@pytest.mark.parametrize(
    "text", ["hello world", "hello " + ARABIC, "123", "👋🏽 #launch", "\u2067" + ARABIC + "\u2069 ok"]
)
def test_a_left_to_right_draft_comes_out_as_before(network: str, text: str) -> None:
    handles = HANDLES[network]
    before = " ".join(f"@{h}" for h in handles) + (f" {text}" if text else "")
    assert WRITERS[network]()(text, handles) == before


def test_a_reply_to_an_arabic_post_mentions_its_author_right_to_left() -> None:
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    from decentsocial.backends.mastodon.compose import compose_text
    from decentsocial.backends.mastodon.messages import delivered_to

    composed = compose_text(Draft(text=ARABIC, mentions=("carol",)), reply_to_handle="bob")
    assert composed == f"{RLM}{LRM}@bob {LRM}@carol {ARABIC}"
    assert delivered_to(composed) == ("bob", "carol")  # as Mastodon's own pattern reads them
    # Mastodon counts the marks: one character each.
    assert mastodon_len(composed) == len(ARABIC) + len(" @bob @carol") + 3
    # A title is the first paragraph: a Latin one leaves the post left to right, as it was.
    titled = compose_text(Draft(text=ARABIC, title="Launch", mentions=("carol",)))
    assert titled == f"@carol Launch\n\n{ARABIC}"


def test_the_bluesky_facets_cover_each_mention_exactly_after_the_marks() -> None:
    pytest.importorskip("atproto", reason="the bluesky extra is not installed")
    from decentsocial.backends.bluesky.richtext import build_facets, text_with_mentions

    composed = text_with_mentions(ARABIC + " #دعم 👋🏽", ("alice.example.com", "bob.test"))
    raw = composed.encode("utf-8")
    facets = build_facets(composed, lambda handle: f"did:plc:{handle.split('.')[0]}")
    covered = [raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in facets]
    assert covered == ["@alice.example.com", "@bob.test", "#دعم"]
    assert [f["features"][0].get("did") for f in facets[:2]] == ["did:plc:alice", "did:plc:bob"]


def test_bluesky_counts_the_marks_in_its_limit() -> None:
    pytest.importorskip("atproto", reason="the bluesky extra is not installed")
    import decentsocial as ds
    from decentsocial.backends.bluesky.richtext import MAX_GRAPHEMES, post_length, text_with_mentions

    net = ds.connect("bluesky", base_url="http://127.0.0.1:9", handle="a.test", password="x", allow_http=True)
    try:
        added = f"{RLM}{LRM}@bob.test "
        assert grapheme_len(added) == len(added)  # each mark is a grapheme of its own
        room = net.text_limit(Draft(text="ب", mentions=("bob.test",))).limit
        assert room == MAX_GRAPHEMES - len(added)
        fits = Draft(text="ب" * room, mentions=("bob.test",))
        net.check_draft(fits)
        assert post_length(text_with_mentions(fits.text, fits.mentions)) == MAX_GRAPHEMES
        with pytest.raises(ds.ContentRejected, match="301 graphemes"):
            net.check_draft(Draft(text="ب" * (room + 1), mentions=("bob.test",)))
    finally:
        net.close()


@settings(max_examples=80, deadline=None)
@given(
    words=st.lists(st.sampled_from(["مرحبا", "שלום", "hello", "١٢٣", "42", "#وسم", "👋🏽", "!"]), max_size=6),
    handles=st.lists(st.sampled_from(["alice", "bob.test", "carol_9"]), min_size=1, max_size=3, unique=True),
)
def test_the_marks_are_there_exactly_when_the_text_reads_right_to_left(
    words: list[str], handles: list[str]
) -> None:
    text = " ".join(words)
    composed = textlib.mentions_before(text, handles)
    plain = " ".join(f"@{h}" for h in handles) + (f" {text}" if text else "")
    if textlib.reads_right_to_left(text):
        assert composed.replace(RLM, "").replace(LRM, "") == plain
        assert textlib.reads_right_to_left(composed)
    else:
        assert composed == plain
    assert [e.value for e in entities(composed) if e.kind == "mention"] == handles
