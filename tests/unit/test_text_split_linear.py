"""A word longer than a part (CJK, Thai, base64, an emoji run: text without spaces) is cut in
time that grows with the text, not its square: each part is cut from a window near a part's size."""

from __future__ import annotations

import pytest

from decentsocial.text import grapheme_len, graphemes, split_text, utf8_len

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def _measured(text: str, limit: int, measure=grapheme_len) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    """The parts, and how many characters ``measure`` was given in all."""
    seen = 0

    def counting(part: str) -> int:
        nonlocal seen
        seen += len(part)
        return int(measure(part))

    return split_text(text, limit, measure=counting), seen


@pytest.mark.parametrize("unit", ["ب", "字", FAMILY, "بِّ"])
def test_unspaced_text_is_measured_a_bounded_number_of_times_per_character(unit: str) -> None:
    small, small_seen = _measured(unit * 4_000, 300)
    large, large_seen = _measured(unit * 32_000, 300)
    assert len(large) > 8 * len(small) * 0.9
    # Quadratic work grows 64-fold for 8 times the text; linear work 8-fold (16: over 99 parts
    # the numbering needs more room, so the text is packed twice).
    assert large_seen < 24 * small_seen
    assert large_seen < 60 * len(unit * 32_000)


def test_parts_of_an_unspaced_text_are_whole_graphemes_within_the_limit() -> None:
    text = ("بِّ" + FAMILY + "字") * 2_000
    parts = split_text(text, 300, measure=utf8_len, numbering=False)
    assert "".join(parts) == text
    assert all(utf8_len(p) <= 300 for p in parts)
    assert all(set(graphemes(p)) <= {"بِّ", FAMILY, "字"} for p in parts)


def test_one_grapheme_over_a_part_is_a_value_error_not_a_hang() -> None:
    with pytest.raises(ValueError, match="over the limit"):
        split_text(FAMILY * 3, 12, measure=utf8_len, numbering=False)
