"""One page of a relay's events, newest first, ending on a whole second: the plan of its queries.

NIP-01 says ``until`` is inclusive; some relays treat it as exclusive, and
many events may share one second. A page therefore ends on a whole second,
and the next one starts below it, so no event is skipped or repeated.

:func:`page_plan` says which queries a page takes and builds it from their
answers, without doing any I/O itself: listings drive it from the caller's
thread (``pages.relay_page``), a live stream's catch-up on the loop
(``streams.RelayStream``), with the same rules.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from .events import Event, Filter

if TYPE_CHECKING:
    from .transport import QueryResult

__all__ = ["BOUNDARY_LIMIT", "ROUND_CAP", "Cursor", "PagePlan", "page_plan", "run_plan"]

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


#: A page's plan: it yields (the filter to ask, whether with the relays' NIP-11 documents), is sent
#: each answer, and returns (the page, newest first; the cursor of the next, ``None`` at the end).
PagePlan: TypeAlias = Generator[tuple[Filter, bool], "QueryResult", tuple[list[Event], Cursor | None]]


def page_plan(base: Filter, cursor: Cursor | None, size: int) -> PagePlan:
    """One page of ``base`` below ``cursor`` (the newest, without one), of about ``size`` events.

    Works whether a relay's ``until`` is inclusive (NIP-01) or exclusive:
    the events of the page's oldest second are completed with a
    ``since``/``until`` query, and the next page drops that second.
    """
    query = dict(base)
    # One more than asked: a relay that sends no more than ``size`` has nothing older.
    limit = query["limit"] = size + 1 + (cursor.known_at_until if cursor else 0)
    if cursor is not None:
        query["until"] = cursor.until
    result = yield query, True
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
    completed = yield complete, False
    at_boundary = [e for e in completed.events if e.created_at == boundary]
    seen = {e.id for e in newer}
    page = newer + [e for e in at_boundary if e.id not in seen]
    page.sort(key=lambda e: (-e.created_at, e.id))
    return page, Cursor(boundary, len(at_boundary))


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


def _full(result: QueryResult, url: str, limit: int) -> bool:
    """Whether ``url`` may hold more than it sent: it sent the ``limit``, or as many as its NIP-11
    ``max_limit`` lets it, or a round hundred (a cap it does not announce: asking once more costs
    one query, ending early would lose the rest of the listing)."""
    sent = result.sent_by_relay.get(url, 0)
    cap = result.max_limits.get(url, limit)
    return sent >= min(limit, cap) or (sent >= ROUND_CAP and sent % ROUND_CAP == 0)
