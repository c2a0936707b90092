"""The Nostr wire: the relay pool and the one transport a connection owns.

This module and ``relay.py`` (one relay's websocket) are the only ones of
the backend that touch the network: the relays' websockets, and their
NIP-11 documents over HTTP. (The NIP-05 and LNURL look-ups, which go to the
domains a user or profile names rather than to the relays, are in
``resolvers.py``.) It runs on the private event loop of ``loop.py``;
failures are mapped in ``failures.py``.

Every wait has a deadline; a relay that is down is skipped, and only when
all relays fail does the caller get ``NetworkUnavailable``. The quirks of
one relay's connection (an ``OK`` with an empty id, a relay slowing down
after a rejection) are handled in ``relay.py``.

What a hostile relay can make a connection do is bounded by the ``limits``
setting: one websocket message is at most ``max_line_bytes`` (a longer one
ends that relay's connection), a message nested deeper than
``max_json_depth`` or not JSON at all is logged and skipped, one call waits
at most ``deadline`` seconds, and an event dated more than
``max_clock_lead`` (plus ``CLOCK_SKEW``) seconds ahead of the clock is
dropped, so future-dated junk cannot hold paging (``pages.py``) in place.
Every query also asks for nothing dated past that (its ``until``): relays
send the newest first, so a flood of notes dated years ahead would
otherwise fill each answer's ``limit`` with what is dropped, and a search
or listing would find nothing real. A NIP-45 ``COUNT`` has the same
``until``: what a query drops is not counted (a note's quotes).

Nor can a relay that never ends an answer fill the memory: a query keeps at
most the events its filters' ``limit`` asks for and ``max_body_bytes`` of one
relay's answer, then closes the subscription and takes what came as that
relay's answer. A stream holds at most ``max_body_bytes`` of events for a
consumer that is behind (and ``STREAM_BACKLOG`` messages per relay behind
them), then reads that relay no further until the consumer catches up
(nothing is dropped). A NIP-11 document is unpacked here, from the
raw bytes, under ``max_body_bytes``: a gzip bomb is refused, not inflated.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import queue
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from ...errors import DecentSocialError
from ...limits import ACCEPT_ENCODING, Deadline, Limits, loads, read_capped, read_encoded
from .events import Event, Filter, PublishOutcome, matcher
from .failures import Refused, RelayError, lookup, no_relay_answered, read_refused, timed_out
from .loop import Handoff, LoopRunner
from .relay import RelayConnection
from .streams import CATCH_UP_LIMIT, CLOCK_SKEW, Arrival, Backlog, RelayStream

__all__ = [
    "NostrTransport",
    "PublishOutcome",
    "QueryResult",
    "RelayConnection",
    "RelayPool",
    "RelayStream",
]

T = TypeVar("T")
log = logging.getLogger("decentsocial.nostr")


@dataclass
class QueryResult:
    """Verified, de-duplicated events (newest first), plus what each relay sent."""

    events: list[Event]
    #: The dates of the sound events each relay sent (only these may set a page boundary).
    created_by_relay: dict[str, list[int]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    #: How many events fitting the filters each relay sent, badly signed ones too (a full answer).
    sent_by_relay: dict[str, int] = field(default_factory=dict)
    #: The ``limitation.max_limit`` a relay's NIP-11 document announces (it sends no more per filter).
    max_limits: dict[str, int] = field(default_factory=dict)


def _max_limit(info: dict[str, Any] | None) -> int | None:
    """The NIP-11 ``limitation.max_limit`` (``None``: none announced, or not a positive integer)."""
    limitation = info.get("limitation") if info else None
    cap = limitation.get("max_limit") if isinstance(limitation, dict) else None
    return cap if type(cap) is int and cap > 0 else None


def _not_after(filters: Sequence[Filter], latest: int) -> list[Filter]:
    """``filters``, each with an ``until`` of at most ``latest`` (a later one, or none, is lowered).

    A relay answers newest first up to ``limit``: without it, notes dated ahead of the clock
    (dropped as they come) could fill every answer, and the notes of now would never be sent.
    """
    return [f if f.get("until", latest + 1) <= latest else {**f, "until": latest} for f in filters]


def _http_url(relay: str) -> str:
    return "http" + relay[2:] if relay.startswith("ws") else relay


class RelayPool:
    """All configured relays: publish to every one, read from every one, merge by id."""

    def __init__(
        self, urls: Sequence[str], timeout: float, limits: Limits | None = None, max_lead: int = 60
    ) -> None:
        self.urls = tuple(urls)
        self.limits = limits or Limits()
        self.timeout = min(timeout, self.limits.deadline)
        self.max_lead = max_lead
        self._connections = {url: RelayConnection(url, timeout, self.limits) for url in self.urls}
        self._info: dict[str, dict[str, Any]] = {}

    async def publish(
        self, event: Event, while_waiting: Callable[[], None] | None = None
    ) -> list[PublishOutcome]:
        """What every relay said to ``event``; ``while_waiting`` runs (at most once) while they read it."""
        if len(self.urls) == 1:  # no task to spawn for the common single-relay case
            return [await self._publish_one(self.urls[0], event, while_waiting)]
        last = len(self.urls) - 1  # the last to be sent: the others are on their way by then
        return list(
            await asyncio.gather(
                *(
                    self._publish_one(url, event, while_waiting if i == last else None)
                    for i, url in enumerate(self.urls)
                )
            )
        )

    async def _publish_one(
        self, url: str, event: Event, while_waiting: Callable[[], None] | None = None
    ) -> PublishOutcome:
        try:
            accepted, message = await self._connections[url].publish(event, while_waiting)
        except RelayError as exc:
            log.debug("relay %s: publish failed: %s", url, exc)
            return PublishOutcome(url, False, "", str(exc))
        if not accepted and message.startswith("duplicate"):
            accepted = True  # NIP-01: the relay already has this very event
        return PublishOutcome(url, accepted, message)

    async def query(
        self, filters: Sequence[Filter], relays: Sequence[str] | None = None, *, with_info: bool = False
    ) -> QueryResult:
        """Ask every relay (or ``relays``); drop events whose id or signature is wrong.

        Each event is checked as it arrives, while the relay is still sending,
        and an event several relays send is checked once. ``with_info`` also
        fetches, at the same time, the NIP-11 documents of those relays not yet known.
        """
        targets = tuple(relays) if relays is not None else self.urls
        verified: dict[str, Event] = {}  # by id, shared by every relay's answer
        latest = self._latest()
        asked = _not_after(filters, latest)
        fetching = [asyncio.ensure_future(self.info(u)) for u in targets if with_info and u not in self._info]
        answers = await asyncio.gather(*(self._query_one(url, asked, verified, latest) for url in targets))
        if fetching:
            await asyncio.gather(*fetching)
        result = QueryResult(events=[])
        seen: dict[str, Event] = {}
        for url, answer in zip(targets, answers, strict=False):
            if isinstance(answer, RelayError):
                result.failures[url] = str(answer)
                continue
            created, sent, events = answer
            result.created_by_relay[url] = created
            result.sent_by_relay[url] = sent
            cap = _max_limit(self._info.get(url))
            if cap is not None:
                result.max_limits[url] = cap
            for event in events:
                seen.setdefault(event.id, event)
        if targets and len(result.failures) == len(targets):
            raise read_refused(result.failures, [a.reason for a in answers if isinstance(a, Refused)])
        result.events = sorted(seen.values(), key=lambda e: (-e.created_at, e.id))
        return result

    async def _query_one(
        self, url: str, filters: Sequence[Filter], verified: dict[str, Event], latest: int
    ) -> tuple[list[int], int, list[Event]] | RelayError:
        """(``created_at`` of every sound event the relay sent that fits the filters and is not
        dated after ``latest``, how many fitting events it sent, the sound ones) or the failure.

        Only those dates count for paging: a relay sending events outside the filters, dated
        ahead of the clock or wrongly signed cannot hold a page boundary in place.
        """
        created: list[int] = []
        sent = 0
        events: list[Event] = []
        fits = matcher(filters)

        def check(raw: Any) -> bool:
            """Keep a sound event; whether it counts toward the filters' ``limit`` (it fits them)."""
            nonlocal sent
            try:
                event = Event.from_json(raw)
            except ValueError as exc:
                log.debug("relay %s: dropped event: %s", url, exc)
                return False
            if not fits(event):
                log.debug("relay %s: dropped event %s: not what was asked for", url, event.id[:16])
                return False
            if event.created_at > latest:
                log.debug("relay %s: dropped event %s: dated in the future", url, event.id[:16])
                return False
            sent += 1  # a forged event still counts toward the relay's limit, not for its dates
            known = verified.get(event.id)
            if known is None:  # an id already verified names that very event: no second check
                problem = event.problem()
                if problem is not None:
                    log.debug("relay %s: dropped event %s: %s", url, event.id[:16], problem)
                    return True
                verified[event.id] = known = event
            created.append(event.created_at)
            events.append(known)
            return True

        try:
            await self._connections[url].query(filters, check)
        except RelayError as exc:
            log.debug("relay %s: query failed: %s", url, exc)
            return exc
        return created, sent, events

    def _latest(self) -> int:
        """The latest ``created_at`` an event read now may have: later ones are dropped, so not asked for."""
        return int(time.time()) + self.max_lead + CLOCK_SKEW

    async def count(self, url: str, filters: Sequence[Filter]) -> int | None:
        """The relay's NIP-45 count for ``filters``, or ``None`` when it gave none.

        Bounded as a query is (``until``, see ``_not_after``): the events a query would drop as
        dated ahead of the clock are not counted either, so a flood of them cannot inflate a
        note's quotes.
        """
        try:
            return await self._connections[url].count(_not_after(filters, self._latest()))
        except RelayError as exc:
            log.debug("relay %s: COUNT failed: %s", url, exc)
            return None

    def cached_info(self, url: str) -> dict[str, Any] | None:
        """The NIP-11 document if it was already fetched (no I/O, safe from any thread)."""
        return self._info.get(url)

    async def info(self, url: str) -> dict[str, Any]:
        """The relay's NIP-11 document (cached; empty when it has none)."""
        if url not in self._info:
            data: Any = {}
            with lookup() as found:
                data = await asyncio.wait_for(self._read_info(url), self.timeout)
            if found.failure is not None:
                log.debug("relay %s: no NIP-11 document: %s", url, found.failure)
            self._info[url] = data if isinstance(data, dict) else {}
        return self._info[url]

    async def _read_info(self, url: str) -> Any:
        """The NIP-11 JSON, read within ``max_body_bytes`` and ``max_json_depth`` (``{}``: none).

        The raw bytes are read and unpacked here, under the cap: httpx's own
        decoders would inflate a whole chunk (or stacked encodings: a gzip
        bomb of a few KB) before any cap applied.
        """
        # Plain ws:// relays are read over plain HTTP: no TLS, so no certificate store to load.
        tls = url.startswith("wss://")
        limit = self.limits.max_body_bytes
        deadline = Deadline(self.timeout, network="nostr", what=f"relay {url}")
        headers = {"Accept": "application/nostr+json", "Accept-Encoding": ACCEPT_ENCODING}
        async with (
            httpx.AsyncClient(timeout=self.timeout, trust_env=False, verify=tls) as client,
            client.stream("GET", _http_url(url), headers=headers) as response,
        ):
            if response.status_code != 200:
                return {}
            encoding = response.headers.get("content-encoding", "")
            received = bytearray()  # not a list of chunks: a relay may send them a byte each
            async for chunk in response.aiter_raw():
                received += chunk
                if len(received) > limit:
                    break  # refused just below
        sent = read_capped([bytes(received)], limit=limit, deadline=deadline)
        body = read_encoded([sent], encoding, limit=limit, deadline=deadline)
        return loads(body, limits=self.limits, network="nostr", what="NIP-11 document")

    async def stream(
        self,
        filters: Sequence[Filter],
        deliver: Callable[[Event], bool],
        ended: Callable[[str], None],
        attempts: int,
        catch_up_limit: int = CATCH_UP_LIMIT,
    ) -> list[RelayStream]:
        """Subscribe on every relay that answers; each verified event goes to ``deliver`` (on this loop).

        A relay whose connection drops is subscribed to again after a catch-up
        of at most ``catch_up_limit`` events (see ``RelayStream``); ``ended``
        gets the reasons once every relay has been given up on.
        """
        streams: list[RelayStream] = []
        failures: list[str] = []
        live: set[str] = set()
        opening = True  # a relay refusing while the next one still connects does not end the stream

        def gone(url: str, reason: str) -> None:
            live.discard(url)
            failures.append(f"{url}: {reason}")
            if not live and not opening:
                ended("; ".join(failures))

        try:
            for url, connection in self._connections.items():
                stream = RelayStream(
                    url,
                    connection,
                    filters,
                    deliver,
                    gone,
                    attempts,
                    self.max_lead,
                    query=functools.partial(self._page_query, url),
                    catch_up_limit=catch_up_limit,
                )
                try:
                    await stream.open()
                except RelayError as exc:
                    failures.append(f"{url}: {exc}")
                    continue
                live.add(url)
                streams.append(stream)
        except asyncio.CancelledError:  # stopped while it subscribed: the relays subscribed already let go
            with contextlib.suppress(Exception):  # a relay that cannot be told: its close ends it
                await asyncio.shield(self.stop_stream(streams))
            raise
        opening = False
        if not streams:
            raise no_relay_answered(failures, retryable=False)
        if not live:  # every relay that answered has refused the subscription since
            ended("; ".join(failures))
        return streams

    async def _page_query(self, url: str, flt: Filter, with_info: bool) -> QueryResult:
        """``url``'s answer to one filter: a page of a stream's catch-up (``RelayStream``)."""
        return await self.query([flt], [url], with_info=with_info)

    async def stop_stream(self, streams: Sequence[RelayStream]) -> None:
        for stream in streams:
            await stream.stop()

    async def follow(
        self,
        filters: Sequence[Filter],
        arrivals: Backlog,
        attempts: int,
        bound: float,
        catch_up_limit: int = CATCH_UP_LIMIT,
    ) -> None:
        """A live stream's whole life on this loop: subscribe on every relay (``stream``, within ``bound``
        seconds), then hold the subscriptions until cancelled (the stream's stop or end) and let go of them.

        Cancelled while relays still connect, the connecting ends at once (its
        sockets closed) and the relays subscribed already let go. Why the
        subscribing failed goes to ``arrivals``, for the reader to raise.
        """
        try:
            streams = await asyncio.wait_for(
                self.stream(filters, arrivals.offer, arrivals.put_nowait, attempts, catch_up_limit), bound
            )
        except asyncio.TimeoutError:
            arrivals.put_nowait(timed_out(bound))
            return
        except Exception as exc:  # no relay answered (or a fault of ours): the reader raises it
            arrivals.put_nowait(exc)
            return
        try:
            await asyncio.get_running_loop().create_future()  # never set: held until cancelled
        finally:
            with contextlib.suppress(Exception):  # a relay that cannot be told: its close ends it
                await asyncio.shield(self.stop_stream(streams))

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self._connections.values()), return_exceptions=True)


class NostrTransport:
    """Everything a connection holds on the wire: its private loop and its relay pool.

    Both are created on first use (``connect()`` does no I/O) and released by
    ``close()``, which may be called from any thread, more than once, and
    from the garbage collector or at interpreter exit (it prints nothing);
    a later call starts afresh. Each call waits at most ``call_timeout``
    seconds.
    """

    def __init__(
        self, relays: Sequence[str], timeout: float, limits: Limits | None = None, max_lead: int = 60
    ) -> None:
        self.relays = tuple(relays)
        self.limits = limits or Limits()
        self.timeout = min(timeout, self.limits.deadline)
        self.max_lead = max_lead
        #: Every relay is asked at once, so one call is bounded by about two relay timeouts, and
        #: never by more than the ``limits.deadline``.
        self.call_timeout = min(self.timeout * 3 + 1, self.limits.deadline)
        self._lock = threading.Lock()
        self._runner: LoopRunner | None = None
        self._pool: RelayPool | None = None
        #: The arrival queues of open streams: ``close()`` ends each with ``None``.
        self._feeds: set[queue.Queue[Arrival]] = set()

    def _started(self) -> tuple[LoopRunner, RelayPool]:
        with self._lock:
            if self._runner is None or self._pool is None:
                self._runner = LoopRunner()
                self._pool = RelayPool(self.relays, self.timeout, self.limits, self.max_lead)
            return self._runner, self._pool

    @property
    def pool(self) -> RelayPool:
        """The relay pool (started if need be), for calls the transport does not wrap."""
        return self._started()[1]

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine of the pool on the private loop and wait for it (``call_timeout`` at most)."""
        runner, _ = self._started()
        return runner.run(coro, timeout=self.call_timeout)

    def query(
        self, filters: Sequence[Filter], relays: Sequence[str] | None = None, *, with_info: bool = False
    ) -> QueryResult:
        """Verified events for ``filters`` from every relay (or ``relays``); see ``RelayPool.query``."""
        pool = self.pool
        return self.run(pool.query(filters, relays, with_info=with_info))

    def publish(
        self,
        event: Event,
        while_waiting: Callable[[], None] | None = None,
        *,
        deadline: Deadline | None = None,
    ) -> list[PublishOutcome]:
        """What every relay said to ``event``; ``while_waiting`` runs while they read it.

        With a ``deadline`` (a caller's, retries included) the wait ends with
        it, as the deadline's error.
        """
        runner, pool = self._started()
        if deadline is None:
            return runner.run(pool.publish(event, while_waiting), timeout=self.call_timeout)
        deadline.check()
        try:
            return runner.run(
                pool.publish(event, while_waiting), timeout=min(deadline.remaining(), self.call_timeout)
            )
        except DecentSocialError as exc:
            if deadline.passed():
                raise deadline.error() from exc
            raise

    def count(self, filters: Sequence[Filter], url: str) -> int | None:
        """``url``'s NIP-45 count of the events matching ``filters`` (``None``: it gave none)."""
        pool = self.pool
        return self.run(pool.count(url, filters))

    def info(self, url: str) -> dict[str, Any]:
        """A relay's NIP-11 document (cached; ``{}`` when it publishes none)."""
        pool = self.pool
        known = pool.cached_info(url)
        return known if known is not None else self.run(pool.info(url))

    def open_stream(
        self, filters: Sequence[Filter], attempts: int, catch_up_limit: int = CATCH_UP_LIMIT
    ) -> tuple[Backlog, Handoff[None]]:
        """Start subscribing on every relay, and return at once: (the arrivals, the subscribing).

        The subscribing runs on the loop's thread (``RelayPool.follow``): the
        caller holds a stream while relays still connect, and its stop or end
        (``stop_stream``, ``end_stream``) cancels that. The arrivals are
        verified events, then a ``str`` (why) if every relay was given up on,
        the error if none could be subscribed to, or ``None`` once stopped or
        closed. They hold at most ``max_body_bytes`` of events waiting for a
        consumer that is behind (thousands of ordinary notes: a bot replying
        from its stream loop rarely meets it); beyond that the relays' streams
        wait for it (the end always fits). A relay subscribed to again after a
        drop first hands over what it stored meanwhile, at most ``catch_up_limit``
        events (``RelayStream``).
        """
        arrivals = Backlog(self.limits.max_body_bytes)
        with self._lock:
            self._feeds.add(arrivals)
        try:
            runner, pool = self._started()
            following = runner.start(
                pool.follow(filters, arrivals, attempts, self.call_timeout, catch_up_limit)
            )
        except BaseException:
            with self._lock:
                self._feeds.discard(arrivals)
            raise
        return arrivals, following

    def stop_stream(self, arrivals: Backlog, following: Handoff[None]) -> None:
        """From any thread: the stream's reader stops waiting, and its subscribing (or its
        subscriptions) ends on the loop, also while relays still connect."""
        arrivals.put_nowait(None)
        following.cancel()

    def end_stream(self, arrivals: Backlog, following: Handoff[None]) -> None:
        """End a stream's subscribing and subscriptions, and wait for that (not from the loop's own thread,
        where the garbage collector may call it: there it is only started)."""
        self._feeds.discard(arrivals)  # no lock: this may run from garbage collection
        following.cancel()
        runner = self._runner
        if runner is None or runner.inside():
            return  # closed (the subscriptions went with the connections), or nothing can be waited for
        with contextlib.suppress(DecentSocialError):  # cancelled: what it was waited for
            following.result(self.call_timeout)

    def close(self) -> None:
        """Close every relay connection, stop the loop and its thread; end open streams."""
        with self._lock:
            runner, pool = self._runner, self._pool
            self._runner = self._pool = None
            feeds, self._feeds = self._feeds, set()
        if runner is not None and pool is not None:
            runner.stop(pool.close(), timeout=self.timeout + 1)
        for arrivals in feeds:
            arrivals.put_nowait(None)  # a thread reading the stream is not left waiting for ever
