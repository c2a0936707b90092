"""Ids and keys a stranger's event names are asked for only when they are ids and keys.

strfry (``strict_filters``) answers a ``REQ`` naming anything else with a ``NOTICE`` and no ``EOSE``:
one such tag must not make a listing wait out the timeout and fail.
"""

from __future__ import annotations

from collections.abc import Callable

from decentsocial.backends.nostr import NostrNetwork
from decentsocial.backends.nostr.events import KIND_CONTACTS, KIND_REACTION, KIND_REPOST
from decentsocial.backends.nostr.lists import KIND_PINNED

from .spec_relay import SpecRelay

Make = Callable[..., NostrNetwork]
StartRelay = Callable[..., SpecRelay]

JUNK = "not-an-event-id"


def test_reactions_and_reposts_naming_no_event_id_leave_the_notifications_readable(
    make_net: Make, spec_relay: StartRelay
) -> None:
    relay = spec_relay(strict_filters=True)
    alice, mallory = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    note = alice.publish("a note to like")
    for kind, content in ((KIND_REACTION, "+"), (KIND_REPOST, "")):
        mallory.publish_event(mallory.sign(kind, content, (("e", JUNK), ("p", alice.public_key))))
    mallory.like(note.id)
    found = sorted((n.kind, n.post.id if n.post else "") for n in alice.notifications(limit=None))
    assert found == [("like", ""), ("like", note.id), ("repost", "")]  # the junk ones name no note


def test_a_contact_list_holding_junk_still_gives_the_timeline(make_net: Make, spec_relay: StartRelay) -> None:
    relay = spec_relay(strict_filters=True)
    alice, bob = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    bobs = bob.publish("from bob")
    tags = (("p", bob.public_key), ("p", bob.me().handle), ("p", JUNK))  # an npub: another client's slip
    alice.publish_event(alice.sign(KIND_CONTACTS, "", tags))
    assert alice.following() == [bob.public_key]
    assert alice.me().following == 1
    assert [p.id for p in alice.timeline(limit=None)] == [bobs.id]


def test_a_pinned_list_holding_junk_still_gives_the_pinned_notes(
    make_net: Make, spec_relay: StartRelay
) -> None:
    relay = spec_relay(strict_filters=True)
    alice = make_net(relays=[relay.url])
    note = alice.publish("pinned")
    alice.publish_event(alice.sign(KIND_PINNED, "", (("e", note.id), ("e", JUNK))))
    assert [p.id for p in alice.pinned(limit=None)] == [note.id]
