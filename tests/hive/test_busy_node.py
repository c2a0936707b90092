"""Node answers that are no refusal: tried again, on the next configured node.

hived's "Unable to acquire database lock" (-32003) is a busy node that did
nothing: ``ContentRejected`` there would fail a post that the same broadcast a
moment later publishes. A gateway's timeout or internal error on a read is no
reason to fail it while another node is configured.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from decentsocial import Draft, NetworkUnavailable
from decentsocial.backends.hive import HiveNetwork
from decentsocial.backends.hive.failures import error_from_rpc

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection

BUSY = {"code": -32003, "message": "Unable to acquire database lock"}


class BusyOnce:
    """Forwards to the replay node; the first broadcast is answered with hived's lock error."""

    def __init__(self, replay: ReplayServer) -> None:
        self.replay = replay
        self.busy = 1
        self.upstream = httpx.Client()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if "broadcast" in body["method"] and self.busy:
            self.busy -= 1
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "error": BUSY})
        real = self.upstream.post(self.replay.url, content=request.content)
        return httpx.Response(real.status_code, content=real.content)


@pytest.fixture
def busy(replay: ReplayServer) -> Iterator[HiveNetwork]:
    net = hive_connection("hive", replay, "alice", retry={"attempts": 3, "total_seconds": 30})
    node = BusyOnce(replay)
    net._rpc._transport = httpx.MockTransport(node)  # the network path, not our code
    try:
        yield net
    finally:
        net.close()
        node.upstream.close()


def test_a_broadcast_to_a_busy_node_is_sent_again_and_lands_once(
    busy: HiveNetwork, replay: ReplayServer
) -> None:
    post = busy.publish(Draft(text="Hello\n\nمرحبا 👋"))
    [sent] = replay.broadcasts
    assert sent.transaction["operations"][0][1]["permlink"] == post.id.split("/")[1]
    assert len(busy.signed) == 1  # the same signed transaction, re-sent


@pytest.mark.parametrize("method", ["condenser_api.broadcast_transaction", "bridge.get_post"])
def test_the_lock_error_is_a_retryable_network_error(method: str) -> None:
    err = error_from_rpc("hive", method, BUSY)
    assert isinstance(err, NetworkUnavailable)
    assert err.retryable


GATEWAY_ERRORS = [
    {"code": 1000, "message": "Request Timeout"},
    {"code": 1050, "message": "Response Timeout"},
    {"code": 1100, "message": "Upstream response error"},
    {"code": -32603, "message": "Internal Error"},
]


@pytest.mark.parametrize("error", GATEWAY_ERRORS, ids=lambda e: str(e["code"]))
def test_a_read_the_gateway_gave_up_on_goes_to_the_next_node(
    replay: ReplayServer, error: dict[str, object]
) -> None:
    """Two nodes configured: the first one's gateway error object is no reason to fail the read."""
    asked: list[str] = []
    upstream = httpx.Client()

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        if request.url.host == "localhost":  # the first node: its gateway answers with an error object
            body = json.loads(request.content)
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "error": error})
        real = upstream.post(replay.url, content=request.content)
        return httpx.Response(real.status_code, content=real.content)

    first = replay.url.replace("127.0.0.1", "localhost")
    net = hive_connection("hive", replay, "alice", nodes=[first, replay.url], retry={"attempts": 3})
    net._rpc._transport = httpx.MockTransport(handler)  # the network path, not our code
    try:
        assert net.get_post("steemit/firstpost").id == "steemit/firstpost"
    finally:
        net.close()
        upstream.close()
    assert asked == ["localhost", "127.0.0.1"]


def test_a_refusal_of_a_read_is_not_repeated() -> None:
    err = error_from_rpc("hive", "bridge.get_post", {"code": -32001, "message": "no such thing"})
    assert not err.retryable
