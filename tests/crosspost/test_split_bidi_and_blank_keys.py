"""Threads of right-to-left text keep their bidi isolates and embeddings paired in every part, and a
blank idempotency key is refused instead of becoming a new random key on every run (a second post)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.text import grapheme_len, graphemes, split_text

RLI, LRI, FSI, PDI = "\u2067", "\u2066", "\u2068", "\u2069"
RLE, PDF = "\u202b", "\u202c"
CONTROLS = {RLI, LRI, FSI, PDI, RLE, PDF}
ARABIC = "مرحبا بالعالم هذا نص عربي طويل جدا 👩🏽‍💻 "

Open = Callable[..., Any]


def _unpaired(part: str) -> list[str]:
    """The bidi controls of ``part`` left open at its end, or closing nothing opened in it."""
    opened: list[str] = []
    for char in part:
        if char in (RLI, LRI, FSI, RLE):
            opened.append(char)
        elif char == PDI:
            if not any(c in (RLI, LRI, FSI) for c in opened):
                return [char]
            while opened.pop() not in (RLI, LRI, FSI):
                pass
        elif char == PDF:
            if not opened or opened[-1] != RLE:
                return [char]
            opened.pop()
    return opened


def _body(part: str) -> str:
    """A thread part without its numbering (isolated, `` LRI(i/n)PDI``, after right-to-left text)."""
    return part.rsplit(f" {LRI}(", 1)[0]


def _shown(text: str) -> list[str]:
    """The words of ``text`` without the bidi controls and a thread's numbering."""
    return "".join(c for c in text if c not in CONTROLS).split()


@pytest.mark.parametrize(
    "text",
    [
        RLI + ARABIC * 4 + PDI + " end of the note",
        "Quote: " + RLE + ARABIC * 3 + PDF + " and " + FSI + ARABIC * 3 + PDI,
        LRI + "outer " + RLI + ARABIC * 3 + PDI + " still outer words here" + PDI + " done",
    ],
)
def test_every_part_of_a_split_keeps_its_isolates_and_embeddings_paired(text: str) -> None:
    parts = split_text(text, 40)
    assert len(parts) > 2
    for part in parts:
        assert grapheme_len(part) <= 40
        body = _body(part)
        assert _unpaired(body) == [], part
    bodies = [_body(p) for p in parts]
    assert [w for b in bodies for w in _shown(b)] == _shown(text)  # nothing lost or added that shows
    # Every part's text is whole graphemes of the original (the emoji with its skin tone stays one).
    originals = set(graphemes(text))
    assert {g for b in bodies for g in graphemes(b)} <= originals | {" "}


def test_a_paragraph_end_closes_an_isolate_so_later_parts_do_not_reopen_it() -> None:
    text = RLI + "قصير جدا" + "\n" + "plain words after the paragraph end " * 3
    parts = split_text(text, 40, numbering=False)
    assert len(parts) > 2
    assert parts[0].startswith(RLI)
    assert all(not p.startswith(RLI) for p in parts[1:])


def test_a_crossposted_rtl_thread_has_no_part_with_an_open_isolate(limited: Open) -> None:
    tiny = limited("tiny", account="carol", max_length=40)
    text = RLI + ARABIC * 4 + PDI + " #acme"
    res = ds.crosspost(ds.Draft(text=text, idempotency_key="rtl-1"), [tiny])
    assert res.ok, res.errors
    posts = res.outcomes[0].posts
    assert len(posts) > 2
    for post in posts:
        assert _unpaired(_body(post.text)) == [], post.text
        assert grapheme_len(post.text) <= 40
    again = ds.crosspost(ds.Draft(text=text, idempotency_key="rtl-1"), [tiny])
    assert [p.id for p in again.posts] == [p.id for p in posts]  # splitting is stable: nothing twice


@pytest.mark.parametrize("key", ["", "   "])
def test_a_blank_idempotency_key_is_refused_before_anything_is_posted(sandbox: Open, key: str) -> None:
    alice = sandbox("main", account="alice")
    draft = ds.Draft(text="flash sale today", idempotency_key=key)
    for _ in range(2):  # a retry with the same (blank) key must not post a second time
        with pytest.raises(ds.InvalidInput, match="idempotency_key"):
            ds.crosspost(draft, [alice])
    assert list(alice.posts(limit=None)) == []
    with pytest.raises(ds.InvalidInput, match="idempotency_key"):
        ds.crosspost(draft, [alice], dry_run=True)


def test_a_mark_on_a_space_stays_with_its_space_whatever_the_limit() -> None:
    # " \u0651" (a shadda shown on its own) is one grapheme: a part never starts with the bare mark.
    text = ("كلمة عربية" + " \u0651" + "نص ") * 12
    original = set(graphemes(text))
    for limit in range(12, 41):
        for part in split_text(text, limit):
            assert set(graphemes(_body(part))) <= original, (limit, part)
