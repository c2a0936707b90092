"""How long a server may keep a call waiting and how much it may make us read.

A marketing bot runs unattended against servers, relays and profiles that
strangers control. Every connection carries :class:`Limits` (the ``limits``
setting every backend shares) and every transport enforces them:

* ``deadline``: seconds for one request, connecting and every read
  together, so a server that drips one byte at a time cannot hold a call;
* ``max_body_bytes``: the most an answer may inflate to once decompressed
  (a small gzip bomb is refused, not unpacked);
* ``max_line_bytes``: the longest line of a stream or one relay message;
* ``max_json_depth``: the deepest nesting a JSON answer may have (deeper
  answers would exhaust the parser's stack);
* ``max_pages``: the most pages one listing may fetch, and a cursor must
  move on every page, so a server repeating a cursor cannot page for ever.

Every breach is a typed error naming the network: ``NetworkUnavailable``
(not retried, since the server would do it again).
"""

from __future__ import annotations

import json
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import from_json

from .errors import NetworkUnavailable

if TYPE_CHECKING:
    import httpx

__all__ = [
    "Deadline",
    "Limits",
    "check_json_depth",
    "guarded_transport",
    "iter_lines_capped",
    "loads",
    "read_capped",
    "read_encoded",
]

MiB = 1024 * 1024

T = TypeVar("T")


class Limits(BaseModel):
    """Bounds on what one server can make a connection do (the ``limits`` setting)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deadline: float = Field(default=30.0, gt=0, le=3600)
    max_body_bytes: int = Field(default=16 * MiB, ge=1024)
    max_line_bytes: int = Field(default=1 * MiB, ge=256)
    max_json_depth: int = Field(default=64, ge=4, le=1000)
    max_pages: int = Field(default=10_000, ge=1)


class Deadline:
    """The end of one call: ``remaining()`` seconds, and ``check()`` raising once it has passed."""

    def __init__(self, seconds: float, *, network: str, what: str = "the server") -> None:
        self.seconds = seconds
        self.network = network
        self.what = what
        self.ends = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left, at least a millisecond (to some libraries a timeout of 0 means none)."""
        return max(0.001, self.ends - time.monotonic())

    def left(self) -> float:
        """``remaining()`` after ``check()``, reading the clock once (once per socket read or write)."""
        left = self.ends - time.monotonic()
        if left <= 0:
            raise self.error()
        return left if left > 0.001 else 0.001

    def passed(self) -> bool:
        return time.monotonic() >= self.ends

    def check(self) -> None:
        """``NetworkUnavailable`` when the deadline has passed."""
        if self.passed():
            raise self.error()

    def error(self) -> NetworkUnavailable:
        return NetworkUnavailable(
            f"{self.what} did not answer within the {self.seconds:g} s deadline", network=self.network
        )

    def within(self, call: Callable[[], T]) -> T:
        """``call()`` on a daemon thread, given up (``error()``) once this deadline passes.

        For what takes no timeout: the system resolver can wait far longer
        than a look-up's deadline (a stranger's name server that never
        answers); the thread it is left on ends when the resolver gives up.
        """
        outcome: list[T | BaseException] = []

        def run() -> None:
            try:
                outcome.append(call())
            except BaseException as exc:  # handed to the caller below
                outcome.append(exc)

        worker = threading.Thread(target=run, name="decentsocial-resolve", daemon=True)
        worker.start()
        worker.join(self.remaining())
        if not outcome:
            raise self.error()
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result


#: Chunks held apart before they are packed together: a body sent in 1-byte chunks (chunked
#: encoding allows it) would otherwise cost a bytes object, some 40 bytes, per byte of the cap.
_PACK_EVERY = 64


def read_capped(chunks: Iterable[bytes], *, limit: int, deadline: Deadline) -> bytes:
    """Join decompressed ``chunks`` until the end, refusing more than ``limit`` bytes or a passed deadline.

    Memory stays about ``limit``, whatever the size of the chunks; an answer in
    a few chunks (the usual) is joined once, with no copy for a single one.
    """
    parts: list[bytes] = []
    packed = bytearray()
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise NetworkUnavailable(
                f"{deadline.what} sent more than {limit} bytes (the max_body_bytes limit)",
                network=deadline.network,
            )
        parts.append(chunk)
        if len(parts) >= _PACK_EVERY:
            packed += b"".join(parts)
            parts.clear()
        deadline.check()
    if packed:
        packed += b"".join(parts)
        return bytes(packed)
    return b"".join(parts)


def iter_lines_capped(chunks: Iterable[bytes], *, limit: int, network: str) -> Iterator[bytes]:
    """The lines of a stream (without their line ends), refusing a line longer than ``limit`` bytes.

    A stream that never sends a line break cannot make the reader buffer without bound, and
    each byte is looked at once: a line sent a byte at a time costs its length, not its square.
    """
    pending = bytearray()
    for chunk in chunks:
        start = 0
        end = chunk.find(b"\n")
        while end != -1:
            pending += chunk[start:end]
            if len(pending) > limit:
                break
            yield bytes(pending).rstrip(b"\r")
            pending.clear()
            start = end + 1
            end = chunk.find(b"\n", start)
        else:
            pending += chunk[start:]
            if len(pending) <= limit:
                continue
        raise NetworkUnavailable(f"the server sent a line longer than {limit} bytes", network=network)
    if pending:
        yield bytes(pending).rstrip(b"\r")


#: Every byte but a quote or a bracket: what :func:`check_json_depth` deletes in one ``translate``.
_NOT_SKELETON = bytes(range(256)).translate(None, b'"[]{}')
#: ... which also writes every bracket as a brace (the depth does not depend on the kind).
_AS_BRACES = bytes.maketrans(b"[]", b"{}")
#: An escaped backslash or quote, read left to right as a JSON reader pairs them.
_ESCAPED = re.compile(rb'\\[\\"]')
#: A string of the skeleton (its escapes already gone, only brackets left inside).
_QUOTED = re.compile(rb'"[^"]*"')


def check_json_depth(data: bytes | str, *, max_depth: int, network: str, what: str = "answer") -> None:
    """``NetworkUnavailable`` when JSON nests deeper than ``max_depth``; checked without parsing.

    The brackets outside strings are kept (the skeleton): escaped backslashes
    and quotes are dropped (one compiled pattern, left to right, pairing them
    as a JSON reader does), every other byte but quotes and brackets is
    deleted and every bracket written as a brace in one ``translate``, then
    the strings left (a few bytes each) are removed. Innermost pairs are then
    removed level by level, each level one ``bytes.replace`` (no Python loop
    over the tokens); a skeleton left after ``max_depth`` levels, or with
    braces that do not pair up, is counted one brace at a time. Every step
    runs in C, and only two of them over the whole text (about a third of
    the time ``json.loads`` takes on a Hive discussion). A text of at most
    ``max_depth`` characters, or with no more opening brackets than
    ``max_depth`` (strings included), cannot nest deeper, so it is let
    through at once or once they are counted (a relay's event message, say).
    """
    if len(data) <= max_depth:  # fewer characters than levels: too short to nest deeper
        return
    if isinstance(data, str):
        if data.count("[") + data.count("{") <= max_depth:
            return
        raw = data.encode("utf-8", "surrogatepass")
    else:
        raw = data
    if b"\\" in raw:
        raw = _ESCAPED.sub(b"", raw)
    skeleton = raw.translate(_AS_BRACES, _NOT_SKELETON)
    if skeleton.count(b"{") <= max_depth:  # every opening bracket of the text, strings included
        return
    if b'"' in skeleton:
        # An empty string, or two strings side by side, has no bracket: ``""`` goes first, cheaply.
        skeleton = _QUOTED.sub(b"", skeleton.replace(b'""', b"")).replace(b'"', b"")
    whole = skeleton
    for _ in range(max_depth):
        if not skeleton:
            return
        peeled = skeleton.replace(b"{}", b"")  # the innermost pairs: one level
        if len(peeled) == len(skeleton):  # braces that do not pair up (not JSON)
            break
        skeleton = peeled
    if skeleton:  # too deep, or not balanced: count them one by one
        _count_depth(whole, max_depth=max_depth, network=network, what=what)


def _count_depth(skeleton: bytes, *, max_depth: int, network: str, what: str) -> None:
    """The depth of a brace skeleton, one brace at a time (only for a skeleton too deep or unbalanced)."""
    depth = 0
    for char in skeleton.decode("ascii"):
        depth += 1 if char in "[{" else -1
        if depth > max_depth:
            raise NetworkUnavailable(
                f"the server's {what} nests deeper than {max_depth} levels", network=network
            )


def loads(data: bytes | str, *, limits: Limits, network: str, what: str = "answer") -> Any:
    """Parse a server's JSON within ``limits``: size, depth, and malformed text are typed errors.

    The text is read by pydantic-core's parser (a third faster than
    ``json.loads`` on a Hive discussion), which gives what ``json.loads``
    gives for every text it accepts; the few it turns down and ``json.loads``
    takes (a lone surrogate escape such as ``"\\ud800"``, UTF-16 bytes, a
    nesting deeper than its own limit of 200) go to ``json.loads``, so an
    answer reads as it always did, only sooner.
    """
    if len(data) > limits.max_body_bytes:
        raise NetworkUnavailable(
            f"the server's {what} is larger than {limits.max_body_bytes} bytes", network=network
        )
    check_json_depth(data, max_depth=limits.max_json_depth, network=network, what=what)
    try:
        return from_json(data)
    except ValueError:
        pass  # a text the fast parser turns down: json.loads has the last word
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise NetworkUnavailable(f"the server's {what} is not valid JSON", network=network) from exc


#: What a guarded transport tells servers it can decode (and so caps while decoding).
ACCEPT_ENCODING = "gzip, deflate"


def guarded_transport(
    limits: Limits, *, network: str, inner: httpx.BaseTransport | None = None
) -> httpx.BaseTransport:
    """An httpx transport that keeps every request within ``limits``.

    Each request gets the time left before its deadline as its connect, read
    and write timeouts; the answer is read whole, decompressed here with the
    output capped at ``max_body_bytes`` (so a small gzip bomb is refused, not
    unpacked). The default inner transport
    (:class:`~decentsocial.deadline_http.DeadlineHTTPTransport`) also cuts
    every socket read and write to the time left, so a server that drips its
    headers or body a byte at a time cannot hold the call. Requests marked
    ``extensions={"decentsocial.stream": True}`` are left to the caller, who
    reads them line by line with :func:`iter_lines_capped`.
    """
    import httpx

    from .deadline_http import DeadlineHTTPTransport, deadline_in_force

    seconds, limit, what = limits.deadline, limits.max_body_bytes, f"the {network} server"

    class GuardedTransport(httpx.BaseTransport):
        def __init__(self, inner: httpx.BaseTransport) -> None:
            self.inner = inner

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            deadline = Deadline(seconds, network=network, what=what)
            if request.headers.get("accept-encoding") != ACCEPT_ENCODING:  # HttpApi sets it
                request.headers["Accept-Encoding"] = ACCEPT_ENCODING
            asked = request.extensions.get("timeout") or {}
            request.extensions["timeout"] = {
                phase: t if t and t < seconds else seconds
                for phase in ("connect", "read", "write", "pool")
                for t in (asked.get(phase),)
            }
            with deadline_in_force(deadline):
                response = self.inner.handle_request(request)
                if request.extensions.get("decentsocial.stream"):
                    return response  # the caller reads it line by line, under its own silence limit
                stream = response.stream
                assert isinstance(stream, Iterable)  # a sync transport's byte stream
                headers = response.headers
                names = headers.keys()  # lower case, read once
                encoding = headers["content-encoding"] if "content-encoding" in names else ""
                try:
                    body = read_encoded(stream, encoding, limit=limit, deadline=deadline)
                finally:
                    if isinstance(stream, httpx.SyncByteStream):
                        stream.close()  # the connection goes back to the pool
            # The same response, its body now the bytes read here (building another cost more than
            # the rest of this method): httpx reads them from memory, never from the socket again.
            if encoding or "transfer-encoding" in names or "content-length" not in names:
                for name in _BODY_HEADERS:
                    if name in names:
                        del headers[name]
                headers["Content-Length"] = str(len(body))
            response.stream = httpx.ByteStream(body)
            response.read()  # read whole, as promised: a transport wrapping this one reads ``content``
            return response

        def close(self) -> None:
            self.inner.close()

    return GuardedTransport(inner if inner is not None else DeadlineHTTPTransport())


_BODY_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


def read_encoded(chunks: Iterable[bytes], encoding: str, *, limit: int, deadline: Deadline) -> bytes:
    """An answer's body from its raw ``chunks``, decompressed here under ``limit`` and the deadline.

    ``encoding`` is the answer's Content-Encoding: identity, gzip or deflate
    (what :data:`ACCEPT_ENCODING` offers); any other, or a corrupt stream, is
    ``NetworkUnavailable``. For transports that are not httpx (Mastodon.py's requests).
    """
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        decompress = None
    elif encoding in ("gzip", "x-gzip", "deflate"):
        decompress = zlib.decompressobj(wbits=47)  # gzip or zlib, told apart by the header
    else:
        raise NetworkUnavailable(
            f"{deadline.what} sent an answer in an encoding it was not offered ({encoding[:40]})",
            network=deadline.network,
        )
    if decompress is None:
        return read_capped(chunks, limit=limit, deadline=deadline)
    try:
        return read_capped(_inflate(chunks, decompress, limit), limit=limit, deadline=deadline)
    except zlib.error as exc:
        raise NetworkUnavailable(
            f"{deadline.what} sent a corrupt compressed answer", network=deadline.network
        ) from exc


def _inflate(chunks: Iterable[bytes], decompress: Any, limit: int) -> Iterator[bytes]:
    """Decompressed chunks, never more than ``limit + 1`` bytes at a time (the cap sees the excess)."""
    for chunk in chunks:
        if decompress is None:
            yield chunk
            continue
        data = chunk
        while data:
            out = decompress.decompress(data, limit + 1)
            yield out
            data = decompress.unconsumed_tail
    if decompress is not None:
        yield decompress.flush()
