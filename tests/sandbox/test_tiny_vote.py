"""A pending reward re-voted to a weight too small to earn 0.001 is cancelled: such a first vote earns none.

It stayed as an accrual of 0.000, and a "reward" notification of 0.000 SAND arrived when it matured.
"""

from __future__ import annotations

from decentsocial.backends.sandbox import SandboxNetwork


def test_a_weight_that_earns_nothing_cancels_the_pending_reward(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    post = alice.publish("hello")
    bob.like(post)
    bob.vote(post, 0.01)  # 1.000 SAND x 0.01 % = 0.0001: nothing, as a first vote of 0.01 earns
    reward = alice.rewards(post)
    assert reward.status == "none"
    assert reward.amounts == ()
    alice.advance_time(7200)
    assert [n.kind for n in alice.notifications(limit=None)] == ["like"]
    assert alice.claim_rewards().status == "none"


def test_a_smaller_weight_that_earns_something_replaces_the_amount(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    post = alice.publish("hello")
    bob.like(post)
    bob.vote(post, 50)
    assert [str(a) for a in alice.rewards(post).amounts] == ["0.500 SAND"]
