"""Answers that are not what Mastodon sends, where the stream and a publish read them.

* A stream ``update`` whose status has no id (``null``) used to become the
  place a reconnect catches up from: the catch-up asked for ``min_id=None``
  (Mastodon then skips or replays posts). It is skipped, and the catch-up
  reads on from the last status with an id.
* A catch-up page that is not a list (a number) ended the stream with an
  untyped ``TypeError``; it is a typed malformed answer, and the stream
  reconnects as after any failure.
* A publish answered with ``null``, a number or ``true`` raised a
  ``TypeError``; it is the typed malformed-answer error.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("mastodon")

from decentsocial import NetworkUnavailable, Post, connect
from decentsocial.backends.mastodon import MastodonNetwork
from tests.mastodon.server_fixtures import hostile  # noqa: F401 - the server fixture
from tests.servers.mastodon_hostile import HostileServer, answer

from .cassettes import recorded_statuses

INSTANCE = {"uri": "x", "version": "4.3.0", "configuration": {"urls": {}}}


def status(ident: Any) -> dict[str, Any]:
    data = copy.deepcopy(next(s for s in recorded_statuses() if not s.get("reblog")))
    data["id"] = ident
    return data


def events(*statuses: dict[str, Any]) -> bytes:
    """One streaming answer with an ``update`` event per status, then the server hangs up."""
    body = b"".join(b"event: update\ndata: " + json.dumps(s).encode() + b"\n\n" for s in statuses)
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + body


def net_for(server: HostileServer, **settings: Any) -> MastodonNetwork:
    net = connect(
        "mastodon",
        base_url=server.base_url,
        access_token="t",
        mastodon_version="4.2.0",
        retry={"attempts": 1},
        **settings,
    )
    assert isinstance(net, MastodonNetwork)
    net.sleep = lambda seconds: None
    return net


def read_all(stream: Iterator[Post]) -> tuple[list[str], NetworkUnavailable]:
    """The ids the stream yields until it gives up (it must, typed)."""
    got: list[str] = []
    try:
        for post in stream:
            got.append(post.id)
    except NetworkUnavailable as exc:
        return got, exc
    raise AssertionError("the stream ended without an error")


def catch_ups(server: HostileServer) -> list[str]:
    return [path for _, path in server.requests if "/timelines/" in path]


@pytest.mark.parametrize("bad_id", [None, {"id": "101"}, "", True])
def test_an_update_without_an_id_leaves_the_catch_up_where_it_was(server: HostileServer, bad_id: Any) -> None:
    connections: list[str] = []

    def respond(method: str, path: str) -> bytes:
        if "instance" in path:
            return answer(INSTANCE)
        if "/streaming/" in path:
            connections.append(path)
            return events(status("100"), status(bad_id)) if len(connections) == 1 else events()
        return answer([])

    server.respond = respond
    got, _ = read_all(net_for(server, stream_attempts=2).stream(kind="public"))
    assert got == ["100"]
    assert catch_ups(server) == ["/api/v1/timelines/public?min_id=100&limit=40"]


def test_a_catch_up_page_that_is_not_a_list_is_a_typed_failure(server: HostileServer) -> None:
    def respond(method: str, path: str) -> bytes:
        if "instance" in path:
            return answer(INSTANCE)
        if "/streaming/" in path:
            return events(status("100"))
        return answer(5)

    server.respond = respond
    got, error = read_all(net_for(server, stream_attempts=3).stream(kind="public"))
    assert got == ["100"]
    assert "malformed catch-up page" in str(error)
    assert len(catch_ups(server)) == 2  # each reconnect tried again, then the stream gave up, typed


@pytest.mark.parametrize("body", [None, 5, True])
def test_a_publish_answered_with_no_object_is_a_typed_error(server: HostileServer, body: Any) -> None:
    def respond(method: str, path: str) -> bytes:
        if "instance" in path:
            return answer(INSTANCE)
        return answer(body)

    server.respond = respond
    with pytest.raises(NetworkUnavailable, match="malformed status"):
        net_for(server).publish("hello")
