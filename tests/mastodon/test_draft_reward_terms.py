"""A revenue share (``beneficiaries``, ``payout``) is refused on Mastodon, which cannot pay one:
the status used to be posted without it, and nothing said the promise was lost."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("mastodon")

import decentsocial as ds
from decentsocial.models import Beneficiary, PayoutOptions
from tests.servers.mastodon import MastodonServer


@pytest.fixture
def net(mastodon_server: MastodonServer) -> Iterator[Any]:
    connection = mastodon_server.connect("carol")
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
    before = [p.id for p in net.posts(limit=5)]
    with pytest.raises(ds.UnsupportedFeature, match="beneficiaries and payout options"):
        net.publish(ds.Draft(text="a promised share", **fields))
    assert [p.id for p in net.posts(limit=5)] == before
