"""``create_community`` refuses a title or description that is not text within the limits.

A ``bytes`` title was stored as a BLOB, and from then on ``communities()`` raised pydantic's
``ValidationError`` for every account of that sandbox; a list was a retryable "database error".
"""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial import InvalidInput
from decentsocial.backends.sandbox import SandboxNetwork


@pytest.mark.parametrize(
    ("title", "description"),
    [(b"\xff\xfe", None), (["x"], None), (None, {"a": 1}), ("t" * 257, None), (None, "d" * 5001), (7, None)],
)
def test_bad_fields_are_invalid_input_and_listings_keep_working(
    alice: SandboxNetwork, bob: SandboxNetwork, title: Any, description: Any
) -> None:
    with pytest.raises(InvalidInput):
        alice.create_community("birds", title=title, description=description)
    assert [c.id for c in bob.communities()] == ["general", "photography", "python"]


def test_rtl_and_emoji_fields_at_the_limits(alice: SandboxNetwork) -> None:
    title = "👩‍👩‍👧‍👦" * 256  # 256 graphemes, many more code points
    made = alice.create_community("family", title=title, description="عائلة" * 1000)
    assert (made.title, made.description) == (title, "عائلة" * 1000)
