"""Right-to-left text is isolated in a terminal line whatever its script, and only such text is."""

from __future__ import annotations

import pytest

pytest.importorskip("rich")

from decentsocial.terminal import bidi, has_rtl

RIGHT_TO_LEFT = {
    "Arabic": "مرحبا",
    "Hebrew": "שלום",
    "Syriac": "ܫܠܡܐ",
    "Thaana": "ދިވެހި",
    "N'Ko": "ߒߞߏ",
    "Adlam": "𞤀𞤣𞤤𞤢𞤥",  # U+1E900…: outside the Basic Multilingual Plane
    "Hanifi Rohingya": "𐴀𐴁𐴂",
    "Arabic mathematical letters": "𞸀𞸁𞸂",
}


@pytest.mark.parametrize("script", sorted(RIGHT_TO_LEFT))
def test_right_to_left_letters_of_every_script_are_isolated(script: str) -> None:
    text = f"@brand: {RIGHT_TO_LEFT[script]} 2026"
    assert has_rtl(text)
    assert bidi(text) == f"\u2068{text}\u2069"


@pytest.mark.parametrize("text", ["hello", "Grüße 👋🏽 #tag", "١٢٣ 123", "", "日本語 テキスト"])
def test_left_to_right_and_neutral_text_is_left_as_it_is(text: str) -> None:
    # Arabic-Indic digits are numbers (bidi class AN), not letters: they reorder nothing around them.
    assert not has_rtl(text)
    assert bidi(text) == text


def test_json_for_a_terminal_escapes_bidi_controls_and_parses_to_the_same_value() -> None:
    import json

    from decentsocial.terminal import json_text

    value = {"handle": "evil\u202egnp.exe", "name": "\u2067مرحبا\u2069 ok", "text": "سلام \u200f!"}
    text = json_text(value)
    assert not any(ch in text for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert "\\u202e" in text
    assert json.loads(text) == value
    assert "مرحبا" in text  # right-to-left letters stay as they are, readable
