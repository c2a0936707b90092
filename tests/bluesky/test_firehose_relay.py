"""The firehose against small websocket relays on loopback (offline): memory, refusals, a reset relay."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import libipld
from websockets.sync.server import ServerConnection, serve

import decentsocial as ds
from decentsocial.backends.bluesky.convert import post_from_record
from decentsocial.backends.bluesky.firehose import FirehoseReader

DID = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def post_frame(seq: int, text: str) -> bytes:
    """A ``#commit`` frame creating one post, as a PDS sends it (CAR blocks, DAG-CBOR)."""
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2025-01-01T00:00:00.000Z"}
    data = libipld.encode_dag_cbor(record)
    cid = b"\x01\x71\x12\x20" + hashlib.sha256(data).digest()
    # {"roots": [cid], "version": 1}; a CID is CBOR tag 42 (libipld encodes no tags from Python).
    header = b"\xa2\x65roots\x81\xd8\x2a\x58\x25\x00" + cid + b"\x67version\x01"
    car = _varint(len(header)) + header + _varint(len(cid) + len(data)) + cid + data
    ref = libipld.encode_cid(cid)
    body = {
        "seq": seq,
        "rebase": False,
        "tooBig": False,
        "repo": DID,
        "commit": ref,
        "rev": "3k",
        "since": None,
        "blocks": car,
        "ops": [{"action": "create", "path": f"app.bsky.feed.post/3k{seq:011d}", "cid": ref}],
        "blobs": [],
        "time": "2025-01-01T00:00:00.000Z",
    }
    return bytes(libipld.encode_dag_cbor({"op": 1, "t": "#commit"}) + libipld.encode_dag_cbor(body))


def error_frame(name: str) -> bytes:
    return bytes(libipld.encode_dag_cbor({"op": -1}) + libipld.encode_dag_cbor({"error": name}))


def _text(did: str, uri: str, cid: str, record: dict[str, Any]) -> ds.Post:
    author = ds.Account(network="bluesky", id=did, handle=did)
    return post_from_record(
        uri, cid, record, author, web_url="https://bsky.app", blob_base="http://127.0.0.1:9"
    )


def _until_closed(ws: ServerConnection) -> None:
    """Keep the connection open until the reader closes it."""
    with contextlib.suppress(Exception):
        ws.recv()


@contextmanager
def relay(handler: Callable[[ServerConnection], None]) -> Iterator[str]:
    with serve(handler, "127.0.0.1", 0, max_size=None) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}/xrpc"
        server.shutdown()


def _catch(call: Callable[[], Any], failed: list[BaseException]) -> None:
    try:
        call()
    except Exception as exc:
        failed.append(exc)


def _read(reader: FirehoseReader, count: int, timeout: float = 30) -> tuple[list[str], BaseException | None]:
    """The texts of the first ``count`` posts, read on a thread (a hang fails, not blocks, the test)."""
    got: list[str] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            for post in reader.posts(_text, tag=None):
                got.append(post.text)
                if len(got) == count:
                    return
        except Exception as exc:
            failed.append(exc)

    consumer = threading.Thread(target=run, daemon=True)
    consumer.start()
    consumer.join(timeout)
    reader.stop()
    consumer.join(5)
    return got, (failed[0] if failed else None)


def test_a_slow_reader_holds_posts_not_the_relays_large_frames() -> None:
    junk = bytes(libipld.encode_dag_cbor({"op": 1, "t": "#commit"})) + bytes(
        libipld.encode_dag_cbor({"seq": 7, "blocks": b"\x00" * (2 * 1024 * 1024), "ops": []})
    )

    def handler(ws: ServerConnection) -> None:
        ws.send(post_frame(1, "first"))
        for _ in range(60):  # 120 MiB of frames without a post
            ws.send(junk)
        ws.send(post_frame(2, "after the junk"))
        _until_closed(ws)

    with relay(handler) as url:
        reader = FirehoseReader(url, network="bluesky")
        posts = reader.posts(_text, tag=None)
        tracemalloc.start()
        try:
            assert next(posts).text == "first"
            # The caller is busy with its post; the reader goes on until it has read the last frame.
            end = time.monotonic() + 60
            while reader._position[0] != 2 and time.monotonic() < end:
                time.sleep(0.1)
            held = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        assert held < 40 * 1024 * 1024, f"{held // 2**20} MiB held for a caller that reads nothing"
        assert next(posts).text == "after the junk"
        reader.stop()


def test_a_firehose_the_server_refuses_ends_the_stream_with_a_typed_error() -> None:
    dials: list[str] = []

    class NoFirehose(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # as real servers answer (websockets refuses HTTP/1.0)

        def do_GET(self) -> None:
            dials.append(self.path)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NoFirehose)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # Through connect(): monitor() polls a network whose stream fails with ConfigurationError.
        net = ds.connect(
            "bluesky",
            base_url="http://127.0.0.1:9",
            handle="a.test",
            password="p",
            firehose_url=f"http://127.0.0.1:{server.server_port}",
        )
        failed: list[BaseException] = []
        consumer = threading.Thread(target=lambda: _catch(lambda: next(iter(net.stream())), failed))
        consumer.start()
        consumer.join(30)
        net.close()
        assert failed, "the stream neither ended nor failed"
        assert isinstance(failed[0], ds.ConfigurationError), failed
        assert "HTTP 404" in str(failed[0])
        assert len(dials) == 1  # refused for good: not dialled again
    finally:
        server.shutdown()
        server.server_close()


def test_a_firehose_nobody_answers_ends_after_a_few_dials() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    reader = FirehoseReader(f"ws://127.0.0.1:{port}/xrpc", network="bluesky")
    got, failed = _read(reader, 1, timeout=60)
    assert got == []
    assert isinstance(failed, ds.NetworkUnavailable), failed
    assert "no firehose answers" in failed.message


def test_a_reset_relay_is_read_from_now_when_the_cursor_is_in_its_future() -> None:
    cursors: list[str] = []

    def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        cursors.append(ws.request.path)
        if len(cursors) == 1:
            ws.send(post_frame(100, "before the reset"))  # then the connection drops
        elif "cursor=" in ws.request.path:
            ws.send(error_frame("FutureCursor"))
        else:
            ws.send(post_frame(1, "after the reset"))
            _until_closed(ws)

    with relay(handler) as url:
        got, failed = _read(FirehoseReader(url, network="bluesky"), 2)
    assert failed is None
    assert got == ["before the reset", "after the reset"]
    assert "cursor=100" in cursors[1]
    assert "cursor=" not in cursors[-1]
