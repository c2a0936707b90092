"""A link followed by a stranger's run of closing punctuation is found in linear time, and exactly as before.

The punctuation after a link is the sentence's and is stripped; it used to be
stripped one character at a time, each step slicing the URL and counting its
parentheses again: a Nostr note of one link and 160,000 ``)`` took 12 seconds
to scan, a million took minutes. The sizes below finish in well under a second
now; the pytest timeout is the limit, not any clock read by the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decentsocial import text
from decentsocial.text import entities, links

_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_N = 1_000_000


def _old_strip_trailing(url: str) -> str:
    """The former implementation, kept as the reference its replacement must agree with."""
    while url and url[-1] in text._TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


@pytest.mark.timeout(60)
@pytest.mark.parametrize("tail", [")", ".", "。", ".)", "'”"])
def test_a_link_before_a_million_closing_marks_is_scanned_quickly(tail: str) -> None:
    body = "see https://example.com/a_(b) " + "https://example.org/x" + tail * (_N // len(tail))
    text._scan.cache_clear()
    text.entity_values.cache_clear()
    assert links(body) == ("https://example.com/a_(b)", "https://example.org/x")


@pytest.mark.timeout(60)
def test_balanced_parentheses_keep_their_closer_at_scale() -> None:
    url = "https://example.org/" + "(" * _N + "x" + ")" * (2 * _N)
    text._scan.cache_clear()
    found = entities(url)
    assert [e.value for e in found] == ["https://example.org/" + "(" * _N + "x" + ")" * _N]


_PIECES = ["(", ")", ".", ",", ";", "!", "?", "'", '"', "’", "”", "。", "）", "a", "/", "é", "…", "]", "}"]


@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
@settings(max_examples=500, deadline=None)
def test_stripping_is_what_it_was(tail: str) -> None:
    for url in (f"https://example.com/{tail}", f"https://example.com/w_(x){tail}", tail):
        assert text._strip_trailing(url) == _old_strip_trailing(url)


def _recorded_texts() -> list[str]:
    """Every string of the recorded Bluesky views, and every line of the recorded Mastodon exchanges."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads((_FIXTURES / "bluesky" / "post_views.json").read_text(encoding="utf-8")))
    for cassette in sorted((_FIXTURES / "mastodon" / "cassettes").glob("*.yaml")):
        found += cassette.read_text(encoding="utf-8").splitlines()
    return found


def test_recorded_texts_give_the_same_entities(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _recorded_texts()
    assert sum("http" in t for t in corpus) > 50  # the corpus does hold links
    text._scan.cache_clear()
    new = [entities(t) for t in corpus]
    monkeypatch.setattr(text, "_strip_trailing", _old_strip_trailing)
    text._scan.cache_clear()
    old = [entities(t) for t in corpus]
    text._scan.cache_clear()
    assert new == old


def _brute_force_spans(sample: str) -> list[tuple[int, int, str, str]]:
    """Links, then mentions, then hashtags, each kept unless it overlaps one kept before: the rule."""
    offered: list[tuple[int, int, str, str]] = []
    for m in text._URL.finditer(sample):
        url = _old_strip_trailing(text._link(m.group()))
        if url.partition("//")[2][:1] not in ("", "/"):
            offered.append((m.start(), m.start() + len(url), "link", url))
    for m in text._MENTION.finditer(sample):
        handle = m["handle"].rstrip(".-")
        offered.append((m.start(), m.start() + 1 + len(handle), "mention", handle))
    offered += [(m.start(), m.end(), "tag", m["tag"]) for m in text._HASHTAG.finditer(sample)]
    kept: list[tuple[int, int, str, str]] = []
    for span in offered:
        if all(span[1] <= other[0] or other[1] <= span[0] for other in kept):
            kept.append(span)
    return sorted(kept)


def _spans(sample: str) -> list[tuple[int, int, str, str]]:
    return [(e.start, e.end, e.kind, e.value) for e in entities(sample)]


_OVERLAPPING = [
    "https://example.com/@bob#tag",
    "https://example.com/a_(b)",
    "@bob@example.social",
    "@bob.example.com",
    "#tag@bob",
    "@bob#tag",
    "#tag",
    "#تسويق",
    "@",
    "#",
    "http://",
    "https://x.com/#frag",
    "word",
    ").",
    "(",
]


@given(
    st.lists(
        st.tuples(st.sampled_from(_OVERLAPPING), st.sampled_from(["", " ", "\n", "/", "="])), max_size=30
    )
)
@settings(max_examples=500, deadline=None)
def test_overlaps_are_resolved_as_the_rule_says(pieces: list[tuple[str, str]]) -> None:
    sample = "".join(a + b for a, b in pieces)
    text._scan.cache_clear()
    assert _spans(sample) == _brute_force_spans(sample)


def test_recorded_texts_keep_the_rule() -> None:
    text._scan.cache_clear()
    for sample in _recorded_texts():
        if len(sample) < 20_000:
            assert _spans(sample) == _brute_force_spans(sample)


@pytest.mark.timeout(60)
def test_many_hashtags_before_many_mentions_are_scanned_quickly() -> None:
    k = 500_000
    text._scan.cache_clear()
    found = entities("#b " * k + "@a " * k)
    text._scan.cache_clear()
    assert len(found) == 2 * k
    assert (found[0].kind, found[k - 1].kind, found[k].kind, found[-1].kind) == (
        "tag",
        "tag",
        "mention",
        "mention",
    )
    assert found[-1].byte_end == 6 * k - 1
