"""A tip's active key is checked against the account's authorities before anything is signed.

``tip`` reads the account (its balance) before signing: the same answer says
which of the account's authorities hold the configured active key. The
account's posting key there is refused (the chain would refuse every
transfer), and so is its owner key (it can replace every key; a program has
no use for it): ``AuthenticationError`` naming the role, never the key.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from decentsocial import AuthenticationError
from decentsocial.backends.hive import HiveNetwork
from decentsocial.backends.hive.transport import RpcClient

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection, public_key_for, wif_for
from .test_hostile_head_and_broadcast_answers import Proxy, proxy

__all__ = ["proxy"]  # the fixture, imported for these tests


def _authority(*keys: str) -> dict[str, Any]:
    return {"weight_threshold": 1, "account_auths": [], "key_auths": [[k, 1] for k in keys]}


#: alice's authorities as the node reports them: the test keys of each role.
ROLES = {
    "owner": _authority(public_key_for("alice", "owner")),
    "active": _authority(public_key_for("alice", "active")),
    "posting": _authority(public_key_for("alice", "posting")),
}


@pytest.fixture
def keyed(proxy: Proxy) -> Proxy:
    proxy.account = dict(ROLES)
    return proxy


def _alice(proxy: Proxy, network: str, active_role: str) -> HiveNetwork:
    net = hive_connection(network, proxy.replay, "alice", active_key=wif_for("alice", active_role))
    net._rpc.close()
    net._rpc = RpcClient(
        net.name, [proxy.replay.url], timeout=5, policy=net.retry, transport=httpx.MockTransport(proxy)
    )
    return net


@pytest.mark.parametrize("role", ["posting", "owner"])
@pytest.mark.parametrize("network", ["hive", "steem"])
@pytest.mark.parametrize("idempotency_key", [None, "tip-role-check"])
def test_an_active_key_of_another_role_is_refused_before_signing(
    keyed: Proxy, network: str, role: str, idempotency_key: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    net = _alice(keyed, network, role)
    wif = wif_for("alice", role)
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(AuthenticationError, match=f"is alice's {role} key, not an active key") as caught:
            net.tip("gtg", f"0.001 {net.chain.backed}", idempotency_key=idempotency_key)
        assert not net.signed
    finally:
        net.close()
    assert keyed.sent == []
    assert keyed.replay.broadcasts == []
    assert wif not in str(caught.value)
    assert wif not in repr(caught.value)
    assert wif not in caplog.text


def test_the_active_key_itself_pays(keyed: Proxy, replay: ReplayServer) -> None:
    net = _alice(keyed, "hive", "active")
    try:
        tx_id = net.tip("gtg", "0.001 HBD")
    finally:
        net.close()
    assert len(replay.broadcasts) == 1
    assert tx_id == net.signed[-1].id


def test_a_key_in_none_of_the_accounts_authorities_is_left_to_the_chain(
    proxy: Proxy, replay: ReplayServer
) -> None:
    """A key the account lists nowhere may hold its authority through another account (account_auths)."""
    proxy.account = {"active": _authority(public_key_for("someone", "active"))}
    net = _alice(proxy, "hive", "active")
    try:
        net.tip("gtg", "0.001 HBD")
    finally:
        net.close()
    assert len(replay.broadcasts) == 1
