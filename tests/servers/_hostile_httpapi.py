"""A misbehaving HTTP server on 127.0.0.1 for the backends on the shared HTTP transport (Threads, Minds).

The first path segment says how it misbehaves, whatever the rest of the path
and the method, so a backend pointed at ``{url}/drip`` meets the misbehaviour
on its first request (a Threads ``GET /v1.0/me``, a Minds login ``POST``):

* ``/drip/…``: promises 100 kB and sends one byte every 50 ms (10 s in all);
* ``/bomb/…``: 64 MiB of JSON whitespace gzipped into about 64 kB;
* ``/deep/…``: ``[[[[…]]]]`` nested 100,000 deep; ``/deeperror/…``: the same as a 400 answer;
* ``/ok/…``: ``{}``.

Every request is counted in ``HostileServer.requests`` (method and path).

:func:`mutate` makes hostile answers from documented ones for the fuzz tests.
"""

from __future__ import annotations

import gzip
import http.server
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

_BOMB = gzip.compress(b" " * (64 * 1024 * 1024))
_DEEP = b"[" * 100_000 + b"]" * 100_000


@dataclass
class HostileServer:
    url: str
    requests: list[tuple[str, str]] = field(default_factory=list)


def _handler(server: HostileServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def do_PUT(self) -> None:
            self._answer()

        def do_DELETE(self) -> None:
            self._answer()

        def _answer(self) -> None:
            server.requests.append((self.command, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            mode = urlsplit(self.path).path.strip("/").split("/")[0]
            try:
                if mode == "drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    for _ in range(200):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.05)
                elif mode == "bomb":
                    self._send(200, _BOMB, encoding="gzip")
                elif mode in ("deep", "deeperror"):
                    self._send(400 if mode == "deeperror" else 200, _DEEP)
                else:
                    self._send(200, b"{}")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as it should

        def _send(self, status: int, body: bytes, *, encoding: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def hostile_server() -> Iterator[HostileServer]:
    """A running misbehaving server (a thread of this process), shut down at the end."""
    state = HostileServer(url="")
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


# ---------------------------------------------------------------- hostile payloads, for the fuzz tests


def _deep(levels: int) -> object:
    value: object = "bottom"
    for i in range(levels):
        value = [value] if i % 2 else {"id": value}
    return value


def junk() -> Any:
    """A hypothesis strategy of values a hostile server may send in place of any field."""
    from hypothesis import strategies as st

    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([0, -1, 2**63, -(2**63) - 1, 10**30, 10**4000]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([1e308, -1e308, 1e-320, float("inf"), float("nan")]),
        st.text(max_size=30),
        st.sampled_from(["", " ", "\ud800", "a\udfffb", "9" * 40, "1e999", "-0", "2026-13-45T99:99:99+0000"]),
        st.sampled_from(["../me", "1/../2", "%2e%2e", "\x00", "🔑" * 10]),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=4), st.none() | st.integers() | st.text(max_size=4), max_size=3),
        st.builds(_deep, st.integers(min_value=1, max_value=60)),
    )


def _paths(value: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if here:
        yield here
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*here, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*here, index))


def mutate(data: Any, payload: Any, *, times: int = 4) -> Any:
    """``payload`` (a deep copy) with up to ``times`` mutations drawn from hypothesis ``data``:
    a field removed, replaced by :func:`junk`, or the whole answer replaced."""
    import copy

    from hypothesis import strategies as st

    value = copy.deepcopy(payload)
    for _ in range(data.draw(st.integers(min_value=0, max_value=times))):
        paths = list(_paths(value))
        if not paths or data.draw(st.integers(min_value=0, max_value=30)) == 0:
            return data.draw(junk())
        path = data.draw(st.sampled_from(paths))
        parent = value
        for step in path[:-1]:
            parent = parent[step]
        if data.draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(junk())
    return value


#: Values a sweep puts in place of each field in turn (the fuzz tests draw others at random).
EXTREMES: tuple[Any, ...] = (
    None,
    True,
    -1,
    2**63,
    10**400,
    -(10**400),
    1e308,
    float("inf"),
    float("nan"),
    "",
    "\ud800",
    "9" * 400,
    "../me",
    [],
    {},
    [[[[["deep"]]]]],
)


_REMOVE = object()


def sweep(payload: Any) -> Iterator[Any]:
    """``payload`` with one field at a time removed, or replaced by each of :data:`EXTREMES`."""
    import copy

    for path in list(_paths(payload)):
        for replacement in (_REMOVE, *EXTREMES):
            value = copy.deepcopy(payload)
            parent = value
            for step in path[:-1]:
                parent = parent[step]
            if replacement is _REMOVE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = replacement
            yield value
