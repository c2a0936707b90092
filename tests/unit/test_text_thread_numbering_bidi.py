"""A thread part's ``(i/n)`` after right-to-left text is a left-to-right isolate, drawn at the line's end.

Bare, the numbers and brackets join the last run of text before them (UAX #9):
an Arabic part ending with a link or a Latin hashtag showed ``(1/3)`` beside the
link in the middle of the line, and a part a reader's app lays out left to right
(one starting with ``@alice``) showed it beside the Arabic words. The layout is
checked with the system's FriBidi, where it is installed (``tests.bidi_layout``;
the test of the layout is skipped without it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import decentsocial as ds
from decentsocial.backends.bluesky.richtext import post_length
from decentsocial.backends.sandbox import SandboxNetwork, SandboxSettings
from decentsocial.text import grapheme_len, mastodon_len, split_text, utf8_len
from tests.bidi_layout import layout

LRI, PDI = "\u2066", "\u2069"
ARABIC = "نص عربي طويل عن التسويق الرقمي"
# Arabic posts whose parts end with a run read the other way (a link, a Latin tag), or start with one.
TEXTS = [
    (ARABIC + " https://example.com/a ") * 6,
    (ARABIC + " #marketing ") * 6,
    "@alice " + (ARABIC + " ") * 6,
    "\u05e9\u05dc\u05d5\u05dd " * 40,  # Hebrew
]


def _numbered(parts: list[str]) -> list[tuple[str, str]]:
    """Each part as (its text, its numbering without the isolate), checking the isolated form."""
    found = []
    for i, part in enumerate(parts, 1):
        counter = f" {LRI}({i}/{len(parts)}){PDI}"
        assert part.endswith(counter), part
        found.append((part[: -len(counter)], f"({i}/{len(parts)})"))
    return found


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize(
    "measure", [grapheme_len, mastodon_len, post_length, utf8_len], ids=lambda m: m.__name__
)
def test_the_numbering_after_right_to_left_text_is_isolated_and_every_part_fits(
    text: str, measure: Callable[[str], int]
) -> None:
    parts = split_text(text, 60, measure=measure)
    assert len(parts) > 2
    assert all(measure(p) <= 60 for p in parts)
    bodies = [body for body, _ in _numbered(parts)]
    assert " ".join(bodies).split() == text.split()  # nothing lost or added but the numbering


def test_left_to_right_text_keeps_its_bare_numbering() -> None:
    parts = split_text("plain words in a long English note " * 6, 60)
    assert len(parts) > 2
    assert all(p.endswith(f" ({i}/{len(parts)})") for i, p in enumerate(parts, 1))
    assert not any(LRI in p or PDI in p for p in parts)


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(["مرحبا", "بِسْمِ", "#تسويق", "https://x.example/a", "word", "١٢٣"]), min_size=20
    ),
    limit=st.integers(40, 80),  # room for the link (19) and the numbering (10)
)
def test_every_part_of_a_right_to_left_thread_fits_with_its_isolated_numbering(
    words: list[str], limit: int
) -> None:
    text = " ".join(words)
    parts = split_text(text, limit)
    assert all(grapheme_len(p) <= limit for p in parts)
    if len(parts) > 1:
        assert " ".join(body for body, _ in _numbered(parts)).split() == text.split()


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("rtl", [True, False], ids=["rtl-paragraph", "ltr-paragraph"])
def test_the_numbering_is_drawn_at_the_end_of_the_line(text: str, rtl: bool) -> None:
    visual = layout()
    parts = split_text(text, 60)
    assert len(parts) > 2
    for i, part in enumerate(parts, 1):
        counter = f"({i}/{len(parts)})"  # however it is written, it must be seen at the line's end
        line = visual(part, rtl)
        # A right-to-left line ends on the left, a left-to-right one on the right.
        assert line.startswith(counter) if rtl else line.endswith(counter), (part, line)


def test_a_crossposted_arabic_thread_ends_each_post_with_its_isolated_numbering(tmp_path: Path) -> None:
    net = SandboxNetwork(SandboxSettings(path=tmp_path / "s.db", account="brand", max_length=60))
    try:
        res = ds.crosspost(ds.Draft(text=TEXTS[0], idempotency_key="rtl-numbering"), [net])
        assert res.ok, res.errors
        posts = res.outcomes[0].posts
        assert len(posts) > 2
        bodies = [body for body, _ in _numbered([p.text for p in posts])]
        assert " ".join(bodies).split() == TEXTS[0].split()
    finally:
        net.close()
