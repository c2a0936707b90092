"""A node's reward balance finer than the chain holds is its malformed answer, not the caller's input.

``claim_rewards`` claims what ``condenser_api.get_accounts`` says is pending.
A balance with more decimals than the asset has (``1.0001 HBD``) came back
from ``claim_rewards`` as ``InvalidInput`` ("has more than 3 decimal places"),
as if the caller had typed it; it is the node's ``NetworkUnavailable`` now,
and nothing is signed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from decentsocial import NetworkUnavailable

from ..servers._jsonrpc_replay import ReplayServer
from .test_answers_checked import _through


@pytest.fixture
def upstream() -> Iterator[httpx.Client]:
    client = httpx.Client()
    yield client
    client.close()


def _alice(**fields: str) -> list[dict[str, Any]]:
    zero = {
        "reward_hive_balance": "0.000 HIVE",
        "reward_hbd_balance": "0.000 HBD",
        "reward_vesting_balance": "0.000000 VESTS",
        "reward_vesting_hive": "0.000 HIVE",
    }
    return [{"name": "alice", **zero, **fields}]


@pytest.mark.parametrize(
    "fields",
    [{"reward_hbd_balance": "1.0001 HBD"}, {"reward_vesting_balance": "2.0000001 VESTS"}],
    ids=["hbd", "vests"],
)
def test_a_too_fine_reward_balance_is_malformed(
    replay: ReplayServer, upstream: httpx.Client, fields: dict[str, str]
) -> None:
    net = _through(replay, upstream, {"condenser_api.get_accounts": lambda _: _alice(**fields)})
    try:
        for act in (net.pending_rewards, net.claim_rewards):
            with pytest.raises(NetworkUnavailable, match=r"more than \d decimal places"):
                act()
    finally:
        net.close()
    assert replay.broadcasts == []
    assert len(net.signed) == 0


def test_trailing_zeros_and_zero_balances_are_claimed(replay: ReplayServer, upstream: httpx.Client) -> None:
    answer = _alice(reward_hbd_balance="1.500 HBD", reward_vesting_balance="0E-10 VESTS")
    net = _through(replay, upstream, {"condenser_api.get_accounts": lambda _: answer})
    try:
        claimed = net.claim_rewards()
    finally:
        net.close()
    assert claimed.status == "paid"
    [(name, claim)] = replay.broadcasts[0].transaction["operations"]
    assert (name, claim["reward_hbd"], claim["reward_vests"]) == (
        "claim_reward_balance",
        "1.500 HBD",
        "0.000000 VESTS",
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"reward_hbd_balance": "1.000 HIVE"},
        {"reward_hive_balance": "1.000 HBD"},
        {"reward_vesting_balance": "1.000000 HIVE"},
        {"reward_vesting_hive": "1.000000 VESTS"},
        {"reward_hbd_balance": {"amount": "1000", "precision": 3, "nai": "@@000000021"}},  # HIVE's NAI
    ],
    ids=["hbd-in-hive", "hive-in-hbd", "vests-in-hive", "power-in-vests", "hbd-as-hive-nai"],
)
def test_a_balance_in_another_asset_is_malformed_and_never_claimed(
    replay: ReplayServer, upstream: httpx.Client, fields: dict[str, Any]
) -> None:
    # It was relabelled as the field's asset: "1.000 HIVE" pending as HBD, then claimed as "1.000 HBD".
    net = _through(replay, upstream, {"condenser_api.get_accounts": lambda _: _alice(**fields)})
    try:
        for act in (net.pending_rewards, net.claim_rewards):
            with pytest.raises(NetworkUnavailable, match=r"\(in [A-Z]+, not [A-Z]+\)"):
                act()
    finally:
        net.close()
    assert replay.broadcasts == []
    assert len(net.signed) == 0


def test_a_steem_account_is_read_and_claimed_in_steem_assets(
    replay: ReplayServer, upstream: httpx.Client
) -> None:
    answer = [
        {
            "name": "alice",
            "reward_sbd_balance": "1.500 SBD",
            "reward_steem_balance": "0.000 STEEM",
            "reward_vesting_balance": "2.000000 VESTS",
            "reward_vesting_steem": "0.001 STEEM",
        }
    ]
    net = _through(replay, upstream, {"condenser_api.get_accounts": lambda _: answer}, network="steem")
    try:
        pending = net.pending_rewards()
        claimed = net.claim_rewards()
    finally:
        net.close()
    assert [str(a) for a in pending.amounts] == ["1.500 SBD", "0.000 STEEM", "2.000000 VESTS", "0.001 SP"]
    assert claimed.status == "paid"
    [(name, claim)] = replay.broadcasts[0].transaction["operations"]
    assert (name, claim["reward_sbd"], claim["reward_steem"], claim["reward_vests"]) == (
        "claim_reward_balance",
        "1.500 SBD",
        "0.000 STEEM",
        "2.000000 VESTS",
    )
