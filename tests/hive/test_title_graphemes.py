"""A Hive/Steem title taken from a long first line is cut to 255 UTF-8 bytes on a grapheme
boundary: an Arabic letter keeps its marks, an emoji sequence or a flag is kept whole or left out."""

from __future__ import annotations

import pytest

from decentsocial import Draft
from decentsocial.backends.hive.ops import TITLE_LIMIT, title_of
from decentsocial.text import graphemes, utf8_len

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
FLAG = "\U0001f1ea\U0001f1ec"


@pytest.mark.parametrize("line", ["بِّ" * 60, FAMILY * 12, FLAG * 40, "نص " * 100, "x" * 300])
def test_the_title_ends_on_a_grapheme_of_the_line(line: str) -> None:
    title = title_of(Draft(text=line + "\n\nالنص"))
    assert 0 < utf8_len(title) <= TITLE_LIMIT
    assert line.startswith(title)
    assert set(graphemes(title)) <= set(graphemes(line))
    assert graphemes(line)[: len(graphemes(title))] == graphemes(title)


def test_a_short_first_line_is_the_whole_title() -> None:
    assert title_of(Draft(text="# عنوان المقال\n\nالنص")) == "عنوان المقال"
