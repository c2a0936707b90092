"""Pins on the local nostr-relay: the NIP-51 pinned-notes list (kind 10001), other entries kept."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, lists

Make = Callable[..., NostrNetwork]


def test_pin_keeps_the_lists_other_entries(make_net: Make) -> None:
    alice, bob = make_net(), make_net()
    foreign = bob.publish("bob's note, pinned by alice by hand earlier")
    kept = ("e", foreign.id, "ws://127.0.0.1:1")  # an entry another client wrote
    other = ("t", "not-a-note")
    private = "nip44-private-entries-placeholder"
    alice.publish_event(alice.sign(lists.KIND_PINNED, private, (kept, other), int(time.time()) - 10))
    one, two = alice.publish("أول تثبيت first pin"), alice.publish("second pin")
    alice.pin(one)
    alice.pin(two.id)
    alice.pin(one)  # already pinned: no new list
    listed = lists.latest(alice.transport, lists.KIND_PINNED, alice.public_key)
    assert listed is not None
    assert listed.content == private
    assert [t[:2] for t in listed.tags] == [kept[:2], other, ("e", one.id), ("e", two.id)]
    assert listed.tags[0] == kept
    # pinned() shows the account's own notes, most recently pinned first.
    assert [p.id for p in alice.pinned()] == [two.id, one.id]
    assert [p.id for p in bob.pinned(alice.me())] == [two.id, one.id]
    assert [p.id for p in alice.pinned(limit=1)] == [two.id]
    alice.unpin(one)
    alice.unpin(one)  # not pinned: nothing published
    listed = lists.latest(alice.transport, lists.KIND_PINNED, alice.public_key)
    assert listed is not None
    assert [t[:2] for t in listed.tags] == [kept[:2], other, ("e", two.id)]
    assert [p.id for p in alice.pinned()] == [two.id]
    alice.delete(two)
    assert list(alice.pinned()) == []  # a deleted note is not shown, though still listed


def test_pin_someone_elses_note_is_permission_denied(make_net: Make) -> None:
    alice, bob = make_net(), make_net()
    theirs = bob.publish("bob's")
    with pytest.raises(ds.PermissionDenied):
        alice.pin(theirs)
    assert lists.latest(alice.transport, lists.KIND_PINNED, alice.public_key) is None


def test_edit_is_unsupported_but_replace_works(make_net: Make) -> None:
    alice = make_net()
    post = alice.publish("a note with a typo")
    with pytest.raises(ds.UnsupportedFeature, match="signed event"):
        alice.edit(post, "a note without")
    new = alice.edit(post, "a note without", replace=True)
    assert new.id != post.id
    with pytest.raises(ds.NotFound):
        alice.get_post(post.id)
