"""``pinned()`` on a node that starts the next page with the post the page before ended on.

Hivemind starts a ``bridge.get_ranked_posts`` page after ``start_author``/``start_permlink``;
condenser_api, a caching proxy or a hostile node starts it *with* that post. Every other bridge list
asks such a node for one more (``hive/listing.py``); pins did not, and a limit past the first page
came back short. Recorded: hive-135485's ``created`` list, which starts with its 15 pinned posts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest

from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection
from .test_pins import PINNED_135485
from .test_start_item_repeated import _repeating

pytest.importorskip("beem")  # the test keys of hive_connection

COMMUNITY = "hive-135485"


@pytest.fixture
def upstream() -> Iterator[httpx.Client]:
    client = httpx.Client()
    yield client
    client.close()


@pytest.mark.parametrize("limit", [11, 12, 14, 15, None])
def test_pins_on_a_node_that_repeats_the_start_post_miss_nothing(
    replay: ReplayServer, upstream: httpx.Client, monkeypatch: pytest.MonkeyPatch, limit: int | None
) -> None:
    monkeypatch.setattr(HiveNetwork, "page_size", 10)  # the 15 pins take two pages
    with closing(hive_connection("hive", replay, "alice")) as net:
        net._rpc._transport = httpx.MockTransport(_repeating(replay, upstream))  # the wire, not our code
        got = [p.id for p in net.pinned(COMMUNITY, limit=limit)]
    assert got == PINNED_135485[:limit]


def test_pins_on_a_node_that_ignores_the_start_post_end_after_one_page(
    replay: ReplayServer, upstream: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A node answering every page from the top: the first page once, then the listing ends."""
    monkeypatch.setattr(HiveNetwork, "page_size", 10)
    asked: list[object] = []

    def from_the_top(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        params = body["params"]
        if isinstance(params, dict):
            asked.append(params)
            body = {**body, "params": {k: v for k, v in params.items() if not k.startswith("start_")}}
        return httpx.Response(200, json=upstream.post(replay.url, json=body).json())

    with closing(hive_connection("hive", replay, "alice")) as net:
        net._rpc._transport = httpx.MockTransport(from_the_top)
        got = [p.id for p in net.pinned(COMMUNITY, limit=None)]
    assert got == PINNED_135485[:10]
    assert len(asked) <= 3
