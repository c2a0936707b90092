"""A hostile AppView's cursor of a megabyte, and a search text too long for an address: typed errors,
nothing sent that httpx cannot send (it raised a bare ``httpx.InvalidURL`` before). On loopback."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.paging import MAX_CURSOR

from .conftest import connect_bluesky
from .hostile import HostileServer, hostile_server, send_json

DID = "did:plc:victim000000000000000000"
AUTHOR = {"did": DID, "handle": "victim.test"}
MiB = 1024 * 1024


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        yield running


def connect(server: HostileServer) -> Any:
    return connect_bluesky(
        base_url=server.url,
        handle="victim.test",
        password="p",
        author_profiles=False,
        limits={"deadline": 30, "max_pages": 20, "max_body_bytes": 4 * MiB},
        state_path=None,
    )


def view(n: int) -> dict[str, Any]:
    return {"uri": f"at://{DID}/app.bsky.feed.post/3k2la3b4c{n:04d}", "author": AUTHOR, "record": {}}


@pytest.mark.parametrize("reposts_only", [True, False])
def test_a_cursor_of_a_megabyte_is_refused_not_sent_back(server: HostileServer, reposts_only: bool) -> None:
    """Reposts only: the page-skipping loop of ``posts``; otherwise the shared pager."""
    answers = itertools.count()

    def feed(handler: Any) -> None:
        entry: dict[str, Any] = {"post": view(next(answers))}
        if reposts_only:
            entry["reason"] = {"$type": "app.bsky.feed.defs#reasonRepost", "by": AUTHOR}
        send_json(handler, {"feed": [entry], "cursor": "c" * MiB})

    server.routes["app.bsky.feed.getAuthorFeed"] = feed
    net = connect(server)
    with pytest.raises(ds.NetworkUnavailable, match="page cursor of 1,048,578 characters"):
        list(net.posts("victim.test", limit=None))
    assert sum("getAuthorFeed" in p for p in server.paths) == 1
    net.close()


def test_cursors_up_to_the_cap_are_sent_back(server: HostileServer) -> None:
    answers = itertools.count()

    def feed(handler: Any) -> None:
        n = next(answers)
        more = {"cursor": f"{n:04d}" + "c" * (MAX_CURSOR - 6)} if n < 3 else {}  # its repr: the cap
        send_json(handler, {"feed": [{"post": view(n)}], **more})

    server.routes["app.bsky.feed.getAuthorFeed"] = feed
    net = connect(server)
    assert len(list(net.posts("victim.test", limit=None))) == 4
    net.close()


def test_a_search_text_too_long_for_an_address_is_invalid_input(server: HostileServer) -> None:
    server.routes["app.bsky.feed.searchPosts"] = lambda h: send_json(h, {"posts": []})
    net = connect(server)
    with pytest.raises(ds.InvalidInput, match="too long or invalid") as caught:
        list(net.search("x" * 70_000, limit=5))
    assert not any("searchPosts" in p for p in server.paths)  # nothing was sent
    assert len(str(caught.value)) < 300  # the query named, not repeated whole
    net.close()
