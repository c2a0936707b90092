"""``truncate`` always returns what fits its limit, even a limit too small for the ellipsis."""

from __future__ import annotations

import pytest

from decentsocial.text import grapheme_len, truncate, utf8_len


@pytest.mark.parametrize("limit", [0, 1, 2, 3])
def test_the_result_fits_every_small_limit(limit: int) -> None:
    # A limit of 0 gave "…" (one grapheme, over it).
    cut = truncate("مرحبا بالعالم", limit)
    assert grapheme_len(cut) <= limit
    if limit == 0:
        assert cut == ""


def test_an_ellipsis_wider_than_the_limit_is_left_out() -> None:
    # "…" is 3 UTF-8 bytes: with a limit of 2 bytes it does not fit, so the text is cut bare.
    cut = truncate("abcdef", 2, measure=utf8_len)
    assert cut == "ab"


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 0"):
        truncate("text", -1)


def test_a_text_that_fits_is_kept_and_a_longer_one_ends_with_the_ellipsis() -> None:
    assert truncate("short", 5) == "short"
    assert truncate("a longer text", 6) == "a lon…"
