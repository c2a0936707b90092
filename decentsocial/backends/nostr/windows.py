"""One page of a relay's events, newest first, ending on a whole second: the plan of its queries.

NIP-01 says ``until`` is inclusive; some relays treat it as exclusive, and
many events may share one second. A page therefore ends on a whole second,
and the next one starts below it, so no event is skipped or repeated.

:func:`page_plan` says which queries a page takes and builds it from their
answers, without doing any I/O itself: listings drive it from the caller's
thread (``pages.relay_page``), a live stream's catch-up on the loop
(``streams.RelayStream``), with the same rules.

A relay caps the query completing a second at its ``max_limit`` too, and a
second may hold more (a bot burst, an import): a full answer is narrowed
(``_second``), never skipped in silence.

A relay may also send fewer events than it announces or than were asked
(a lower real cap, an answer trimmed by bytes), so a short page is not taken
as the last: its cursor stays open at its oldest second, and the next page
asks again from there (lazily: a listing that has what it wants asks nothing
more); an answer with nothing new ends it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TypeAlias

from .events import Event, Filter, matcher

if TYPE_CHECKING:
    from .transport import QueryResult

__all__ = ["BOUNDARY_LIMIT", "ROUND_CAP", "SECOND_QUERIES", "Cursor", "PagePlan", "page_plan", "run_plan"]

log = logging.getLogger("decentsocial.nostr")

#: Events of one second fetched at most when completing a page boundary.
BOUNDARY_LIMIT = 1000
#: A relay answer of a multiple of this many events may have been cut by a cap it does not announce.
ROUND_CAP = 100
#: Queries that may complete one second at most: narrowing a crowded one halves the filter's lists,
#: so it takes about two per halving (a hostile or vast second cannot hold a page forever).
SECOND_QUERIES = 64
#: The filter fields a crowded second's query is narrowed by (every ``#x`` tag field too).
_LISTS = ("ids", "authors", "kinds")


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: below ``until``, whose events were all returned; or, when
    ``seen`` is set (the page was short of what was asked), at ``until``, which may hold more."""

    until: int  # every event after this second has been returned (at it too, unless ``seen``)
    known_at_until: int  # how many events the next query's relays may send again (inclusive ``until``)
    scanned: int = 0  # events examined so far (a bounded scan stops at its limit)
    #: The ids of the events of ``until`` returned so far, when that second may hold more: a relay
    #: sending fewer than it announces cut the page there. ``None``: the second was read whole.
    seen: frozenset[str] | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # a listing keeps cursors by their repr: short, and open ones apart
        opened = "" if self.seen is None else f", open={len(self.seen)}"
        known = f"known_at_until={self.known_at_until}, scanned={self.scanned}"
        return f"Cursor(until={self.until}, {known}{opened})"


#: A page's plan: it yields (the filter to ask, whether with the relays' NIP-11 documents), is sent
#: each answer, and returns (the page, newest first; the cursor of the next, ``None`` at the end).
PagePlan: TypeAlias = Generator[tuple[Filter, bool], "QueryResult", tuple[list[Event], Cursor | None]]
#: The queries completing one second, the same way: they return its events.
SecondPlan: TypeAlias = Generator[tuple[Filter, bool], "QueryResult", list[Event]]


def page_plan(base: Filter, cursor: Cursor | None, size: int) -> PagePlan:
    """One page of ``base`` below ``cursor`` (the newest, without one), of about ``size`` events.

    Works whether a relay's ``until`` is inclusive (NIP-01) or exclusive:
    the events of a full page's oldest second are completed with a
    ``since``/``until`` query (narrowed when a relay caps it, ``_second``),
    and the next page drops that second. A short page (a relay may send fewer
    than it announces) ends open at its oldest second, and the next page asks
    ``until`` the second after it, so an exclusive relay sends the rest of it too.
    """
    query = dict(base)
    # One more than asked: a relay that sends no more than ``size`` has nothing older.
    limit = query["limit"] = size + 1 + (cursor.known_at_until if cursor else 0)
    if cursor is not None:
        query["until"] = cursor.until if cursor.seen is None else cursor.until + 1
    result = yield query, True
    events = [e for e in result.events if _new(cursor, e.created_at, e.id)]
    # A full relay's boundary is its oldest sound event: wrongly signed ones count toward its
    # limit but cannot hold the listing in place (one that sent only those has nothing to give).
    full = [
        min(dates) for url, dates in result.created_by_relay.items() if dates and _full(result, url, limit)
    ]
    if not full:
        return _short(result, cursor, events)
    boundary = max(full)
    if cursor is not None:
        # A relay sent more events of the cursor's second than the last page saw (they arrived
        # meanwhile): nothing older is known yet, so step past that second (read an open one whole).
        boundary = min(boundary, cursor.until if cursor.seen is not None else cursor.until - 1)
    newer = [e for e in events if e.created_at > boundary]
    above = [e for e in result.events if e.created_at == boundary + 1]
    at_boundary = yield from _second(base, boundary, above)
    page = newer + [e for e in at_boundary if _new(cursor, e.created_at, e.id)]  # apart by date
    page.sort(key=lambda e: (-e.created_at, e.id))
    return page, Cursor(boundary, len(at_boundary))


def _new(cursor: Cursor | None, created_at: int, event_id: str) -> bool:
    """Whether an event below ``cursor`` has not been returned yet."""
    if cursor is None or created_at < cursor.until:
        return True
    return cursor.seen is not None and created_at == cursor.until and event_id not in cursor.seen


def _short(
    result: QueryResult, cursor: Cursor | None, events: list[Event]
) -> tuple[list[Event], Cursor | None]:
    """A page no relay filled: all of it, open at the oldest second a relay reached (a relay that sent
    fewer than it announces, or trimmed its answer, may hold more; the next page asks), or the end
    when nothing new came (a relay that sent only events returned before has nothing more).

    With several relays the page ends at the newest of their oldest seconds: one may hold more older
    than it, which must come before the other relays' older events."""
    reached = [
        min(dates) for dates in (_new_dates(cursor, d) for d in result.created_by_relay.values()) if dates
    ]
    if not events or not reached:
        return events, None
    boundary = max(reached)
    page = sorted((e for e in events if e.created_at >= boundary), key=lambda e: (-e.created_at, e.id))
    seen = {e.id for e in page if e.created_at == boundary}
    if cursor is not None and cursor.seen is not None and cursor.until == boundary:
        seen |= cursor.seen
    resent = sum(1 for e in result.events if e.created_at == boundary + 1)
    return page, Cursor(boundary, resent + len(seen), seen=frozenset(seen))


def _new_dates(cursor: Cursor | None, dates: list[int]) -> list[int]:
    """The dates of a relay's events that may be new (below ``cursor``; at an open cursor's second
    when the relay sent more of it than were seen)."""
    if cursor is None:
        return dates
    older = [d for d in dates if d < cursor.until]
    if cursor.seen is not None and dates.count(cursor.until) > len(cursor.seen):
        older.append(cursor.until)
    return older


async def run_plan(
    plan: PagePlan, query: Callable[[Filter, bool], Awaitable[QueryResult]]
) -> tuple[list[Event], Cursor | None]:
    """``plan`` with each of its queries answered by ``query`` (a coroutine: on the loop)."""
    step = next(plan)
    while True:
        try:
            step = plan.send(await query(*step))
        except StopIteration as done:
            page: tuple[list[Event], Cursor | None] = done.value
            return page


def _second(base: Filter, second: int, above: list[Event]) -> SecondPlan:
    """The events of ``base`` dated ``second`` (``above``: those of the next one, known already).

    Asked ``since`` it ``until`` the next second (an exclusive ``until`` needs that), as one query
    unless a relay's answer is full: that part is then asked again narrowed, first without
    the next second where the full relays sent some (their ``until`` is inclusive: those took the
    room), else halved along its longest list (authors, kinds, tag values), until every part fits,
    for at most ``SECOND_QUERIES`` queries. A full part that cannot be narrowed (one author and
    kind) gives what the relay sends, and a warning names the relay and the second.
    """
    found: dict[str, Event] = {}
    parts: list[tuple[Filter, int]] = [(base, second + 1)]
    short: dict[str, int] = {}  # relay -> the events of the second it sent in a part it cut
    crowded: set[str] = set()  # every relay that sent a full answer
    asked = 0
    while parts and asked < SECOND_QUERIES:
        part, until = parts.pop()
        query = {**part, "since": second, "until": until}
        fits = matcher([query])
        query["limit"] = BOUNDARY_LIMIT + sum(1 for e in above if fits(e))
        answer = yield query, False
        asked += 1
        found.update((e.id, e) for e in answer.events if e.created_at == second)
        full = [url for url, dates in answer.created_by_relay.items() if dates and _cut(answer, url, query)]
        if not full:
            continue
        crowded.update(full)
        if until > second and all(second + 1 in answer.created_by_relay[url] for url in full):
            parts.append((part, second))
        elif halves := _halves(part):
            parts.extend((half, until) for half in reversed(halves))
        else:
            for url in full:
                short[url] = max(short.get(url, 0), answer.created_by_relay[url].count(second))
    _warn(second, short, sorted(crowded) if parts else [])
    return list(found.values())


def _halves(flt: Filter) -> list[Filter] | None:
    """``flt`` as two filters that together match what it does, its longest list cut in two
    (``None``: no list of two or more values to cut)."""
    lists = [
        (len(values), key)
        for key, values in flt.items()
        if (key in _LISTS or (len(key) == 2 and key[0] == "#"))
        and isinstance(values, list)
        and len(values) > 1
    ]
    if not lists:
        return None
    _, key = max(lists)
    values = list(flt[key])
    middle = len(values) // 2
    return [{**flt, key: values[:middle]}, {**flt, key: values[middle:]}]


def _cut(answer: QueryResult, url: str, query: Filter) -> bool:
    """Whether ``url``'s answer to a second's ``query`` may have been cut: ``_full``, except that a
    relay announcing its ``max_limit`` is taken at its word (a round hundred below it is all)."""
    if url in answer.max_limits:
        return answer.sent_by_relay.get(url, 0) >= min(int(query["limit"]), answer.max_limits[url])
    return _full(answer, url, int(query["limit"]))


def _warn(second: int, short: dict[str, int], unread: list[str]) -> None:
    """Say which relays' notes of ``second`` may be left out, and why (``unread``: the relays that
    were still full when the queries ran out)."""
    when = f"{datetime.fromtimestamp(second, timezone.utc).isoformat()} (created_at {second})"
    for url, sent in short.items():
        log.warning(
            "relay %s holds more notes of the second %s than it sends for one request, and the "
            "filter cannot be narrowed further: %d of them came; others it holds (unless another "
            "relay sent them) are left out",
            url,
            when,
            sent,
        )
    if unread:
        log.warning(
            "relays %s: reading the notes of the second %s took more than %d queries "
            "(SECOND_QUERIES): some of them are left out",
            ", ".join(unread),
            when,
            SECOND_QUERIES,
        )


def _full(result: QueryResult, url: str, limit: int) -> bool:
    """Whether ``url`` may hold more than it sent: it sent the ``limit``, or as many as its NIP-11
    ``max_limit`` lets it, or a round hundred (a cap it does not announce: asking once more costs
    one query, ending early would lose the rest of the listing)."""
    sent = result.sent_by_relay.get(url, 0)
    cap = result.max_limits.get(url, limit)
    return sent >= min(limit, cap) or (sent >= ROUND_CAP and sent % ROUND_CAP == 0)
