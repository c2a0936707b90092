"""A loopback HTTP/1.1 proxy that injects faults in front of the real PDS.

It forwards each request to the PDS and relays the answer, except where a
rule says otherwise:

* ``drop``: forward the request, read the PDS's whole answer (so the write
  is committed), then close the client's connection without relaying it:
  the ambiguous failure exactly-once publishing must survive;
* ``reset``: close the client's connection before forwarding anything (the
  request never reached the server);
* ``429``: answer ``429 Too Many Requests`` with a ``ratelimit-reset`` header,
  as the PDS's rate limiter does, without forwarding the request.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import BinaryIO


@dataclass
class Rule:
    path_part: str
    action: str  # "drop", "reset" or "429"
    times: int = 1
    reset_in: float = 1.0  # for "429": seconds until ratelimit-reset
    hits: int = 0


def _read_message(stream: BinaryIO) -> bytes | None:
    """One HTTP/1.1 message (request or response) as raw bytes; None at EOF."""
    head = b""
    while True:
        line = stream.readline(65537)
        if not line:
            return head or None
        head += line
        if line in (b"\r\n", b"\n"):
            break
    headers = {}
    for raw in head.split(b"\r\n")[1:]:
        if b":" in raw:
            name, value = raw.split(b":", 1)
            headers[name.strip().lower()] = value.strip()
    body = b""
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size_line = stream.readline()
            body += size_line
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            chunk = stream.read(size + 2)
            body += chunk
            if size == 0:
                break
    elif b"content-length" in headers:
        body = stream.read(int(headers[b"content-length"]))
    return head + body


@dataclass
class FaultProxy:
    upstream_port: int
    rules: list[Rule] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    dropped: int = 0
    injected: int = 0

    def __post_init__(self) -> None:
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self.port = self._server.getsockname()[1]
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, path_part: str, action: str, *, times: int = 1, reset_in: float = 1.0) -> Rule:
        rule = Rule(path_part, action, times, reset_in)
        with self._lock:
            self.rules.append(rule)
        return rule

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept thread (close alone does not)
        self._server.close()

    def _match(self, path: str) -> Rule | None:
        with self._lock:
            self.paths.append(path)
            for rule in self.rules:
                if rule.path_part in path and rule.hits < rule.times:
                    rule.hits += 1
                    return rule
        return None

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            reader = conn.makefile("rb")
            up_reader: BinaryIO | None = None
            while True:
                request = _read_message(reader)
                if not request:
                    return
                path = request.split(b" ", 2)[1].decode("latin-1")
                rule = self._match(path)
                if rule is not None and rule.action == "reset":
                    with self._lock:
                        self.dropped += 1
                    return
                if rule is not None and rule.action == "429":
                    self._send_429(conn, rule)
                    return
                if upstream is None:
                    upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
                    up_reader = upstream.makefile("rb")
                upstream.sendall(request)
                assert up_reader is not None
                response = _read_message(up_reader)
                if response is None:
                    return
                if rule is not None and rule.action == "drop":
                    with self._lock:
                        self.dropped += 1
                    return  # the server answered (committed); the client never hears it
                conn.sendall(response)
        except OSError:
            return
        finally:
            conn.close()
            if upstream is not None:
                upstream.close()

    def _send_429(self, conn: socket.socket, rule: Rule) -> None:
        body = json.dumps({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}).encode()
        reset = int(time.time() + rule.reset_in + 0.999)
        head = (
            "HTTP/1.1 429 Too Many Requests\r\n"
            "content-type: application/json; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\n"
            "ratelimit-limit: 30\r\n"
            "ratelimit-remaining: 0\r\n"
            f"ratelimit-reset: {reset}\r\n"
            "ratelimit-policy: 30;w=300\r\n"
            "connection: close\r\n\r\n"
        )
        with self._lock:
            self.injected += 1
        conn.sendall(head.encode() + body)
