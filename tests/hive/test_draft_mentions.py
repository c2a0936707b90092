"""A mention list is refused on Hive and Steem (front ends link an ``@name`` in the body only):
it used to be dropped while the post went out, notifying nobody."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds


@pytest.fixture(params=["hive", "steem"])
def net(request: pytest.FixtureRequest) -> Iterator[Any]:
    conn = ds.connect(request.param, account="acmebrand", nodes=["http://127.0.0.1:9"])
    yield conn
    conn.close()


def test_a_mention_list_is_refused_before_any_request(net: Any) -> None:
    with pytest.raises(ds.ContentRejected, match="no mention list"):
        net.check_draft(ds.Draft(text="Hello", title="Hi", mentions=("alice",)))
    net.check_draft(ds.Draft(text="Hello @alice", title="Hi"))  # written into the text: fine


def test_reward_terms_still_pass_the_shared_check(net: Any) -> None:
    share = (ds.Beneficiary(account="charity", percent=10),)
    net.check_draft(ds.Draft(text="Hello", title="Hi", beneficiaries=share))
