"""What ``monitor`` matches, through a real sandbox stream: a word is the same however it is written.

Arabic with or without tashkeel, stretched with a tatweel or spelled with
hamza on its alef, full-width Latin, composed or decomposed accents, emoji
with or without a variation selector, and hashtags in any of those forms.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.errors import InvalidInput
from decentsocial.testing.contract.monitoring import Running


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[SandboxNetwork, SandboxNetwork]]:
    brand = ds.connect("sandbox", path=tmp_path / "s.db", account="brand")
    fan = ds.connect("sandbox", path=tmp_path / "s.db", account="fan")
    yield brand, fan
    brand.close()
    fan.close()


def test_a_keyword_matches_however_its_words_are_written(pair: tuple[SandboxNetwork, SandboxNetwork]) -> None:
    brand, fan = pair
    keywords = ["مرحبا", "اكمي", "#عرض", "café", "ＡＣＭＥ", "❤️", "#STRASSE", "كتابي", "#رمضان2026"]
    watching = Running([brand], keywords=keywords)
    try:
        wanted = [
            fan.publish("مَرْحَبًا بِكُمْ"),  # tashkeel
            fan.publish("مرحـــبا يا أصدقاء"),  # tatweel
            fan.publish("جديد من أكمي"),  # alef with hamza
            fan.publish("لدينا #عَرْض اليوم"),  # a hashtag with tashkeel
            fan.publish("un cafe\u0301 noir"),  # a decomposed accent
            fan.publish("acme is out"),  # full-width keyword, plain post
            fan.publish("I ❤ it"),  # no variation selector
            fan.publish("#Straße"),  # a hashtag, case-folded
            fan.publish("کتابی تازه"),  # Persian keheh and yeh
            fan.publish("#رمضان٢٠٢٦ مبارك"),  # Arabic-Indic digits in a hashtag
        ]
        fan.publish("مساء الخير")  # none of the words
        fan.publish("عرض without the hash")  # a tag word must be a tag
        got = watching.take({p.id for p in wanted}, 20)
        got += watching.close()
    finally:
        watching.ended.set()
    assert sorted(p.id for p in got) == sorted(p.id for p in wanted)


def test_a_keyword_word_made_only_of_marks_is_refused(pair: tuple[SandboxNetwork, SandboxNetwork]) -> None:
    brand, _ = pair
    for keyword in ("ـــ", "\ufe0f", "acme ًٌ", "#ـ"):
        with pytest.raises(InvalidInput, match="only of marks"):
            ds.monitor([brand], keywords=[keyword], max_polls=1)
