"""Amounts are exact whatever decimal context the caller has set (a notebook's ``getcontext().prec = 4``).

The sandbox's amounts went through ``Decimal`` arithmetic in the caller's context: with a precision
of 4, a tip of 123.456 moved 123.500, balances read "876.5 SAND", a vote's reward was rounded to
four digits, and a setting such as ``starting_balance="1000"`` raised an untyped
``decimal.InvalidOperation`` from ``connect``.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from decentsocial import Amount

from .conftest import START, sandbox


@contextmanager
def four_digits() -> Iterator[None]:
    with decimal.localcontext() as context:
        context.prec = 4
        yield


def test_settings_of_more_digits_than_the_context_are_accepted() -> None:
    with four_digits():
        net = sandbox(account="alice", now=START, starting_balance="1000", like_reward="1234.567")
        assert str(net.balance()) == "1000.000 SAND"
        assert net.economy.like_units == 1_234_567
    net.close()


def test_a_tip_moves_exactly_what_was_asked() -> None:
    alice = sandbox(account="alice", now=START)
    bob = alice.as_account("bob")
    with four_digits():
        alice.tip("bob", "12.345 SAND")
        assert alice.balance() == Amount(value=Decimal("87.655"), asset="SAND")
        assert str(bob.balance()) == "112.345 SAND"
        assert str(alice.balance()) == "87.655 SAND"
    bob.close()
    alice.close()


def test_a_votes_reward_is_rounded_down_to_a_thousandth_only() -> None:
    alice = sandbox(account="alice", now=START, like_reward="1234.567")
    bob = alice.as_account("bob")
    post = alice.publish("hello")
    with four_digits():
        bob.vote(post, 33.3)  # 1234.567 x 33.3 % = 411.110811
    assert [str(a) for a in alice.rewards(post).amounts] == ["411.110 SAND"]
    bob.close()
    alice.close()
