"""A Mastodon message's text keeps a leading mention the sentence goes on from.

``messages()`` takes the mentions that address a direct status off the
front of its text. A mention followed by punctuation is part of what was
written: ``@bob's order is ready`` was read back as ``'s order is ready``
and ``@bob, your parcel shipped`` as ``, your parcel shipped``.
"""

from __future__ import annotations

import pytest

pytest.importorskip("mastodon")

from decentsocial.backends.mastodon.messages import strip_addressing


@pytest.mark.parametrize(
    "text",
    [
        "@bob's order is ready",
        "@bob, your parcel shipped",
        "@bob: طلبك جاهز",
        "@bob@remote.example, hi",
        "@bob! 🎉",
    ],
)
def test_a_mention_the_sentence_goes_on_from_is_kept(text: str) -> None:
    assert strip_addressing(text, {"bob", "bob@remote.example"}) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@bob your parcel shipped", "your parcel shipped"),
        ("@bob\nطلبك جاهز", "طلبك جاهز"),
        ("@bob@remote.example\u00a0hi", "hi"),
        ("@bob @carol hi", "hi"),
        ("@bob", ""),
    ],
)
def test_a_mention_that_only_addresses_is_still_taken_off(text: str, expected: str) -> None:
    assert strip_addressing(text, {"bob", "carol", "bob@remote.example"}) == expected
