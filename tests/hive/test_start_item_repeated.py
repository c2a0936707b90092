"""Bridge lists paged from the last item of the page before, on a node that starts the next page with it.

Hivemind starts a page after ``start_author``/``start_permlink`` (or ``last_id``); condenser_api, a
caching proxy or a hostile node starts it *with* that item. The listing drops the repeat, and must
still give as many items as asked: before, a listing with a limit came back one short. Recorded posts
(hive-135485's ``created`` list, replayed) and a node of 250 made-up notifications.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection

pytest.importorskip("beem")  # the test keys of hive_connection

COMMUNITY = "hive-135485"  # 26 posts recorded in its created list


@pytest.fixture
def upstream() -> Iterator[httpx.Client]:
    client = httpx.Client()
    yield client
    client.close()


def _repeating(replay: ReplayServer, upstream: httpx.Client) -> Callable[[httpx.Request], httpx.Response]:
    """The replay node, but a page after a start post begins with that post (and has one fewer after it)."""
    known: dict[tuple[str, str], Any] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        def ask(body: dict[str, Any]) -> Any:  # the node the connection asked (Hive's or Steem's form)
            return upstream.post(str(request.url), json=body).json()["result"]

        body = json.loads(request.content)
        params = body["params"]
        if isinstance(params, dict) and params.get("start_author"):
            start = known[(params["start_author"], params["start_permlink"])]
            rest = params["limit"] - 1
            result = [start, *(ask({**body, "params": {**params, "limit": rest}}) if rest else [])]
        else:
            result = ask(body)
        for post in result if isinstance(result, list) else []:
            known[(post["author"], post["permlink"])] = post
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result})

    return handler


@pytest.mark.parametrize("limit", [21, 22, 25, 26, 40, None])
@pytest.mark.parametrize("network", ["hive", "steem"])
def test_post_pages_that_repeat_the_start_post_miss_nothing(
    replay: ReplayServer, upstream: httpx.Client, limit: int | None, network: str
) -> None:
    with closing(hive_connection(network, replay, "alice")) as net:
        expected = [p.id for p in net.community_posts(COMMUNITY, limit=limit)]
        assert len(expected) == min(limit or 26, 26)
        net._rpc._transport = httpx.MockTransport(_repeating(replay, upstream))  # the wire, not our code
        got = [p.id for p in net.community_posts(COMMUNITY, limit=limit)]
    assert got == expected


def test_a_node_that_keeps_to_bridge_is_asked_as_before(replay: ReplayServer) -> None:
    with closing(hive_connection("hive", replay, "alice")) as net:
        posts = list(net.community_posts(COMMUNITY, limit=25))
    assert len(posts) == 25
    limits = [p["limit"] for m, p in replay.requests if m == "bridge.get_ranked_posts"]
    assert limits == [20, 5]  # no request for one more: only a node seen repeating is asked so


def _notifications(total: int, *, repeat: bool, requests: list[dict[str, Any]]) -> httpx.MockTransport:
    """A node of ``total`` notifications, newest (highest id) first; ``repeat``: a page after
    ``last_id`` starts with that notification."""
    items = [
        {
            "id": n,
            "type": "vote",
            "score": 50,
            "date": "2024-03-01T12:00:00",
            "msg": f"@u{n} voted",
            "url": "",
        }
        for n in range(total, 0, -1)
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        params = body["params"]
        requests.append(params)
        limit, last = params["limit"], params.get("last_id")
        ids = [str(i["id"]) for i in items]
        start = 0 if last is None else ids.index(str(last)) + (0 if repeat else 1)
        page = items[start : start + limit]
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": page})

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("limit", [100, 101, 150, 199, 200, 201, None])
def test_notification_pages_that_repeat_the_last_id_miss_nothing(
    replay: ReplayServer, limit: int | None
) -> None:
    requests: list[dict[str, Any]] = []
    with closing(hive_connection("hive", replay, "alice")) as net:
        net._rpc._transport = _notifications(250, repeat=True, requests=requests)
        got = [n.id for n in net.notifications(limit=limit)]
    assert got == [str(n) for n in range(250, 250 - min(limit or 250, 250), -1)]
    assert all(1 <= r["limit"] <= 100 for r in requests)  # never more than bridge's largest page


def test_notification_pages_of_a_node_that_keeps_to_bridge(replay: ReplayServer) -> None:
    requests: list[dict[str, Any]] = []
    with closing(hive_connection("hive", replay, "alice")) as net:
        net._rpc._transport = _notifications(250, repeat=False, requests=requests)
        got = [n.id for n in net.notifications(limit=150)]
    assert got == [str(n) for n in range(250, 100, -1)]
    assert [r["limit"] for r in requests] == [100, 50]


def test_a_node_that_ignores_the_cursor_ends_the_listing(
    replay: ReplayServer, upstream: httpx.Client
) -> None:
    """The same first page for every start post: nothing new, so the listing ends, with no repeats."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        params = {k: v for k, v in body["params"].items() if not k.startswith("start_")}
        result = upstream.post(replay.url, json={**body, "params": params}).json()["result"]
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result})

    with closing(hive_connection("hive", replay, "alice")) as net:
        net._rpc._transport = httpx.MockTransport(handler)
        got = [p.id for p in net.community_posts(COMMUNITY, limit=60)]
    assert len(got) == len(set(got)) == 20
