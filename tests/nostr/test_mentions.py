"""NIP-27 mentions are found next to any punctuation: Arabic, CJK, bidi marks, brackets, quotes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.convert import mentioned_keys

from .spec_relay import SpecRelay

KEY = PrivateKey.generate()
NPUB = KEY.npub


@pytest.mark.parametrize(
    "template",
    [
        "hi @{}, how are you",
        "مرحبا @{}، كيف حالك",  # Arabic comma
        "هل رأيت @{}؟",  # Arabic question mark
        "你好 @{}，再见",  # full-width comma
        "你好@{}。",  # no space before, an ideographic full stop after
        "شكرا @{}\u200f",  # a right-to-left mark after
        "\u201c@{}\u201d",  # curly quotes
        "(@{})",
        "«@{}»",
        "[@{}]",
    ],
)
def test_a_mention_next_to_punctuation_is_tagged_and_rewritten(template: str) -> None:
    content, keys = mentioned_keys(template.format(NPUB))
    assert keys == [KEY.public_key]
    assert content == template.replace("@{}", "nostr:{}").format(NPUB)


@pytest.mark.parametrize(
    "text",
    [
        f"see https://njump.me/{NPUB} there",  # a link, not a mention
        f"mail me at someone@{NPUB}.example",
        f"@{NPUB[:-1]}{'x' if NPUB[-1] != 'x' else 'q'} broken checksum",  # the key is random: never itself
    ],
)
def test_what_only_looks_like_a_mention_is_left_alone(text: str) -> None:
    assert mentioned_keys(text) == (text, [])


def test_nostr_prefixed_mentions_are_kept_as_they_are() -> None:
    text = f"(nostr:{NPUB}) and @{NPUB}، again"
    content, keys = mentioned_keys(text)
    assert keys == [KEY.public_key]
    assert content == f"(nostr:{NPUB}) and nostr:{NPUB}، again"


def test_the_mentioned_account_is_tagged_in_the_published_note(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    relay = spec_relay()
    alice = make_net(relays=[relay.url])
    post = alice.publish(f"مرحبا @{NPUB}، كيف حالك؟")
    stored = relay.events[post.id]
    assert ["p", KEY.public_key] in stored["tags"]
    assert stored["content"] == f"مرحبا nostr:{NPUB}، كيف حالك؟"
