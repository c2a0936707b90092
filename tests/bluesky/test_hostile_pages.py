"""A server that answers a listing with more than it was asked for (offline, on loopback)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .conftest import connect_bluesky
from .hostile import HostileServer, hostile_server, send_json

#: Far more entries than any page asks for (the lexicons allow at most 100), each by another author.
SENT = 3000


def _view(i: int) -> dict[str, Any]:
    did = f"did:plc:author{i:019d}"
    return {
        "uri": f"at://{did}/app.bsky.feed.post/3n3wwec2ncl2a",
        "cid": "bafyreib2rxk3rh6kzwq",
        "author": {"did": did, "handle": f"a{i}.test"},
        "record": {"text": "x", "createdAt": "2026-01-01T00:00:00Z"},
    }


def _like(i: int) -> dict[str, Any]:
    view = _view(i)
    return {
        "uri": f"at://{view['author']['did']}/app.bsky.feed.like/3n3wwec2ncl2a",
        "cid": "bafyreib2rxk3rh6kzwq",
        "author": view["author"],
        "reason": "like",
        "reasonSubject": view["uri"],
        "record": {},
        "isRead": False,
        "indexedAt": "2026-01-01T00:00:00Z",
    }


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        views = [_view(i) for i in range(SENT)]
        running.routes["app.bsky.feed.getAuthorFeed"] = lambda h: send_json(
            h, {"feed": [{"post": v} for v in views], "cursor": "c1"}
        )
        running.routes["app.bsky.feed.getTimeline"] = running.routes["app.bsky.feed.getAuthorFeed"]
        running.routes["app.bsky.feed.searchPosts"] = lambda h: send_json(h, {"posts": views, "cursor": "c1"})
        running.routes["app.bsky.notification.listNotifications"] = lambda h: send_json(
            h, {"notifications": [_like(i) for i in range(SENT)], "cursor": "c1"}
        )
        running.routes["app.bsky.actor.getProfiles"] = lambda h: send_json(h, {"profiles": []})
        running.routes["app.bsky.feed.getPosts"] = lambda h: send_json(h, {"posts": []})
        yield running


LISTINGS: dict[str, Callable[[Any], list[Any]]] = {
    "posts": lambda net: list(net.posts("someone.test", limit=5)),
    "timeline": lambda net: list(net.timeline(limit=5)),
    "search": lambda net: list(net.search("x", limit=5)),
    "notifications": lambda net: list(net.notifications(limit=5)),
}


@pytest.mark.parametrize("listing", LISTINGS)
def test_a_page_longer_than_asked_costs_no_lookups_for_what_is_past_it(
    server: HostileServer, listing: str
) -> None:
    # Each entry past the page size would cost a profile (or liked post) lookup per 25: a server could
    # make one call of limit=5 into hundreds of requests.
    net = connect_bluesky(base_url=server.url, handle="victim.test", password="pw", state_path=None)
    try:
        got = LISTINGS[listing](net)
    finally:
        net.close()
    assert len(got) == 5
    lookups = [p for p in server.paths if "getProfiles" in p or "getPosts" in p]
    assert len(lookups) <= 2, f"{len(lookups)} lookups for a page of 5"
