"""Signing leaves the caller's ``Decimal`` context as it was.

beem reads each amount of an operation (a transfer's, a claim's, a payout
cap) with ``decimal.getcontext().rounding = ROUND_DOWN``: after a tip, the
caller's own ``Decimal`` arithmetic rounded down, and so did the next vote's
weight (33.3371 % went out as 3333 basis points, not 3334).
"""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from decentsocial import Beneficiary, Draft, PayoutOptions
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer


@pytest.mark.parametrize("write", ["tip", "payout cap"])
def test_a_write_with_an_amount_keeps_the_callers_rounding(
    net: HiveNetwork, replay: ReplayServer, write: str
) -> None:
    pytest.importorskip("beem")  # signs
    with decimal.localcontext() as context:  # the caller's context, whatever the test run left before
        context.rounding = ROUND_HALF_EVEN
        net.vote("steemit/firstpost", 33.3371)
        if write == "tip":
            net.tip("steemit", f"0.001 {net.chain.backed}")
        else:
            payout = PayoutOptions(max_accepted_payout=f"10.000 {net.chain.backed}", percent_backed=0)
            beneficiary = (Beneficiary(account="gtg", percent=10),)
            net.publish(Draft(title="Capped", text="capped payout", beneficiaries=beneficiary, payout=payout))
        assert decimal.getcontext().rounding == ROUND_HALF_EVEN
        assert Decimal("1.7").quantize(Decimal("1")) == 2  # the caller's own arithmetic, as before
        net.vote("steemit/firstpost", 33.3371)
    votes = [op for b in replay.broadcasts for name, op in b.transaction["operations"] if name == "vote"]
    assert [vote["weight"] for vote in votes] == [3334, 3334]  # the same weight before and after
