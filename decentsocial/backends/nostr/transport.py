"""A small NIP-01 relay client over ``websockets``, on an event loop private to each connection.

Why a private loop: the public API is synchronous, and must also work when
the caller's thread already runs an event loop (Jupyter), where
``asyncio.run`` fails. ``LoopRunner`` drives that loop in the caller's thread
when it can and on a helper thread when it must.

Relay quirks handled here (see docs/networks/nostr.md):

* a rejection may come back as ``["OK", "", false, reason]`` with an empty id,
  so an ``OK`` is matched to the one event in flight on its connection
  (publishes on a connection are serialized), never by id alone;
* some relays slow down every later reply on a connection after a rejection,
  so a connection that saw a rejection is closed and a fresh one opened;
* every wait has a deadline; a relay that is down is skipped, and only when
  all relays fail does the caller get ``NetworkUnavailable``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import websockets
from websockets.asyncio.client import ClientConnection, connect

from ...errors import NetworkUnavailable
from .events import Event

__all__ = ["LoopRunner", "PublishOutcome", "QueryResult", "RelayConnection", "RelayPool", "RelayStream"]

T = TypeVar("T")
log = logging.getLogger("decentsocial.nostr")

Filter = dict[str, Any]


if sys.version_info >= (3, 12):

    def _start_task(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        # Eager: the coroutine runs at once, up to its first wait, without another loop iteration.
        return asyncio.Task(coro, loop=loop, eager_start=True)

else:

    def _start_task(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return loop.create_task(coro)


class _Handoff(Generic[T]):
    """A coroutine started on the helper thread's loop; ``result`` waits for it from the caller's thread.

    Lighter than ``run_coroutine_threadsafe``: one loop callback starts the task
    (eagerly where Python allows), and the task's last step releases a plain
    lock the caller sleeps on, so each call costs one wake-up each way.
    """

    __slots__ = ("_done", "_loop", "_outcome", "_task")

    def __init__(self, loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> None:
        self._loop = loop
        self._done = threading.Lock()
        self._done.acquire()
        self._outcome: tuple[bool, Any] = (False, None)
        self._task: asyncio.Task[None] | None = None
        try:
            loop.call_soon_threadsafe(self._start, coro)
        except RuntimeError:  # the loop is closed
            coro.close()
            raise

    def _start(self, coro: Coroutine[Any, Any, T]) -> None:
        self._task = _start_task(self._loop, self._finish(coro))

    async def _finish(self, coro: Coroutine[Any, Any, T]) -> None:
        try:
            self._outcome = (True, await coro)
        except BaseException as exc:  # handed to the waiting thread, which raises it
            self._outcome = (False, exc)
        finally:
            self._done.release()

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def result(self, timeout: float) -> T:
        """The coroutine's value (or its exception); ``NetworkUnavailable`` after ``timeout`` seconds."""
        if not self._done.acquire(timeout=timeout):
            with contextlib.suppress(RuntimeError):  # a closed loop has nothing left to cancel
                self._loop.call_soon_threadsafe(self._cancel)
            raise _timed_out(timeout)
        ok, value = self._outcome
        self._outcome = (False, None)  # no reference cycle through a raised exception
        if ok:
            return value  # type: ignore[no-any-return]
        if isinstance(value, asyncio.CancelledError):  # ``stop`` (a close) cancelled it mid-call
            raise NetworkUnavailable("the connection was closed during the call", network="nostr") from None
        raise value


def _timed_out(timeout: float) -> NetworkUnavailable:
    return NetworkUnavailable(f"no answer within {timeout:.1f}s", network="nostr", retryable=True)


def _loop_running_here() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class LoopRunner:
    """Runs the backend's coroutines on its one private event loop, for the synchronous API.

    A call drives the loop in the caller's own thread, as a plain asyncio
    client would: no thread hand-off. The loop moves to a helper thread, for
    good, the first time that cannot work: the caller's thread already runs an
    event loop (Jupyter), a stream needs the loop running between calls, or a
    second thread calls while one is driving it. From then on every call is
    handed to that thread and waited for.
    """

    def __init__(self, name: str = "decentsocial-nostr") -> None:
        self._loop = asyncio.new_event_loop()
        self._name = name
        self._driving = threading.Lock()  # held by a caller running the loop in its own thread
        self._moving = threading.Lock()  # one move to the helper thread at a time
        self._thread: threading.Thread | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def threaded(self) -> bool:
        """Whether the loop runs on the helper thread (calls are handed to it)."""
        return self._thread is not None

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """``coro``'s value (or its exception); ``NetworkUnavailable`` after ``timeout`` seconds."""
        running = _loop_running_here()
        if running is self._loop:
            coro.close()
            raise RuntimeError("LoopRunner.run called from a coroutine on its own loop")
        if running is None and self._thread is None and self._driving.acquire(blocking=False):
            try:
                if self._thread is None:  # checked again under the lock: the loop may have moved
                    return self._run_here(coro, timeout)
            finally:
                self._driving.release()
        self.move_to_thread()
        return _Handoff(self._loop, coro).result(timeout)

    def _run_here(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        loop = self._loop
        abandoned = False  # interrupted (Ctrl-C): it winds up later, maybe on the helper thread

        async def then_stop() -> T:
            # Stopping from the task's own last step, not from a done-callback as
            # ``run_until_complete`` does, saves the loop one turn per call.
            try:
                return await coro
            finally:
                if not abandoned:  # a call left behind must not stop a loop another caller runs
                    loop.stop()

        main = then_stop()
        try:
            task = loop.create_task(main)
        except RuntimeError:  # the loop is closed
            main.close()
            coro.close()
            raise
        expired: list[bool] = []

        def expire() -> None:
            expired.append(True)
            task.cancel()

        timer = loop.call_later(timeout, expire)
        try:
            while not task.done():  # a call interrupted earlier may stop the loop as it winds up
                loop.run_forever()
        finally:
            timer.cancel()
            if not task.done():  # interrupted (Ctrl-C): it is cancelled on the next run
                abandoned = True
                task.cancel()
        try:
            return task.result()
        except asyncio.CancelledError:
            if expired:
                raise _timed_out(timeout) from None
            raise

    def move_to_thread(self) -> None:
        """Run the loop on the helper thread from now on (it stays there until ``stop``)."""
        if self._thread is not None:
            return
        with self._moving:
            if self._thread is None:
                with self._driving:  # wait for a caller driving the loop; none can start after this
                    if self._loop.is_closed():
                        raise RuntimeError("the loop is closed")
                    thread = threading.Thread(target=self._loop.run_forever, name=self._name, daemon=True)
                    thread.start()
                    self._thread = thread

    def stop(self) -> None:
        """Cancel what is left on the loop, stop its thread if any, close it; later calls raise
        ``RuntimeError``."""
        with self._moving:
            if self._loop.is_closed():
                return
            if self._thread is not None:
                with contextlib.suppress(NetworkUnavailable):
                    _Handoff(self._loop, _cancel_leftovers()).result(timeout=5)
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(timeout=5)
                if self._thread.is_alive():
                    return  # still busy: closing a running loop would fail
            else:
                with self._driving, contextlib.suppress(NetworkUnavailable):
                    self._run_here(_cancel_leftovers(), timeout=5)
            self._loop.close()


async def _cancel_leftovers() -> None:
    """Cancel every other task on this loop (readers, streams) and let each finish."""
    current = asyncio.current_task()
    leftovers = [task for task in asyncio.all_tasks() if task is not current]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


class RelayError(Exception):
    """A relay could not be reached or did not answer in time."""


class _ConnectionLost(RelayError):
    """The connection ended mid-call; ``delivered``: some of the answer had already arrived."""

    def __init__(self, message: str, delivered: bool = False) -> None:
        super().__init__(message)
        self.delivered = delivered


class RelayConnection:
    """One websocket to one relay, opened on first use and reopened after it drops."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self.timeout = timeout
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._connect_lock = asyncio.Lock()
        self._publish_lock = asyncio.Lock()
        self._ok_waiter: tuple[str, asyncio.Future[tuple[bool, str]]] | None = None
        #: Subscription id -> where its messages go (``None``: the connection ended).
        self._subs: dict[str, Callable[[list[Any] | None], None]] = {}

    def _is_open(self) -> bool:
        return self._ws is not None and self._reader is not None and not self._reader.done()

    async def _connection(self) -> ClientConnection:
        if self._ws is not None and self._is_open():
            return self._ws  # open: no lock to take
        async with self._connect_lock:
            if self._ws is not None and self._is_open():
                return self._ws
            try:
                ws = await connect(self.url, open_timeout=self.timeout, max_size=2**24, ping_interval=None)
            except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as exc:
                raise RelayError(f"cannot connect: {type(exc).__name__}: {exc}") from exc
            self._ws = ws
            self._reader = asyncio.create_task(self._read(ws))
            return ws

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                self._dispatch(raw)
        except websockets.exceptions.WebSocketException as exc:
            log.debug("relay %s connection ended: %s", self.url, exc)
        finally:
            if self._ok_waiter is not None and not self._ok_waiter[1].done():
                self._ok_waiter[1].set_exception(_ConnectionLost("connection closed before OK"))
            for sink in list(self._subs.values()):
                sink(None)

    def _dispatch(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
            log.debug("relay %s sent a message that is not readable JSON; ignored", self.url)
            return
        if not isinstance(message, list) or not message:
            return
        verb = message[0]
        if verb in ("EVENT", "EOSE", "CLOSED") and len(message) >= 2:
            sink = self._subs.get(str(message[1]))
            if sink is not None:
                sink(message)
        elif verb == "OK" and len(message) >= 3:
            waiter = self._ok_waiter
            claimed = str(message[1])
            # An empty id is a rejection of the event in flight (publishes are serialized).
            if waiter is not None and claimed in (waiter[0], "") and not waiter[1].done():
                reason = str(message[3]) if len(message) > 3 else ""
                waiter[1].set_result((message[2] is True, reason))
            else:
                log.debug("relay %s: OK for an event not in flight; ignored", self.url)
        elif verb == "NOTICE":
            log.debug("relay %s notice: %s", self.url, message[1:] if len(message) > 1 else "")

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
                    await ws.send(json.dumps(["EVENT", event.to_json()], ensure_ascii=False))
                    if while_waiting is not None:
                        _run_aside(while_waiting)
                        while_waiting = None
                    accepted, message = await asyncio.wait_for(future, self.timeout)
                except asyncio.TimeoutError:
                    await self._give_up()
                    raise RelayError(f"no OK within {self.timeout:.1f}s") from None
                except (_ConnectionLost, websockets.exceptions.WebSocketException) as exc:
                    await self.close()
                    if reused and not last_try:
                        log.debug("relay %s: connection had dropped; sending again on a new one", self.url)
                        continue
                    raise RelayError(f"connection failed: {exc}") from exc
                finally:
                    self._ok_waiter = None
                if not accepted and not message.startswith("duplicate"):
                    # The relay may throttle this connection from now on; start afresh next time.
                    await self.close()
                return accepted, message
            raise AssertionError("unreachable: the last try returns or raises")

    async def query(
        self, filters: Sequence[Filter], on_event: Callable[[Any], None] | None = None
    ) -> list[Any]:
        """Events for ``filters`` up to EOSE (raw JSON objects, unverified).

        With ``on_event``, each event goes there as it arrives (so the caller can
        check it while the relay is still sending) and the list returned is empty.
        A connection that was open before this call but turns out to have
        dropped is replaced once, if nothing had arrived yet.
        """
        reused = self._is_open()
        try:
            return await self._query_once(filters, on_event)
        except _ConnectionLost as lost:
            if not reused or lost.delivered:
                raise
            log.debug("relay %s: connection had dropped; asking again on a new one", self.url)
            return await self._query_once(filters, on_event)

    async def _query_once(
        self, filters: Sequence[Filter], on_event: Callable[[Any], None] | None
    ) -> list[Any]:
        """One subscription up to EOSE; events are gathered by the connection's reader, and this
        coroutine wakes once, at the end."""
        ws = await self._connection()
        sub = uuid.uuid4().hex[:16]
        events: list[Any] = []
        keep = on_event if on_event is not None else events.append
        delivered = False
        ended: asyncio.Future[list[Any] | None] = asyncio.get_running_loop().create_future()

        def collect(message: list[Any] | None) -> None:
            nonlocal delivered
            if message is not None and message[0] == "EVENT":
                if len(message) >= 3 and not ended.done():
                    delivered = True
                    keep(message[2])
            elif not ended.done():
                ended.set_result(message)  # EOSE, CLOSED, or None when the connection ended

        self._subs[sub] = collect
        try:
            await ws.send(json.dumps(["REQ", sub, *filters], ensure_ascii=False))
            try:
                message = await asyncio.wait_for(ended, self.timeout)
            except asyncio.TimeoutError:
                # The connection may be dead without a sign (a silently broken TCP path):
                # start afresh next time, as a publish does.
                await self._give_up()
                raise RelayError(f"no EOSE within {self.timeout:.1f}s") from None
            if message is None:
                raise _ConnectionLost("connection closed during a query", delivered)
            if message[0] == "CLOSED":
                reason = message[2] if len(message) > 2 else ""
                raise RelayError(f"subscription closed by relay: {reason}")
            return events
        except websockets.exceptions.WebSocketException as exc:
            raise _ConnectionLost(f"connection failed: {exc}", delivered) from exc
        finally:
            del self._subs[sub]
            if self._is_open():
                with contextlib.suppress(websockets.exceptions.WebSocketException):
                    await ws.send(json.dumps(["CLOSE", sub]))

    async def subscribe(self, filters: Sequence[Filter]) -> tuple[str, asyncio.Queue[list[Any] | None]]:
        """Open a subscription that stays open after EOSE (for streams)."""
        ws = await self._connection()
        sub = uuid.uuid4().hex[:16]
        queue: asyncio.Queue[list[Any] | None] = asyncio.Queue()
        self._subs[sub] = queue.put_nowait
        try:
            await ws.send(json.dumps(["REQ", sub, *filters], ensure_ascii=False))
        except websockets.exceptions.WebSocketException as exc:
            del self._subs[sub]
            raise RelayError(f"connection failed: {exc}") from exc
        return sub, queue

    async def unsubscribe(self, sub: str) -> None:
        self._subs.pop(sub, None)
        if self._ws is not None and self._reader is not None and not self._reader.done():
            with contextlib.suppress(websockets.exceptions.WebSocketException):
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


@dataclass(frozen=True)
class PublishOutcome:
    """What one relay said to one event."""

    relay: str
    accepted: bool
    message: str = ""
    error: str | None = None  # set when the relay could not be reached or did not answer

    @property
    def duplicate(self) -> bool:
        return self.accepted and self.message.startswith("duplicate")


@dataclass
class QueryResult:
    """Verified, de-duplicated events (newest first), plus what each relay sent."""

    events: list[Event]
    created_by_relay: dict[str, list[int]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


#: Seconds before the newest event seen that a re-opened stream asks again from: events are dated
#: by their authors' clocks, so one dated a little earlier may still arrive after it.
CATCH_UP_SLACK = 60


class RelayStream:
    """One relay's part of a live stream, subscribed to again whenever its connection drops.

    The new subscription asks from a little before the newest event seen (or
    from the stream's start), so what was published meanwhile is caught up
    on; events seen twice are dropped downstream, by id. After ``attempts``
    failures in a row (a subscription that cannot be opened, or a connection
    that drops before the relay sent anything), with exponential backoff
    between them, the relay is given up on.
    """

    def __init__(
        self,
        url: str,
        connection: RelayConnection,
        filters: Sequence[Filter],
        deliver: Callable[[Event], None],
        gone: Callable[[str, str], None],
        attempts: int,
    ) -> None:
        self.url = url
        self._connection = connection
        self._filters = list(filters)
        self._fits = _matcher(self._filters)
        self._deliver = deliver
        self._gone = gone
        self._attempts = attempts
        self._sub: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._newest: int | None = None

    def _catch_up_filters(self) -> list[Filter]:
        if self._newest is None:
            return self._filters
        since = self._newest - CATCH_UP_SLACK
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
                reason = str(message[2]) if len(message) > 2 else "closed by the relay"
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
            if not self._fits(event):
                log.debug("relay %s: dropped event %s: not what was asked for", self.url, event.id[:16])
                continue
            problem = event.problem()
            if problem is not None:
                log.debug("relay %s: dropped event %s: %s", self.url, event.id[:16], problem)
                continue
            # A note dated in the future must not move the catch-up past what is yet to come.
            self._newest = max(self._newest or 0, min(event.created_at, int(time.time())))
            self._deliver(event)

    async def _reopen(self, failures: int) -> tuple[int, asyncio.Queue[list[Any] | None]] | None:
        """Subscribe again after a drop: (failures so far, the new queue), or ``None`` when given up."""
        while failures <= self._attempts:
            delay = min(30.0, 0.5 * 2 ** (failures - 1))
            log.debug("relay %s: stream dropped; subscribing again in %.1fs", self.url, delay)
            await asyncio.sleep(delay)
            try:
                self._sub, queue = await self._connection.subscribe(self._catch_up_filters())
            except RelayError as exc:
                log.debug("relay %s: stream not re-opened: %s", self.url, exc)
                failures += 1
                continue
            return failures, queue
        self._gone(self.url, f"connection lost, {self._attempts} attempts to subscribe again failed")
        return None

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._sub is not None:
            await self._connection.unsubscribe(self._sub)


def _matcher(filters: Sequence[Filter]) -> Callable[[Event], bool]:
    """Whether an event fits one of ``filters`` (NIP-01), for events a relay sends that it should not.

    ``search`` and ``limit`` are the relay's to apply; everything else is checked here.
    """
    compiled = [
        (
            set(f["ids"]) if "ids" in f else None,
            set(f["authors"]) if "authors" in f else None,
            set(f["kinds"]) if "kinds" in f else None,
            f.get("since"),
            f.get("until"),
            [(k[1], set(v)) for k, v in f.items() if len(k) == 2 and k[0] == "#"],
        )
        for f in filters
    ]

    def fits(event: Event) -> bool:
        for ids, authors, kinds, since, until, tags in compiled:
            if ids is not None and event.id not in ids:
                continue
            if authors is not None and event.pubkey not in authors:
                continue
            if kinds is not None and event.kind not in kinds:
                continue
            if (since is not None and event.created_at < since) or (
                until is not None and event.created_at > until
            ):
                continue
            if all(
                any(len(t) > 1 and t[0] == name and t[1] in values for t in event.tags)
                for name, values in tags
            ):
                return True
        return False

    return fits


def _run_aside(work: Callable[[], None]) -> None:
    """Run side work on the loop; its failure is logged, never the publish's."""
    try:
        work()
    except Exception:
        log.debug("work done while waiting for a relay failed", exc_info=True)


def _http_url(relay: str) -> str:
    return "http" + relay[2:] if relay.startswith("ws") else relay


class RelayPool:
    """All configured relays: publish to every one, read from every one, merge by id."""

    def __init__(self, urls: Sequence[str], timeout: float) -> None:
        self.urls = tuple(urls)
        self.timeout = timeout
        self._connections = {url: RelayConnection(url, timeout) for url in self.urls}
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
            created, events = answer
            result.created_by_relay[url] = created
            for event in events:
                seen.setdefault(event.id, event)
        if targets and len(result.failures) == len(targets):
            detail = "; ".join(f"{u}: {m}" for u, m in result.failures.items())
            raise NetworkUnavailable(f"no relay answered ({detail})", network="nostr", retryable=True)
        result.events = sorted(seen.values(), key=lambda e: (-e.created_at, e.id))
        return result

    async def _query_one(
        self, url: str, filters: Sequence[Filter], verified: dict[str, Event]
    ) -> tuple[list[int], list[Event]] | RelayError:
        """(``created_at`` of every well-formed event the relay sent, the sound ones) or the failure."""
        created: list[int] = []
        events: list[Event] = []
        fits = _matcher(filters)

        def check(raw: Any) -> None:
            try:
                event = Event.from_json(raw)
            except ValueError as exc:
                log.debug("relay %s: dropped event: %s", url, exc)
                return
            created.append(event.created_at)
            if not fits(event):
                log.debug("relay %s: dropped event %s: not what was asked for", url, event.id[:16])
                return
            known = verified.get(event.id)
            if known is None:  # an id already verified names that very event: no second check
                problem = event.problem()
                if problem is not None:
                    log.debug("relay %s: dropped event %s: %s", url, event.id[:16], problem)
                    return
                verified[event.id] = known = event
            events.append(known)

        try:
            await self._connections[url].query(filters, check)
        except RelayError as exc:
            log.debug("relay %s: query failed: %s", url, exc)
            return exc
        return created, events

    def cached_info(self, url: str) -> dict[str, Any] | None:
        """The NIP-11 document if it was already fetched (no I/O, safe from any thread)."""
        return self._info.get(url)

    async def info(self, url: str) -> dict[str, Any]:
        """The relay's NIP-11 document (cached; empty when it has none)."""
        if url not in self._info:
            import httpx

            try:
                # Plain ws:// relays are read over plain HTTP: no TLS, so no certificate store to load.
                tls = url.startswith("wss://")
                async with httpx.AsyncClient(timeout=self.timeout, trust_env=False, verify=tls) as client:
                    response = await client.get(_http_url(url), headers={"Accept": "application/nostr+json"})
                data = response.json() if response.status_code == 200 else {}
            except (httpx.HTTPError, ValueError, RecursionError) as exc:  # Recursion: nested too deep
                log.debug("relay %s: no NIP-11 document: %s", url, exc)
                data = {}
            self._info[url] = data if isinstance(data, dict) else {}
        return self._info[url]

    async def stream(
        self,
        filters: Sequence[Filter],
        deliver: Callable[[Event], None],
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
            stream = RelayStream(url, connection, filters, deliver, gone, attempts)
            try:
                await stream.open()
            except RelayError as exc:
                failures.append(f"{url}: {exc}")
                continue
            live.add(url)
            streams.append(stream)
        opening = False
        if not streams:
            raise NetworkUnavailable(f"no relay answered ({'; '.join(failures)})", network="nostr")
        if not live:  # every relay that answered has refused the subscription since
            ended("; ".join(failures))
        return streams

    async def stop_stream(self, streams: Sequence[RelayStream]) -> None:
        for stream in streams:
            await stream.stop()

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self._connections.values()), return_exceptions=True)
