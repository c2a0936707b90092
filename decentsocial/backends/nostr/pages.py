"""Paging a relay's events newest first with ``until``, whatever the relay makes of ``until``
(the rules are ``windows.py``'s); and the dates idempotency keys pin (a keyed note or zap request
is dated once, in the state store).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Generator, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar, cast

from ...errors import InvalidInput
from ...models import Post
from ...stopping import StoppableStream
from .convert import post_from_event
from .events import Event, Filter
from .failures import stream_lost
from .loop import Handoff
from .streams import Backlog
from .transport import NostrTransport
from .windows import BOUNDARY_LIMIT, Cursor, page_plan

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


def relay_page(
    transport: NostrTransport, base: Filter, cursor: Cursor | None, size: int, relays: Sequence[str] | None
) -> tuple[list[Event], Cursor | None]:
    """One page, newest first, ending on a whole second (``windows.page_plan``), each of its
    queries a call of its own on ``transport``."""
    plan = page_plan(base, cursor, size)
    flt, with_info = next(plan)
    while True:
        try:
            flt, with_info = plan.send(transport.query([flt], relays, with_info=with_info))
        except StopIteration as done:
            page: tuple[list[Event], Cursor | None] = done.value
            return page


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
