"""asyncio access: the same members as a ``Network``, awaitable; iterators are async iterators.

How it works, honestly: each :class:`AsyncNetwork` wraps an ordinary
(synchronous) backend and runs its calls in one worker thread of its own,
so the event loop never blocks on the network. Calls on one connection run
one at a time, in order, on that thread (so backends need not be
thread-safe); calls on different connections run at the same time. Iterators fetch a
page of items per trip to the worker thread.

Cancelling an awaited call stops the waiting, not the request already
running in the thread: a cancelled ``publish`` may still complete. Give
drafts an ``idempotency_key`` to make a retry safe. An iterator whose wait
was cancelled keeps the batch that was being fetched for its next call. A
stream is opened in the worker thread, in turn with the connection's other
calls (``stream()`` itself does only the checks that need no I/O), and
waits in a daemon thread of its own (a program that stops reading a quiet
stream can still exit). ``aclose()`` wakes a backend stream waiting for its
next post if it can be woken (``stop()``: every backend's stream, Mastodon's
socket read included) and waits for its clean-up; one that cannot (another
backend's without ``stop()``) ends in its thread when it yields again.

>>> from decentsocial import aio
>>> async def main() -> None:
...     async with aio.connect("sandbox") as net:
...         post = await net.publish("hi")
...         async for p in net.search("hi", limit=5):
...             print(p.text)
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import queue
import threading
import weakref
from collections import deque
from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from datetime import datetime
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, ParamSpec, TypeVar

from .coerce import stream_tag
from .crosspost import (
    DEFAULT_MAX_PARTS,
    CrosspostResult,
    Outcome,
    base_key,
    check_networks,
    plan_outcome,
    publish_planned,
    target_of,
    tell_key,
)
from .errors import ConfigurationError, InvalidInput, UnsupportedFeature
from .interrupt import Interrupt
from .jobs import Job
from .lifecycle import RETRACTION_NOTICE, Retracted, Retraction, _retract_outcome
from .lifecycle import retract as _sync_retract
from .models import Account, Amount, Community, Draft, Message, Notification, Post, Reward, as_draft
from .monitor import DEFAULT_BUFFER, DEFAULT_INTERVAL
from .monitor import prepare_monitor as _prepare_monitor
from .network import AccountRef, Capability, CommunityRef, Network, PostRef, TextLimit, TipTarget
from .paging import check_limit
from .registry import connect_any as _connect_sync
from .variants import Variant, check_variants, pick

__all__ = ["AsyncNetwork", "AsyncPager", "connect", "crosspost", "monitor", "retract", "wrap"]

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")

#: Items fetched per trip to the worker thread when the backend does not say its page size.
DEFAULT_BATCH = 50

#: The AsyncNetwork wrapping each synchronous connection (by ``id``), so that a crosspost result, which
#: carries the synchronous connections, is retracted on their worker threads.
_wrappers: weakref.WeakValueDictionary[int, AsyncNetwork] = weakref.WeakValueDictionary()


def connect(name: str | None = None, *, profile: str | None = None, **settings: Any) -> AsyncNetwork:
    """Like :func:`decentsocial.connect` (no network I/O), but async: ``aio.connect("sandbox")``."""
    return AsyncNetwork(_connect_sync(name, profile=profile, **settings))


def wrap(net: Network) -> AsyncNetwork:
    """An async view of a ``Network`` you already have (it takes over its calls: use one or the other)."""
    return AsyncNetwork(net)


class AsyncPager(Generic[T]):
    """An async iterator over a backend's lazy iterator, pulling a batch per trip to the worker thread."""

    def __init__(
        self,
        net: AsyncNetwork,
        make: Callable[[], Iterator[T]],
        batch: int,
        *,
        own_thread: bool = False,
        opening: Interrupt | None = None,
    ) -> None:
        self._net = net
        self._make = make
        # Set by aclose() while the backend's stream is still being made (one whose stream() connects):
        # the opening, which runs with it in force, ends then rather than at its timeout.
        self._opening = opening
        self._batch = batch
        # A stream waits for posts for as long as it runs: in a thread of its own, so that the
        # connection's worker thread stays free for other calls meanwhile.
        self._thread = _DaemonThread("decentsocial-stream") if own_thread else None
        self._iterator: Iterator[T] | None = None
        self._buffer: deque[T] = deque()
        self._done = False
        # A batch being fetched in the worker thread: a wait cancelled meanwhile (a timeout) leaves it
        # to finish, and the next call takes its items instead of losing them.
        self._pending: asyncio.Future[list[T]] | None = None
        self._ended = False  # a stream's aclose() has queued its closing (its thread ends after it)
        # Between aclose() on the event loop and the stream's thread making its iterator: whichever comes
        # second tells the iterator to stop, so a stream made after aclose() is not waited on for ever.
        self._stopping = threading.Lock()
        self._stop_asked = False

    def __aiter__(self) -> AsyncPager[T]:
        return self

    def __del__(self) -> None:
        # A stream left without aclose() (a ``break``): its thread ends once it has nothing left to do.
        thread = getattr(self, "_thread", None)
        if thread is not None:
            thread.shutdown()

    async def __anext__(self) -> T:
        while not self._buffer:
            if self._done:
                raise StopAsyncIteration
            if self._pending is None:
                self._pending = asyncio.ensure_future(self._run(self._pull))
            pending = self._pending
            try:
                items = await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():  # this wait was cancelled, not the fetch: keep it
                    raise
                self._forget(pending)
                raise
            except BaseException:
                self._forget(pending)
                raise
            if self._pending is not pending:
                # Another task waiting for the same batch (two readers of one pager) has put it in the
                # buffer already, or aclose() let it go: taken from there, never a second time.
                continue
            self._pending = None
            if len(items) < self._batch:
                self._done = True
            self._buffer.extend(items)
        return self._buffer.popleft()

    def _forget(self, pending: asyncio.Future[list[T]]) -> None:
        """A failed fetch is no longer the one to wait for (unless another reader has moved on already)."""
        if self._pending is pending:
            self._pending = None

    def _pull(self) -> list[T]:
        if self._iterator is None:
            try:
                made = self._make()
            except Exception:
                if self._stop_asked:
                    return []  # closed while it opened: the opening's end is the stream's quiet end
                raise
            with self._stopping:
                self._iterator, asked = made, self._stop_asked
            if asked:
                _stop(made)
        return list(islice(self._iterator, self._batch))

    async def aclose(self) -> None:
        """Stop early and let the backend's iterator clean up (in the worker thread)."""
        self._done = True
        self._buffer.clear()
        pending, self._pending = self._pending, None
        if pending is not None:  # a fetch left by a cancelled wait: let its outcome go unread quietly
            pending.add_done_callback(lambda done: done.cancelled() or done.exception())
        if self._thread is not None:
            if not self._ended:  # a stream: closed in its thread, after a fetch in flight
                self._ended = True
                with self._stopping:
                    self._stop_asked = True
                    made = self._iterator
                # One waiting for its next post is woken if its backend can be (``stop()``): it ends, then
                # its clean-up runs. One that cannot (a stream without ``stop()``) is not waited for.
                woken = made is not None and _stop(made)
                if made is None and self._opening is not None:
                    self._opening.set()  # still being made: its connecting ends now (not waited for)
                closing = self._thread.submit(self._end_stream)
                self._thread.shutdown()
                if pending is None or pending.done() or woken:
                    await asyncio.shield(asyncio.wrap_future(closing))  # a cancelled wait still closes
            return
        if self._iterator is None and pending is None:
            return  # never read: nothing to let go of
        # Closed in the worker thread after a fetch still queued there, which may make the iterator.
        if self._net._closed:
            # Its connection closed first (its worker thread ends): let go of in a thread of its own,
            # once a fetch still queued there has run, not a ConfigurationError from a clean-up.
            if pending is not None:
                await asyncio.wait([pending])
            await _in_thread(self._end_iterator)
        else:
            await self._run(self._end_iterator)

    def _end_stream(self) -> None:
        """In the stream's thread: close the backend's stream, read or not (none if it failed to open)."""
        if self._iterator is None:
            try:
                self._iterator = self._make()
            except Exception:  # its error was (or would have been) the reader's: nothing was opened
                return
        self._end_iterator()

    def _end_iterator(self) -> None:
        """Let the backend's iterator clean up (in the thread that reads it)."""
        iterator, self._iterator = self._iterator, None
        close = getattr(iterator, "close", None)
        if callable(close):
            close()

    async def _run(self, fn: Callable[[], R]) -> R:
        if self._thread is None:
            return await self._net.run(fn)
        return await asyncio.wrap_future(
            self._thread.submit(functools.partial(contextvars.copy_context().run, fn))
        )

    async def to_list(self) -> list[T]:
        """Every item (mind the ``limit`` you asked for)."""
        return [item async for item in self]


def _stop(iterator: object) -> bool:
    """Tell a backend's stream to end, from any thread, if it has a ``stop()`` (sandbox, Nostr, Bluesky)."""
    stop = getattr(iterator, "stop", None)
    if not callable(stop):
        return False
    stop()
    return True


class _DaemonThread:
    """One daemon thread running the calls given to it in order (started with the first).

    A stream may wait for its next post for ever: a daemon thread lets the
    program exit meanwhile, where an executor's thread is joined at exit.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = queue.SimpleQueue()
        self._started = False
        self._starting = threading.Lock()  # two threads' first calls at once start one thread, not two

    def submit(self, fn: Callable[[], R]) -> Future[R]:
        future: Future[R] = Future()
        self._calls.put((fn, future))
        with self._starting:
            if not self._started:
                self._started = True
                threading.Thread(target=self._serve, name=self._name, daemon=True).start()
        return future

    def shutdown(self) -> None:
        """End the thread once the calls given so far have run."""
        self._calls.put(None)

    def _serve(self) -> None:
        while (call := self._calls.get()) is not None:
            fn, future = call
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except BaseException as exc:  # handed to the awaiting coroutine
                    future.set_exception(exc)
            # Nothing of the last call is held while waiting: its owner (a pager, a connection) can be
            # collected, and then shuts this thread down.
            del call, fn, future


class AsyncNetwork:
    """An awaitable ``Network``: every protocol member, run in this connection's own worker thread."""

    def __init__(self, net: Network) -> None:
        if not isinstance(net, Network):
            raise InvalidInput(f"expected a Network, got {type(net).__name__}")
        self.sync: Network = net
        self.name: str = net.name
        self.capabilities: frozenset[Capability] = net.capabilities
        self._batch = int(net.page_size or DEFAULT_BATCH)
        self._thread: _DaemonThread | None = None
        # Made once, also when two threads' event loops make their first calls at once: two worker
        # threads would run the backend's calls side by side.
        self._making = threading.Lock()
        self._closed = False
        _wrappers[id(net)] = self

    def __repr__(self) -> str:
        return f"<AsyncNetwork {self.sync!r}>"

    def __del__(self) -> None:
        # Never closed: its worker thread ends once the calls given to it have run (the backend is not
        # closed here: it may still be used as ``net.sync``).
        thread = getattr(self, "_thread", None)
        if thread is not None:
            thread.shutdown()

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run any synchronous call in this connection's worker thread: backend-specific extras too."""
        worker = self._worker()
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await asyncio.wrap_future(worker.submit(call))

    def _worker(self) -> _DaemonThread:
        """This connection's worker thread (made on first use); ``ConfigurationError`` once closed.

        A daemon thread: Python joins an executor's threads at exit, so Ctrl-C would wait for
        the request in flight (up to its deadline) before the program could end.
        """
        if self._closed:
            raise ConfigurationError(f"this {self.name} connection is closed", network=self.name)
        with self._making:
            if self._thread is None:
                self._thread = _DaemonThread(f"decentsocial-{self.name}")
            return self._thread

    def _pager(self, make: Callable[[], Iterator[T]], limit: int | None) -> AsyncPager[T]:
        checked = check_limit(limit)  # bad input fails at the call, before any I/O
        batch = self._batch if checked is None else min(self._batch, checked)
        return AsyncPager(self, make, batch)

    # ---------------------------------------------------------------- lifecycle

    async def close(self) -> None:
        """Close the backend (in its thread, after the calls already given) and stop the thread."""
        await self._close(wait=True)

    async def _close(self, *, wait: bool) -> None:
        if self._closed:
            return
        worker = self._worker()
        closing = worker.submit(self.sync.close)  # runs even if this wait is cancelled
        self._closed = True
        worker.shutdown()
        if wait:
            await asyncio.shield(asyncio.wrap_future(closing))

    aclose = close

    async def __aenter__(self) -> AsyncNetwork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Cancelled (Ctrl-C, a timeout): the close is queued behind the call in flight, not waited for.
        await self._close(wait=exc is None or isinstance(exc, Exception))

    # ---------------------------------------------------------------- the protocol, awaitable

    async def me(self) -> Account:
        return await self.run(self.sync.me)

    async def account(self, handle: str) -> Account:
        return await self.run(self.sync.account, handle)

    async def publish(self, draft: Draft | str) -> Post:
        return await self.run(self.sync.publish, as_draft(draft))

    async def reply(self, to: PostRef, draft: Draft | str) -> Post:
        return await self.run(self.sync.reply, to, as_draft(draft))

    async def get_post(self, id: str) -> Post:
        return await self.run(self.sync.get_post, id)

    async def delete(self, post: PostRef) -> None:
        await self.run(self.sync.delete, post)

    async def like(self, post: PostRef) -> None:
        await self.run(self.sync.like, post)

    async def unlike(self, post: PostRef) -> None:
        await self.run(self.sync.unlike, post)

    async def vote(self, post: PostRef, weight: float) -> None:
        await self.run(self.sync.vote, post, weight)

    async def repost(self, post: PostRef) -> Post | None:
        return await self.run(self.sync.repost, post)

    async def follow(self, account: AccountRef) -> None:
        await self.run(self.sync.follow, account)

    async def unfollow(self, account: AccountRef) -> None:
        await self.run(self.sync.unfollow, account)

    def posts(self, account: AccountRef | None = None, *, limit: int | None = 20) -> AsyncPager[Post]:
        return self._pager(lambda: self.sync.posts(account, limit=limit), limit)

    def timeline(self, *, limit: int | None = 20) -> AsyncPager[Post]:
        return self._pager(lambda: self.sync.timeline(limit=limit), limit)

    def search(self, query: str, *, limit: int | None = 20) -> AsyncPager[Post]:
        return self._pager(lambda: self.sync.search(query, limit=limit), limit)

    async def thread(self, post: PostRef) -> list[Post]:
        return await self.run(self.sync.thread, post)

    def notifications(self, *, limit: int | None = 20) -> AsyncPager[Notification]:
        return self._pager(lambda: self.sync.notifications(limit=limit), limit)

    def communities(self, query: str | None = None, *, limit: int | None = 20) -> AsyncPager[Community]:
        return self._pager(lambda: self.sync.communities(query, limit=limit), limit)

    async def community(self, id: str) -> Community:
        return await self.run(self.sync.community, id)

    async def join(self, community: CommunityRef) -> None:
        await self.run(self.sync.join, community)

    async def leave(self, community: CommunityRef) -> None:
        await self.run(self.sync.leave, community)

    def community_posts(self, community: CommunityRef, *, limit: int | None = 20) -> AsyncPager[Post]:
        return self._pager(lambda: self.sync.community_posts(community, limit=limit), limit)

    async def rewards(self, post: PostRef) -> Reward:
        return await self.run(self.sync.rewards, post)

    async def pending_rewards(self, account: AccountRef | None = None) -> Reward:
        return await self.run(self.sync.pending_rewards, account)

    async def claim_rewards(self) -> Reward:
        return await self.run(self.sync.claim_rewards)

    async def tip(
        self, to: TipTarget, amount: Amount | str, memo: str = "", *, idempotency_key: str | None = None
    ) -> str:
        amount = Amount.parse(amount)  # a malformed amount fails here, before any I/O
        return await self.run(self.sync.tip, to, amount, memo, idempotency_key=idempotency_key)

    # ---------------------------------------------------------------- the post lifecycle (issue 14)

    async def edit(self, post: PostRef, draft: Draft | str, *, replace: bool = False) -> Post:
        return await self.run(self.sync.edit, post, as_draft(draft), replace=replace)

    async def pin(self, post: PostRef) -> None:
        await self.run(self.sync.pin, post)

    async def unpin(self, post: PostRef) -> None:
        await self.run(self.sync.unpin, post)

    def pinned(self, account: AccountRef | None = None, *, limit: int | None = 20) -> AsyncPager[Post]:
        return self._pager(lambda: self.sync.pinned(account, limit=limit), limit)

    # ---------------------------------------------------------------- planning helpers

    async def prepare(self, draft: Draft | str) -> list[Draft]:
        """The draft(s) ``publish`` would send (see ``Network.prepare``)."""
        return await self.run(self.sync.prepare, as_draft(draft))

    async def text_limit(self, draft: Draft | None = None) -> TextLimit | None:
        """This network's text length rule (see ``Network.text_limit``)."""
        return await self.run(self.sync.text_limit, draft)

    def stream(self, *, kind: str = "public", tag: str | None = None) -> AsyncPager[Post]:
        """New posts as they arrive, as an async iterator; it waits in a thread of its own.

        Checked here, before any I/O: the capability, that ``kind`` is a name,
        the ``tag``. The backend's stream (a database read, relays asked) is
        opened in the worker thread, queued now, in turn with this
        connection's other calls: the event loop never waits for it, and a
        post published after this call is in the stream. What only the
        backend knows (a ``kind`` it has not) fails at the first ``await``.
        """
        self._check_stream(kind, tag)
        opening = Interrupt()

        def open_stream() -> Iterator[Post]:
            with opening.in_force():  # aclose() meanwhile ends the opening (see AsyncPager)
                return self.sync.stream(kind=kind, tag=tag)

        opened = self._worker().submit(functools.partial(contextvars.copy_context().run, open_stream))
        return AsyncPager(self, opened.result, 1, own_thread=True, opening=opening)

    def _check_stream(self, kind: object, tag: object) -> None:
        """The checks of ``Network.stream`` that need no I/O, made at the call."""
        if Capability.STREAM not in self.sync.capabilities:
            lacks = getattr(self.sync, "lacks", None)
            detail = lacks.get(Capability.STREAM) if isinstance(lacks, Mapping) else None
            raise UnsupportedFeature(self.name, Capability.STREAM, detail)
        stream_tag(kind, tag, network=self.name)

    # ---------------------------------------------------------------- direct messages (issue 14)

    async def send_message(self, account: AccountRef, text: str) -> str:
        """Send a direct message (see ``Network.send_message``); returns its id."""
        return await self.run(self.sync.send_message, account, text)

    def messages(self, *, limit: int | None = 20) -> AsyncPager[Message]:
        """Direct messages, newest first, as an async iterator (see ``Network.messages``)."""
        return self._pager(lambda: self.sync.messages(limit=limit), limit)


# ---------------------------------------------------------------- crosspost and monitor


def _check_async(networks: Sequence[AsyncNetwork]) -> list[AsyncNetwork]:
    if isinstance(networks, (AsyncNetwork, str)) or not isinstance(networks, Iterable):
        raise InvalidInput(
            f"expected a list of AsyncNetworks (from aio.connect), got {type(networks).__name__}:"
            " write [net] for one"
        )
    nets = list(networks)
    for net in nets:
        if not isinstance(net, AsyncNetwork):
            raise InvalidInput(f"expected an AsyncNetwork (from aio.connect), got {type(net).__name__}")
    check_networks([n.sync for n in nets])
    return nets


async def crosspost(
    draft: Draft | str,
    networks: Sequence[AsyncNetwork],
    *,
    dry_run: bool = False,
    split: bool = True,
    variants: Mapping[str, Variant] | None = None,
    max_parts: int = DEFAULT_MAX_PARTS,
) -> CrosspostResult:
    """:func:`decentsocial.crosspost` for async networks: each network planned and published in its thread.

    Outcomes carry the synchronous connection (``outcome.connection``); ``variants``
    and ``max_parts`` work as in :func:`decentsocial.crosspost`, and so does a key made here: cancelled
    (or failing) as it publishes, the call logs it and adds it to the ``CancelledError`` as a note.
    """
    if isinstance(max_parts, bool) or not isinstance(max_parts, int) or max_parts < 1:
        raise InvalidInput(f"max_parts must be at least 1, got {max_parts!r}")
    d = as_draft(draft)
    nets = _check_async(networks)
    key = base_key(d)
    chosen = check_variants(d, variants, [s for n in nets for s in (n.sync.name, target_of(n.sync))])
    planned = await asyncio.gather(
        *(
            _unless_closed(
                net,
                functools.partial(
                    plan_outcome,
                    net.sync,
                    pick(d, chosen, target_of(net.sync), net.sync.name),
                    key,
                    split,
                    max_parts,
                ),
            )
            for net in nets
        )
    )
    if dry_run:
        return CrosspostResult(tuple(planned), key, dry_run=True)
    try:
        outcomes = await asyncio.gather(
            *(
                _unless_closed(net, functools.partial(publish_planned, o))
                for net, o in zip(nets, planned, strict=True)
            )
        )
    except BaseException as exc:  # the key said (the publishing threads go on), the exception never swallowed
        if d.idempotency_key is None and any(o.ok for o in planned):
            tell_key(key, exc)
        raise
    return CrosspostResult(tuple(outcomes), key)


async def _unless_closed(net: AsyncNetwork, call: Callable[[], Outcome]) -> Outcome:
    """``call`` on ``net``'s thread; a closed connection is its outcome's error, as in the sync crosspost:
    the other networks are published all the same (and a result is kept for what they made)."""
    if not net._closed:
        return await net.run(call)
    closed = ConfigurationError(f"this {net.name} connection is closed", network=net.name)
    return Outcome(net.name, net.sync, (), (), closed)


async def retract(
    result_or_job: CrosspostResult | Job,
    *,
    notice: str = RETRACTION_NOTICE,
    connect: Callable[[str], Network] | None = None,
) -> Retraction:
    """:func:`decentsocial.retract`, never on the event loop: the same arguments, checks and outcome.

    A crosspost result's posts are deleted on the worker thread of the
    ``AsyncNetwork`` that made them (in turn with its other calls), every
    network at the same time; a job (whose profiles are connected and closed
    here) is retracted in a thread of its own. As with every call here,
    cancelling stops the waiting, not the deletes already under way.
    """
    if isinstance(result_or_job, CrosspostResult):
        if result_or_job.dry_run:
            raise InvalidInput("a dry run published nothing: there is nothing to retract")
        outcomes = await asyncio.gather(
            *(
                _on_thread(o.connection, functools.partial(_retract_outcome, o, notice))
                for o in result_or_job.outcomes
            )
        )
        return Retraction(tuple(outcomes))
    if isinstance(result_or_job, Job):
        return await _in_thread(
            functools.partial(_sync_retract, result_or_job, notice=notice, connect=connect)
        )
    raise InvalidInput(
        f"retract takes a crosspost result or a scheduled Job, got {type(result_or_job).__name__}"
    )


async def _on_thread(net: Network, call: Callable[[], Retracted]) -> Retracted:
    """``fn`` on the worker thread of the open ``AsyncNetwork`` wrapping ``net``, else in a thread of its own
    (a synchronous crosspost's connection, or a closed one: the backend reports that in the outcome)."""
    wrapper = _wrappers.get(id(net))
    if wrapper is not None and wrapper.sync is net and not wrapper._closed:
        return await wrapper.run(call)
    return await _in_thread(call)


async def _in_thread(fn: Callable[[], R]) -> R:
    """``fn`` in a daemon thread of its own (Ctrl-C is not held up by it), awaited."""
    worker = _DaemonThread("decentsocial-retract")
    try:
        return await asyncio.wrap_future(worker.submit(functools.partial(contextvars.copy_context().run, fn)))
    finally:
        worker.shutdown()


AsyncStop = asyncio.Event | threading.Event | Callable[[], bool] | None

#: Seconds between two looks at a ``threading.Event`` given to ``monitor`` as its ``stop``.
_LOOK_EVERY = 0.25


def monitor(
    networks: Sequence[AsyncNetwork],
    keywords: str | Iterable[str] | None = None,
    *,
    mentions_of: str | Account | None = None,
    replies_to: str | Account | None = None,
    cursor: str | Path | None = None,
    interval: float = DEFAULT_INTERVAL,
    stop: AsyncStop = None,
    max_polls: int | None = None,
    since: datetime | None = None,
    per_poll: int = 50,
    streams: bool | None = None,
    buffer: int = DEFAULT_BUFFER,
) -> AsyncGenerator[Post, None]:
    """:func:`decentsocial.monitor` as an async iterator (the same streams, cursor and filter).

    The monitor runs in a worker thread, one post at a time, so the event
    loop never blocks. ``stop`` is an ``asyncio.Event``, a ``threading.Event``
    or a callable (asked in the worker thread, as the sync monitor asks
    one). An Event set during a poll, or the task cancelled, ends the poll
    as a ``stop`` Event ends the sync monitor's: after the search under way,
    what it found left to the next run. Arguments (the cursor's path too)
    are checked here, before any I/O; the cursor file is read (a new one
    written, waiting for its lock while another monitor holds it) in the
    worker thread at the first ``await``, where a file that is not a cursor
    is ``InvalidInput``.
    """
    nets = _check_async(networks)
    if stop is not None and not isinstance(stop, (asyncio.Event, threading.Event)) and not callable(stop):
        raise InvalidInput(
            f"stop must be an asyncio.Event, a threading.Event, a callable or None, got {stop!r}"
        )
    # Set as the monitor ends (a cancelled task, aclose) and when the caller's Event is set: the worker's
    # monitor sees it during a poll, between two searches, as the sync monitor sees a stop Event.
    cut = threading.Event()
    begin = _prepare_monitor(
        [n.sync for n in nets],
        keywords,
        mentions_of=mentions_of,
        replies_to=replies_to,
        cursor=cursor,
        interval=interval,
        stop=_asking(stop, cut) if callable(stop) else cut,
        max_polls=max_polls,
        since=since,
        per_poll=per_poll,
        streams=streams,
        buffer=buffer,
        cut=cut,
    )
    return _monitor(begin, cut, None if callable(stop) else stop)


def _asking(stop: Callable[[], bool], cut: threading.Event) -> Callable[[], bool]:
    """A callable ``stop`` as the worker's monitor asks it (once per poll), ``True`` once ``cut`` is set."""
    return lambda: cut.is_set() or bool(stop())


def _is_set(event: asyncio.Event | threading.Event | None) -> bool:
    return event is not None and event.is_set()


async def _relay(event: asyncio.Event | threading.Event, cut: threading.Event) -> None:
    """Set ``cut`` once the caller's ``event`` is set (cancelled as the monitor ends)."""
    if isinstance(event, asyncio.Event):
        await event.wait()
    else:  # set by another thread, which cannot wake the event loop: looked at every 0.25 s
        while not event.is_set():
            await asyncio.sleep(_LOOK_EVERY)
    cut.set()


async def _monitor(
    begin: Callable[[], Generator[Post, None, None]],
    cut: threading.Event,
    event: asyncio.Event | threading.Event | None,
) -> AsyncGenerator[Post, None]:
    end = object()
    # A daemon thread of its own, not asyncio's default executor: asyncio.run and Python's exit
    # wait for that one, so Ctrl-C during a slow search would wait for the search to end.
    worker = _DaemonThread("decentsocial-monitor")
    made: list[Generator[Post, None, None]] = []  # the monitor, once the worker has loaded its cursor

    def step() -> object:
        if not made:  # the cursor file read (or written, waiting for its lock): in the worker thread
            made.append(begin())
        return next(made[0], end)

    def close() -> None:
        for posts in made:
            posts.close()

    running = False
    relay = None if event is None else asyncio.ensure_future(_relay(event, cut))
    try:
        while True:
            if _is_set(event):  # set while the caller held the last post: seen before the worker asks
                cut.set()
            running = True
            post = await asyncio.wrap_future(
                worker.submit(functools.partial(contextvars.copy_context().run, step))
            )
            running = False
            if post is end:
                return
            assert isinstance(post, Post)
            yield post
    finally:
        if relay is not None:  # an Event of another event loop fails its wait: not a stray error at exit
            relay.cancel()
            relay.add_done_callback(lambda done: done.cancelled() or done.exception())
        cut.set()  # a worker still inside next() ends the monitor after the search under way
        # Closed in the worker, after a next() in flight: its stream threads end and the cursor is saved
        # (a file another monitor holds locked may wait), never on the event loop.
        closing = worker.submit(close)
        worker.shutdown()
        if not running:  # a wait in flight (cancelled) is not waited for; the close is quick otherwise
            await asyncio.wrap_future(closing)
