"""A misbehaving Mastodon-API server on 127.0.0.1, for the limits, id and shape tests.

Each test gives the server a ``respond(method, path)`` function that returns
what to send on the raw socket: bytes, or an iterable of ``(delay, bytes)``
steps (a drip, an endless line). Every request's method and path is kept in
``requests``, so a test can also prove that nothing was sent.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias

Steps: TypeAlias = bytes | Iterable[tuple[float, bytes]]
Respond: TypeAlias = Callable[[str, str], Steps]


def answer(
    body: bytes | Any, status: int = 200, headers: dict[str, str] | None = None, *, raw: bool = False
) -> bytes:
    """A whole HTTP/1.1 answer (``body`` JSON-encoded unless ``raw``)."""
    data = body if raw else json.dumps(body).encode()
    assert isinstance(data, bytes)
    head = {"Content-Type": "application/json", "Content-Length": str(len(data)), **(headers or {})}
    lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
    return f"HTTP/1.1 {status} X\r\n{lines}Connection: close\r\n\r\n".encode() + data


def gzip_bomb(size: int) -> bytes:
    """A small gzip answer that inflates to ``size`` bytes of JSON-looking text."""
    body = gzip.compress(b"[" + b" " * size + b"]", compresslevel=9)
    return answer(body, headers={"Content-Encoding": "gzip"}, raw=True)


def drip(head: bytes, every: float = 0.2) -> Iterator[tuple[float, bytes]]:
    """``head`` at once, then one byte every ``every`` seconds, for ever."""
    yield 0.0, head
    while True:
        yield every, b" "


class _Handler(socketserver.BaseRequestHandler):
    server: HostileServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(10)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                data += chunk
        except OSError:
            return
        method, path = ([*data.split(b"\r\n", 1)[0].decode("latin-1").split(" "), "", ""])[:2]
        self.server.requests.append((method, path))
        steps = self.server.respond(method, path)
        try:
            if isinstance(steps, bytes):
                sock.sendall(steps)
                return
            for delay, piece in steps:
                if self.server.stopping.wait(delay):
                    return
                sock.sendall(piece)
        except OSError:
            return  # the client hung up (as it should, at its deadline)


class HostileServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str]] = []
        self.stopping = threading.Event()
        self.respond: Respond = lambda method, path: answer({"error": "not set up"}, 500)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def hostile_server() -> Iterator[HostileServer]:
    server = HostileServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def elapsed(started: float) -> float:
    return time.monotonic() - started
