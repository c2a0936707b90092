"""A loopback proxy that spoils chosen requests: HTTP/1.1 and, after an upgrade, websocket frames.

Generalised from ``tests/bluesky/proxy.py``. It forwards every request to
the upstream server on 127.0.0.1 and relays the answer, except the request
an armed :class:`Plan` matches, which gets one of :data:`FAULTS`:

``delay``
    wait ``delay`` seconds, then forward and relay normally (a slow server);
``reset_before``
    reset the client's connection before anything is forwarded (the server
    never sees the request);
``reset_after``
    forward, read the server's whole answer (the write is committed), then
    reset the client's connection: the ambiguous failure;
``5xx``
    answer ``503`` without forwarding (a websocket ``EVENT`` gets a relay's
    refusal, ``["OK", id, false, "error: ..."]``);
``429``
    answer ``429`` with ``Retry-After: 1`` without forwarding (a websocket
    ``EVENT`` gets ``["OK", id, false, "rate-limited: ..."]``);
``truncate``
    forward, then send the head and half the body (half the frame) and close;
``corrupt``
    forward, then relay the answer with its body reversed (same length, not
    JSON any more);
``drip``
    forward, then relay the answer one byte every ``drip_interval`` seconds;
    after ``drip_cap`` seconds the rest goes at once, so a client without a
    deadline still gets an answer and every fault ends by itself.

A websocket "request" is one client text frame (unmasked to match it; the
proxy strips ``Sec-WebSocket-Extensions`` from the upgrade, so no frame is
compressed); the
faults that act on the answer act on the server's next frame starting with
``["OK"`` (a relay's acknowledgement). Only loopback addresses are used.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

FAULTS = ("delay", "reset_before", "reset_after", "5xx", "429", "truncate", "corrupt", "drip")
HOST = "127.0.0.1"
_MAX_HEAD = 65536
_MAX_BODY = 32 * 1024 * 1024


@dataclass(frozen=True)
class Request:
    """What a matcher sees: the method (``WS`` for a websocket frame), the path and the body."""

    method: str
    path: str
    body: bytes


@dataclass
class Plan:
    fault: str
    match: Callable[[Request], bool]
    times: int = 1
    hits: int = 0


@dataclass
class _Message:
    head: bytes  # start line and headers, up to and including the blank line
    body: bytes  # de-chunked
    raw: bytes  # as received

    @property
    def headers(self) -> dict[bytes, bytes]:
        out = {}
        for line in self.head.split(b"\r\n")[1:]:
            if b":" in line:
                name, value = line.split(b":", 1)
                out[name.strip().lower()] = value.strip()
        return out

    def with_body(self, body: bytes, *, length: int | None = None) -> bytes:
        """The message with ``body`` and a ``content-length`` of ``length`` (default: the body's)."""
        lines = [
            line
            for line in self.head.split(b"\r\n")
            if line and not line.lower().startswith((b"content-length:", b"transfer-encoding:"))
        ]
        size = len(body) if length is None else length
        return b"\r\n".join([*lines, b"content-length: %d" % size, b"", b""]) + body


def _read_message(stream: BinaryIO, *, has_body: bool = True) -> _Message | None:
    """One HTTP/1.1 message from a buffered reader; None at EOF."""
    head = b""
    while True:
        line = stream.readline(_MAX_HEAD)
        if not line:
            return None
        head += line
        if len(head) > _MAX_HEAD:
            return None
        if line in (b"\r\n", b"\n") and head.strip():
            break
    message = _Message(head, b"", head)
    headers = message.headers
    if not has_body:
        return message
    body = b""
    raw = b""
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while len(body) < _MAX_BODY:
            size_line = stream.readline(_MAX_HEAD)
            raw += size_line
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            chunk = stream.read(size + 2)
            raw += chunk
            body += chunk[:size]
            if size == 0:
                while True:  # trailers, up to the blank line
                    trailer = stream.readline(_MAX_HEAD)
                    raw += trailer
                    if trailer in (b"\r\n", b"\n", b""):
                        break
                break
    elif b"content-length" in headers:
        body = stream.read(min(int(headers[b"content-length"]), _MAX_BODY))
        raw = body
    return _Message(head, body, head + raw)


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (RST), not an orderly FIN, even while a reader (makefile) holds the socket."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        socket.close(sock.detach())
    except OSError:
        pass


def _close(sock: socket.socket) -> None:
    """Close now: ``close()`` alone waits for every makefile reader to go, so shut down first."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _reversed_body(body: bytes) -> bytes:
    return body[::-1] if len(set(body)) > 1 else b"\xff" * len(body)


@dataclass
class FaultProxy:
    """One proxy in front of ``127.0.0.1:upstream_port``; :meth:`arm` a plan before each case."""

    upstream_port: int
    delay: float = 1.0
    drip_interval: float = 0.05
    drip_cap: float = 7.0
    injected: int = 0
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind((HOST, 0))
        self._server.listen(64)
        self.port: int = self._server.getsockname()[1]
        self._lock = threading.Lock()
        self._plans: list[Plan] = []
        self._busy = 0
        self._closed = False
        self._conns: set[socket.socket] = set()
        threading.Thread(target=self._accept, name=f"fault-proxy-{self.port}", daemon=True).start()

    # ------------------------------------------------------------------ control

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    def arm(self, fault: str, match: Callable[[Request], bool], *, times: int = 1) -> Plan:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        plan = Plan(fault, match, times)
        with self._lock:
            self._plans = [plan]
        return plan

    def disarm(self) -> None:
        with self._lock:
            self._plans = []

    def settle(self, timeout: float = 15.0) -> None:
        """Wait (bounded) until no fault is still being played out (a delay or a drip)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if self._busy == 0:
                    return
            time.sleep(0.02)

    def cut(self) -> int:
        """Close every connection open now (a dropped link), keep accepting new ones; how many were cut."""
        with self._lock:
            conns = list(self._conns)
            self._conns.clear()
        for conn in conns:
            _close(conn)
        return len(conns)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept thread (close alone does not)
        self._server.close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            _close(conn)

    def _take(self, request: Request) -> str | None:
        with self._lock:
            for plan in self._plans:
                if plan.hits < plan.times and plan.match(request):
                    plan.hits += 1
                    self.injected += 1
                    self._busy += 1
                    self.log.append(f"{plan.fault} {request.method} {request.path}")
                    return plan.fault
        return None

    def _done(self) -> None:
        with self._lock:
            self._busy -= 1

    # ------------------------------------------------------------------ HTTP

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            reader = conn.makefile("rb")
            up_reader = None
            while not self._closed:
                request = _read_message(reader)
                if request is None:
                    return
                start = request.head.split(b"\r\n", 1)[0].split(b" ")
                method = start[0].decode("latin-1")
                path = start[1].decode("latin-1") if len(start) > 1 else ""
                if upstream is None:
                    upstream = socket.create_connection((HOST, self.upstream_port), timeout=60)
                    with self._lock:
                        self._conns.add(upstream)
                    up_reader = upstream.makefile("rb")
                assert up_reader is not None
                if request.headers.get(b"upgrade", b"").lower() == b"websocket":
                    upstream.sendall(_without_extensions(request.raw))
                    answer = _read_message(up_reader, has_body=False)
                    if answer is None:
                        return
                    conn.sendall(answer.raw)
                    if b" 101 " in answer.head.split(b"\r\n", 1)[0] + b" ":
                        self._websocket(conn, reader, upstream, up_reader, path)
                    return
                fault = self._take(Request(method, path, request.body))
                try:
                    if not self._http(fault, conn, upstream, up_reader, request, method):
                        return
                finally:
                    if fault is not None:
                        self._done()
        except (OSError, ValueError):
            return
        finally:
            for sock in (conn, upstream):
                if sock is not None:
                    with self._lock:
                        self._conns.discard(sock)
                    _close(sock)

    def _http(
        self,
        fault: str | None,
        conn: socket.socket,
        upstream: socket.socket,
        up_reader: BinaryIO,
        request: _Message,
        method: str,
    ) -> bool:
        """Play one request out; False when the client's connection is finished."""
        if fault == "reset_before":
            _reset(conn)
            return False
        if fault in ("5xx", "429"):
            conn.sendall(_refusal(fault))
            return False
        if fault == "delay":
            time.sleep(self.delay)
        upstream.sendall(request.raw)
        answer = _read_message(up_reader, has_body=method != "HEAD")
        if answer is None:
            return False
        if fault == "reset_after":
            _reset(conn)
            return False
        if fault == "truncate":
            if answer.body:
                conn.sendall(answer.with_body(answer.body[: len(answer.body) // 2], length=len(answer.body)))
            else:
                conn.sendall(answer.raw[: len(answer.raw) // 2])
            return False
        if fault == "corrupt":
            if answer.body:
                conn.sendall(answer.with_body(_reversed_body(answer.body)))
            else:
                conn.sendall(b"HTTP/1.1 2!0 \xff\xfe\r\n" + answer.raw.split(b"\r\n", 1)[1])
            return False
        if fault == "drip":
            self._drip(conn, answer.raw)
            return False
        conn.sendall(answer.raw)
        return True

    def _drip(self, conn: socket.socket, data: bytes) -> None:
        end = time.monotonic() + self.drip_cap
        for i in range(len(data)):
            if time.monotonic() >= end or self._closed:
                conn.sendall(data[i:])
                return
            conn.sendall(data[i : i + 1])
            time.sleep(self.drip_interval)

    # ------------------------------------------------------------------ websocket

    def _websocket(
        self, conn: socket.socket, reader: BinaryIO, upstream: socket.socket, up_reader: BinaryIO, path: str
    ) -> None:
        pending: list[str] = []  # faults to play on the server's next acknowledgement
        gone = threading.Event()

        def server_to_client() -> None:
            try:
                while not gone.is_set():
                    frame = _read_frame(up_reader)
                    if frame is None:
                        return
                    raw, _opcode, payload = frame
                    fault = pending.pop(0) if pending and payload.startswith(b'["OK"') else None
                    if fault is None:
                        conn.sendall(raw)
                        continue
                    try:
                        if fault == "reset_after":
                            _reset(conn)
                        elif fault == "truncate":
                            conn.sendall(raw[: len(raw) - max(1, len(payload) // 2)])
                            _close(conn)
                        elif fault == "corrupt":
                            conn.sendall(raw[: len(raw) - len(payload)] + _reversed_body(payload))
                            continue
                        elif fault == "drip":
                            self._drip(conn, raw)
                            continue
                        return
                    finally:
                        self._done()
            except (OSError, ValueError):
                return
            finally:
                gone.set()
                for sock in (conn, upstream):
                    _close(sock)

        pump = threading.Thread(target=server_to_client, daemon=True)
        pump.start()
        try:
            while not gone.is_set():
                frame = _read_frame(reader, masked=True)
                if frame is None:
                    return
                raw, opcode, payload = frame
                fault = self._take(Request("WS", path, payload)) if opcode == 1 else None
                if fault in (None, "delay"):
                    if fault == "delay":
                        time.sleep(self.delay)
                        self._done()
                    upstream.sendall(raw)
                elif fault == "reset_before":
                    self._done()
                    _reset(conn)
                    return
                elif fault in ("5xx", "429"):
                    self._done()
                    conn.sendall(_ws_frame(_relay_refusal(payload, fault)))
                else:
                    pending.append(fault)
                    upstream.sendall(raw)
        except (OSError, ValueError):
            return
        finally:
            gone.set()
            with self._lock:
                self._busy -= len(pending)
            pending.clear()
            for sock in (conn, upstream):
                _close(sock)
            pump.join(timeout=self.drip_cap + 2)


def _without_extensions(upgrade: bytes) -> bytes:
    """The upgrade request without ``Sec-WebSocket-Extensions``: no compression, so frames can be read."""
    lines = upgrade.split(b"\r\n")
    return b"\r\n".join(line for line in lines if not line.lower().startswith(b"sec-websocket-extensions:"))


def _refusal(fault: str) -> bytes:
    if fault == "429":
        body = json.dumps({"error": "Too many requests", "status": "error", "message": "slow down"}).encode()
        status, extra = "429 Too Many Requests", "retry-after: 1\r\n"
    else:
        body = json.dumps(
            {"error": "Service unavailable", "status": "error", "message": "try later"}
        ).encode()
        status, extra = "503 Service Unavailable", ""
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{extra}"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


def _relay_refusal(payload: bytes, fault: str) -> bytes:
    """A relay's ``OK false`` for an ``EVENT`` message (NIP-01 prefixes), else a ``NOTICE``."""
    try:
        message = json.loads(payload)
        event_id = message[1]["id"] if message[0] == "EVENT" else None
    except (ValueError, LookupError, TypeError):
        event_id = None
    reason = "rate-limited: slow down" if fault == "429" else "error: the relay failed, try again"
    answer = ["OK", event_id, False, reason] if isinstance(event_id, str) else ["NOTICE", reason]
    return json.dumps(answer).encode()


def _read_frame(reader: BinaryIO, *, masked: bool = False) -> tuple[bytes, int, bytes] | None:
    """One websocket frame: its raw bytes, opcode and (unmasked) payload; None at EOF."""
    read = reader.read
    head = read(2)
    if len(head) < 2:
        return None
    raw = head
    opcode = head[0] & 0x0F
    size = head[1] & 0x7F
    if size == 126:
        ext = read(2)
        raw += ext
        size = struct.unpack("!H", ext)[0]
    elif size == 127:
        ext = read(8)
        raw += ext
        size = struct.unpack("!Q", ext)[0]
    if size > _MAX_BODY:
        raise ValueError("websocket frame too large")
    mask = b""
    if head[1] & 0x80:
        mask = read(4)
        raw += mask
    payload = read(size)
    if len(payload) < size:
        return None
    raw += payload
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return raw, opcode, payload


def _ws_frame(payload: bytes) -> bytes:
    """An unmasked (server-to-client) text frame."""
    size = len(payload)
    if size < 126:
        return bytes([0x81, size]) + payload
    if size < 65536:
        return bytes([0x81, 126]) + struct.pack("!H", size) + payload
    return bytes([0x81, 127]) + struct.pack("!Q", size) + payload
