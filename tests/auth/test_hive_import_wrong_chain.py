"""A Hive key import checks the keys on a node of Hive, never on a node of the other chain.

The account's ``get_accounts`` entry was read with no look at its assets: a Steem node's entry (the
account's Steem keys) judged the keys given, so an import through a Steem node alone saved a profile
whose every write would fail, and with a Steem node first among Hive nodes the Steem node's entry
was used. The entry's balance now says which chain the node serves, as the other answers' amounts do.

On recorded answers: ``node.node("steem")`` serves them as a Steem node (tests/servers/_jsonrpc_replay.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from tests.auth.conftest import Store
from tests.servers._jsonrpc_replay import ReplayServer, load_cases
from tests.servers.hive import FIXTURE, public_key_for, wif_for

pytest.importorskip("beem", reason="the test keys are made with beem")

ACCOUNT = "ds-signin"


def _authority(role: str) -> dict[str, Any]:
    return {"weight_threshold": 1, "account_auths": [], "key_auths": [[public_key_for(ACCOUNT, role), 1]]}


@pytest.fixture(scope="module")
def node() -> Iterator[ReplayServer]:
    """The recorded answers plus one account whose keys the tests hold, with a balance as every real
    ``get_accounts`` entry has (in HIVE; in STEEM from the Steem form)."""
    entry: dict[str, Any] = {"name": ACCOUNT, "balance": "12.345 HIVE", "hbd_balance": "1.000 HBD"}
    entry |= {"posting": _authority("posting"), "active": _authority("active")}
    call = {"id": ACCOUNT, "method": "condenser_api.get_accounts", "params": [[ACCOUNT]]}
    server = ReplayServer([*load_cases(FIXTURE), {**call, "result": [entry]}], port=0).start()
    try:
        yield server
    finally:
        server.stop()


def _import(nodes: list[str]) -> ds.auth.SignIn:
    return ds.auth.hive_import(
        "hive",
        account=ACCOUNT,
        nodes=nodes,
        posting_key=wif_for(ACCOUNT, "posting"),
        profile="brand-hive",
        retry={"attempts": 1},
    )


def test_an_import_through_a_steem_node_alone_is_refused_and_nothing_saved(
    node: ReplayServer, store: Store
) -> None:
    with pytest.raises(ds.ConfigurationError, match="serves Steem, not Hive"):
        _import([node.node("steem")])  # before: the keys were checked on Steem and the profile saved
    assert store.secrets() == {}
    assert "brand-hive" not in store.config_text()


def test_an_import_checks_the_keys_on_the_hive_node_after_a_steem_one(
    node: ReplayServer, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    node.clear()
    with caplog.at_level(logging.WARNING, logger="decentsocial.hive"):
        signed = _import([node.node("steem"), node.url])
    assert signed.scopes == ("posting",)
    assert node.steem_requests, "the Steem node was asked first"
    # before: the Steem node's entry was taken as the account's, and no node was left out
    assert any("serves Steem, not Hive" in r.getMessage() for r in caplog.records)
