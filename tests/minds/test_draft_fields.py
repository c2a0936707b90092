"""Draft fields this Minds backend has no slot for are refused, never silently dropped.

A revenue share (``beneficiaries``, ``payout``), a title and a mention list used to vanish
while the post went out without them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import ContentRejected, UnsupportedFeature
from decentsocial.models import Beneficiary, PayoutOptions
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user


@pytest.fixture
def net(minds_server: ContractServer) -> Iterator[Any]:
    connection = minds_connect(minds_server, minds_user(minds_server))
    yield connection
    connection.close()


@pytest.mark.parametrize(
    "fields",
    [
        {"beneficiaries": (Beneficiary(account="charity", percent=10),)},
        {"payout": PayoutOptions(decline=True)},
    ],
    ids=["beneficiaries", "payout"],
)
def test_reward_terms_are_unsupported_and_nothing_is_posted(net: Any, fields: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedFeature, match="beneficiaries and payout options"):
        net.publish(ds.Draft(text="a promised share", **fields))
    assert list(net.posts(limit=5)) == []


@pytest.mark.parametrize(
    "fields", [{"title": "Launch day"}, {"mentions": ("alice",)}], ids=["title", "mentions"]
)
def test_a_title_or_mention_list_is_refused_and_nothing_is_posted(net: Any, fields: dict[str, Any]) -> None:
    with pytest.raises(ContentRejected, match="without a title or mention list"):
        net.publish(ds.Draft(text="body", **fields))
    assert list(net.posts(limit=5)) == []
