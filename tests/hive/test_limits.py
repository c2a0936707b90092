"""Misbehaving nodes on 127.0.0.1: every call ends in a typed error within the deadline.

Each server here is a real HTTP server in a thread of the test process
(loopback only): one drips its answer a byte at a time, one sends a small
gzip answer that inflates to many megabytes, one nests JSON too deep for
the parser, one pages for ever. Bounds in the asserts are generous (the
deadline plus two seconds); nothing here measures speed.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from decentsocial import NetworkUnavailable, connect
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer
from ..servers._loopback_http import serve

Handler = Callable[[BaseHTTPRequestHandler, dict[str, Any]], None]

DEADLINE = 1.0


@contextmanager
def node(answer: Handler) -> Iterator[str]:
    """A JSON-RPC node on 127.0.0.1 whose POST answers are written by ``answer(handler, request)``."""

    class Node(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            with contextlib.suppress(
                BrokenPipeError, ConnectionResetError
            ):  # the client gave up, as it should
                answer(self, request)

    with serve(Node, "hive-hostile-node") as url:
        yield url


def send(handler: BaseHTTPRequestHandler, body: bytes, **headers: str) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


def drip(handler: BaseHTTPRequestHandler, request: dict[str, Any]) -> None:
    """A valid answer, one byte every 0.1 s: each read is quick, the whole never ends in time."""
    body = json.dumps({"jsonrpc": "2.0", "id": request.get("id"), "result": "x" * 200}).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    for i in range(len(body)):
        handler.wfile.write(body[i : i + 1])
        handler.wfile.flush()
        time.sleep(0.1)


def gzip_bomb(handler: BaseHTTPRequestHandler, request: dict[str, Any]) -> None:
    """About 20 KB on the wire, 20 MB once inflated."""
    post = b'{"author":"steemit","permlink":"firstpost","body":"' + b"a" * (20 * 1024 * 1024) + b'"}'
    inflated = b'{"jsonrpc":"2.0","id":1,"result":' + post + b"}"  # a valid post, only far too big
    send(handler, gzip.compress(inflated, compresslevel=9), Content_Encoding="gzip")


def too_deep(handler: BaseHTTPRequestHandler, request: dict[str, Any]) -> None:
    """An answer nested 100 000 levels deep (the json module's recursion limit is far lower)."""
    send(handler, b'{"jsonrpc":"2.0","id":1,"result":' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def connection(*nodes: str, **extra: Any) -> HiveNetwork:
    settings: dict[str, Any] = {
        "nodes": list(nodes),
        "retry": {"attempts": 1},
        "limits": {"deadline": DEADLINE, "max_body_bytes": 1024 * 1024},
    }
    net = connect("hive", **{**settings, **extra})
    assert isinstance(net, HiveNetwork)
    return net


@pytest.mark.parametrize("answer", [drip, gzip_bomb, too_deep], ids=["drip", "gzip-bomb", "too-deep"])
def test_a_misbehaving_node_ends_in_a_typed_error_within_the_deadline(answer: Handler) -> None:
    with node(answer) as url:
        net = connection(url)
        started = time.monotonic()
        try:
            with pytest.raises(NetworkUnavailable) as info:
                net.get_post("steemit/firstpost")
        finally:
            net.close()
        assert time.monotonic() - started < DEADLINE + 2
    assert info.value.network == "hive"


def test_a_dripping_node_hands_the_call_to_the_next_node(replay: ReplayServer) -> None:
    with node(drip) as url:
        net = connection(url, replay.url, retry={"attempts": 2})
        started = time.monotonic()
        try:
            post = net.get_post("steemit/firstpost")
        finally:
            net.close()
        assert time.monotonic() - started < 2 * DEADLINE + 2
    assert post.id == "steemit/firstpost"
    assert ("bridge.get_post", {"author": "steemit", "permlink": "firstpost"}) in replay.requests


def test_a_gzip_bomb_is_refused_and_the_next_node_answers(replay: ReplayServer) -> None:
    with node(gzip_bomb) as url:
        net = connection(url, replay.url, retry={"attempts": 2})
        try:
            assert net.get_post("steemit/firstpost").id == "steemit/firstpost"
        finally:
            net.close()


def _post(n: int) -> dict[str, Any]:
    return {"author": "alice", "permlink": f"post-{n}", "body": "hi", "created": "2024-01-01T00:00:00"}


def test_a_node_that_pages_for_ever_is_stopped_at_max_pages() -> None:
    served = [0]

    def endless(handler: BaseHTTPRequestHandler, request: dict[str, Any]) -> None:
        served[0] += 1
        if served[0] > 50:  # a safety stop for the test itself: the client should never get here
            send(handler, json.dumps({"jsonrpc": "2.0", "id": 1, "error": {"message": "stop"}}).encode())
            return
        limit = request["params"]["limit"]
        page = [_post(served[0] * 1000 + i) for i in range(limit)]
        send(handler, json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": page}).encode())

    with node(endless) as url:
        net = connect("hive", nodes=[url], retry={"attempts": 1}, limits={"max_pages": 3})
        try:
            with pytest.raises(NetworkUnavailable, match="pages"):
                list(net.posts("alice", limit=None))
        finally:
            net.close()
    assert served[0] == 3


def test_a_node_repeating_its_cursor_is_a_typed_error_naming_the_network() -> None:
    """Two pages served in turn for ever: the first cursor comes round again."""
    first, second = [_post(i) for i in range(20)], [_post(100 + i) for i in range(20)]

    def alternating(handler: BaseHTTPRequestHandler, request: dict[str, Any]) -> None:
        start = request["params"].get("start_permlink")
        page = second if start == first[-1]["permlink"] else first
        send(handler, json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": page}).encode())

    with node(alternating) as url:
        net = connect("hive", nodes=[url], retry={"attempts": 1})
        try:
            with pytest.raises(NetworkUnavailable, match="cursor") as info:
                list(net.posts("alice", limit=None))
        finally:
            net.close()
    assert info.value.network == "hive"


def test_a_node_sending_the_same_page_again_ends_the_listing() -> None:
    calls = [0]

    def same_page(handler: BaseHTTPRequestHandler, request: dict[str, Any]) -> None:
        calls[0] += 1
        page = [_post(i) for i in range(request["params"]["limit"])]
        send(handler, json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": page}).encode())

    with node(same_page) as url:
        net = connect("hive", nodes=[url], retry={"attempts": 1})
        try:
            assert len(list(net.posts("alice", limit=None))) == 20
        finally:
            net.close()
    assert calls[0] == 2


def test_a_discussion_whose_replies_loop_back_ends() -> None:
    """A node naming the root among its own replies: each post is read once (the old loop never ended)."""
    root = {**_post(1), "replies": ["alice/post-1", "alice/post-2"]}
    reply = {
        **_post(2),
        "depth": 1,
        "parent_author": "alice",
        "parent_permlink": "post-1",
        "replies": ["alice/post-1"],
    }

    def looping(handler: BaseHTTPRequestHandler, request: dict[str, Any]) -> None:
        result = {"alice/post-1": root, "alice/post-2": reply}
        send(handler, json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}).encode())

    done: list[list[str]] = []
    with node(looping) as url:
        net = connect("hive", nodes=[url], retry={"attempts": 1})
        worker = threading.Thread(
            target=lambda: done.append([p.id for p in net.thread("alice/post-1")]), daemon=True
        )
        worker.start()
        worker.join(timeout=DEADLINE + 5)
        net.close()
    assert done == [["alice/post-1", "alice/post-2"]]
