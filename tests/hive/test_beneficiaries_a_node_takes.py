"""At most 8 beneficiaries: the most a node takes in a transaction it is handed.

hived's comment_options evaluator refuses more than
``HIVE_MAX_COMMENT_BENEFICIARIES`` (8, as the recorded ``get_config`` of a Hive
node says) for any transaction a node is given to broadcast; Steem's witnesses
keep to the same 8. The operation's own check (fewer than 128) is no limit a
broadcast can use, so a draft with 9 is refused by ``check_draft`` and by
``publish`` before anything is signed.
"""

from __future__ import annotations

import gzip
import json

import pytest

from decentsocial import Beneficiary, ContentRejected, Draft
from decentsocial.backends.hive import HiveNetwork
from decentsocial.backends.hive.ops import BENEFICIARY_LIMIT

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import FIXTURE


def _draft(count: int) -> Draft:
    shares = tuple(Beneficiary(account=f"ben{i:03d}", percent="0.5") for i in range(count))
    return Draft(text="Shared", title="Shared", beneficiaries=shares)


def test_the_limit_is_the_one_a_hive_node_reports() -> None:
    with gzip.open(FIXTURE, "rt") as lines:
        config = next(
            case["result"] for case in map(json.loads, lines) if case["method"] == "condenser_api.get_config"
        )
    assert BENEFICIARY_LIMIT == config["HIVE_MAX_COMMENT_BENEFICIARIES"] == 8


@pytest.mark.parametrize("count", [9, 127, 128])
def test_more_than_8_beneficiaries_are_refused_before_signing(
    net: HiveNetwork, replay: ReplayServer, count: int
) -> None:
    with pytest.raises(ContentRejected, match="at most 8 beneficiaries"):
        net.check_draft(_draft(count))
    with pytest.raises(ContentRejected, match="at most 8 beneficiaries"):
        net.publish(_draft(count))
    assert not net.signed
    assert replay.broadcasts == []


def test_8_beneficiaries_go_out_sorted_in_one_transaction(net: HiveNetwork, replay: ReplayServer) -> None:
    net.publish(_draft(8))
    (sent,) = replay.broadcasts
    options = sent.transaction["operations"][1][1]
    routes = options["extensions"][0][1]["beneficiaries"]
    assert [r["account"] for r in routes] == [f"ben{i:03d}" for i in range(8)]
