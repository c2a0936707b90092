"""Replaceable events (contact list, pinned notes, profile) are never rebuilt from an incomplete read."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey

from .spec_relay import SpecRelay

Make = Callable[..., NostrNetwork]
StartRelay = Callable[..., SpecRelay]


def _stored(relay: SpecRelay, kind: int) -> list[dict[str, Any]]:
    return [e for e in relay.events.values() if e["kind"] == kind]


def test_follow_refuses_when_a_relay_cannot_answer_the_read(make_net: Make, spec_relay: StartRelay) -> None:
    """Relay A holds the contact list and refuses reads, B has none: follow() used to publish a
    list of the new entry alone, which replaced the whole list on A."""
    a, b = spec_relay(), spec_relay()
    key = PrivateKey.generate()
    friends = [PrivateKey.generate().public_key for _ in range(3)]
    a.store(
        make_net(key, relays=[a.url])
        .sign(3, "", tuple(("p", f) for f in friends), int(time.time()) - 60)
        .to_json()
    )
    a.refuse_subscriptions = "rate-limited: slow down"
    both = make_net(key, relays=[a.url, b.url])
    newcomer = PrivateKey.generate().public_key
    with pytest.raises(ds.NetworkUnavailable) as caught:
        both.follow(newcomer)
    assert caught.value.retryable
    for call in (both.unfollow, both.follow):
        with pytest.raises(ds.NetworkUnavailable):
            call(friends[0])
    assert [len(e["tags"]) for e in _stored(a, 3)] == [3]  # nothing was written
    assert _stored(b, 3) == []
    a.refuse_subscriptions = None  # the retry, once every relay answers, keeps every entry
    both.follow(newcomer)
    assert sorted(both.following()) == sorted([*friends, newcomer])


def test_pin_refuses_when_a_relay_cannot_answer_the_read(make_net: Make, spec_relay: StartRelay) -> None:
    a, b = spec_relay(), spec_relay()
    key = PrivateKey.generate()
    alone = make_net(key, relays=[a.url])
    first, second = alone.publish("first"), alone.publish("second")
    alone.pin(first)
    a.refuse_subscriptions = "error: overloaded"
    both = make_net(key, relays=[a.url, b.url])
    with pytest.raises(ds.NetworkUnavailable):
        both.pin(second)
    with pytest.raises(ds.NetworkUnavailable):
        both.unpin(first)
    assert _stored(b, 10001) == []
    a.refuse_subscriptions = None
    both.pin(second)
    assert [p.id for p in both.pinned()] == [second.id, first.id]


def test_set_profile_refuses_when_a_relay_cannot_answer_the_read(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """set_profile(about=…) used to wipe the name and the lightning address (so zaps stopped)."""
    a, b = spec_relay(), spec_relay()
    key = PrivateKey.generate()
    profile = {"name": "Alice", "lud16": "alice@example.invalid"}
    a.store(make_net(key, relays=[a.url]).sign(0, json.dumps(profile), (), int(time.time()) - 60).to_json())
    a.refuse_subscriptions = "error: overloaded"
    both = make_net(key, relays=[a.url, b.url])
    with pytest.raises(ds.NetworkUnavailable) as caught:
        both.set_profile(about="new bio")
    assert caught.value.retryable
    assert _stored(b, 0) == []
    assert len(_stored(a, 0)) == 1
    a.refuse_subscriptions = None
    both.set_profile(about="new bio")
    content = json.loads(str(_stored(a, 0)[0]["content"]))
    assert content == {**profile, "about": "new bio"}


def test_of_two_lists_of_one_second_the_lower_id_counts(make_net: Make, spec_relay: StartRelay) -> None:
    """NIP-01 keeps the lower id of two replaceable events of one second (relays discard the
    other); following() used to show the higher one, while profiles took the lower."""
    a, b = spec_relay(), spec_relay()
    key = PrivateKey.generate()
    net = make_net(key, relays=[a.url, b.url])
    when = int(time.time()) - 30
    lists = [net.sign(3, "", (("p", PrivateKey.generate().public_key),), when) for _ in range(2)]
    low, high = sorted(lists, key=lambda e: e.id)
    a.store(high.to_json())
    b.store(low.to_json())
    assert net.following() == [low.tags[0][1]]
    profiles = [net.sign(0, json.dumps({"name": f"n{i}"}), (), when) for i in range(2)]
    low_profile = min(profiles, key=lambda e: e.id)
    a.store(max(profiles, key=lambda e: e.id).to_json())
    b.store(low_profile.to_json())
    assert net._profile(net.public_key) == low_profile
