"""A post's pending payout as hived will pay it: at most its ``max_accepted_payout``.

Bridge sends ``pending_payout_value`` as the votes' worth, whatever the cap: a post whose author
declined the payout (``max_accepted_payout: "0.000 HBD"``, which ``Payout(decline=True)`` publishes)
read as pending its full worth, and a capped one as more than the cap. hived pays at most the cap
(the whole payout, author's and curators'); front ends show it so. Recorded posts, with the cap set.
"""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial.backends.hive import HIVE, STEEM, Chain
from decentsocial.backends.hive.convert import post_from_bridge, reward_of_post
from decentsocial.models import Amount
from tests.trusted import as_validation_builds

from .test_fuzz import POSTS

CHAINS = pytest.mark.parametrize("chain", [HIVE, STEEM], ids=["hive", "steem"])


def _pending(chain: Chain, worth: str, cap: Any) -> dict[str, Any]:
    post = {**POSTS[0], "is_paidout": False, "pending_payout_value": f"{worth} {chain.backed}"}
    return {**post, "max_accepted_payout": cap}


@CHAINS
@pytest.mark.parametrize(
    ("cap", "paid"),
    [("0.000", "0.000"), ("5.000", "5.000"), ("12.345", "12.345"), ("1000000.000", "12.345")],
)
def test_a_pending_payout_is_at_most_its_cap(chain: Chain, cap: str, paid: str) -> None:
    reward = reward_of_post(_pending(chain, "12.345", f"{cap} {chain.backed}"), chain)
    assert reward.status == "pending"
    assert reward.amounts == (Amount.parse(f"{paid} {chain.backed}"),)
    assert reward.raw is not None
    assert reward.raw["max_accepted_payout"] == f"{cap} {chain.backed}"  # as sent


@CHAINS
def test_a_declined_post_in_a_page_reads_as_validation_builds_it(chain: Chain) -> None:
    post = post_from_bridge(_pending(chain, "3.210", f"0.000 {chain.backed}"), chain)
    assert post.reward is not None
    assert post.reward.amounts == (Amount.parse(f"0.000 {chain.backed}"),)
    as_validation_builds(post)


@CHAINS
@pytest.mark.parametrize("cap", [None, "junk", 7, ["0.000 HBD"], "1.000 VESTS"])
def test_a_cap_that_is_no_cap_in_the_payouts_asset_leaves_the_payout(chain: Chain, cap: Any) -> None:
    reward = reward_of_post(_pending(chain, "12.345", cap), chain)
    assert reward.amounts == (Amount.parse(f"12.345 {chain.backed}"),)
