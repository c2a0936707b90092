"""One node of the other chain among good ones is left out, as a node that is down is: the call
goes to the next configured node, and nothing is signed on its head block nor broadcast through it.
Only when every configured node is the other chain's does the call end in the ``ConfigurationError``.

On recorded answers: ``replay.node("steem")`` serves the recorded history as a Steem node (its amounts
in SBD/STEEM), ``replay.url`` as a Hive node (see tests/servers/_jsonrpc_replay.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from decentsocial.backends.hive import HiveNetwork
from decentsocial.errors import ConfigurationError

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection
from .test_wrong_chain import READS, WRITES

pytest.importorskip("beem")  # the test keys of hive_connection

#: A node URL's token (a paid node's key): never in a log line or an error.
TOKEN = "t0ken"


def _steem_with_token(replay: ReplayServer, host: str = "127.0.0.1") -> str:
    """The Steem form of the replay node, at ``host``, its URL carrying a token."""
    return replay.node("steem").replace("127.0.0.1", host) + f"?token={TOKEN}"


@pytest.fixture
def mixed(replay: ReplayServer) -> Iterator[HiveNetwork]:
    """A Hive connection whose first node serves Steem and whose second serves Hive."""
    net = hive_connection("hive", replay, "alice", nodes=[_steem_with_token(replay), replay.url])
    try:
        yield net
    finally:
        net.close()


def _answer_of(replay: ReplayServer, read: Callable[[HiveNetwork], Any]) -> Any:
    """What ``read`` gives on a connection to the Hive node alone."""
    net = hive_connection("hive", replay, "alice")
    try:
        return read(net)
    finally:
        net.close()


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_read_moves_on_from_a_node_of_the_other_chain(
    mixed: HiveNetwork,
    read: Callable[[HiveNetwork], Any],
    replay: ReplayServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="decentsocial.hive"):
        got = read(mixed)  # before: ConfigurationError, with a Hive node configured next
    assert replay.steem_requests, "the Steem node was asked first"
    assert got == _answer_of(replay, read)  # the Hive node's answer, in Hive's assets
    left_out = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert len(left_out) == 1
    assert left_out[0].startswith(f"the node at {replay.url} serves Steem, not Hive (an amount in S")
    assert left_out[0].endswith("): left out, the next configured node is asked")
    assert TOKEN not in caplog.text
    # Never asked again: the next read goes to the Hive node only.
    asked = len(replay.steem_requests)
    assert read(mixed) == got
    assert len(replay.steem_requests) == asked


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_is_signed_and_broadcast_through_a_node_of_this_chain(
    mixed: HiveNetwork, write: Callable[[HiveNetwork], Any], replay: ReplayServer
) -> None:
    _answer_of(replay, write)
    sent = len(replay.broadcasts)  # what a connection to the Hive node alone sends (no claim: 0)
    replay.clear()
    write(mixed)  # before: ConfigurationError, nothing sent
    assert replay.steem_requests, "the Steem node was asked first"
    assert len(replay.broadcasts) == len(mixed.signed) == sent
    assert not any(b.steem for b in replay.broadcasts)
    assert not [m for m, _ in replay.steem_requests if "broadcast" in m]


def test_the_steem_node_asked_once_is_left_out_for_every_later_call(
    mixed: HiveNetwork, replay: ReplayServer
) -> None:
    mixed.get_post("steemit/firstpost")
    asked = len(replay.steem_requests)
    assert asked == 1
    mixed.vote("steemit/firstpost", 10)
    list(mixed.posts("alice", limit=5))
    mixed.pending_rewards("gtg")
    assert len(replay.steem_requests) == asked
    assert [b.steem for b in replay.broadcasts] == [False]


@pytest.mark.parametrize("write", [WRITES["vote"], WRITES["tip"]], ids=["vote", "tip"])
def test_every_node_of_the_other_chain_is_still_a_configuration_error(
    write: Callable[[HiveNetwork], Any], replay: ReplayServer
) -> None:
    nodes = [_steem_with_token(replay), _steem_with_token(replay, "localhost")]
    net = hive_connection("hive", replay, "alice", nodes=nodes)
    try:
        with pytest.raises(ConfigurationError, match="serves Steem, not Hive") as info:
            write(net)
        with pytest.raises(ConfigurationError, match="serves Steem, not Hive"):
            net.get_post("steemit/firstpost")
    finally:
        net.close()
    host = replay.url.removeprefix("http://127.0.0.1")
    text = str(info.value)
    assert f"every node of http://127.0.0.1{host}, http://localhost{host} serves Steem" in text
    assert TOKEN not in text
    assert "/steem" not in text
    assert not info.value.retryable
    assert replay.broadcasts == []
    assert len(net.signed) == 0


def test_one_node_of_the_other_chain_is_a_configuration_error_as_before(replay: ReplayServer) -> None:
    net = hive_connection("hive", replay, "alice", nodes=[replay.node("steem")])
    try:
        with pytest.raises(ConfigurationError, match=f"the node at {replay.url} serves Steem"):
            net.get_post("steemit/firstpost")
        with pytest.raises(ConfigurationError, match=f"the node at {replay.url} serves Steem"):
            net.vote("steemit/firstpost", 10)
    finally:
        net.close()
    assert replay.broadcasts == []
    assert len(net.signed) == 0
