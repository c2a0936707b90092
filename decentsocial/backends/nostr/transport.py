"""The Nostr wire: relay connections over ``websockets`` and the one transport a connection owns.

This is the only module of the backend that touches the network: the
relays' websockets, and their NIP-11 documents over HTTP. (The NIP-05 and
LNURL look-ups, which go to the domains a user or profile names rather
than to the relays, are in ``resolvers.py``.) It runs on the private event
loop of ``loop.py``; failures are mapped in ``failures.py``.

Relay quirks handled here (see docs/networks/nostr.md):

* a rejection may come back as ``["OK", "", false, reason]`` with an empty id,
  so an ``OK`` is matched to the one event in flight on its connection
  (publishes on a connection are serialized), never by id alone;
* some relays slow down every later reply on a connection after a rejection,
  so a connection that saw a rejection is closed and a fresh one opened;
* every wait has a deadline; a relay that is down is skipped, and only when
  all relays fail does the caller get ``NetworkUnavailable``.

What a hostile relay can make a connection do is bounded by the ``limits``
setting: one websocket message is at most ``max_line_bytes`` (a longer one
ends that relay's connection), a message nested deeper than
``max_json_depth`` or not JSON at all is logged and skipped, one call waits
at most ``deadline`` seconds, and an event dated more than
``max_clock_lead`` (plus ``CLOCK_SKEW``) seconds ahead of the clock is
dropped, so future-dated junk cannot hold paging (``pages.py``) in place.

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
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from websockets.asyncio.client import ClientConnection, connect

from ...errors import DecentSocialError, NetworkUnavailable
from ...limits import ACCEPT_ENCODING, Deadline, Limits, check_json_depth, loads, read_capped, read_encoded
from .events import Event, Filter, PublishOutcome, matcher
from .failures import (
    ConnectionLost,
    RelayError,
    connection_lost,
    lookup,
    no_relay_answered,
    unreachable,
    unsent,
)
from .loop import LoopRunner, answer_within
from .streams import CLOCK_SKEW, ROOM_POLL, STREAM_BACKLOG, Backlog, RelayStream

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


#: Where a subscription's messages go: each with its length as received (``None``, 0: the connection ended).
#: A coroutine returned is awaited before the relay is read again (a stream whose consumer is behind).
Sink = Callable[[list[Any] | None, int], Coroutine[Any, Any, None] | None]


class RelayConnection:
    """One websocket to one relay, opened on first use and reopened after it drops."""

    def __init__(self, url: str, timeout: float, limits: Limits | None = None) -> None:
        self.url = url
        self.limits = limits or Limits()
        self.timeout = min(timeout, self.limits.deadline)
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._connect_lock = asyncio.Lock()
        self._publish_lock = asyncio.Lock()
        self._ok_waiter: tuple[str, asyncio.Future[tuple[bool, str]]] | None = None
        #: Subscription id -> where its messages go.
        self._subs: dict[str, Sink] = {}

    def _is_open(self) -> bool:
        return self._ws is not None and self._reader is not None and not self._reader.done()

    async def _connection(self) -> ClientConnection:
        if self._ws is not None and self._is_open():
            return self._ws  # open: no lock to take
        async with self._connect_lock:
            if self._ws is not None and self._is_open():
                return self._ws
            with unreachable("cannot connect"):
                ws = await connect(
                    self.url,
                    open_timeout=self.timeout,
                    max_size=self.limits.max_line_bytes,
                    ping_interval=None,
                    close_timeout=self.timeout,
                )
            self._ws = ws
            self._reader = asyncio.create_task(self._read(ws))
            return ws

    async def _read(self, ws: ClientConnection) -> None:
        try:
            with connection_lost():
                async for raw in ws:
                    held = self._dispatch(raw)
                    if held is not None:
                        await held  # a stream's consumer is behind: read no further until it has room
        except ConnectionLost as exc:
            log.debug("relay %s connection ended: %s", self.url, exc)
        finally:
            if self._ok_waiter is not None and not self._ok_waiter[1].done():
                self._ok_waiter[1].set_exception(ConnectionLost("connection closed before OK"))
            for sink in list(self._subs.values()):
                sink(None, 0)

    def _dispatch(self, raw: str | bytes) -> Coroutine[Any, Any, None] | None:
        """Hand one message to whoever waits for it; anything unreadable is logged and skipped.

        What a subscription's sink returns is returned: the reader waits for it.
        """
        try:
            check_json_depth(raw, max_depth=self.limits.max_json_depth, network="nostr", what="message")
            message = json.loads(raw)
        except NetworkUnavailable as exc:
            log.debug("relay %s: %s; ignored", self.url, exc.message)
            return None
        except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
            log.debug("relay %s sent a message that is not readable JSON; ignored", self.url)
            return None
        if not isinstance(message, list) or not message:
            log.debug("relay %s sent a message that is not a NIP-01 array; ignored", self.url)
            return None
        verb = message[0]
        if verb in ("EVENT", "EOSE", "CLOSED", "COUNT") and len(message) >= 2:
            sink = self._subs.get(str(message[1])) if isinstance(message[1], str) else None
            if sink is not None:
                try:
                    return sink(message, len(raw))
                except Exception:  # one bad event must not end the connection's reader
                    log.debug("relay %s: a message could not be handled; ignored", self.url, exc_info=True)
        elif verb == "OK" and len(message) >= 3:
            waiter = self._ok_waiter
            claimed = str(message[1])
            # An empty id is a rejection of the event in flight (publishes are serialized).
            if waiter is not None and claimed in (waiter[0], "") and not waiter[1].done():
                reason = message[3] if len(message) > 3 and isinstance(message[3], str) else ""
                waiter[1].set_result((message[2] is True, reason))
            else:
                log.debug("relay %s: OK for an event not in flight; ignored", self.url)
        elif verb == "NOTICE":
            log.debug("relay %s notice: %s", self.url, message[1:] if len(message) > 1 else "")
        return None

    async def publish(
        self, event: Event, while_waiting: Callable[[], None] | None = None
    ) -> tuple[bool, str]:
        """Send one event and wait for its ``OK``: (accepted, the relay's message).

        ``while_waiting`` runs once the event is sent, while the relay reads it.
        A connection that was open before this call but turns out to have
        dropped (the relay restarted while the caller was idle) is replaced
        once, and the same event sent again: a relay that already has it
        answers "duplicate", so this cannot post twice.
        """
        async with self._publish_lock:
            for last_try in (False, True):
                reused = self._is_open()
                ws = await self._connection()
                future: asyncio.Future[tuple[bool, str]] = asyncio.get_running_loop().create_future()
                self._ok_waiter = (event.id, future)
                try:
                    with connection_lost():
                        await ws.send(json.dumps(["EVENT", event.to_json()], ensure_ascii=False))
                    if while_waiting is not None:
                        _run_aside(while_waiting)
                        while_waiting = None
                    accepted, message = await answer_within(future, self.timeout)
                except asyncio.TimeoutError:
                    await self._give_up()
                    raise RelayError(f"no OK within {self.timeout:.1f}s") from None
                except ConnectionLost as exc:
                    await self.close()
                    if reused and not last_try:
                        log.debug("relay %s: connection had dropped; sending again on a new one", self.url)
                        continue
                    raise RelayError(str(exc)) from exc
                finally:
                    self._ok_waiter = None
                if not accepted and not message.startswith("duplicate"):
                    # The relay may throttle this connection from now on; start afresh next time.
                    await self.close()
                return accepted, message
            raise AssertionError("unreachable: the last try returns or raises")

    async def query(
        self, filters: Sequence[Filter], on_event: Callable[[Any], bool] | None = None
    ) -> list[Any]:
        """Events for ``filters`` up to EOSE (raw JSON objects, unverified).

        With ``on_event``, each event goes there as it arrives (so the caller can
        check it while the relay is still sending) and the list returned is empty;
        it says whether the event is one the filters asked for. Once the relay
        sent as many of those as the filters' ``limit`` (added up), or more than
        ``max_body_bytes`` of events (the connection is then dropped), the answer
        is complete: a relay that never sends EOSE cannot fill the memory. A connection that was open before
        this call but turns out to have dropped is replaced once, if nothing had
        arrived yet.
        """
        reused = self._is_open()
        try:
            return await self._query_once(filters, on_event)
        except ConnectionLost as lost:
            if not reused or lost.delivered:
                raise
            log.debug("relay %s: connection had dropped; asking again on a new one", self.url)
            return await self._query_once(filters, on_event)

    async def _query_once(
        self, filters: Sequence[Filter], on_event: Callable[[Any], bool] | None
    ) -> list[Any]:
        """One subscription up to EOSE, or until it holds enough; events are gathered by the
        connection's reader, and this coroutine wakes once, at the end."""
        ws = await self._connection()
        sub = uuid.uuid4().hex[:16]
        events: list[Any] = []
        wanted = _wanted(filters)
        kept = 0  # events the filters asked for
        received = 0  # the length of the events received (a text message's characters)
        overflowed = False  # more than max_body_bytes came
        delivered = False
        ended: asyncio.Future[list[Any] | None] = asyncio.get_running_loop().create_future()

        def collect(message: list[Any] | None, size: int) -> None:
            nonlocal delivered, kept, received, overflowed
            if ended.done():
                return
            if message is None or message[0] != "EVENT":
                ended.set_result(message)  # EOSE, CLOSED, or None when the connection ended
                return
            if len(message) < 3:
                return
            delivered = True
            received += size
            if received > self.limits.max_body_bytes:
                log.debug(
                    "relay %s sent more than %d bytes for one query (the max_body_bytes limit): "
                    "what came before is its answer",
                    self.url,
                    self.limits.max_body_bytes,
                )
                overflowed = True
                ended.set_result(["EOSE", sub])
                return
            if on_event is None:
                events.append(message[2])
                kept += 1
            elif on_event(message[2]):
                kept += 1
            if wanted is not None and kept >= wanted:
                ended.set_result(["EOSE", sub])  # all it asked for: the relay has nothing to add

        self._subs[sub] = collect
        try:
            with connection_lost(lambda: delivered):
                await ws.send(json.dumps(["REQ", sub, *filters], ensure_ascii=False))
            try:
                message = await answer_within(ended, self.timeout)
            except asyncio.TimeoutError:
                # The connection may be dead without a sign (a silently broken TCP path):
                # start afresh next time, as a publish does.
                await self._give_up()
                raise RelayError(f"no EOSE within {self.timeout:.1f}s") from None
            if message is None:
                raise ConnectionLost("connection closed during a query", delivered)
            if message[0] == "CLOSED":
                reason = message[2] if len(message) > 2 else ""
                raise RelayError(f"subscription closed by relay: {reason}")
            if overflowed:
                # A relay sending this much may ignore CLOSE too, and go on sending on this
                # connection for ever: drop it (the next call opens a fresh one).
                await self._give_up()
            return events
        finally:
            del self._subs[sub]
            if self._is_open():
                with unsent():
                    await ws.send(json.dumps(["CLOSE", sub]))

    async def count(self, filters: Sequence[Filter]) -> int:
        """NIP-45: how many events match ``filters``, by the relay's own exact count."""
        ws = await self._connection()
        sub = uuid.uuid4().hex[:16]
        answer: asyncio.Future[list[Any] | None] = asyncio.get_running_loop().create_future()
        self._subs[sub] = lambda message, size: None if answer.done() else answer.set_result(message)
        try:
            with connection_lost():
                await ws.send(json.dumps(["COUNT", sub, *filters], ensure_ascii=False))
            message = await asyncio.wait_for(answer, self.timeout)
        except asyncio.TimeoutError:
            await self._give_up()
            raise RelayError(f"no COUNT within {self.timeout:.1f}s") from None
        finally:
            del self._subs[sub]
        body = message[2] if message and message[0] == "COUNT" and len(message) > 2 else None
        found = body.get("count") if isinstance(body, dict) and not body.get("approximate") else None
        if type(found) is not int or found < 0:  # an approximate count is not the figure either
            raise RelayError(f"no exact count in the answer: {str(message)[:100]}")
        return found

    async def subscribe(self, filters: Sequence[Filter]) -> tuple[str, asyncio.Queue[list[Any] | None]]:
        """Open a subscription that stays open after EOSE (for streams).

        Its queue holds at most ``STREAM_BACKLOG`` messages (and the end, ``None``,
        which always fits): beyond that this connection is read no further until
        the stream takes one, so a relay cannot queue without bound. Other calls
        on the connection wait meanwhile; one that times out replaces the
        connection, and the stream subscribes again and catches up.
        """
        ws = await self._connection()
        sub = uuid.uuid4().hex[:16]
        queue: asyncio.Queue[list[Any] | None] = asyncio.Queue()  # bounded here, so that None fits

        def sink(message: list[Any] | None, size: int) -> Coroutine[Any, Any, None] | None:
            if message is None or queue.qsize() < STREAM_BACKLOG:
                queue.put_nowait(message)
                return None
            return self._wait_for_room(ws, sub, queue, message)

        self._subs[sub] = sink
        try:
            with unreachable("connection failed"):
                await ws.send(json.dumps(["REQ", sub, *filters], ensure_ascii=False))
        except RelayError:
            del self._subs[sub]
            raise
        return sub, queue

    async def _wait_for_room(
        self, ws: ClientConnection, sub: str, queue: asyncio.Queue[list[Any] | None], message: list[Any]
    ) -> None:
        """Queue ``message`` once the stream has taken one; the reader waits here (backpressure).

        The wait ends too when the subscription or the connection is closed.
        """
        while self._ws is ws and sub in self._subs and queue.qsize() >= STREAM_BACKLOG:
            await asyncio.sleep(ROOM_POLL)
        if sub in self._subs:
            queue.put_nowait(message)

    async def unsubscribe(self, sub: str) -> None:
        self._subs.pop(sub, None)
        if self._ws is not None and self._reader is not None and not self._reader.done():
            with unsent():
                await self._ws.send(json.dumps(["CLOSE", sub]))

    async def _give_up(self) -> None:
        """Close a connection that stopped answering, without waiting for a closing handshake
        that may never come (websockets would wait 10 s for it)."""
        if self._ws is not None:
            self._ws.transport.abort()
        await self.close()

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._reader, self.timeout)
            self._reader = None


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


def _run_aside(work: Callable[[], None]) -> None:
    """Run side work on the loop; its failure is logged, never the publish's."""
    try:
        work()
    except Exception:
        log.debug("work done while waiting for a relay failed", exc_info=True)


async def _capped(chunks: Any, limit: int) -> Any:
    """The chunks of an answer, stopping once more than ``limit`` bytes came (the reader refuses them)."""
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        yield chunk
        if size > limit:
            return


def _wanted(filters: Sequence[Filter]) -> int | None:
    """The most events ``filters`` ask one relay for: their ``limit`` added up (``None``: no bound)."""
    limits: list[int] = []
    for flt in filters:
        limit = flt.get("limit")
        if type(limit) is not int or limit < 0:
            return None
        limits.append(limit)
    return sum(limits) if limits else None


def _max_limit(info: dict[str, Any] | None) -> int | None:
    """The NIP-11 ``limitation.max_limit`` (``None``: none announced, or not a positive integer)."""
    limitation = info.get("limitation") if info else None
    cap = limitation.get("max_limit") if isinstance(limitation, dict) else None
    return cap if type(cap) is int and cap > 0 else None


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
        fetching = [asyncio.ensure_future(self.info(u)) for u in targets if with_info and u not in self._info]
        answers = await asyncio.gather(*(self._query_one(url, filters, verified) for url in targets))
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
            raise no_relay_answered(result.failures, retryable=True)
        result.events = sorted(seen.values(), key=lambda e: (-e.created_at, e.id))
        return result

    async def _query_one(
        self, url: str, filters: Sequence[Filter], verified: dict[str, Event]
    ) -> tuple[list[int], int, list[Event]] | RelayError:
        """(``created_at`` of every sound event the relay sent that fits the filters and is not
        dated in the future, how many fitting events it sent, the sound ones) or the failure.

        Only those dates count for paging: a relay sending events outside the filters, dated
        ahead of the clock or wrongly signed cannot hold a page boundary in place.
        """
        created: list[int] = []
        sent = 0
        events: list[Event] = []
        fits = matcher(filters)
        latest = time.time() + self.max_lead + CLOCK_SKEW

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

    async def count(self, url: str, filters: Sequence[Filter]) -> int | None:
        """The relay's NIP-45 count for ``filters``, or ``None`` when it gave none."""
        try:
            return await self._connections[url].count(filters)
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
            chunks = [chunk async for chunk in _capped(response.aiter_raw(), limit)]
        sent = read_capped(iter(chunks), limit=limit, deadline=deadline)
        body = read_encoded([sent], encoding, limit=limit, deadline=deadline)
        return loads(body, limits=self.limits, network="nostr", what="NIP-11 document")

    async def stream(
        self,
        filters: Sequence[Filter],
        deliver: Callable[[Event], bool],
        ended: Callable[[str], None],
        attempts: int,
    ) -> list[RelayStream]:
        """Subscribe on every relay that answers; each verified event goes to ``deliver`` (on this loop).

        A relay whose connection drops is subscribed to again (see ``RelayStream``);
        ``ended`` gets the reasons once every relay has been given up on.
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

        for url, connection in self._connections.items():
            stream = RelayStream(url, connection, filters, deliver, gone, attempts, self.max_lead)
            try:
                await stream.open()
            except RelayError as exc:
                failures.append(f"{url}: {exc}")
                continue
            live.add(url)
            streams.append(stream)
        opening = False
        if not streams:
            raise no_relay_answered(failures, retryable=False)
        if not live:  # every relay that answered has refused the subscription since
            ended("; ".join(failures))
        return streams

    async def stop_stream(self, streams: Sequence[RelayStream]) -> None:
        for stream in streams:
            await stream.stop()

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
        self._feeds: set[queue.Queue[Event | str | None]] = set()

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
        self, filters: Sequence[Filter], attempts: int
    ) -> tuple[queue.Queue[Event | str | None], list[RelayStream]]:
        """Subscribe on every relay: (the arrivals, the subscriptions to pass to ``end_stream``).

        The arrivals are verified events, then a ``str`` (why) if every relay
        was given up on, or ``None`` once this transport is closed. They hold
        at most ``max_body_bytes`` of events waiting for a consumer that is
        behind (thousands of ordinary notes: a bot replying from its stream
        loop rarely meets it); beyond that the relays' streams wait for it
        (the end always fits).
        """
        arrivals = Backlog(self.limits.max_body_bytes)

        with self._lock:
            self._feeds.add(arrivals)
        try:
            runner, pool = self._started()
            runner.move_to_thread()  # the relays' events must arrive while the caller is between calls
            handles = self.run(pool.stream(filters, arrivals.offer, arrivals.put_nowait, attempts))
        except BaseException:
            with self._lock:
                self._feeds.discard(arrivals)
            raise
        return arrivals, handles

    def end_stream(self, arrivals: queue.Queue[Event | str | None], handles: Sequence[RelayStream]) -> None:
        """Close a stream's subscriptions; safe from the garbage collector, on any thread."""
        self._feeds.discard(arrivals)  # no lock: this may run from garbage collection
        runner, pool = self._runner, self._pool
        if runner is None or pool is None:
            return  # closed: the subscriptions went with the connections
        if runner.inside():  # collected on the loop's own thread: nothing can be waited for there
            runner.loop.create_task(pool.stop_stream(handles))
            return
        with contextlib.suppress(DecentSocialError, RuntimeError):  # RuntimeError: closed meanwhile
            runner.run(pool.stop_stream(handles), timeout=self.call_timeout)

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
