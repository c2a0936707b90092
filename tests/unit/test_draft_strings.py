"""Every string a draft holds is checked when it is built, and tags are strings in a list."""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from decentsocial import Draft, InvalidInput, LinkCard, Media, Poll

HALF = "\ud83d"  # half of an emoji: a lone surrogate no network can send
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"poll": Poll(options=("نعم" + HALF, "لا"))}, "poll.options"),
        ({"media": (Media(data=PNG, alt_text=HALF),)}, "media.alt_text"),
        ({"media": (Media(url="https://e.com/" + HALF),)}, "media.url"),
        ({"link": LinkCard(url="https://example.com/", title=HALF)}, "link.title"),
        ({"link": LinkCard(url="https://example.com/", description="وصف" + HALF)}, "link.description"),
        ({"community": "c" + HALF}, "community"),
        ({"reply_to": "1" + HALF}, "reply_to"),
        ({"quote_of": HALF}, "quote_of"),
        ({"language": "ar" + HALF}, "language"),
        ({"options": {"topic_tag": HALF}}, "options"),
        ({"options": {HALF: 1}}, "options key"),
        ({"options": {"nested": [{"deep": HALF}]}}, "options"),
    ],
)
def test_a_lone_surrogate_anywhere_is_invalid_input(fields: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidInput, match=f"^{named} is not valid Unicode"):
        Draft(text="نص", **fields)


def test_arabic_and_emoji_everywhere_are_accepted() -> None:
    draft = Draft(
        text="مرحبا 👨‍👩‍👧‍👦",
        poll=Poll(options=("نعم 🇪🇬", "لا")),
        link=LinkCard(url="https://example.com/مقال", title="عنوان", description="وصف"),
        community="مجتمع",
        options={"topic_tag": "مصر"},
    )
    assert draft.model_dump_json()


def test_a_surrogate_draft_never_reaches_a_backend(tmp_path: Any) -> None:
    net = ds.connect("sandbox", path=tmp_path / "s.db", account="alice")
    try:
        with pytest.raises(InvalidInput):
            net.publish(Draft(text="استطلاع", poll=Poll(options=("نعم" + HALF, "لا"))))
    finally:
        net.close()


@pytest.mark.parametrize("tags", [5, None, object(), {"a": 1}, "mixed"])
def test_tags_not_a_list_is_invalid_input(tags: Any) -> None:
    with pytest.raises(InvalidInput, match="tags"):
        Draft(text="x", tags=tags)


@pytest.mark.parametrize("tags", [[None], [3], ["ok", 3.5], [b"bytes"], [["nested"]]])
def test_a_tag_that_is_not_a_string_is_invalid_input(tags: Any) -> None:
    with pytest.raises(InvalidInput, match="tag must be a string"):
        Draft(text="x", tags=tags)


def test_string_tags_are_still_normalised() -> None:
    assert Draft(text="x", tags=["# مصر", "Egypt", "egypt"]).tags == ("مصر", "egypt")
    assert Draft(text="x", tags=("a",)).tags == ("a",)


def test_crosspost_variant_with_bad_tags_is_invalid_input(tmp_path: Any) -> None:
    net = ds.connect("sandbox", path=tmp_path / "s.db", account="alice")
    try:
        with pytest.raises(InvalidInput, match="tags"):
            ds.crosspost("x", [net], variants={"sandbox": {"tags": 5}}, dry_run=True)
    finally:
        net.close()
