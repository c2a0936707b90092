"""A misbehaving XRPC server on 127.0.0.1 for the offline limit tests (no AT Protocol stack needed).

It logs anyone in (``createSession`` answers a well-formed session) and
answers every other method as the test tells it: a JSON body, a drip-feed,
a gzip bomb, JSON nested past any parser, or nothing at all.
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

DID = "did:plc:hostilehostilehostile00"
HANDLE = "victim.test"

Answer = Callable[[BaseHTTPRequestHandler], None]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def fake_jwt(scope: str) -> str:
    """An unsigned JWT atproto accepts as a session token (it reads ``exp``, never the signature)."""
    now = int(time.time())
    header = _b64({"alg": "ES256K", "typ": "at+jwt"})
    payload = _b64({"scope": scope, "sub": DID, "iat": now, "exp": now + 3600, "aud": "did:web:x"})
    return f"{header}.{payload}.c2ln"


def session(pds: str | None = None) -> dict[str, Any]:
    """A ``createSession`` answer; ``pds`` puts a DID document naming that PDS in it."""
    answer: dict[str, Any] = {
        "accessJwt": fake_jwt("com.atproto.access"),
        "refreshJwt": fake_jwt("com.atproto.refresh"),
        "handle": HANDLE,
        "did": DID,
    }
    if pds is not None:
        answer["didDoc"] = {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": DID,
            "alsoKnownAs": [f"at://{HANDLE}"],
            "verificationMethod": [],
            "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": pds}],
        }
    return answer


def send_json(handler: BaseHTTPRequestHandler, body: Any, status: int = 200) -> None:
    data = json.dumps(body).encode()
    send_raw(handler, data, status=status)


def send_raw(
    handler: BaseHTTPRequestHandler, data: bytes, *, status: int = 200, headers: dict[str, str] | None = None
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


def drip(handler: BaseHTTPRequestHandler) -> None:
    """Headers at once, then one byte of a long JSON body every 0.2 s."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    handler.wfile.write(b'{"posts": [')
    handler.wfile.flush()
    for _ in range(100_000):
        time.sleep(0.2)
        handler.wfile.write(b" ")
        handler.wfile.flush()


def drip_headers(handler: BaseHTTPRequestHandler) -> None:
    """The status line and headers themselves, one byte every 0.05 s (each byte inside any read timeout)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: " + b"a" * 2000
    for byte in head:
        time.sleep(0.05)
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()


def corrupt_json(handler: BaseHTTPRequestHandler) -> None:
    """A JSON answer with its bytes garbled in transit."""
    send_raw(handler, b'{"did": "did:plc:x", "handle": \x00\xff\xfe garbled')


def gzip_bomb(handler: BaseHTTPRequestHandler) -> None:
    """A small gzip body that inflates to 32 MiB of JSON whitespace."""
    send_raw(handler, _bomb(b"{}"), headers={"Content-Encoding": "gzip"})


def session_bomb(handler: BaseHTTPRequestHandler) -> None:
    """A valid ``createSession`` answer padded with 32 MiB of whitespace, gzipped small."""
    send_raw(handler, _bomb(json.dumps(session()).encode()), headers={"Content-Encoding": "gzip"})


def _bomb(body: bytes) -> bytes:
    padding = b" " * (32 * 1024 * 1024)
    return gzip.compress(body[:1] + padding + body[1:], compresslevel=6)


def deep_json(handler: BaseHTTPRequestHandler) -> None:
    """JSON nested 100,000 levels deep (a recursive parser's stack gives out)."""
    send_raw(handler, b"[" * 100_000 + b"]" * 100_000)


def silent(handler: BaseHTTPRequestHandler) -> None:
    """Never answers (until the test ends)."""
    time.sleep(30)


class HostileServer:
    """``routes`` maps an XRPC method name to its answer; ``createSession`` logs anyone in."""

    def __init__(self) -> None:
        self.routes: dict[str, Answer] = {}
        self.paths: list[str] = []
        #: Each request's body (empty for a GET), in the order of ``paths``.
        self.bodies: list[bytes] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                owner.bodies.append(self.rfile.read(length) if length else b"")
                path = urlsplit(self.path).path
                owner.paths.append(self.path)
                method = path.rsplit("/", 1)[-1]
                route = owner.routes.get(method)
                try:
                    if route is not None:
                        route(self)
                    elif method == "com.atproto.server.createSession":
                        send_json(self, session())
                    else:
                        send_json(self, {"error": "MethodNotImplemented", "message": method}, status=501)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = _answer
            do_POST = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a drip-feeding or silent handler may still be sleeping
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def hostile_server() -> Iterator[HostileServer]:
    server = HostileServer()
    try:
        yield server
    finally:
        server.close()
