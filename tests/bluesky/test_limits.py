"""Deadlines, size caps and endpoint checks against a misbehaving XRPC server on loopback (offline)."""

from __future__ import annotations

import itertools
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork

from .conftest import connect_bluesky
from .hostile import (
    DID,
    HostileServer,
    corrupt_json,
    deep_json,
    drip,
    drip_headers,
    gzip_bomb,
    hostile_server,
    send_json,
    session,
    session_bomb,
    silent,
)

DEADLINE = 1.5


@pytest.fixture(scope="module", autouse=True)
def _atproto_loaded() -> None:
    """atproto's first client takes a second to import its models: not the server's time."""
    with hostile_server() as server:
        _connect(server).transport.client()


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        yield running


def _connect(server: HostileServer, **settings: Any) -> BlueskyNetwork:
    return connect_bluesky(
        base_url=server.url,
        handle="victim.test",
        password="hunter2-secret",
        limits={"deadline": DEADLINE, "max_body_bytes": 1024 * 1024},
        state_path=None,
        **settings,
    )


def _fails_in_time(
    call: Any, error: type[ds.DecentSocialError] = ds.NetworkUnavailable
) -> ds.DecentSocialError:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        call()
    assert time.monotonic() - started < DEADLINE + 2
    assert caught.value.network == "bluesky"
    assert "hunter2-secret" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    "answer", [drip, drip_headers, gzip_bomb, deep_json, silent], ids=lambda a: a.__name__
)
def test_a_hostile_answer_to_a_read_is_a_typed_error_within_the_deadline(
    server: HostileServer, answer: Any
) -> None:
    server.routes["app.bsky.actor.getProfile"] = answer
    net = _connect(server)
    net.transport.client()  # logged in (and atproto imported) before the clock starts
    _fails_in_time(lambda: net.account("someone.test"))
    # Each breach is tried once: the server would do it again.
    assert sum("app.bsky.actor.getProfile" in p for p in server.paths) == 1
    net.close()


@pytest.mark.parametrize("answer", [drip, drip_headers, session_bomb, deep_json], ids=lambda a: a.__name__)
def test_a_hostile_answer_to_the_login_is_a_typed_error_within_the_deadline(
    server: HostileServer, answer: Any
) -> None:
    server.routes["com.atproto.server.createSession"] = answer
    net = _connect(server)
    _fails_in_time(net.me)
    net.close()


@pytest.mark.parametrize("where", ["/xrpc/app.bsky.actor.getProfile", "http://127.0.0.1:9/collect"])
def test_a_redirect_is_refused_not_followed(server: HostileServer, where: str) -> None:
    def redirect(h: Any) -> None:
        time.sleep(DEADLINE * 0.6)  # each hop within the deadline: followed, 20 of them took 19 s
        h.send_response(302)
        h.send_header("Location", where)
        h.send_header("Content-Length", "0")
        h.end_headers()

    server.routes["app.bsky.actor.getProfile"] = redirect
    net = _connect(server)
    net.transport.client()
    error = _fails_in_time(lambda: net.account("someone.test"), ds.ConfigurationError)
    assert "HTTP 302 to 127.0.0.1: redirects are not followed" in str(error)
    assert sum("app.bsky.actor.getProfile" in p for p in server.paths) == 1
    net.close()


def test_a_corrupt_answer_is_a_typed_error_worth_retrying_for_a_read(server: HostileServer) -> None:
    server.routes["app.bsky.actor.getProfile"] = corrupt_json
    net = _connect(server, retry={"attempts": 2, "total_seconds": 5})
    with pytest.raises(ds.NetworkUnavailable, match="could not be read") as caught:
        net.account("someone.test")
    assert caught.value.retryable  # a read: asking again cannot do anything twice…
    assert sum("app.bsky.actor.getProfile" in p for p in server.paths) == 2  # …so it was, within bounds
    net.close()


def test_a_repeating_cursor_ends_the_listing(server: HostileServer) -> None:
    numbers = iter(range(10**9))

    def same_page(handler: Any) -> None:
        view = {
            "uri": f"at://{DID}/app.bsky.feed.post/post{next(numbers)}",
            "author": {"did": DID, "handle": "victim.test"},
            "record": {"text": "again"},
        }
        send_json(handler, {"posts": [view], "cursor": "again"})

    server.routes["app.bsky.feed.searchPosts"] = same_page
    net = _connect(server, author_profiles=False)
    with pytest.raises(ds.NetworkUnavailable, match="cursor"):
        list(net.search("anything", limit=500))
    net.close()


def test_endless_pages_of_reposts_stop_at_max_pages(server: HostileServer) -> None:
    pages = iter(range(10**9))
    author = {"did": DID, "handle": "victim.test"}
    repost = {
        "post": {"uri": f"at://{DID}/app.bsky.feed.post/3k2la3b4c5d6e", "author": author, "record": {}},
        "reason": {"$type": "app.bsky.feed.defs#reasonRepost", "by": author},
    }

    def only_reposts(handler: Any) -> None:
        send_json(handler, {"feed": [repost], "cursor": f"c{next(pages)}"})

    server.routes["app.bsky.feed.getAuthorFeed"] = only_reposts
    net = connect_bluesky(
        base_url=server.url,
        handle="victim.test",
        password="p",
        author_profiles=False,
        limits={"deadline": DEADLINE, "max_pages": 5},
    )
    with pytest.raises(ds.NetworkUnavailable, match="max_pages"):
        list(net.posts("victim.test", limit=3))
    assert sum("getAuthorFeed" in p for p in server.paths) <= 6
    net.close()


def test_plain_http_is_refused_off_loopback_unless_allowed() -> None:
    with pytest.raises(ds.ConfigurationError, match="allow_http"):
        connect_bluesky(base_url="http://bsky.example", handle="a.test", password="p")
    net = connect_bluesky(base_url="http://bsky.example", handle="a.test", password="p", allow_http=True)
    assert net.settings.base_url == "http://bsky.example"
    assert connect_bluesky(base_url="http://localhost:2583", handle="a.test", password="p")
    with pytest.raises(ds.ConfigurationError):
        connect_bluesky(base_url="https://user:pw@bsky.example", handle="a.test", password="p")


def test_a_did_document_naming_a_plain_http_pds_gets_no_token(server: HostileServer) -> None:
    # 192.0.2.1 (TEST-NET-1) would swallow the connection; the check comes first, so nothing is sent.
    server.routes["com.atproto.server.createSession"] = lambda h: send_json(h, session("http://192.0.2.1"))
    net = _connect(server)
    _fails_in_time(lambda: net.account("someone.test"), ds.ConfigurationError)
    net.close()


def test_session_file_is_private_despite_a_stale_temp_file_and_a_loose_umask(tmp_path: Path) -> None:
    path = tmp_path / "bluesky.session"
    stale = [Path(f"{path}.tmp"), tmp_path / f".{path.name}.tmp"]
    for file in stale:
        file.write_text("stale")
        os.chmod(file, 0o666)
    net = connect_bluesky(base_url="http://127.0.0.1:9", session_file=path)
    old = os.umask(0)
    try:
        net.transport._write_session_file("did:plc:x:::secret-session")
    finally:
        os.umask(old)
    assert path.read_text() == "did:plc:x:::secret-session"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    net.close()


def test_junk_in_a_feed_is_a_typed_error(server: HostileServer) -> None:
    server.routes["app.bsky.feed.getTimeline"] = lambda h: send_json(
        h, {"feed": [1, None, "x", {"post": "x"}, {"post": {"uri": 5}}], "cursor": 7}
    )
    net = _connect(server, author_profiles=False)
    with pytest.raises(ds.NetworkUnavailable, match="malformed"):
        list(net.timeline(limit=5))
    net.close()


def test_pages_of_reposts_count_toward_the_listings_max_pages_not_each_pages(server: HostileServer) -> None:
    """Every fifth answer has a post of its own: skipping the reposts between must not multiply the
    listing's ``max_pages`` by itself (5 pages a page, 25 in all)."""
    answers = itertools.count()
    author = {"did": DID, "handle": "victim.test"}

    def mostly_reposts(handler: Any) -> None:
        n = next(answers)
        post = {"uri": f"at://{DID}/app.bsky.feed.post/3k2la3b4c{n:04d}", "author": author, "record": {}}
        entry: dict[str, Any] = {"post": post}
        if n % 5 != 4:
            entry["reason"] = {"$type": "app.bsky.feed.defs#reasonRepost", "by": author}
        send_json(handler, {"feed": [entry], "cursor": f"c{n}"})

    server.routes["app.bsky.feed.getAuthorFeed"] = mostly_reposts
    net = connect_bluesky(
        base_url=server.url,
        handle="victim.test",
        password="p",
        author_profiles=False,
        limits={"deadline": DEADLINE, "max_pages": 5},
    )
    with pytest.raises(ds.NetworkUnavailable, match="max_pages"):
        list(net.posts("victim.test", limit=None))
    assert sum("getAuthorFeed" in p for p in server.paths) <= 5
    net.close()
