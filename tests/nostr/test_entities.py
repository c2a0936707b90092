"""Notes read back carry their links, mentions and hashtags, as posts of every other network do."""

from __future__ import annotations

import time
from collections.abc import Callable

from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import sign_event

from .spec_relay import SpecRelay

FRIEND = PrivateKey.generate()
TAGGED = PrivateKey.generate()


def test_a_note_from_another_client_has_its_links_mentions_and_hashtags(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    relay = spec_relay()
    # Written as some clients do: the hashtag and the NIP-27 reference only in the text.
    text = f"اقرأ https://example.com/مقال?x=1، #عربي 🎉 مع nostr:{FRIEND.npub} (https://b.example/p)."
    tags = (("p", TAGGED.public_key), ("r", "https://c.example/"), ("r", "javascript:alert(1)"))
    note = sign_event(PrivateKey.generate(), 1, text, tags, int(time.time()) - 60)
    relay.store(note.to_json())
    post = make_net(relays=[relay.url]).get_post(note.id)
    assert post.links == ("https://example.com/مقال?x=1", "https://b.example/p", "https://c.example/")
    assert post.mentions == (TAGGED.npub, FRIEND.npub)
    assert post.tags == ("عربي",)


def test_a_published_note_has_its_links_at_once_and_read_back(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    relay = spec_relay()
    net = make_net(relays=[relay.url])
    post = net.publish(f"see https://example.com/a, #News @{FRIEND.npub}")
    assert post.links == ("https://example.com/a",)
    assert post.mentions == (FRIEND.npub,)
    assert post.tags == ("news",)
    assert net.get_post(post.id).links == post.links
