"""``unsupported=`` makes the sandbox rehearse a network that lacks some capabilities.

It also proves the contract suite's check for unsupported members on a real
backend, since the full sandbox supports everything and skips that case.
"""

from __future__ import annotations

from typing import cast

import pytest

from decentsocial import Capability, Draft, Network, UnsupportedFeature
from decentsocial.testing.contract import listings as contract
from tests.contract.harness import Harness

from .conftest import sandbox


def test_contract_check_passes_with_every_capability_switched_off() -> None:
    net = sandbox(account="alice", unsupported=list(Capability))
    assert net.capabilities == frozenset()
    other = net.as_account("bob")
    harness = Harness(name="sandbox", me=cast(Network, net), other=cast(Network, other))
    contract.test_unsupported_members_raise(harness)
    other.close()
    net.close()


def test_some_capabilities_off() -> None:
    net = sandbox(unsupported=["media", "tag_search", "idempotent_publish", "vote"])
    assert Capability.MEDIA not in net.capabilities
    assert Capability.LIKE in net.capabilities
    post = net.publish("still #works")
    net.like(post)  # a like is not a weighted vote
    with pytest.raises(UnsupportedFeature, match="vote"):
        net.vote(post, 50)
    with pytest.raises(UnsupportedFeature, match="tag_search"):
        net.search("#works")
    assert [p.id for p in net.search("works")] == [post.id]
    # Without IDEMPOTENT_PUBLISH the key is not honoured, as on a network that ignores it.
    one = net.publish(Draft(text="twice", idempotency_key="k"))
    two = net.publish(Draft(text="twice", idempotency_key="k"))
    assert one.id != two.id
    net.close()


def test_unknown_capability_is_a_configuration_error() -> None:
    from decentsocial import ConfigurationError

    with pytest.raises(ConfigurationError, match="unsupported"):
        sandbox(unsupported=["teleport"])
