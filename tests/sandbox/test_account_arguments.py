"""Account arguments: an ``Account`` of another network is refused by every member that takes one.

The same handle on another network may be someone else (since Hive forked from
Steem, the same name on the two chains can belong to two people): a tip to a
Steem ``Account`` through Hive would pay the Hive account of that name, and a
follow would follow a stranger. Every member says ``InvalidInput`` naming both
networks, before any I/O; a handle, or an ``Account`` of this network, still works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork

MEMBERS: dict[str, Callable[[SandboxNetwork, ds.Account], Any]] = {
    "tip": lambda net, a: net.tip(a, "1 SAND"),
    "follow": lambda net, a: net.follow(a),
    "unfollow": lambda net, a: net.unfollow(a),
    "account posts": lambda net, a: list(net.posts(a, limit=1)),
    "send_message": lambda net, a: net.send_message(a, "hello"),
    "pending_rewards": lambda net, a: net.pending_rewards(a),
}


@pytest.mark.parametrize("member", sorted(MEMBERS))
def test_an_account_of_another_network_is_refused(
    alice: SandboxNetwork, bob: SandboxNetwork, member: str
) -> None:
    foreign = bob.me().model_copy(update={"network": "steem"})
    before = alice.balance()
    with pytest.raises(ds.InvalidInput, match="this is a steem account: it cannot be used through sandbox"):
        MEMBERS[member](alice, foreign)
    assert alice.balance() == before
    assert alice.me().following == 0


def test_a_community_of_another_network_is_refused(alice: SandboxNetwork) -> None:
    community = ds.Community(network="hive", id="hive-174578", name="OCD")
    with pytest.raises(ds.InvalidInput, match="this is a hive community"):
        alice.join(community)


def test_an_account_of_this_network_and_a_handle_still_work(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    receipt = alice.tip(bob.me(), "1 SAND")
    assert receipt
    alice.follow(bob.me().handle)
    assert alice.me().following == 1
