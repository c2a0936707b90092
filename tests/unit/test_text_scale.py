"""Text helpers at scale: the fast paths give exactly what the slow, obvious ways give.

Grapheme counting skips segmentation for texts that cannot join characters,
entities are scanned once per text, and ``split_text`` adds word sizes
instead of re-measuring growing parts: each is checked here against the
plain definition on random text mixing Arabic, emoji sequences, Hangul jamo,
combining marks, flags and CR LF.
"""

from __future__ import annotations

import itertools

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from decentsocial import text
from decentsocial.text import _pack, _pack_exact, grapheme_len, mastodon_len, split_text

_PIECES = [
    "مرحبا",
    "مَرْحَبًا",
    "بكم",
    "#تسويق",
    "@bob",
    "@bob@example.social",
    "https://example.com/a?b=c",
    "👩🏽\u200d💻",
    "🇫🇷",
    "\u1100\u1161\u11a8",
    "각",
    "e\u0301",
    "क्षि",
    "\r\n",
    "word",
    "x",
    "שלום",
    "\u0600\u0661",
]
_texts = st.lists(st.sampled_from(_PIECES), max_size=60).flatmap(
    lambda pieces: st.lists(
        st.sampled_from([" ", "  ", "\n", ""]), min_size=len(pieces), max_size=len(pieces)
    ).map(lambda gaps: "".join(p + g for p, g in zip(pieces, gaps, strict=True)))
)


@given(_texts)
@settings(max_examples=300, deadline=None)
def test_grapheme_len_is_the_number_of_clusters(sample: str) -> None:
    assert grapheme_len(sample) == len(regex.findall(r"\X", sample))


@given(_texts, st.sampled_from([grapheme_len, mastodon_len]), st.integers(min_value=12, max_value=60))
@settings(max_examples=200, deadline=None)
def test_packing_by_adding_sizes_equals_measuring_each_part(
    sample: str, measure: object, budget: int
) -> None:
    assert callable(measure)
    words = text._atoms(sample)
    assert _pack(words, budget, measure) == _pack_exact(words, budget, measure)


@given(_texts)
@settings(max_examples=200, deadline=None)
def test_entities_helpers_agree_with_entities(sample: str) -> None:
    found = text.entities(sample)
    assert text.links(sample) == tuple(dict.fromkeys(e.value for e in found if e.kind == "link"))
    assert text.mentions(sample) == tuple(dict.fromkeys(e.value for e in found if e.kind == "mention"))
    assert text.hashtags(sample) == tuple(
        dict.fromkeys(text.normalise_tag(e.value) for e in found if e.kind == "tag")
    )
    for e in found:
        assert len(sample[: e.start].encode()) == e.byte_start
        assert len(sample[: e.end].encode()) == e.byte_end
    spans = sorted((e.start, e.end) for e in found)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))


def test_a_thread_of_more_than_99_parts_keeps_every_part_within_the_limit() -> None:
    words = " ".join(f"كلمة{i}" for i in range(12_000))
    parts = split_text(words, 500)
    assert len(parts) > 99
    n = len(parts)
    assert all(grapheme_len(p) <= 500 for p in parts)
    assert parts[0].endswith(f" \u2066(1/{n})\u2069")  # Arabic text: the numbering is isolated
    assert parts[-1].endswith(f" \u2066({n}/{n})\u2069")
    rebuilt = " ".join(p.rsplit(" \u2066(", 1)[0] for p in parts)
    assert rebuilt == words
