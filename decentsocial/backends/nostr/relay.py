"""One relay's websocket: the connection the relay pool (``transport.py``) holds for each relay.

Relay quirks handled here (see docs/networks/nostr.md):

* a rejection may come back as ``["OK", "", false, reason]`` with an empty id,
  so an ``OK`` is matched to the one event in flight on its connection
  (publishes on a connection are serialized), never by id alone;
* some relays slow down every later reply on a connection after a rejection,
  so a connection that saw a rejection is closed and a fresh one opened;
* every wait has a deadline;
* a redirect answering the websocket handshake is refused, never followed.

One websocket message is at most ``max_line_bytes`` (a longer one ends the
connection); one nested deeper than ``max_json_depth`` or not JSON at all is
logged and skipped. A query keeps at most the events its filters' ``limit``
asks for and ``max_body_bytes`` of the relay's answer (see ``transport.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, SecurityError

from ...coerce import as_count
from ...errors import NetworkUnavailable
from ...limits import Limits, check_json_depth
from .events import Event, Filter
from .failures import ConnectionLost, Refused, RelayError, connection_lost, relay_words, unreachable, unsent
from .loop import answer_within
from .streams import ROOM_POLL, STREAM_BACKLOG

__all__ = ["RelayConnection", "Sink"]

log = logging.getLogger("decentsocial.nostr")


#: Where a subscription's messages go: each with its length as received (``None``, 0: the connection ended).
#: A coroutine returned is awaited before the relay is read again (a stream whose consumer is behind).
Sink = Callable[[list[Any] | None, int], Coroutine[Any, Any, None] | None]


class _connect(connect):  # lower case: used as websockets' ``connect``
    """websockets' ``connect`` refusing redirects, which it would follow (up to 10, to any host).

    A relay answers where it is configured: one that redirects must not send
    this connection's events and queries to a relay (or an address) nobody chose.
    """

    def process_redirect(self, exc: Exception) -> Exception | str:
        if isinstance(exc, InvalidStatus) and 300 <= exc.response.status_code < 400:
            return SecurityError(
                f"the relay answered HTTP {exc.response.status_code}: redirects are not followed"
            )
        return exc


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
                ws = await _connect(
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
                reason = relay_words(message[3]) if len(message) > 3 and isinstance(message[3], str) else ""
                waiter[1].set_result((message[2] is True, reason))
            else:
                log.debug("relay %s: OK for an event not in flight; ignored", self.url)
        elif verb == "NOTICE":
            log.debug("relay %s notice: %s", self.url, relay_words(message[1]) if len(message) > 1 else "")
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
                reason = relay_words(message[2]) if len(message) > 2 else ""
                raise Refused(f"subscription closed by relay: {reason}", reason)
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
        if type(found) is not int or as_count(found) is None:  # nor an approximate one, nor one past 2**63
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


def _run_aside(work: Callable[[], None]) -> None:
    """Run side work on the loop; its failure is logged, never the publish's."""
    try:
        work()
    except Exception:
        log.debug("work done while waiting for a relay failed", exc_info=True)


def _wanted(filters: Sequence[Filter]) -> int | None:
    """The most events ``filters`` ask one relay for: their ``limit`` added up (``None``: no bound)."""
    limits: list[int] = []
    for flt in filters:
        limit = flt.get("limit")
        if type(limit) is not int or limit < 0:
            return None
        limits.append(limit)
    return sum(limits) if limits else None
