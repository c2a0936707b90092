"""One hashtag is one string however its letters were typed: composed or decomposed (NFC or NFD, as
macOS gives text), Arabic marks in either order, Hangul as syllables or as jamo.

``text.normalise_tag`` is the one rule (NFC, lower-case); every place that collects or compares tags
uses it: ``hashtags``, ``Post.tags``, ``Draft.all_tags``, a monitor's tag streams, the Mastodon text's
missing tags, Bluesky's tag facets. The text a user wrote is never changed.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime, timezone

import pytest

import decentsocial as ds
from decentsocial import text as textlib
from decentsocial.idempotency import draft_digests
from decentsocial.models import normalise_tags
from decentsocial.monitor_state import Watch, check_keywords
from decentsocial.text import entities, hashtags


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# Each pair: one tag typed two ways a reader cannot tell apart, and the one string the SDK keeps.
SHADDA, FATHA = "\u0651", "\u064e"
PAIRS = [
    pytest.param("Café", nfd("Café"), "café", id="latin-accent"),
    pytest.param("ÅNGSTRÖM", nfd("ÅNGSTRÖM"), "ångström", id="latin-upper"),
    pytest.param("한국어", nfd("한국어"), "한국어", id="hangul-jamo"),
    # Shadda then fatha, and fatha then shadda: the same letter to a reader (canonical order).
    pytest.param(f"مح{SHADDA}{FATHA}د", f"مح{FATHA}{SHADDA}د", nfc(f"مح{FATHA}{SHADDA}د"), id="arabic-marks"),
    # Alef with hamza above: one letter, or alef and a combining hamza.
    pytest.param("أهلا", "\u0627\u0654هلا", "أهلا", id="arabic-hamza"),
    pytest.param("Ελλάδα", nfd("Ελλάδα"), "ελλάδα", id="greek-tonos"),
    pytest.param("Tiếng_Việt", nfd("Tiếng_Việt"), "tiếng_việt", id="vietnamese-stacked"),
]


@pytest.mark.parametrize(("one", "other", "kept"), PAIRS)
def test_a_tag_typed_either_way_is_one_tag(one: str, other: str, kept: str) -> None:
    assert one != other
    assert textlib.normalise_tag(one) == textlib.normalise_tag(other) == kept
    assert hashtags(f"#{one} and #{other}") == (kept,)
    assert normalise_tags([one, f"#{other}"]) == (kept,)


@pytest.mark.parametrize(("one", "other", "kept"), PAIRS)
def test_post_and_draft_tags_hold_one_string(one: str, other: str, kept: str) -> None:
    author = ds.Account(network="sandbox", id="a", handle="a")
    post = ds.Post(
        network="sandbox",
        id="p",
        author=author,
        text=f"#{other}",
        created_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        tags=(one, other),
    )
    assert post.tags == (kept,)
    draft = ds.Draft(text=f"new #{other}", tags=[one])
    assert draft.tags == (kept,)
    assert draft.all_tags == (kept,)
    assert draft.text == f"new #{other}"  # what the user wrote is sent as written


def test_the_written_text_and_its_entity_stay_as_typed() -> None:
    text = f"au {nfd('#Café')} ce soir"
    (tag,) = entities(text)
    assert tag.value == nfd("Café")  # the text's own characters: offsets and facets cover them
    assert text[tag.start : tag.end] == nfd("#Café")
    assert tag.byte_end - tag.byte_start == len(nfd("#Café").encode())


def test_normalising_twice_changes_nothing() -> None:
    # Lower-casing "Ϊ" + U+0301 gives a pair NFC composes: normalised once more, a tag must not move.
    for tag in ("\u03aa\u0301", "\u1fbc\u0301", "İstanbul", "ǅemal", "ΣΟΦΟΣ", nfd("ÅNGSTRÖM")):
        once = textlib.normalise_tag(tag)
        assert textlib.normalise_tag(once) == once
        assert once == unicodedata.normalize("NFC", once)


def test_every_character_with_or_without_a_mark_normalises_to_a_fixed_point() -> None:
    for code in range(0x30000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        for tag in (chr(code), chr(code) + "\u0301", chr(code) + "\u0345"):
            once = textlib.normalise_tag(tag)
            assert textlib.normalise_tag(once) == once, ascii(tag)


def test_nfc_not_nfkc_nothing_a_reader_sees_changes() -> None:
    # Compatibility jamo ("ㅋㅋ", as Korean users type laughter) stay: NFKC would make them conjoining
    # jamo no other client sends. Full-width letters stay full-width (only case changes).
    assert textlib.normalise_tag("ㅋㅋ") == "ㅋㅋ"
    assert textlib.normalise_tag("ＡＣＭＥ") == "ａｃｍｅ"
    assert textlib.normalise_tag("ﬁle") == "ﬁle"


def test_tag_spellings_give_the_decomposed_form_a_relay_may_hold() -> None:
    assert textlib.tag_spellings("Café") == ("café", nfd("café"))
    assert textlib.tag_spellings(nfd("한국")) == ("한국", nfd("한국"))
    assert textlib.tag_spellings("Acme") == ("acme",)  # nothing to decompose: one spelling
    assert textlib.tag_spellings("عرض") == ("عرض",)


def test_a_monitor_follows_one_tag_stream_however_the_keyword_was_typed() -> None:
    watch = Watch(keywords=check_keywords(["#Café", nfd("#café"), nfd("#한국")]))
    assert watch.tags == ("café", "한국")


def test_a_draft_kept_by_an_earlier_version_keeps_its_digest() -> None:
    # Earlier versions kept Draft.tags lower-cased only: a decomposed tag hashed decomposed. A record
    # they wrote under an idempotency key must still match the same draft sent again after an upgrade.
    draft = ds.Draft(text="launch", tags=[nfd("Café")], idempotency_key="k1")
    earlier = draft.model_dump_json().replace('"café"', f'"{nfd("café")}"')
    assert earlier != draft.model_dump_json()
    assert hashlib.sha256(earlier.encode()).hexdigest() in draft_digests(draft)
    with_options = ds.Draft(text="launch", tags=[nfd("Café")], options={"b": 1, "a": 2})
    old = with_options.model_dump_json().replace('"café"', f'"{nfd("café")}"')
    assert hashlib.sha256(old.encode()).hexdigest() in draft_digests(with_options)
    plain = ds.Draft(text="launch", tags=["acme"])
    assert len(draft_digests(plain)) == 1  # nothing else to match


def test_bluesky_tag_facets_name_the_composed_tag_over_the_text_as_written() -> None:
    from decentsocial.backends.bluesky.richtext import build_facets

    text = f"{nfd('#Café')} et #한국어 {nfd('#한국어')}"
    facets = build_facets(text, lambda handle: "did:plc:x")
    assert [f["features"][0]["tag"] for f in facets] == ["Café", "한국어", "한국어"]
    raw = text.encode()
    covered = [raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in facets]
    assert covered == [nfd("#Café"), "#한국어", nfd("#한국어")]  # the facets cover the text as written


def test_mastodon_writes_no_second_copy_of_a_tag_the_text_has_decomposed() -> None:
    pytest.importorskip("mastodon", reason="the Mastodon backend needs the 'mastodon' extra (Mastodon.py)")
    from decentsocial.backends.mastodon.compose import check_static, compose_text

    draft = ds.Draft(text=f"Ouvert {nfd('#Café')}", tags=["café", "Terrasse"])
    check_static(draft)  # a decomposed tag is a tag Mastodon reads back
    assert compose_text(draft) == f"Ouvert {nfd('#Café')}\n\n#terrasse"
