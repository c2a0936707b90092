"""Hive and Steem for the tests: recorded mainnet answers replayed by a local JSON-RPC node double.

The replay server (``tests/servers/_jsonrpc_replay.py``) listens on
127.0.0.1, on the first free port of 38400–38409, in a thread of the test
process; it is stopped at the end of the session. Reads are answered from
``tests/fixtures/hive/api-cases.jsonl.gz``; broadcasts are recorded, never
applied, so the harness is ``live=False``: the contract suite reads the
recorded ``samples`` and skips read-after-write cases.

Test keys are derived from fixed test passwords (never real keys); the
recorded accounts ``alice`` and ``gtg`` play ``me`` and ``other``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from decentsocial import Network, connect
from decentsocial.backends.hive import HiveNetwork

from ..contract.harness import Harness
from ._jsonrpc_replay import ReplayServer, as_steem, load_cases
from ._ports import ports

HARNESSES = ("hive", "steem")

FIXTURE = Path(__file__).parent.parent / "fixtures" / "hive" / "api-cases.jsonl.gz"
PORTS = ports(38400, 10)

#: Recorded objects the read cases use (all in the fixture file).
SAMPLES = {
    "post": "steemit/firstpost",
    "account": "alice",
    "tag": "life",
    "community": "hive-111119",
    "me": "alice",
    "other": "gtg",
}

READ_AFTER_WRITE = (
    "recorded mainnet answers replay reads only; what was broadcast is checked "
    "(signed operations, verified with hiveio-wax) but a live chain would be needed to read it back"
)


def served(network: Any, answer: Any) -> Any:
    """A recorded (Hive) answer as a node of ``network`` (a name or a Chain) serves it: for Steem, the
    same history with its amounts in Steem's assets (as ``ReplayServer.node("steem")`` serves it)."""
    return as_steem(answer) if getattr(network, "network", network) == "steem" else answer


def wif_for(account: str, role: str) -> str:
    """A deterministic private key for tests (derived from a fixed test password, never a real key)."""
    from beemgraphenebase.account import PasswordKey

    return str(PasswordKey(account, f"decentsocial-test-password-{account}", role=role).get_private_key())


def public_key_for(account: str, role: str) -> str:
    from beemgraphenebase.account import PasswordKey

    return format(
        PasswordKey(account, f"decentsocial-test-password-{account}", role=role).get_public_key(), "STM"
    )


def _free_port() -> int:
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            # As the server binds (allow_reuse_address): a port whose last connections are in
            # TIME_WAIT is free for it, and must not count as taken here.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 38400-38409 for the Hive replay server")


@pytest.fixture(scope="session")
def hive_replay() -> Iterator[ReplayServer]:
    """The replay node, started once per session and stopped at its end."""
    server = ReplayServer(load_cases(FIXTURE), port=_free_port()).start()
    try:
        yield server
    finally:
        server.stop()


def hive_connection(network: str, server: ReplayServer, account: str, **extra: Any) -> HiveNetwork:
    """A connection for ``account`` with test posting and active keys, to the replay node only."""
    settings: dict[str, Any] = {
        "account": account,
        "posting_key": wif_for(account, "posting"),
        "active_key": wif_for(account, "active"),
        "nodes": [server.node(network)],
        "retry": {"attempts": 1},
        "timeout": 5,
    }
    net = connect(network, **{**settings, **extra})
    assert isinstance(net, HiveNetwork)
    return net


def exit_script(network: str, server: ReplayServer) -> str:
    """A script that reads and writes through the replay node and never calls close()."""
    key = wif_for(SAMPLES["me"], "posting")
    return f"""
import decentsocial as ds
net = ds.connect(
    {network!r},
    account={SAMPLES["me"]!r},
    posting_key={key!r},
    nodes=[{server.node(network)!r}],
    retry={{"attempts": 1}},
)
net.get_post({SAMPLES["post"]!r})
net.vote({SAMPLES["post"]!r}, 1)
"""


def _harness(network: str, server: ReplayServer) -> Iterator[Harness]:
    # alice's notifications were recorded with min_score 15.
    me = hive_connection(network, server, SAMPLES["me"], notification_min_score=15)
    other = hive_connection(network, server, SAMPLES["other"])
    try:
        yield Harness(
            name=network,
            me=cast("Network", me),
            other=cast("Network", other),
            live=False,
            samples=dict(SAMPLES),
            exit_script=exit_script(network, server),
            skips={
                "test_pagination": (
                    "the recordings hold only the first (full) page of alice's posts, the one account "
                    "with both a recorded profile and recorded posts; paging across pages with "
                    "start_author/start_permlink is tested in tests/hive on recorded page chains "
                    "(test-creator, hive-135485)"
                ),
            },
        )
    finally:
        me.close()
        other.close()


@pytest.fixture
def hive_harness(hive_replay: ReplayServer) -> Iterator[Harness]:
    hive_replay.clear()
    yield from _harness("hive", hive_replay)


@pytest.fixture
def steem_harness(hive_replay: ReplayServer) -> Iterator[Harness]:
    hive_replay.clear()
    yield from _harness("steem", hive_replay)
