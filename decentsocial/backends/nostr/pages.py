"""Paging a relay's events newest first with ``until``, whatever the relay makes of ``until``;
and the dates idempotency keys pin (a keyed note or zap request is dated once, in the state store).

NIP-01 says ``until`` is inclusive; some relays treat it as exclusive, and
many events may share one second. A page therefore ends on a whole second,
and the next one starts below it, so no event is skipped or repeated.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar, cast

from ...errors import InvalidInput
from ...models import Post
from ...stopping import StoppableStream
from .convert import post_from_event
from .events import Event, Filter
from .failures import stream_lost
from .loop import Handoff
from .streams import Backlog
from .transport import NostrTransport, QueryResult

if TYPE_CHECKING:
    from ...state import StateStore  # sqlite3 only when a key is used

__all__ = [
    "BOUNDARY_LIMIT",
    "Cursor",
    "arrivals_posts",
    "claim_date",
    "relay_page",
    "stored_date",
    "take",
    "unique_posts",
]

T = TypeVar("T")

#: Events of one second fetched at most when completing a page boundary.
BOUNDARY_LIMIT = 1000
#: A relay answer of a multiple of this many events may have been cut by a cap it does not announce.
ROUND_CAP = 100


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: below ``until``, whose events were all returned."""

    until: int  # every event at or after this second has been returned
    known_at_until: int  # how many events share that second (an inclusive relay sends them again)
    scanned: int = 0  # events examined so far (a bounded scan stops at its limit)


def relay_page(
    transport: NostrTransport, base: Filter, cursor: Cursor | None, size: int, relays: Sequence[str] | None
) -> tuple[list[Event], Cursor | None]:
    """One page, newest first, ending on a whole second.

    Works whether a relay's ``until`` is inclusive (NIP-01) or exclusive:
    the events of the page's oldest second are completed with a
    ``since``/``until`` query, and the next page drops that second.
    """
    query = dict(base)
    # One more than asked: a relay that sends no more than ``size`` has nothing older.
    limit = query["limit"] = size + 1 + (cursor.known_at_until if cursor else 0)
    if cursor is not None:
        query["until"] = cursor.until
    result = transport.query([query], relays, with_info=True)
    events = [e for e in result.events if cursor is None or e.created_at < cursor.until]
    # A full relay's boundary is its oldest sound event: wrongly signed ones count toward its
    # limit but cannot hold the listing in place (one that sent only those has nothing to give).
    full = [
        min(dates) for url, dates in result.created_by_relay.items() if dates and _full(result, url, limit)
    ]
    if not full:
        return events, None
    boundary = max(full)
    if cursor is not None and boundary >= cursor.until:
        # A relay sent more events of the cursor's second than the last page saw
        # (they arrived meanwhile): nothing older is known yet, so step past that second.
        boundary = cursor.until - 1
    newer = [e for e in events if e.created_at > boundary]
    complete = dict(base)
    complete["since"], complete["until"] = boundary, boundary + 1
    complete["limit"] = BOUNDARY_LIMIT + sum(1 for e in result.events if e.created_at == boundary + 1)
    at_boundary = [e for e in transport.query([complete], relays).events if e.created_at == boundary]
    seen = {e.id for e in newer}
    page = newer + [e for e in at_boundary if e.id not in seen]
    page.sort(key=lambda e: (-e.created_at, e.id))
    return page, Cursor(boundary, len(at_boundary))


def _full(result: QueryResult, url: str, limit: int) -> bool:
    """Whether ``url`` may hold more than it sent: it sent the ``limit``, or as many as its NIP-11
    ``max_limit`` lets it, or a round hundred (a cap it does not announce: asking once more costs
    one query, ending early would lose the rest of the listing)."""
    sent = result.sent_by_relay.get(url, 0)
    cap = result.max_limits.get(url, limit)
    return sent >= min(limit, cap) or (sent >= ROUND_CAP and sent % ROUND_CAP == 0)


def unique_posts(posts: Iterator[Post]) -> Iterator[Post]:
    """Each post once (merged listings of several relays may repeat one)."""
    seen: set[str] = set()
    for post in posts:
        if post.id not in seen:
            seen.add(post.id)
            yield post


def take(items: Iterator[T | None], limit: int | None = None) -> Iterator[T]:
    """The items that are not ``None``, at most ``limit`` of them."""
    if limit is not None and limit < 1:
        return
    count = 0
    for item in items:
        if item is None:
            continue
        yield item
        count += 1
        if limit is not None and count >= limit:
            return


def stored_date(state: StateStore, scope: str, name: str) -> int | None:
    """The ``created_at`` an earlier use of a key chose (record ``name``), from any process."""
    record = state.get(scope, name)
    return int(record[0]) if record is not None and record[0].isdigit() else None


def claim_date(state: StateStore, scope: str, name: str, created_at: int, network: str) -> int:
    """Record ``created_at`` under ``name`` unless a date is recorded already; the date that counts.

    The state store's claim is atomic, so two processes racing on one key agree on one date
    (hence on one event id), and a retry after a crash or a restart signs the same event.
    """
    with contextlib.suppress(InvalidInput):  # a date is there already: it is the one
        state.claim(scope, name, str(created_at), network=network)
    stored = stored_date(state, scope, name)
    return created_at if stored is None else stored


#: Ids a stream remembers to drop a note sent twice (by several relays, or when catching up).
STREAM_SEEN_WINDOW = 10_000


def arrivals_posts(transport: NostrTransport, arrivals: Backlog, following: Handoff[None]) -> StoppableStream:
    """A stream's notes as they arrive, each once (however many relays send it).

    The generator is started here, up to a first yield of nothing: a
    generator's ``finally`` runs only once it has started, and a stream
    closed or dropped unread (a bot that stops before its first note) kept
    its subscriptions on every relay until the connection closed.
    The iterator holds the transport, not the connection, so a connection
    nobody closes can still be collected while a stream of it is left unfinished.
    ``stop()`` (from any thread: an async stream's ``aclose()``) queues the
    end the connection's ``close()`` queues, so a wait for the next note
    returns, and cancels the subscribing (``following``), relays still
    connecting included; ``close()`` cancels it too, and waits for it.
    """
    posts = _arrivals_posts(transport, arrivals, following)
    next(posts)
    started = cast("Generator[Post, None, None]", posts)  # it yields no None after the first
    return StoppableStream(started, functools.partial(transport.stop_stream, arrivals, following))


def _arrivals_posts(
    transport: NostrTransport, arrivals: Backlog, following: Handoff[None]
) -> Generator[Post | None, None, None]:
    seen: dict[str, None] = {}  # the ids of the latest notes yielded, oldest first
    try:
        yield None  # started: from here the subscriptions end however this generator does
        while True:
            event = arrivals.get()
            if event is None:
                return  # stopped, or this connection was closed
            if isinstance(event, Exception):
                raise event  # no relay could be subscribed to
            if isinstance(event, str):
                raise stream_lost(event)
            if event.id in seen:
                continue
            seen[event.id] = None
            if len(seen) > STREAM_SEEN_WINDOW:
                del seen[next(iter(seen))]
            yield post_from_event(event)
    finally:
        transport.end_stream(arrivals, following)
