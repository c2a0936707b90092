"""A live stream's side of the relays: each relay's subscription, followed and re-opened, and the
bounded backlog of events waiting for the consumer.

A relay that sends faster than the consumer reads is read no further once
the backlog is full (backpressure): nothing is dropped, and memory stays
bounded by ``max_body_bytes``.

A re-opened subscription first catches up on what the relay stored while it
was away, paged back with ``until`` (``windows.py``, as listings page): a
relay sends at most its ``max_limit`` stored events for one request, the
newest, and one request would lose the older ones. That catch-up is handed
over oldest first, and holds at most ``stream_catch_up_limit`` notes.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeAlias

from ...errors import DecentSocialError
from .events import Event, Filter, matcher
from .failures import RelayError, relay_words
from .windows import Cursor, page_plan, run_plan

if TYPE_CHECKING:
    from .relay import RelayConnection
    from .transport import QueryResult

__all__ = [
    "CATCH_UP_LIMIT",
    "CATCH_UP_PAGE",
    "CATCH_UP_SLACK",
    "CLOCK_SKEW",
    "ROOM_POLL",
    "STREAM_BACKLOG",
    "Arrival",
    "Backlog",
    "RelayStream",
]

log = logging.getLogger("decentsocial.nostr")

#: Messages of one stream subscription, and events of one stream, held for a consumer that is behind;
#: beyond that the relay is read no further until it catches up (backpressure, so nothing is lost).
STREAM_BACKLOG = 32
#: Seconds between two looks at whether a consumer that was behind has caught up.
ROOM_POLL = 0.02
#: Seconds another machine's clock may be ahead of ours, on top of ``max_clock_lead``.
CLOCK_SKEW = 60


#: Seconds before the newest event seen that a re-opened stream asks again from: events are dated
#: by their authors' clocks, so one dated a little earlier may still arrive after it.
CATCH_UP_SLACK = 60
#: Notes a re-opened stream catches up on at most (the ``stream_catch_up_limit`` setting's default).
CATCH_UP_LIMIT = 5000
#: Events asked for in one request of a catch-up (strfry's default cap; a lower cap is paged too).
CATCH_UP_PAGE = 500

#: One relay's query for one filter (with its NIP-11 document or not): a page of a catch-up.
PageQuery: TypeAlias = Callable[[Filter, bool], Awaitable["QueryResult"]]


class RelayStream:
    """One relay's part of a live stream, subscribed to again whenever its connection drops.

    What was published meanwhile, from a little before the newest event seen
    (or from the stream's start), is fetched first, in pages (``query``), at
    most ``catch_up_limit`` events, and handed over oldest first; then the new
    subscription asks from a little before the newest of them. Events seen
    twice are dropped (here those of the catch-up, downstream by id). After ``attempts``
    failures in a row (a subscription that cannot be opened, or a connection
    that drops before the relay sent anything), with exponential backoff
    between them, the relay is given up on. ``deliver`` returns ``False`` when
    the consumer is too far behind: the event is offered again until it is
    taken, and meanwhile the relay is read no further.
    """

    def __init__(
        self,
        url: str,
        connection: RelayConnection,
        filters: Sequence[Filter],
        deliver: Callable[[Event], bool],
        gone: Callable[[str, str], None],
        attempts: int,
        max_lead: int = 60,
        *,
        query: PageQuery,
        catch_up_limit: int = CATCH_UP_LIMIT,
    ) -> None:
        self.url = url
        self._query = query
        self._catch_up_limit = catch_up_limit
        #: The ids of the last catch-up: the new subscription's stored events send them again.
        self._caught: set[str] = set()
        self._max_lead = max_lead
        self._connection = connection
        self._filters = list(filters)
        self._fits = matcher(self._filters)
        self._deliver = deliver
        self._gone = gone
        self._attempts = attempts
        self._sub: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._newest: int | None = None
        #: After a catch-up cut at its bound: the second after its oldest note (at most now: a flood
        #: dated ahead must not hide what comes next). What is older was given up, and is asked for
        #: no more (the relay's stored events would hand it over after the newer ones).
        self._floor = 0

    def _catch_up_filters(self) -> list[Filter]:
        if self._newest is None:
            return self._filters
        since = max(self._newest - CATCH_UP_SLACK, self._floor)
        return [{**f, "since": max(int(f.get("since", 0)), since)} for f in self._filters]

    async def open(self) -> None:
        """The first subscription; ``RelayError`` when the relay cannot be reached."""
        self._sub, queue = await self._connection.subscribe(self._filters)
        self._task = asyncio.create_task(self._follow(queue))

    async def _follow(self, queue: asyncio.Queue[list[Any] | None]) -> None:
        failures = 0
        while True:
            message = await queue.get()
            if message is None:  # the connection ended, and the subscription with it
                if self._sub is not None:
                    await self._connection.unsubscribe(self._sub)
                failures += 1
                reopened = await self._reopen(failures)
                if reopened is None:
                    return
                failures, queue = reopened
                continue
            failures = 0  # the relay is talking: the subscription works
            if message[0] == "CLOSED":
                reason = relay_words(message[2]) if len(message) > 2 else "closed by the relay"
                log.debug("relay %s: stream closed: %s", self.url, reason)
                self._gone(self.url, f"subscription closed: {reason}")
                return
            if message[0] != "EVENT" or len(message) < 3:
                continue
            try:
                event = Event.from_json(message[2])
            except ValueError as exc:
                log.debug("relay %s: dropped event: %s", self.url, exc)
                continue
            if event.id in self._caught:
                continue  # handed over by the catch-up already
            if not self._fits(event):
                log.debug("relay %s: dropped event %s: not what was asked for", self.url, event.id[:16])
                continue
            if event.created_at > time.time() + self._max_lead + CLOCK_SKEW:
                log.debug("relay %s: dropped event %s: dated in the future", self.url, event.id[:16])
                continue
            problem = event.problem()
            if problem is not None:
                log.debug("relay %s: dropped event %s: %s", self.url, event.id[:16], problem)
                continue
            await self._hand_over(event)

    async def _hand_over(self, event: Event) -> None:
        while not self._deliver(event):  # the consumer is behind: wait for it, losing nothing
            await asyncio.sleep(ROOM_POLL)
        # A note dated in the future must not move the catch-up past what is yet to come.
        self._newest = max(self._newest or 0, min(event.created_at, int(time.time())))

    async def _reopen(self, failures: int) -> tuple[int, asyncio.Queue[list[Any] | None]] | None:
        """Subscribe again after a drop: (failures so far, the new queue), or ``None`` when given up."""
        while failures <= self._attempts:
            delay = min(30.0, 0.5 * 2 ** (failures - 1))
            log.debug("relay %s: stream dropped; subscribing again in %.1fs", self.url, delay)
            await asyncio.sleep(delay)
            try:
                caught = await self._catch_up()
                self._caught = {event.id for event in caught}
                if len(caught) >= self._catch_up_limit:
                    self._floor = min(caught[0].created_at + 1, int(time.time()))
                for event in caught[-1:]:  # the subscription asks from before the newest caught up on
                    self._newest = max(self._newest or 0, min(event.created_at, int(time.time())))
                self._sub, queue = await self._connection.subscribe(self._catch_up_filters())
            except (RelayError, DecentSocialError) as exc:
                log.debug("relay %s: stream not re-opened: %s", self.url, exc)
                failures += 1
                continue
            for event in caught:
                await self._hand_over(event)
            return failures, queue
        self._gone(self.url, f"connection lost, {self._attempts} attempts to subscribe again failed")
        return None

    async def _catch_up(self) -> list[Event]:
        """What the relay stored since a little before the newest event seen, oldest first: paged
        back from the newest, at most ``catch_up_limit`` events (the newest; a warning when more)."""
        bound = self._catch_up_limit
        found: dict[str, Event] = {}
        cut = False
        for base in self._catch_up_filters():
            cursor: Cursor | None = None
            empty = 0  # pages in a row with nothing new
            while not (cut := len(found) >= bound):
                page, cursor = await run_plan(page_plan(base, cursor, min(CATCH_UP_PAGE, bound)), self._query)
                fresh = [event for event in page if event.id not in found]
                found.update((event.id, event) for event in fresh)
                empty = 0 if fresh else empty + 1
                if cursor is not None and empty > 1:
                    # One page may be empty (its second got more events meanwhile); two in a row come
                    # from a relay that sends fewer events than one second holds, or repeats itself.
                    log.warning(
                        "relay %s: a stream's catch-up stopped: its pages did not move back (older notes "
                        "published while it was away were not fetched)",
                        self.url,
                    )
                    cursor = None
                if cursor is None:
                    break
            if cut:
                break
        caught = sorted(found.values(), key=lambda e: (e.created_at, e.id))[-bound:]
        if cut:
            log.warning(
                "relay %s: a stream caught up on the newest %d notes published while it was away "
                "(the stream_catch_up_limit setting); older ones, dated %s or before, were not fetched",
                self.url,
                bound,
                datetime.fromtimestamp(caught[0].created_at, timezone.utc).isoformat(),
            )
        return caught

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._sub is not None:
            await self._connection.unsubscribe(self._sub)


#: What a stream's reader takes: a verified event; why every relay was given up on (``str``); the
#: error that ended the subscribing (no relay answered); ``None`` once stopped or closed.
Arrival: TypeAlias = Event | str | Exception | None

#: What an event waiting in a stream's backlog counts for beyond its content (its id, keys, tags).
_EVENT_OVERHEAD = 512


class Backlog(queue.Queue[Arrival]):
    """A stream's arrivals, bounded by the size of the events waiting in it, not their number."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.held = 0  # changed under the queue's own lock, in _put and _get

    def offer(self, event: Event) -> bool:
        """Queue ``event`` unless the events waiting hold ``limit`` already (one always fits)."""
        if self.held >= self.limit:
            return False
        self.put_nowait(event)
        return True

    def _put(self, item: Arrival) -> None:
        self.held += _held(item)
        super()._put(item)

    def _get(self) -> Arrival:
        item: Arrival = super()._get()
        self.held -= _held(item)
        return item


def _held(item: Arrival) -> int:
    return len(item.content) + len(str(item.tags)) + _EVENT_OVERHEAD if isinstance(item, Event) else 0
