"""Search finds text however its accents were typed: composed ("é") or decomposed ("e" + U+0301).

Keyboards and pasted text differ (macOS gives decomposed text in places); a
user searching for a word they can see must find it.
"""

from __future__ import annotations

import unicodedata

import pytest

from decentsocial.backends.sandbox import SandboxNetwork

COMPOSED = "Café au lait ☕ مرحبا"
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)


@pytest.mark.parametrize("stored", [COMPOSED, DECOMPOSED], ids=["composed-text", "decomposed-text"])
@pytest.mark.parametrize(
    "query",
    ["café", unicodedata.normalize("NFD", "café"), "CAFÉ", unicodedata.normalize("NFD", "CAFÉ")],
    ids=["composed", "decomposed", "upper", "upper-decomposed"],
)
def test_search_ignores_how_accents_were_typed(alice: SandboxNetwork, stored: str, query: str) -> None:
    post = alice.publish(stored)
    assert [p.id for p in alice.search(query)] == [post.id]


def test_an_edited_post_is_found_the_same_way(alice: SandboxNetwork) -> None:
    post = alice.publish("plain words")
    alice.edit(post, DECOMPOSED)
    assert [p.id for p in alice.search("café")] == [post.id]


def test_full_width_letters_and_arabic_presentation_forms_are_found(alice: SandboxNetwork) -> None:
    post = alice.publish("ｐｙｔｈｏｎ meetup \ufefb")  # full-width letters; the lam-alef ligature form
    assert [p.id for p in alice.search("python")] == [post.id]
    assert [p.id for p in alice.search("\u0644\u0627")] == [post.id]  # lam, alef


def test_a_community_title_typed_decomposed_is_found(alice: SandboxNetwork) -> None:
    alice.create_community("cafes", title=unicodedata.normalize("NFD", "Cafés de Beyrouth"))
    assert [c.id for c in alice.communities("cafés")] == ["cafes"]
