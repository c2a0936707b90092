"""Post arguments: a ``Post`` of another network is refused by every member; vote weights are numbers.

A ``Post`` from a mixed list (crosspost results of several networks) whose
id happens to name a post here must never act on that post: ``delete`` would
remove it. Every member that takes a post says ``InvalidInput`` naming both
networks, before any I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork

MEMBERS: dict[str, Callable[[SandboxNetwork, ds.Post], Any]] = {
    "delete": lambda net, p: net.delete(p),
    "like": lambda net, p: net.like(p),
    "unlike": lambda net, p: net.unlike(p),
    "vote": lambda net, p: net.vote(p, 50),
    "repost": lambda net, p: net.repost(p),
    "reply": lambda net, p: net.reply(p, "a reply"),
    "thread": lambda net, p: net.thread(p),
    "rewards": lambda net, p: net.rewards(p),
    "tip": lambda net, p: net.tip(p, "1 SANDBOX"),
    "edit": lambda net, p: net.edit(p, "new text"),
    "pin": lambda net, p: net.pin(p),
    "unpin": lambda net, p: net.unpin(p),
}


@pytest.mark.parametrize("member", sorted(MEMBERS))
def test_a_post_of_another_network_is_refused(
    alice: SandboxNetwork, bob: SandboxNetwork, member: str
) -> None:
    keep = alice.publish("Keep me: the sandbox post")
    foreign = keep.model_copy(update={"network": "mastodon", "url": "https://mastodon.example/@alice/1"})
    actor = bob if member in ("tip",) else alice  # a tip to oneself is refused for its own reason
    with pytest.raises(ds.InvalidInput, match="mastodon") as caught:
        MEMBERS[member](actor, foreign)
    assert "sandbox" in str(caught.value)
    after = alice.get_post(keep.id)  # untouched: not deleted, liked, replied to or pinned
    assert after.text == keep.text
    assert after.metrics == keep.metrics
    assert list(alice.pinned()) == []


def test_a_post_of_this_network_and_an_id_still_work(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("hello")
    bob.like(post)
    bob.like(post.id)
    alice.delete(post)
    with pytest.raises(ds.NotFound):
        alice.get_post(post.id)


WEIGHTS = {
    "signalling NaN": Decimal("sNaN"),
    "negative signalling NaN": Decimal("-sNaN"),
    "quiet NaN": Decimal("NaN"),
    "Decimal infinity": Decimal("Infinity"),
    "float NaN": float("nan"),
    "int too big for a float": 10**400,
    "negative int too big": -(10**400),
}


@pytest.mark.parametrize("weight", list(WEIGHTS.values()), ids=list(WEIGHTS))
def test_a_weight_that_is_not_a_finite_number_is_invalid_input(
    alice: SandboxNetwork, bob: SandboxNetwork, weight: Any
) -> None:
    post = alice.publish("vote on me")
    with pytest.raises(ds.InvalidInput, match="vote weight"):
        bob.vote(post, weight)


def test_a_decimal_weight_in_range_is_a_vote(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("vote on me")
    half: Any = Decimal("50.5")  # ``Network.vote`` takes a Decimal too (BaseNetwork checks it)
    bob.vote(post, half)
    over: Any = Decimal("100.000000000000000001")
    with pytest.raises(ds.InvalidInput, match="from -100 to 100"):
        bob.vote(post, over)
