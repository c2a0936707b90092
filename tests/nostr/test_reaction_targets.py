"""A reaction is about the note its last ``e`` tag names (NIP-25), not the thread root it also copies."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork
from decentsocial.backends.nostr.events import KIND_REACTION

from .spec_relay import SpecRelay


def _liked_reply(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> tuple[NostrNetwork, NostrNetwork, ds.Post, ds.Post]:
    """Alice replies to Bob's note; Bob likes the reply from another client."""
    relay = spec_relay()
    alice, bob = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    root = bob.publish("bob's note")
    reply = alice.publish(ds.Draft(text="ردّ أليس 🎉", reply_to=root.id))
    # Bob likes Alice's reply from another client, which copies the reply's root tag first.
    tags = (("e", root.id, "", "root"), ("e", reply.id, "", "reply"), ("p", alice.public_key))
    bob.publish_event(bob.sign(KIND_REACTION, "+", tags))
    return alice, bob, root, reply


def test_the_notification_of_a_like_of_a_reply_carries_the_reply(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    alice, _, _, reply = _liked_reply(make_net, spec_relay)
    likes = [n for n in alice.notifications(limit=None) if n.kind == "like"]
    assert [n.post.id for n in likes if n.post is not None] == [reply.id]


def test_a_like_of_a_reply_is_neither_a_like_of_its_root_nor_undone_with_it(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    _, bob, root, reply = _liked_reply(make_net, spec_relay)
    bob.like(root.id)  # his like of the reply is no like of the root: this one is sent
    assert bob.get_post(root.id).metrics.likes == 1
    bob.unlike(root.id)  # and unliking the root leaves his like of the reply alone
    assert bob.get_post(root.id).metrics.likes == 0
    assert bob.get_post(reply.id).metrics.likes == 1


def test_the_id_of_a_reaction_or_profile_is_no_post(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    """A bot replying to a like notification by its id would otherwise reply to the reaction."""
    relay = spec_relay()
    alice, bob = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    alice.set_profile(name="أليس")
    note = alice.publish("a note")
    bob.like(note.id)
    like = next(n for n in alice.notifications(limit=None) if n.kind == "like")
    profile = next(e["id"] for e in relay.events.values() if e["kind"] == 0)
    for event_id in (like.id, profile):
        with pytest.raises(ds.NotFound):
            alice.get_post(event_id)
        with pytest.raises(ds.NotFound):
            alice.reply(event_id, "thanks!")
        with pytest.raises(ds.NotFound):
            alice.thread(event_id)
    assert [e["kind"] for e in relay.events.values()].count(1) == 1  # no reply was sent
    repost = bob.repost(note.id)
    assert repost is not None
    assert alice.get_post(repost.id).text == "a note"  # a repost is read as a post


def test_a_reply_copies_only_keys_and_ids_from_a_hostile_parent(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    relay = spec_relay()
    alice, mallory = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    tags = (("e", "not-an-id", "", "root"), ("p", "not-a-key"), ("p", alice.public_key.upper()))
    parent = mallory.sign(1, "a note tagging junk", tags)
    mallory.publish_event(parent)
    reply = alice.reply(parent.id, "رد")
    sent = relay.events[reply.id]["tags"]
    assert [t[1] for t in sent if t[0] == "e"] == [parent.id]  # the parent is the root
    assert [t[1] for t in sent if t[0] == "p"] == [mallory.public_key]
    assert reply.root_id == parent.id
    read = alice.get_post(parent.id)
    assert (read.reply_to, read.root_id) == (None, None)  # junk names no note it answers
    assert parent.id in {p.id for p in alice.thread(parent.id)}
    assert reply.id in {p.id for p in alice.thread(parent.id)}


def test_a_like_of_someone_elses_reply_in_the_thread_is_no_notification(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    """NIP-25 reactions copy the reacted note's ``p`` tags; the last one names its author."""
    relay = spec_relay()
    alice, bob, carol = (make_net(relays=[relay.url]) for _ in range(3))
    note = alice.publish("alice's note")
    reply = carol.reply(note.id, "ردّ كارول")
    tags = (("e", note.id, "", "root"), ("e", reply.id, "", "reply"), ("p", alice.public_key))
    bob.publish_event(bob.sign(KIND_REACTION, "+", (*tags, ("p", carol.public_key))))
    assert [n for n in alice.notifications(limit=None) if n.kind == "like"] == []
    likes = [n for n in carol.notifications(limit=None) if n.kind == "like"]
    assert [n.post.id for n in likes if n.post is not None] == [reply.id]
