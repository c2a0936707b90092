"""Mastodon's streaming API: Server-Sent Events read into posts, with reconnection.

``GET /api/v1/streaming/{user|public|hashtag?tag=…}`` answers
``event: update`` / ``data: <Status JSON>`` blocks, ``delete`` and
``notification`` events, and ``:`` comment lines as heartbeats.
:func:`read_events` reads one connection's bytes; :func:`follow` keeps a
stream going across drops (backoff, a catch-up read of what was missed).
The connection itself is the transport's: nothing here touches the wire.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ...coerce import as_dict
from ...errors import NetworkUnavailable
from ...models import Post
from .convert import NETWORK, to_post
from .failures import stream_refusal, wait_from_headers

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
    drops or stays silent past ``stream_timeout``.
    """

    status: int
    headers: Mapping[str, str]
    chunks: Iterator[bytes]


def read_events(chunks: Iterable[bytes]) -> Iterator[StreamEvent]:
    """The events in one response's body (heartbeats included), until the server closes it."""
    name = "message"
    data: list[str] = []
    for line in _lines(chunks):
        if line == "":
            if data:
                text = "\n".join(data)
                try:
                    payload: Any = json.loads(text)
                except ValueError:
                    payload = text
                yield StreamEvent(name, payload)
            name, data = "message", []
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
            data.append(value)


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Lines as soon as they arrive (``iter_lines`` would wait to fill its chunk)."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        while True:
            cut = buffer.find(b"\n")
            if cut < 0:
                break
            line, buffer = buffer[:cut], buffer[cut + 1 :]
            yield line.rstrip(b"\r").decode("utf-8", errors="replace")


def stream_path(kind: str) -> str:
    """The streaming API path for ``kind`` (``user``, ``public`` or ``hashtag``)."""
    return f"/api/v1/streaming/{kind}"


def streaming_url(instance: Any, base_url: str, *, allow_http: bool) -> str:
    """The streaming API's base URL, from the instance document, if it is the server's own host.

    The stream request carries the access token, so a streaming host on
    another domain (a misconfigured or hostile instance document) is not
    trusted: ``base_url`` is used instead. ``ws(s)://`` becomes ``http(s)://``
    (the stream is read as Server-Sent Events), and plain HTTP only with
    ``allow_http``.
    """
    document = as_dict(instance)
    urls = as_dict(as_dict(document.get("configuration")).get("urls")) or as_dict(document.get("urls"))
    announced = urls.get("streaming") or urls.get("streaming_api")
    base = base_url
    if isinstance(announced, str) and announced:
        own = (urlsplit(base_url).hostname or "").lower()
        host = (urlsplit(announced).hostname or "").lower()
        if host == own or host.endswith("." + own):
            base = announced
        else:
            log.warning("ignoring the instance's streaming host %s: not %s or a subdomain of it", host, own)
    base = base.rstrip("/")
    if base.startswith("wss://"):
        base = "https://" + base[6:]
    elif base.startswith("ws://"):
        base = "http://" + base[5:]
    if base.startswith("http://") and not allow_http:
        base = "https://" + base[7:]
    return base


def follow(
    connect: Callable[[], AbstractContextManager[StreamAnswer]],
    catch_up: Callable[[str], list[Post]],
    *,
    kind: str,
    attempts: int,
    sleep: Callable[[float], None],
) -> Iterator[Post]:
    """New posts of one stream, as they arrive, for as long as the caller reads.

    ``connect()`` opens one streaming response; ``catch_up(since_id)``
    reads, oldest first, what the matching timeline got after ``since_id``
    (the stream does not replay what came while it was away). After a drop
    it waits (exponential backoff with jitter, or the 429's wait) and
    reconnects; ``NetworkUnavailable`` after ``attempts`` connections in a
    row that failed before any byte came through. A refused token or a
    server without streaming ends it at once.
    """
    failures = 0
    last_id: str | None = None
    seen: set[str] = set()
    while True:
        wait: float | None = None
        try:
            with connect() as answer:
                refusal = stream_refusal(answer.status, kind)
                if refusal is not None:
                    raise refusal
                if answer.status == 429:
                    wait = wait_from_headers(answer.headers)
                if answer.status == 200:
                    if last_id is not None:
                        for post in catch_up(last_id):
                            wrapper_id = str((post.raw or {}).get("id", post.id))
                            if wrapper_id not in seen:
                                seen.add(wrapper_id)
                                last_id = wrapper_id
                                yield post
                    for event in read_events(answer.chunks):
                        failures = 0  # the connection works: a later drop starts the backoff afresh
                        if event.name != "update" or not isinstance(event.payload, dict):
                            continue
                        wrapper_id = str(event.payload.get("id"))
                        if wrapper_id in seen:
                            continue
                        if len(seen) > _SEEN_MAX:
                            seen.clear()
                        seen.add(wrapper_id)
                        last_id = wrapper_id
                        yield to_post(event.payload)
        except NetworkUnavailable:
            pass  # unreachable, dropped, silent too long, or the catch-up read failed: reconnect
        failures += 1
        if failures >= attempts:
            raise NetworkUnavailable(f"the {kind} stream failed {failures} times in a row", network=NETWORK)
        sleep(wait if wait is not None else backoff(failures))


def backoff(failures: int) -> float:
    """Seconds to wait after ``failures`` failed connections in a row: 0.5 s doubling to 30 s, plus jitter."""
    base: float = min(30.0, 0.5 * 2.0 ** (failures - 1))
    return base + random.uniform(0.0, base * 0.1)
