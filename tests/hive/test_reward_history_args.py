"""``reward_history`` checks its paging arguments before any request.

A string ``start`` raised a raw ``TypeError``; a float, a bool or an index
below -1 went to the node as it was (``"limit": true``), to come back as a
node failure rather than the caller's mistake.
"""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial import InvalidInput
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer

BAD: dict[str, dict[str, Any]] = {
    "start as text": {"start": "5"},
    "start a float": {"start": 5.5},
    "start below -1": {"start": -5},
    "start a bool": {"start": True},
    "page_size a bool": {"page_size": True},
    "page_size a float": {"page_size": 5.5},
    "page_size as text": {"page_size": "100"},
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_paging_arguments_are_refused_before_any_request(
    net: HiveNetwork, replay: ReplayServer, case: str
) -> None:
    arguments = BAD[case]
    with pytest.raises(InvalidInput, match=r"(start|page_size) must be"):
        list(net.reward_history("alice", limit=2, **arguments))
    assert replay.requests == []


def test_good_arguments_still_page(net: HiveNetwork, replay: ReplayServer) -> None:
    history = list(net.reward_history("adm", kinds=("curation",), start=75000, page_size=13, limit=5))
    assert len(history) == 5
    method, params = replay.requests[0]
    assert method == "account_history_api.get_account_history"
    assert (params["start"], params["limit"]) == (75000, 13)
