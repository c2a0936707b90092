"""The reward model, step by step, on a frozen clock: pending -> claimable -> paid, and tips."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from decentsocial import Amount, ContentRejected, InvalidInput, NotFound
from decentsocial.backends.sandbox import SandboxNetwork

from .conftest import START, sandbox

HOUR = timedelta(hours=1)


def amount(text: str) -> Amount:
    return Amount.parse(text)


def test_full_cycle(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("worth a like")
    assert alice.rewards(post).status == "none"
    assert alice.rewards(post).amounts == ()

    bob.like(post)
    pending = alice.rewards(post)
    assert pending.status == "pending"
    assert pending.amounts == (amount("1.000 SAND"),)
    assert pending.payout_at == START + HOUR
    assert pending.parts[0].role == "author"
    assert pending.parts[0].account == "alice"
    mine = alice.pending_rewards()
    assert mine.status == "pending"
    assert mine.amounts == (amount("0.000 SAND"),)
    assert mine.payout_at == START + HOUR
    assert alice.claim_rewards().status == "none"

    alice.advance_time(HOUR - timedelta(seconds=1))
    assert alice.rewards(post).status == "pending"

    assert bob.advance_time(1) == START + HOUR  # one clock for every account
    assert alice.rewards(post).status == "claimable"
    ready = alice.pending_rewards()
    assert ready.status == "claimable"
    assert ready.amounts == (amount("1.000 SAND"),)
    assert bob.pending_rewards("alice") == ready

    claimed = alice.claim_rewards()
    assert claimed.status == "paid"
    assert claimed.amounts == (amount("1.000 SAND"),)
    assert alice.balance() == amount("101.000 SAND")
    assert alice.rewards(post).status == "paid"
    assert alice.pending_rewards().status == "none"
    again = alice.claim_rewards()
    assert again.status == "none"
    assert again.amounts == ()
    assert alice.balance() == amount("101.000 SAND")


def test_reward_notification_arrives_when_claimable(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("notify me of money")
    bob.like(post)
    assert [n.kind for n in alice.notifications()] == ["like"]
    alice.advance_time(HOUR)
    kinds = [(n.kind, n.amount) for n in alice.notifications()]
    assert kinds[0] == ("reward", amount("1.000 SAND"))


def test_unlike_while_pending_cancels(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("fickle")
    bob.like(post)
    bob.unlike(post)
    assert alice.rewards(post).status == "none"
    alice.advance_time(2 * HOUR)
    assert alice.claim_rewards().status == "none"
    assert [n.kind for n in alice.notifications()] == []


def test_claimable_reward_is_final_and_not_repeated(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("farm me")
    bob.like(post)
    alice.advance_time(HOUR)
    bob.unlike(post)
    bob.like(post)
    bob.unlike(post)
    bob.like(post)
    reward = alice.rewards(post)
    assert reward.status == "claimable"
    assert reward.amounts == (amount("1.000 SAND"),)


def test_each_voter_counts(alice: SandboxNetwork, bob: SandboxNetwork, carol: SandboxNetwork) -> None:
    post = alice.publish("popular")
    bob.like(post)
    carol.vote(post, 50)
    assert alice.rewards(post).amounts == (amount("1.500 SAND"),)
    assert alice.get_post(post.id).metrics.likes == 2
    carol.vote(post, 20)  # a changed weight while pending changes the accrual
    assert alice.rewards(post).amounts == (amount("1.200 SAND"),)
    carol.vote(post, -100)  # a downvote cancels a pending accrual, earns nothing negative
    assert alice.rewards(post).amounts == (amount("1.000 SAND"),)
    assert alice.get_post(post.id).metrics.likes == 1


def test_self_like_earns_nothing(alice: SandboxNetwork) -> None:
    post = alice.publish("me me me")
    alice.like(post)
    assert alice.get_post(post.id).metrics.likes == 1
    assert alice.rewards(post).status == "none"


def test_deleting_a_post_cancels_its_pending_rewards(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("short-lived")
    bob.like(post)
    alice.delete(post)
    alice.advance_time(HOUR)
    assert alice.pending_rewards().status == "none"
    with pytest.raises(NotFound):
        alice.rewards(post)


def test_configurable_economy() -> None:
    net = sandbox(account="alice", like_reward="0.250", payout_delay=0, starting_balance="5", asset="GEM")
    fan = net.as_account("fan")
    post = net.publish("cheap likes")
    fan.like(post)
    assert net.rewards(post).status == "claimable"  # no delay: claimable at once
    assert net.claim_rewards().amounts == (amount("0.250 GEM"),)
    assert net.balance() == amount("5.250 GEM")
    assert fan.balance() == amount("5.000 GEM")
    fan.close()
    net.close()


def test_vote_weight_is_checked_before_io(alice: SandboxNetwork) -> None:
    for bad in (101, -100.5, float("nan"), True, "50"):
        with pytest.raises(InvalidInput, match="weight"):
            alice.vote("0123456789abcdef", bad)  # type: ignore[arg-type]  # a well-formed id: the weight fails


def test_tip_moves_balance(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    receipt = alice.tip("bob", "2.500 SAND", memo="thanks")
    assert receipt.startswith("tip-")
    assert alice.balance() == amount("97.500 SAND")
    assert bob.balance() == amount("102.500 SAND")
    zap = next(bob.notifications())
    assert zap.kind == "zap"
    assert zap.amount == amount("2.500 SAND")
    assert zap.account is not None
    assert zap.account.handle == "alice"


def test_tip_to_a_post_shows_in_its_rewards(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("tip jar")
    bob.tip(post, Amount.parse("1.000 SAND"))
    bob.tip(post.id, "0.500 SAND")
    reward = alice.rewards(post)
    assert reward.status == "paid"
    assert reward.amounts == (amount("1.500 SAND"),)
    assert [(p.role, p.account, p.amounts) for p in reward.parts] == [
        ("tipper", "bob", (amount("1.500 SAND"),))
    ]
    assert alice.balance() == amount("101.500 SAND")


def test_overdraft_is_refused_and_moves_nothing(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    with pytest.raises(ContentRejected, match=r"100\.000 SAND"):
        alice.tip("bob", "100.001 SAND")
    assert alice.balance() == amount("100.000 SAND")
    assert bob.balance() == amount("100.000 SAND")
    assert list(bob.notifications()) == []
    alice.tip("bob", "100.000 SAND")  # exactly the balance is fine
    assert alice.balance() == amount("0.000 SAND")


@pytest.mark.parametrize(
    ("to", "value", "error"),
    [
        ("bob", "1.000 HIVE", InvalidInput),
        ("bob", "0.000 SAND", InvalidInput),
        ("bob", "0.0001 SAND", InvalidInput),
        ("bob", "-1 SAND", InvalidInput),
        ("bob", "a lot", InvalidInput),
        ("alice", "1.000 SAND", InvalidInput),
        ("nobody", "1.000 SAND", NotFound),
    ],
)
def test_bad_tips(
    alice: SandboxNetwork, bob: SandboxNetwork, to: str, value: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        alice.tip(to, value)
    assert alice.balance() == amount("100.000 SAND")


def test_same_script_same_numbers() -> None:
    """Determinism: the same actions on the same clock give the same rewards and balances."""

    def run() -> list[object]:
        net = sandbox(account="alice", now=START, payout_delay=60, like_reward="0.333")
        fans = [net.as_account(f"fan{i}") for i in range(3)]
        post = net.publish("determinism")
        for i, fan in enumerate(fans):
            fan.vote(post, 100 - 30 * i)
            net.advance_time(20)
        out: list[object] = [net.rewards(post).model_dump(exclude={"subject"})]
        net.advance_time(60)
        out.append(net.claim_rewards().amounts)
        out.append(net.balance())
        for fan in fans:
            fan.close()
        net.close()
        return out

    first = run()
    assert first == run()
    assert first[1] == (amount(f"{Decimal('0.333') + Decimal('0.233') + Decimal('0.133')} SAND"),)
