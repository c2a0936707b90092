"""A scripted HTTP server on 127.0.0.1 for one test: a function of the request decides each answer.

For the answers the contract servers never give (a Graph error on ``GET /me`` right after a
publish, two listing pages in turn with fresh cursors, a dropped connection after a DELETE did
its work). Served by :func:`tests.servers._loopback_http.serve`; every request is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers._loopback_http import serve


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes


@dataclass(frozen=True)
class Reply:
    """An answer: ``body`` is sent as JSON; ``drop`` closes the connection without answering."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass
class Scripted:
    url: str
    requests: list[Request] = field(default_factory=list)

    def count(self, method: str, path_end: str) -> int:
        """How many ``method`` requests had a path ending in ``path_end``."""
        return sum(1 for r in self.requests if r.method == method and r.path.endswith(path_end))


def _handler(state: Scripted, answer: Callable[[Request], Reply]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = Request(self.command, parts.path, parse_qs(parts.query), body)
            state.requests.append(request)
            reply = answer(request)
            if reply.drop:
                self.close_connection = True  # the request was read and acted on; no answer comes
                return
            payload = json.dumps(reply.body if reply.body is not None else {}).encode()
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _any

    return Handler


@contextmanager
def scripted_server(answer: Callable[[Request], Reply]) -> Iterator[Scripted]:
    """A running server answering each request with ``answer(request)``."""
    state = Scripted(url="")
    with serve(_handler(state, answer), name="scripted-http") as url:
        state.url = url
        yield state
