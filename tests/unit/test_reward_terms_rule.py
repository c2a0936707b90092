"""One rule for a draft's reward terms (``beneficiaries``, ``payout``): a backend that honours them
says so (``reward_terms``); every other refuses them before any I/O, votes or not."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

import decentsocial as ds
from decentsocial.base import BaseNetwork
from decentsocial.network import Capability
from decentsocial.settings import NetworkSettings

TERMS: list[dict[str, Any]] = [
    {"beneficiaries": (ds.Beneficiary(account="charity", percent=10),)},
    {"payout": ds.PayoutOptions(decline=True)},
]


class Toy(BaseNetwork[NetworkSettings]):
    name: ClassVar[str] = "toy"
    capabilities = frozenset({Capability.PUBLISH})


class Voted(Toy):
    capabilities = frozenset({Capability.PUBLISH, Capability.VOTE})


class Declared(Toy):
    reward_terms = True


class Declined(Voted):
    reward_terms = False


@pytest.mark.parametrize("fields", TERMS, ids=["beneficiaries", "payout"])
def test_reward_terms_pass_only_where_they_are_honoured(fields: dict[str, Any]) -> None:
    draft = ds.Draft(text="share", **fields)
    Declared().check_draft(draft)
    for refuses in (Toy(), Voted(), Declined()):
        with pytest.raises(ds.UnsupportedFeature, match="beneficiaries and payout options") as caught:
            refuses.check_draft(draft)
        assert caught.value.capability == Capability.REWARDS


def test_bluesky_refuses_them_by_the_shared_rule() -> None:
    pytest.importorskip("atproto", reason="the bluesky extra is not installed (the compat sessions)")
    net = ds.connect("bluesky", handle="a.test", password="p", base_url="http://127.0.0.1:9")
    try:
        with pytest.raises(ds.UnsupportedFeature, match="beneficiaries and payout options"):
            net.check_draft(ds.Draft(text="share", **TERMS[0]))
    finally:
        net.close()
