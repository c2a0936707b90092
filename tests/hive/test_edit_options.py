"""An edit cannot set beneficiaries or payout options: refused, never sent without them."""

from __future__ import annotations

import pytest

from decentsocial import Beneficiary, Draft, InvalidInput, PayoutOptions
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer


@pytest.mark.parametrize(
    "options",
    [
        {"beneficiaries": (Beneficiary(account="charity", percent=10),)},
        {"payout": PayoutOptions(decline=True)},
    ],
    ids=["beneficiaries", "decline"],
)
def test_an_edit_with_payout_options_is_refused_before_signing(
    net: HiveNetwork, replay: ReplayServer, options: dict[str, object]
) -> None:
    post = net.publish(Draft(text="Launch day\n\nv1", tags=("news",)))
    replay.clear()
    signed = len(net.signed)
    with pytest.raises(InvalidInput, match="set when a post is published"):
        net.edit(post, Draft(text="Launch day\n\nv2", **options))
    assert replay.broadcasts == []
    assert len(net.signed) == signed
