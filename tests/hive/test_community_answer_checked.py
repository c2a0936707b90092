"""``community(id)`` answered with another community is a malformed answer, as a post or a profile is.

A node (caching proxy, hostile or buggy) that answers ``bridge.get_community`` for hive-111119 with
hive-222222's record gave that record under the name asked for's question: its title, members and
description were taken as the asked community's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest

from decentsocial import NetworkUnavailable

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import SAMPLES, hive_connection

pytest.importorskip("beem")  # the test keys of hive_connection


@pytest.fixture
def upstream() -> Iterator[httpx.Client]:
    client = httpx.Client()
    yield client
    client.close()


@pytest.mark.parametrize("network", ["hive", "steem"])
def test_another_communitys_answer_is_malformed(
    replay: ReplayServer, upstream: httpx.Client, network: str
) -> None:
    asked = SAMPLES["community"]

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        real = upstream.post(replay.url, content=request.content).json()
        if body["method"] == "bridge.get_community":
            real["result"] = {**real["result"], "name": "hive-222222", "title": "Someone else's"}
        return httpx.Response(200, json=real)

    with closing(hive_connection(network, replay, "alice")) as net:
        assert net.community(asked).id == asked  # the recorded answer is the one asked for
        net._rpc._transport = httpx.MockTransport(handler)  # the wire, not our code
        with pytest.raises(NetworkUnavailable) as caught:
            net.community(asked)
    assert asked in caught.value.message
    assert "hive-222222" in caught.value.message
    assert not caught.value.retryable
