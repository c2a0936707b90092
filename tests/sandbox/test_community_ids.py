"""A community is found by the id ``create_community`` was given, as it made it (``"Birds"`` -> ``birds``).

``create_community("Birds")`` made ``birds``, and then ``community``, ``join``, ``leave``,
``community_posts`` and ``Draft(community=...)`` all said ``NotFound`` for ``"Birds"``.
"""

from __future__ import annotations

import pytest

from decentsocial import Draft, InvalidInput
from decentsocial.backends.sandbox import SandboxNetwork


def test_the_name_given_to_create_community_finds_it(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    made = alice.create_community("Birds", title="Birds")
    assert made.id == "birds"
    assert bob.community("Birds").id == "birds"
    bob.join("Birds")
    assert (bob.community(" birds ").raw or {}).get("joined") is True
    post = bob.publish(Draft(text="a robin", community="Birds"))
    assert post.community == "birds"
    assert [p.id for p in alice.community_posts("BIRDS")] == [post.id]
    bob.leave("Birds")
    assert bob.community("birds").members == 0


@pytest.mark.parametrize("bad", ["../etc", "two words", "", "ä" * 3, "x" * 65])
def test_an_impossible_community_id_is_invalid_input(alice: SandboxNetwork, bad: str) -> None:
    for call in (
        lambda: alice.community(bad),
        lambda: alice.join(bad),
        lambda: list(alice.community_posts(bad)),
        lambda: alice.publish(Draft(text="hi", community=bad)),
    ):
        with pytest.raises(InvalidInput):
            call()
