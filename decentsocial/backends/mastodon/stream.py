"""Mastodon's streaming API: Server-Sent Events read into posts, with reconnection.

``GET /api/v1/streaming/{user|public|hashtag?tag=…}`` answers
``event: update`` / ``data: <Status JSON>`` blocks, ``delete`` and
``notification`` events, and ``:`` comment lines as heartbeats.
:func:`read_events` reads one connection's bytes; :func:`follow` keeps a
stream going across drops (backoff, a catch-up read of what was missed),
until its ``stop()`` (from any thread) shuts the connection it waits on.
The connection itself is the transport's: nothing here touches the wire.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass
from typing import Any

from ...coerce import as_dict, as_str
from ...errors import DecentSocialError, InvalidInput, NetworkUnavailable, RateLimited
from ...interrupt import Interrupt
from ...limits import Limits, check_json_depth, iter_lines_capped
from ...models import Post
from ...retry import reconnect_backoff
from ...stopping import StoppableStream
from ...urls import URL, is_loopback_host, parse_url
from .convert import NETWORK, to_post
from .failures import stream_refusal, wait_from_headers
from .ids import ID

__all__ = [
    "HEARTBEAT",
    "STREAMS",
    "StreamAnswer",
    "StreamEvent",
    "follow",
    "read_events",
    "stream_path",
    "streaming_url",
]

log = logging.getLogger("decentsocial.mastodon")

#: The name of the event ``read_events`` yields for a ``:`` comment line (the server's heartbeat).
HEARTBEAT = ":heartbeat"
#: The streams ``stream(kind=…)`` can follow.
STREAMS = ("user", "public", "hashtag")
#: Wrapper ids remembered to drop an event seen twice (across a reconnect); cleared past this.
_SEEN_MAX = 10_000


@dataclass(frozen=True)
class StreamEvent:
    """One SSE event: its name and decoded JSON payload (``None`` if not JSON)."""

    name: str
    payload: Any


@dataclass(frozen=True)
class StreamAnswer:
    """One streaming response as the transport opened it: status, headers, the body as it arrives.

    Reading ``chunks`` raises ``NetworkUnavailable`` when the connection
    drops or stays silent past ``stream_timeout``. ``shut()``, from any
    thread, ends a read blocked on the connection (``None``: it cannot be).
    """

    status: int
    headers: Mapping[str, str]
    chunks: Iterator[bytes]
    shut: Callable[[], None] | None = None


class _Switch:
    """A followed stream's ``stop()``: a read blocked on the server's socket is woken by shutting it,
    as nothing else wakes it (a quiet timeline sends only heartbeats, which the reader never sees).

    While the stream connects its interrupt is in force on the reader's
    thread (:meth:`opening`): the transport shuts the socket it is opening, so
    a stop then does not wait for a server that never completes the handshake.
    So it is while a reconnected stream reads what it missed (:meth:`each`).
    """

    def __init__(self) -> None:
        self.interrupt = Interrupt()
        self.stopped = self.interrupt.event

    def stop(self) -> None:
        self.interrupt.set()

    def opening(self) -> AbstractContextManager[None]:
        """While inside (and only while connecting: never across a ``yield``), a stop ends the requests
        of this thread: the instance read and the stream's own connect, TLS handshake and headers."""
        return self.interrupt.in_force()

    def each(self, posts: Iterable[Post]) -> Iterator[Post]:
        """``posts`` (a catch-up's pages, read as they are taken) with each read under :meth:`opening`: a
        stop ends a page read the server holds, not its timeout. Closed however the stream ends."""
        found = iter(posts)
        try:
            while True:
                with self.opening():
                    post = next(found, None)
                if post is None:
                    return
                yield post
        finally:
            close = getattr(found, "close", None)
            if callable(close):
                close()

    def reading(self, answer: StreamAnswer) -> AbstractContextManager[None]:
        """``answer``'s connection is the one ``stop()`` shuts, until it is let go of (and closed after)."""
        return nullcontext() if answer.shut is None else self.interrupt.hooked(answer.shut)


def read_events(chunks: Iterable[bytes], *, limits: Limits | None = None) -> Iterator[StreamEvent]:
    """The events in one response's body (heartbeats included), until the server closes it.

    A line longer than ``limits.max_line_bytes`` ends the connection with
    ``NetworkUnavailable``; an event whose JSON nests deeper than
    ``limits.max_json_depth`` is skipped with a log line (its payload is
    ``None``).
    """
    limits = limits or Limits()
    name = "message"
    data: list[str] = []
    size = 0
    for raw in iter_lines_capped(chunks, limit=limits.max_line_bytes, network=NETWORK):
        line = raw.decode("utf-8", errors="replace")
        if line == "":
            if data:
                yield StreamEvent(name, _payload("\n".join(data), limits))
            name, data, size = "message", [], 0
            continue
        if line.startswith(":"):
            # A heartbeat: reported, so a reader knows the connection works even when no post comes.
            yield StreamEvent(HEARTBEAT, None)
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            size += len(value)
            if size > limits.max_body_bytes:
                raise NetworkUnavailable(
                    "the stream sent an event larger than max_body_bytes", network=NETWORK
                )
            data.append(value)


def _payload(text: str, limits: Limits) -> Any:
    """An event's data as JSON (its text when it is not JSON; ``None`` when it nests too deep)."""
    try:
        check_json_depth(text, max_depth=limits.max_json_depth, network=NETWORK, what="stream event")
    except NetworkUnavailable as exc:
        log.warning("skipping a stream event: %s", exc.message)
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def _position(status: Any) -> str | None:
    """A status's own id (a boost's is its wrapper's), the place a catch-up reads on from; ``None``
    when it has none that is an id (a ``null``, an object): ``min_id=None`` would skip what came."""
    ident = as_str(as_dict(status).get("id"))
    return ident if ident is not None and ID.fullmatch(ident) else None


def stream_path(kind: str) -> str:
    """The streaming API path for ``kind`` (``user``, ``public`` or ``hashtag``)."""
    return f"/api/v1/streaming/{kind}"


def streaming_url(instance: Any, base_url: str, *, allow_http: bool) -> str:
    """The streaming API's base URL, from the instance document, if it is the server's own host.

    The stream request carries the access token, so a streaming host on
    another domain (a misconfigured or hostile instance document) is not
    trusted: ``base_url`` is used instead. The announced URL is read with
    :func:`decentsocial.urls.parse_url` and the canonical URL it returns is
    the one connected to, so no two URL parsers can disagree about the host
    (``https://evil.example\\@mastodon.example`` is ``evil.example``).
    ``ws(s)://`` becomes ``http(s)://`` (the stream is read as Server-Sent
    Events); plain HTTP only for a loopback server or with ``allow_http``.
    """
    document = as_dict(instance)
    urls = as_dict(as_dict(document.get("configuration")).get("urls")) or as_dict(document.get("urls"))
    announced = urls.get("streaming") or urls.get("streaming_api")
    base = parse_url(base_url, network=NETWORK)
    chosen = base
    if isinstance(announced, str) and announced:
        try:
            url: URL | None = parse_url(announced, network=NETWORK, schemes=("https", "http", "wss", "ws"))
        except InvalidInput:
            url = None
        if url is not None and (url.host == base.host or url.host.endswith("." + base.host)):
            chosen = url
        else:
            shown = url.host if url is not None else repr(announced[:100])
            log.warning(
                "ignoring the instance's streaming host %s: not %s or a subdomain of it", shown, base.host
            )
    scheme = {"wss": "https", "ws": "http"}.get(chosen.scheme, chosen.scheme)
    if scheme == "http" and not (allow_http or is_loopback_host(chosen.host)):
        scheme = "https"
    return f"{scheme}://{chosen.netloc}{chosen.path.rstrip('/')}"


def follow(
    connect: Callable[[], AbstractContextManager[StreamAnswer]],
    catch_up: Callable[[str], Iterable[Post]],
    *,
    kind: str,
    attempts: int,
    sleep: Callable[[float, threading.Event], None],
    limits: Limits | None = None,
    max_wait: float = 30.0,
) -> StoppableStream:
    """New posts of one stream, as they arrive, for as long as the caller reads or until ``stop()``.

    ``connect()`` opens one streaming response; ``catch_up(since_id)``
    reads, oldest first, what the matching timeline got after ``since_id``
    (the stream does not replay what came while it was away). After a drop
    it waits (exponential backoff with jitter, or the 429's wait) and
    reconnects; ``NetworkUnavailable`` after ``attempts`` connections in a
    row that failed before any byte came through. A refused token or a
    server without streaming ends it at once, and so does a 429 asking for
    a wait longer than ``max_wait`` (``RateLimited`` with that wait, as a
    request's 429 is). ``sleep(seconds, stopped)`` waits between connections
    (returning when ``stopped`` is set). ``stop()``, from any thread, shuts
    the connection being read (its answer's ``shut``), or being opened (the
    requests ``connect()`` and ``catch_up`` make, under the switch's interrupt): the stream
    ends quietly in its reader's thread, and closes the connection there.
    """
    switch = _Switch()
    posts = _follow(connect, catch_up, switch, kind, attempts, sleep, limits, max_wait)
    return StoppableStream(posts, switch.stop)


def _follow(
    connect: Callable[[], AbstractContextManager[StreamAnswer]],
    catch_up: Callable[[str], Iterable[Post]],
    switch: _Switch,
    kind: str,
    attempts: int,
    sleep: Callable[[float, threading.Event], None],
    limits: Limits | None,
    max_wait: float,
) -> Generator[Post, None, None]:
    stopped = switch.stopped
    failures = 0
    last_id: str | None = None
    seen: set[str] = set()
    while not stopped.is_set():
        wait: float | None = None
        last: NetworkUnavailable | None = None
        try:
            with ExitStack() as held:
                with switch.opening():
                    answer = held.enter_context(connect())
                held.enter_context(switch.reading(answer))
                if stopped.is_set():
                    return  # stopped while it connected
                refusal = stream_refusal(answer.status, kind)
                if refusal is not None:
                    raise refusal
                if answer.status == 429:
                    wait = wait_from_headers(answer.headers)
                    if wait is not None and wait > max_wait:
                        raise RateLimited(
                            f"the {kind} stream is rate limited", retry_after=wait, network=NETWORK
                        )
                if answer.status == 200:
                    if last_id is not None:
                        for post in switch.each(catch_up(last_id)):
                            if stopped.is_set():
                                return
                            wrapper_id = _position(post.raw)
                            if wrapper_id is None:
                                log.warning("skipping a status the catch-up read without a usable id")
                                continue
                            if len(seen) > _SEEN_MAX:
                                seen.clear()
                            if wrapper_id not in seen:
                                seen.add(wrapper_id)
                                last_id = wrapper_id
                                yield post
                    for event in read_events(answer.chunks, limits=limits):
                        failures = 0  # the connection works: a later drop starts the backoff afresh
                        if event.name != "update":
                            continue
                        if not isinstance(event.payload, dict):
                            log.warning("skipping an update the stream sent that is not a status object")
                            continue
                        wrapper_id = _position(event.payload)
                        if wrapper_id is None:  # malformed: no place to catch up from, nothing to dedupe by
                            log.warning("skipping a status the stream sent without a usable id")
                            continue
                        if wrapper_id in seen:
                            continue
                        if len(seen) > _SEEN_MAX:
                            seen.clear()
                        seen.add(wrapper_id)
                        last_id = wrapper_id
                        try:
                            post = to_post(event.payload)
                        except DecentSocialError as exc:
                            log.warning("skipping a status the stream sent: %s", exc.message)
                            continue
                        yield post
        except NetworkUnavailable as exc:
            last = exc  # unreachable, dropped, silent too long, a line too long, or the catch-up failed
        except DecentSocialError:
            if stopped.is_set():
                return  # a request whose retries stop() ended (a 429's wait cut short): an end, not a failure
            raise
        if stopped.is_set():
            return  # its connection shut by stop(): an end, not a drop
        failures += 1
        if failures >= attempts:
            why = f" (last: {last.message})" if last is not None else ""
            raise NetworkUnavailable(
                f"the {kind} stream failed {failures} times in a row{why}", network=NETWORK
            ) from last
        sleep(wait if wait is not None else reconnect_backoff(failures), stopped)
