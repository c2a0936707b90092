"""A word cut across thread parts never turns its ``@`` or ``#`` into a mention or hashtag it was not.

In text without spaces (Japanese, Chinese, Arabic glued to a tag) an ``@`` or
``#`` after a letter is no entity ("support@acme.jp", "東京#観光"). A cut
just before it made the next part begin with it, and so with a mention (which
Bluesky resolves, failing the part when the handle does not resolve, and
Mastodon notifies) or a hashtag the text never had. The cut now takes the
letter before it along.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import regex
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import decentsocial as ds
from decentsocial.backends.bluesky.richtext import post_length
from decentsocial.backends.sandbox import SandboxNetwork, SandboxSettings
from decentsocial.text import entities, grapheme_len, mastodon_len, split_text

_NUMBERING = regex.compile(r" \u2066?\(\d+/\d+\)\u2069?$")

JAPANESE = "お問い合わせはサポート窓口support@acme.jpまでご連絡ください東京#観光の情報もあります" * 4
ARABIC = "بِسْمِاللَّهِ#تسويق" * 6  # the letter moved along is "هِ", with its kasra


def _found(parts: list[str]) -> Counter[tuple[str, str]]:
    """The entities of a thread's parts, their numbering left out."""
    bodies = [_NUMBERING.sub("", p) for p in parts] if len(parts) > 1 else parts
    return Counter((e.kind, e.value) for body in bodies for e in entities(body))


@pytest.mark.parametrize("text", [JAPANESE, ARABIC], ids=["japanese", "arabic"])
@pytest.mark.parametrize("measure", [grapheme_len, mastodon_len, post_length], ids=lambda m: m.__name__)
def test_no_cut_makes_a_mention_or_hashtag_whatever_the_limit(
    text: str, measure: Callable[[str], int]
) -> None:
    whole = Counter((e.kind, e.value) for e in entities(text))
    for limit in range(20, 61):  # every place a cut can fall, the @ and # among them
        parts = split_text(text, limit, measure=measure)
        assert all(measure(p) <= limit for p in parts)
        assert _found(parts) == whole, (limit, parts)
        shown = "".join(_NUMBERING.sub("", p) for p in parts)
        assert "".join(shown.split()) == "".join(text.split())  # every character, once


_PIECES = [
    "مرحبا",
    "اللَّهِ",
    "#تسويق",
    "#تسويق،",
    "@alice",
    "@bob@example.org",
    "日本語",
    "#東京",
    "＃日本",
    "👍🏽",
    " ",
]


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=60), limit=st.integers(30, 70))
def test_the_parts_hold_exactly_the_texts_mentions_and_hashtags(pieces: list[str], limit: int) -> None:
    text = "".join(pieces)
    # Glued letters lengthen a tag or a mention's domain ("#تسويقمرحبا"). One that fills a whole part
    # (20 or more graphemes here) followed by a glued "#" leaves no letter to move: not generated.
    assume(all(grapheme_len(text[e.start : e.end]) <= 12 for e in entities(text)))
    parts = split_text(text, limit)
    assert _found(parts) == Counter((e.kind, e.value) for e in entities(text)), parts


def test_a_crossposted_thread_mentions_and_tags_only_what_its_text_does(tmp_path: Path) -> None:
    assert entities(JAPANESE) == []  # an address and a "#" after a letter: no mention, no tag
    # 28: two parts began with "@acme.jp..." and were published mentioning acme.jp.
    net = SandboxNetwork(SandboxSettings(path=tmp_path / "s.db", account="brand", max_length=28))
    try:
        res = ds.crosspost(ds.Draft(text=JAPANESE, idempotency_key="cjk-1"), [net])
        assert res.ok, res.errors
        posts = res.outcomes[0].posts
        assert len(posts) > 2
        assert [(p.mentions, p.tags) for p in posts] == [((), ())] * len(posts)
    finally:
        net.close()
