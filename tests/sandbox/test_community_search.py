"""``communities(query)`` folds case as Python does, beyond ASCII (SQLite's ``lower()`` stops at ASCII)."""

from __future__ import annotations

import pytest

from decentsocial.backends.sandbox import SandboxNetwork


@pytest.mark.parametrize("query", ["über", "ÜBER", "Über", "straße", "STRASSE", "café", "CAFÉ"])
def test_a_community_is_found_whatever_the_case_of_its_title(alice: SandboxNetwork, query: str) -> None:
    alice.create_community("cafe", title="ÜBER CAFÉ STRASSE", description="Für alle")
    assert [c.id for c in alice.communities(query)] == ["cafe"]


def test_arabic_and_emoji_titles_are_found(alice: SandboxNetwork) -> None:
    alice.create_community("qahwa", title="مقهى القراء", description="👩‍💻 قهوة")
    assert [c.id for c in alice.communities("القراء")] == ["qahwa"]
    assert [c.id for c in alice.communities("👩‍💻")] == ["qahwa"]
    assert [c.id for c in alice.communities("PYTHON")] == ["python"]
