"""A repost is read as other networks read a boost: the reposted note, by its author, ``reposted_by``."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork
from decentsocial.backends.nostr.events import KIND_REPOST

from .spec_relay import SpecRelay


def test_a_repost_is_the_note_by_its_author_reposted_by_the_reposter(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    relay = spec_relay()
    alice, bob = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    note = alice.publish("كتبت أليس هذا https://example.com/a #خبر 🎉")
    repost = bob.repost(note.id)
    assert repost is not None
    for post in (repost, bob.get_post(repost.id), bob.repost(note.id)):
        assert post is not None
        assert post.id == repost.id  # the repost's own id: delete() takes it back
        assert post.author.id == alice.public_key
        assert post.reposted_by is not None
        assert post.reposted_by.id == bob.public_key
        assert (post.text, post.links, post.tags) == (note.text, note.links, note.tags)
    bob.delete(repost)
    with pytest.raises(ds.NotFound):
        bob.get_post(repost.id)


def test_a_repost_embedding_a_forged_note_stays_the_reposters(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    relay = spec_relay()
    alice, mallory = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    note = alice.publish("the real text")
    forged = {**relay.events[note.id], "content": "words alice never wrote"}  # the signature no longer fits
    tags = (("e", note.id), ("p", alice.public_key))
    repost = mallory.sign(KIND_REPOST, json.dumps(forged), tags)
    mallory.publish_event(repost)
    post = alice.get_post(repost.id)
    assert post.author.id == mallory.public_key
    assert post.reposted_by is None


def test_a_quote_of_the_accounts_note_is_a_quote_notification(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    relay = spec_relay()
    alice, carol = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    note = alice.publish("قابل للاقتباس")
    carol.publish(ds.Draft(text="look at this", quote_of=note.id))
    carol.publish(f"hello nostr:{alice.me().handle}")
    found = {n.kind: n.post for n in alice.notifications(limit=None)}
    assert set(found) == {"quote", "mention"}
    assert found["quote"] is not None
    assert found["quote"].quote_of == note.id
