"""A paid post whose author and curators were paid in different assets is the node's malformed answer.

Hive pays both shares of a post in one asset (HBD; SBD on Steem). A node
answering ``author_payout_value: "1.000 HBD"`` with
``curator_payout_value: "1.000 HIVE"`` made reading the post raise
``InvalidInput`` ("cannot combine HBD with HIVE"), the caller's error; it is
``NetworkUnavailable`` (a malformed answer) now, and the two are never summed.
"""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial import NetworkUnavailable
from decentsocial.backends.hive.chain import HIVE, STEEM, Chain
from decentsocial.backends.hive.convert import reward_of_post


def _paid(author: str, curator: str) -> dict[str, Any]:
    return {
        "author": "alice",
        "permlink": "a-post",
        "is_paidout": True,
        "author_payout_value": author,
        "curator_payout_value": curator,
    }


@pytest.mark.parametrize("chain", [HIVE, STEEM], ids=["hive", "steem"])
def test_shares_in_two_assets_are_a_malformed_answer(chain: Chain) -> None:
    post = _paid(f"1.000 {chain.backed}", f"1.000 {chain.liquid}")
    with pytest.raises(NetworkUnavailable, match="different assets"):
        reward_of_post(post, chain)


@pytest.mark.parametrize("chain", [HIVE, STEEM], ids=["hive", "steem"])
def test_shares_in_one_asset_are_summed_exactly(chain: Chain) -> None:
    reward = reward_of_post(_paid(f"1.250 {chain.backed}", f"0.750 {chain.backed}"), chain)
    assert reward.status == "paid"
    assert [str(a) for a in reward.amounts] == [f"2.000 {chain.backed}"]
    assert [(p.role, [str(a) for a in p.amounts]) for p in reward.parts] == [
        ("author", [f"1.250 {chain.backed}"]),
        ("curator", [f"0.750 {chain.backed}"]),
    ]
