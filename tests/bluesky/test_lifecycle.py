"""Pins on the Bluesky reference stack: the profile record's ``pinnedPost``, other profile fields kept."""

from __future__ import annotations

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from tests.contract.harness import Harness


@pytest.fixture
def alice(bluesky_harness: Harness) -> BlueskyNetwork:
    assert isinstance(bluesky_harness.me, BlueskyNetwork)
    return bluesky_harness.me


@pytest.fixture
def bob(bluesky_harness: Harness) -> BlueskyNetwork:
    assert isinstance(bluesky_harness.other, BlueskyNetwork)
    return bluesky_harness.other


def profile_record(net: BlueskyNetwork) -> dict[str, object]:
    answer = net.transport.query(
        "com.atproto.repo.getRecord",
        {"repo": net.transport.identity()[0], "collection": "app.bsky.actor.profile", "rkey": "self"},
        action="read the profile",
    )
    return dict(answer["value"])


def test_pin_sets_pinned_post_and_keeps_the_profile(
    alice: BlueskyNetwork, bob: BlueskyNetwork, bluesky_harness: Harness
) -> None:
    did = alice.transport.identity()[0]
    alice.transport.procedure(
        "com.atproto.repo.putRecord",
        {
            "repo": did,
            "collection": "app.bsky.actor.profile",
            "rkey": "self",
            "record": {"$type": "app.bsky.actor.profile", "displayName": "أليس Alice", "description": "bio"},
        },
        action="set the profile",
        safe=True,
    )
    first, second = alice.publish("بيان first statement"), alice.publish("second statement")
    alice.pin(first)
    record = profile_record(alice)
    assert record["displayName"] == "أليس Alice"
    assert record["description"] == "bio"
    assert record["pinnedPost"] == {"uri": first.id, "cid": record["pinnedPost"]["cid"]}  # type: ignore[index]
    assert [p.id for p in alice.pinned()] == [first.id]

    def others_see_it() -> None:
        assert [p.id for p in bob.pinned(alice.me())] == [first.id]

    bluesky_harness.eventually(others_see_it)
    alice.pin(second)  # Bluesky keeps one pin: the new one replaces it
    assert [p.id for p in alice.pinned()] == [second.id]
    alice.unpin(first)  # not the pinned one: nothing changes
    assert [p.id for p in alice.pinned()] == [second.id]
    alice.unpin(second)
    assert list(alice.pinned()) == []
    record = profile_record(alice)
    assert "pinnedPost" not in record
    assert record["displayName"] == "أليس Alice"


def test_pin_someone_elses_post_is_permission_denied(alice: BlueskyNetwork, bob: BlueskyNetwork) -> None:
    theirs = bob.publish("bob's post")
    with pytest.raises(ds.PermissionDenied):
        alice.pin(theirs)
    with pytest.raises(ds.UnsupportedFeature, match="immutable record"):
        alice.edit(theirs, "edited")
