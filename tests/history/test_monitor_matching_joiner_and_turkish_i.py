"""What ``monitor`` matches, through a real sandbox stream: the zero-width joiner and Turkish ``İ``/``ı``.

The docs promise a word is compared without the zero-width joiner (Persian
and Arabic keyboards put it inside words, as they do the non-joiner), but
only the non-joiner was dropped: ``می‍خواهم`` did not hold ``میخواهم``, and a
keyword of a joiner alone was taken (matching only posts with one).
Case-insensitive did not hold for Turkish: ``İ`` case-folds to ``i`` and a
combining dot, so ``İstanbul`` did not hold ``istanbul``, and ``KIRMIZI``
(capital dotless I) was not ``kırmızı``.
"""

from __future__ import annotations

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.errors import InvalidInput
from decentsocial.testing.contract.monitoring import Running


def test_a_zero_width_joiner_does_not_change_a_word(pair: tuple[SandboxNetwork, SandboxNetwork]) -> None:
    brand, fan = pair
    keywords = ["میخواهم", "کتاب\u200dها", "👩\u200d💻"]
    watching = Running([brand], keywords=keywords)
    try:
        wanted = [
            fan.publish("من این را می\u200dخواهم"),  # a joiner in the post, none in the keyword
            fan.publish("کتابها رسید"),  # one in the keyword, none in the post
            fan.publish("new 👩\u200d💻 release"),  # an emoji sequence on both sides
        ]
        fan.publish("کتاب تازه")  # not the word
        got = watching.take({p.id for p in wanted}, 20)
        got += watching.close()
    finally:
        watching.ended.set()
    assert sorted(p.id for p in got) == sorted(p.id for p in wanted)


def test_turkish_dotted_and_dotless_i_match_in_any_case(pair: tuple[SandboxNetwork, SandboxNetwork]) -> None:
    brand, fan = pair
    watching = Running([brand], keywords=["istanbul", "kırmızı", "#İzmir"])
    try:
        wanted = [
            fan.publish("İstanbul'da yeni mağaza"),  # capital dotted İ, keyword in plain i
            fan.publish("İSTANBUL"),
            fan.publish("KIRMIZI kampanya"),  # capital dotless I
            fan.publish("bugün #izmir"),  # the tag in lower case, the keyword with İ
        ]
        fan.publish("Ankara")
        got = watching.take({p.id for p in wanted}, 20)
        got += watching.close()
    finally:
        watching.ended.set()
    assert sorted(p.id for p in got) == sorted(p.id for p in wanted)


def test_a_keyword_word_of_a_joiner_alone_is_refused(pair: tuple[SandboxNetwork, SandboxNetwork]) -> None:
    brand, _ = pair
    for keyword in ("\u200d", "acme \u200d\u200c"):
        with pytest.raises(InvalidInput, match="only of marks"):
            ds.monitor([brand], keywords=[keyword], max_polls=1)
