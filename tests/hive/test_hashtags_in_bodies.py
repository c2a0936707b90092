"""Hive bodies read as plain text keep a hashtag that starts a line, and the blank line before a heading.

The heading pattern took any '#' at a line's start as a heading mark, and its ``\\s`` ran across
lines: "…\\n\\n#photography #nature" (the tag line that ends many Hive posts, Arabic or not) read
as "…\\nphotography #nature". CommonMark's heading is one to six '#' then a space or the line's end.
"""

from __future__ import annotations

import pytest

from decentsocial.backends.hive import HIVE
from decentsocial.backends.hive.convert import markdown_to_text, post_from_bridge


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("Sunset today\n\n#photography #nature", "Sunset today\n\n#photography #nature"),
        ("#hive is great", "#hive is great"),
        ("غروب الشمس 🌅\n\n#تصوير #hive", "غروب الشمس 🌅\n\n#تصوير #hive"),
        ("para one\n\n# Heading\ntext", "para one\n\nHeading\ntext"),
        ("intro\n\n## مرحبا بالعالم 🌍\n\nنص", "intro\n\nمرحبا بالعالم 🌍\n\nنص"),
        ("####### seven is no heading", "####### seven is no heading"),
        ("#\n\nText after an empty heading", "Text after an empty heading"),
        ("# Title\r\n\r\nbody", "Title\r\n\r\nbody"),
        ("   ### indented\nnext", "indented\nnext"),
    ],
)
def test_hashtags_and_paragraphs_survive(body: str, text: str) -> None:
    assert markdown_to_text(body) == text


def test_a_post_keeps_its_tag_line() -> None:
    post = post_from_bridge(
        {
            "author": "alice",
            "permlink": "sunset",
            "title": "غروب 🌅",
            "body": "## Sunset\n\nOver the sea.\n\n#photography #nature",
            "created": "2024-03-01T12:00:00",
        },
        HIVE,
    )
    assert post.text == "Sunset\n\nOver the sea.\n\n#photography #nature"
    assert post.title == "غروب 🌅"
