"""What ``monitor`` matches, through a real sandbox stream: a word is the same however it is written.

Arabic with or without tashkeel, stretched with a tatweel or spelled with
hamza on its alef, full-width Latin, composed or decomposed accents, emoji
with or without a variation selector, and hashtags in any of those forms.
"""

from __future__ import annotations

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.errors import InvalidInput
from decentsocial.testing.contract.monitoring import Running


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


def test_invisible_direction_marks_and_joiners_do_not_change_a_word(
    pair: tuple[SandboxNetwork, SandboxNetwork],
) -> None:
    brand, fan = pair
    # Copied from a right-to-left app: a right-to-left mark before the word, an embedding around the tag;
    # typed on a Persian keyboard without the zero-width non-joiner the post has.
    keywords = ["\u200fمرحبا", "میخواهم", "\u202b#عرض\u202c", "\u200f#acme"]
    watching = Running([brand], keywords=keywords)
    try:
        wanted = [
            fan.publish("مرحبا بكم"),
            fan.publish("من این را می\u200cخواهم"),
            fan.publish("لدينا #عرض اليوم"),
            fan.publish("new \u200e#acme\u200e release"),
        ]
        fan.publish("عرض without the hash")  # the tag is still a tag, once the marks are gone
        got = watching.take({p.id for p in wanted}, 20)
        got += watching.close()
    finally:
        watching.ended.set()
    assert sorted(p.id for p in got) == sorted(p.id for p in wanted)


def test_a_keyword_word_of_invisible_characters_only_is_refused(
    pair: tuple[SandboxNetwork, SandboxNetwork],
) -> None:
    brand, _ = pair
    for keyword in ("\u200f", "acme \u200c", "\u200e\u2060", "\ufeff"):
        with pytest.raises(InvalidInput, match="only of marks"):
            ds.monitor([brand], keywords=[keyword], max_polls=1)
    with pytest.raises(InvalidInput, match="without a tag"):
        ds.monitor([brand], keywords=["#\u200f"], max_polls=1)


def test_a_handle_copied_with_direction_marks_is_the_account(
    pair: tuple[SandboxNetwork, SandboxNetwork],
) -> None:
    brand, fan = pair
    watching = Running([brand], mentions_of="\u200f@brand\u200f", replies_to="\u2067brand\u2069")
    try:
        launch = brand.publish("إطلاق اليوم")
        wanted = [fan.publish("مرحبا @brand"), fan.reply(launch, "مبروك")]
        got = watching.take({p.id for p in wanted}, 20)
        got += watching.close()
    finally:
        watching.ended.set()
    assert sorted(p.id for p in got) == sorted(p.id for p in wanted)
    with pytest.raises(InvalidInput, match="mentions_of must be an account or a handle"):
        ds.monitor([brand], mentions_of="\u200f@\u200e", max_polls=1)
