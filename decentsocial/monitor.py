"""New posts from many networks as they come, streams first, resumable: :func:`monitor`.

Each network whose backend has a live ``stream()`` (``Capability.STREAM``:
Mastodon's streaming API, Nostr subscriptions, the sandbox) is followed by a
thread that puts what arrives into one bounded buffer; the others are polled
with ``search`` every ``interval`` seconds (a network that can neither stream
nor search, such as Minds, has its home timeline read and filtered here: the
posts of the accounts it follows, and its own). Every post goes through the
:class:`~decentsocial.monitor_state.Watch` filter (a public stream sends
everything: non-matching posts are skipped, logged at debug level) and
through the connection's cursor (:class:`~decentsocial.monitor_state.NetCursor`),
so each comes out once.

Streaming networks are searched too: at the start, once more two seconds
after their streams start, and every ``interval``. That search is the
catch-up after a restart (from the cursor) and after a stream that dropped
and came back, and it finds whatever a stream missed while it was
connecting. Their posts still arrive within a second or so through the
stream. Without a cursor or ``since``, the first search of a connection is
its baseline: posts created before the monitor started are noted, not
yielded.

The buffer holds ``buffer`` posts. When it is full (the caller is slower
than the networks) the stream threads wait: nothing is dropped. A server
that gives up on a connection held waiting closes it; the thread reconnects
with backoff and the next search catches up from the cursor, so a slow
consumer loses nothing and sees no duplicate.

A stream that fails is reopened with exponential backoff (0.5 s doubling to
30 s, with jitter), and the connection is searched again at once. A stream
the network refuses for good (no streaming on this server, a token without
the right) turns that connection to polling. When the monitor ends (``stop``,
the caller stops iterating or closes it, an error), each stream it opened
is told to end (``stop()``: every backend's stream has one), so
its thread ends at once and closes its subscriptions or socket there; a
stream without ``stop()`` (another backend's) ends when it next yields, or
when the connection is closed.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import queue
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .errors import (
    AuthenticationError,
    ConfigurationError,
    DecentSocialError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    UnsupportedFeature,
)
from .interrupt import Interrupt
from .models import Account, Post
from .monitor_args import DEFAULT_BUFFER, can_search, check_monitor_args
from .monitor_state import MAX_CLOCK_SKEW, CursorFile, NetCursor, Watch, plus
from .network import Capability, Network
from .retry import reconnect_backoff
from .stopping import StopSignal, stopped, wait

__all__ = [
    "CATCH_UP_MAX",
    "DEFAULT_BUFFER",
    "DEFAULT_INTERVAL",
    "FAILURE",
    "MAX_CLOCK_SKEW",
    "StopSignal",
    "check_monitor_args",
    "monitor",
    "prepare_monitor",
]

log = logging.getLogger("decentsocial.monitor")
#: ``extra`` of the warnings that say a search or a stream failed (``record.monitor_failure``), so a
#: handler tells them from notices (a network searched instead of streamed) without reading the words.
FAILURE = {"monitor_failure": True}

#: Seconds between searches (the polling of networks without a stream, the catch-up of those with one).
DEFAULT_INTERVAL = 60.0
#: The most posts one search reads back to a connection's cursor (a catch-up after a long absence).
CATCH_UP_MAX = 10_000
#: A search reads back this far before the newest post yielded, for posts a server indexes late.
CATCH_UP_SLACK = timedelta(minutes=5)
#: Seconds after the streams start when they are searched once more: what came while they connected.
_SETTLE = 2.0
#: Seconds a stream refused for good waits for the monitor to end before saying so (a closing connection).
_WIND_DOWN = 5.0
#: Posts whose parent's author is remembered for ``replies_to`` (oldest forgotten first).
_PARENTS = 10_000
#: Posts remembered across connections, so two accounts on one server do not yield a post twice
#: (the second connection sees it within seconds of the first).
_SEEN_ACROSS = 10_000


@dataclass
class Lane:
    """One connection being monitored: how (stream or search), its cursor, its pending catch-up."""

    net: Network
    key: str
    cursor: NetCursor
    tags: tuple[str, ...]
    streaming: bool
    needs_baseline: bool
    catch_up: threading.Event = field(default_factory=threading.Event)
    #: The newest post a search read back from to its edge, matching or not: the next search need not read
    #: further back than that (less the slack), however long nothing has matched (in memory only).
    read_to: datetime | None = None
    #: The cursors of the other connections to this lane's network (two accounts on one server).
    siblings: tuple[NetCursor, ...] = ()


def _cursor_key(net: Network) -> str:
    return f"{net.name}:{net.identity}"


def _search_for(net: Network, query: str, limit: int | None) -> Iterable[Post]:
    return net.search(query, limit=limit)


def _reads_timeline(net: Network, watch: Watch) -> bool:
    """Some keyword has neither stream nor search (Minds): the home timeline is read and filtered here."""
    return Capability.TIMELINE in net.capabilities and not all(can_search(net, k) for k in watch.keywords)


def monitor(
    networks: Sequence[Network],
    keywords: str | Iterable[str] | None = None,
    *,
    mentions_of: str | Account | None = None,
    replies_to: str | Account | None = None,
    cursor: str | Path | None = None,
    interval: float = DEFAULT_INTERVAL,
    stop: StopSignal = None,
    max_polls: int | None = None,
    since: datetime | None = None,
    per_poll: int = 50,
    streams: bool | None = None,
    buffer: int = DEFAULT_BUFFER,
) -> Generator[Post, None, None]:
    """New posts matching a keyword, mentioning ``mentions_of`` or replying to ``replies_to``, once each.

    Streams where the network has one, ``search`` every ``interval``
    seconds elsewhere (``"#tag"`` is a hashtag); see the module docstring
    for catch-up, reconnection and the bounded ``buffer``. Without ``since``
    or a cursor, what already exists is noted, not yielded; with ``since``,
    posts created from then on are yielded. ``cursor="monitor.json"``:
    where each connection stands is saved there (atomically) as each post
    is yielded, and a monitor started again with it yields exactly what was
    not yielded before. ``mentions_of``: posts mentioning that account.
    ``replies_to``: replies to that account's posts (the account answering
    itself does not count).

    ``streams``: ``None`` (default) streams where possible unless
    ``max_polls`` is given (a bounded run of that many polls); ``False``
    polls everywhere. The loop ends when ``stop`` (a ``threading.Event`` or
    a callable, asked before each poll and every 0.25 s while waiting; an
    Event also between a poll's searches and retries, the poll's posts then
    left to the next run) is set, after ``max_polls`` polls, or when the
    caller stops iterating.
    Every argument and the cursor file are checked before any request:
    ``InvalidInput`` for empty keywords, ``since`` in the future, a file
    that is not a cursor; ``UnsupportedFeature`` for a network that can
    neither stream, search nor read a timeline for what is watched.
    """
    return prepare_monitor(
        networks,
        keywords,
        mentions_of=mentions_of,
        replies_to=replies_to,
        cursor=cursor,
        interval=interval,
        stop=stop,
        max_polls=max_polls,
        since=since,
        per_poll=per_poll,
        streams=streams,
        buffer=buffer,
    )()


def prepare_monitor(
    networks: Sequence[Network],
    keywords: str | Iterable[str] | None = None,
    *,
    mentions_of: str | Account | None = None,
    replies_to: str | Account | None = None,
    cursor: str | Path | None = None,
    interval: float = DEFAULT_INTERVAL,
    stop: StopSignal = None,
    max_polls: int | None = None,
    since: datetime | None = None,
    per_poll: int = 50,
    streams: bool | None = None,
    buffer: int = DEFAULT_BUFFER,
    cut: threading.Event | None = None,
) -> Callable[[], Generator[Post, None, None]]:
    """:func:`monitor`'s arguments checked (no I/O); the call it returns loads the cursor and makes it.

    The cursor file is read (a new one written, under a lock another monitor
    may hold for up to ``LOCK_WAIT`` seconds) by that call: ``aio.monitor``
    makes it in its worker thread, never on the event loop. ``cut``: an Event
    that ends a poll as a ``stop`` Event does (between two searches), beside a
    callable ``stop`` still asked once per poll: ``aio.monitor`` sets it as it
    ends (a cancelled task). A ``stop`` that is an Event is used instead.
    """
    nets, watch, start, use_streams = check_monitor_args(
        networks,
        keywords,
        interval,
        max_polls,
        since,
        mentions_of=mentions_of,
        replies_to=replies_to,
        streams=streams,
        per_poll=per_poll,
        buffer=buffer,
    )
    if stop is not None and not isinstance(stop, threading.Event) and not callable(stop):
        raise InvalidInput(f"stop must be a threading.Event, a callable or None, got {stop!r}")
    # As Python's own numbers from here: a network's search refuses numpy's as a limit.
    interval, per_poll, buffer = float(interval), int(per_poll), int(buffer)
    max_polls = None if max_polls is None else int(max_polls)
    path = CursorFile.checked(cursor)

    def begin() -> Generator[Post, None, None]:
        store = CursorFile.load(path)
        lanes = []
        for net in nets:
            key = _cursor_key(net)
            known = key in store.cursors
            lane_cursor = store.cursor(key, net.name, start)
            lanes.append(
                Lane(
                    net=net,
                    key=key,
                    cursor=lane_cursor,
                    tags=watch.tags,
                    streaming=use_streams and Capability.STREAM in net.capabilities,
                    needs_baseline=start is None and not (known and lane_cursor.started),
                )
            )
        posts = _Monitor(lanes, watch, store, interval, stop, max_polls, per_poll, buffer, cut).run()
        _SUSPENDED.add(posts)
        return posts

    return begin


#: Every monitor not yet ended (weakly: one let go of is ended by the garbage collector, as any generator).
_SUSPENDED: weakref.WeakSet[Generator[Post, None, None]] = weakref.WeakSet()


@atexit.register
def _end_suspended_monitors() -> None:
    """End the monitors a script left suspended (kept in a variable after a ``break``) while Python can
    still write their cursors: ended later, as the interpreter shuts down, their last save fails and
    Python prints its traceback ("Exception ignored in: <generator object _Monitor.run …>")."""
    for posts in list(_SUSPENDED):
        try:
            posts.close()
        except ValueError:  # running in another thread (a daemon worker): it is not ours to end
            continue
        except Exception as exc:  # a cursor that cannot be written now: said, and the next one still ended
            log.warning("monitor: ending a monitor at exit failed: %s", exc)


def _search_edge(lane: Lane) -> datetime | None:
    """How far back a search reads: a little before the newest post yielded or read before (late posts),
    or ``since``."""
    cursor = lane.cursor
    edges = [cursor.horizon, cursor.floor]
    for newest in (cursor.newest_at, lane.read_to):
        if newest is not None:
            edges.append(plus(newest, -CATCH_UP_SLACK))
    known = [edge for edge in edges if edge is not None]
    return max(known) if known else None


def _latest_time(post: Post) -> datetime:
    """The latest time ``post`` may have been made: a time in whole seconds (Nostr) may be cut short."""
    if post.created_at.microsecond:
        return post.created_at
    return plus(post.created_at, timedelta(seconds=1) - timedelta(microseconds=1))


def _as_error(net: Network, exc: BaseException) -> str:
    if isinstance(exc, DecentSocialError):
        return str(exc)
    return f"{type(exc).__name__} from {net.name}"


#: Errors after which a stream will not work by reopening it: the connection is polled instead.
_FOR_GOOD = (UnsupportedFeature, AuthenticationError, PermissionDenied, ConfigurationError, InvalidInput)


class _Stopped(Exception):
    """``stop`` was set during a search: the lane's reading ends there, its cursor where it was."""


class _Monitor:
    """One run of :func:`monitor`: the lanes, the buffer, the stream threads, and the loop that yields."""

    def __init__(
        self,
        lanes: list[Lane],
        watch: Watch,
        store: CursorFile,
        interval: float,
        stop: StopSignal,
        max_polls: int | None,
        per_poll: int,
        buffer: int,
        cut: threading.Event | None = None,
    ) -> None:
        self.lanes = lanes
        for lane in lanes:
            lane.siblings = tuple(
                other.cursor
                for other in lanes
                if other.net.name == lane.net.name and other.cursor is not lane.cursor
            )
        self.watch = watch
        self.store = store
        self.interval = interval
        self.stop = stop
        #: Seen during a poll, between searches, pages and attempts: ``stop`` if it is an Event, else ``cut``.
        self.cut = stop if isinstance(stop, threading.Event) else cut
        self.max_polls = max_polls
        self.per_poll = per_poll
        self.buffer: queue.Queue[tuple[Lane, Post]] = queue.Queue(maxsize=buffer)
        self.halt = threading.Event()
        #: Set with ``halt``: a stream still being opened (relays connecting) is ended there.
        self.opening = Interrupt()
        #: In force while searching: ``cut`` set meanwhile ends a retry's wait (no attempt follows).
        self.searching = None if self.cut is None else Interrupt(self.cut)
        self.threads: list[threading.Thread] = []
        #: The streams being read, stopped when the monitor ends (the lock orders adding with ``halt``).
        self.streams: list[Iterator[Post]] = []
        self.streams_lock = threading.Lock()
        self.parents: OrderedDict[tuple[str, str], str | None] = OrderedDict()
        self.across: OrderedDict[tuple[str, str], None] = OrderedDict()
        self.started = datetime.now(timezone.utc)
        self.settled_at: float | None = None  # when the streams' first catch-up is due
        self.unrecorded = False  # a post noted in memory could not be recorded in the file

    # ---------------------------------------------------------------- the loop

    def run(self) -> Generator[Post, None, None]:
        polls = 0
        next_poll = time.monotonic()
        try:
            while not stopped(self.stop):
                if self.settled_at is not None and time.monotonic() >= self.settled_at:
                    self.settled_at = None
                    for lane in self.lanes:
                        if lane.streaming:
                            lane.catch_up.set()
                due = [lane for lane in self.lanes if lane.catch_up.is_set()]
                if time.monotonic() >= next_poll:
                    due = self.lanes
                if due:
                    yield from self._poll(due)
                    if self._stopping():
                        return  # seen during the poll (or as it yielded): no stream is opened now
                    if due is self.lanes:
                        polls += 1
                        next_poll = time.monotonic() + self.interval
                        if self.max_polls is not None and polls >= self.max_polls:
                            return
                    self._start_streams()
                if not self.threads:
                    wait(max(0.0, next_poll - time.monotonic()), self.stop)
                    continue
                yield from self._drain(min(next_poll, self.settled_at or next_poll))
        finally:
            self._end_streams()
            if self.store.path is not None and self.store.cursors and not self.unrecorded:
                self.store.save()  # a fresh snapshot: the next start reads one line
            self.store.close()

    def _drain(self, until: float) -> Iterator[Post]:
        """Yield what the streams bring until ``until`` (monotonic), a catch-up is due, or ``stop``."""
        while (left := until - time.monotonic()) > 0:
            try:
                lane, post = self.buffer.get(timeout=min(left, 0.25))
            except queue.Empty:
                if stopped(self.stop) or any(lane.catch_up.is_set() for lane in self.lanes):
                    return
                continue
            if self._accept(lane, post):
                yield post
            if stopped(self.stop):
                return

    def _poll(self, lanes: list[Lane]) -> Iterator[Post]:
        """Search each lane once; yield the new matching posts, oldest first.

        A ``stop`` Event seen between two searches ends the poll there and it
        yields nothing: no cursor moves, and the next run finds those posts.
        """
        found: list[tuple[Lane, Post]] = []
        for lane in lanes:
            if self._stopping():
                return
            lane.catch_up.clear()
            hits = self._search(lane)
            if hits is None:
                continue
            if lane.needs_baseline:
                # What existed before the monitor started is noted, not yielded; what came since is new.
                lane.needs_baseline = False
                for post in hits:
                    if _latest_time(post) >= self.started:
                        found.append((lane, post))
                    elif self.watch.wants(post, self._parent_author(lane.net)):
                        self._remember(lane, post)
                # With nothing noted, the baseline's time is the position, in whole seconds: a post stamped
                # in the baseline's second (servers' times may have no fraction) must still be new.
                lane.cursor.settle(self.started.replace(microsecond=0))
                self.store.save()
                continue
            found.extend((lane, post) for post in hits)
        if self._stopping():
            return
        found.sort(key=lambda item: item[1].created_at)
        for lane, post in found:
            if self._accept(lane, post):
                yield post

    def _accept(self, lane: Lane, post: Post) -> bool:
        """Whether to yield ``post`` now: it matches and is new; if so it is noted and the cursor saved."""
        if not lane.cursor.is_new(post):
            return False
        if not self.watch.wants(post, self._parent_author(lane.net)):
            log.debug("monitor: %s post %s does not match, skipped", lane.net.name, post.id)
            return False
        first = self._remember(lane, post)  # False: another connection to the same network yielded it
        try:
            self.store.record(lane.key, post)
        except BaseException:
            # Not handed to the caller: the file must not say it was. The final snapshot would (the post
            # is noted in memory), so there is none; the file keeps what was recorded up to here.
            self.unrecorded = True
            raise
        return first

    def _remember(self, lane: Lane, post: Post) -> bool:
        """Note ``post`` in the lane's cursor; False if another lane already yielded it.

        ``across`` holds what this run yielded; a post another connection to
        the network yielded before a restart is in that connection's cursor
        (the one that yields a post is often the only one to record it: the
        caller may stop before the other's copy comes out of the buffer).
        """
        lane.cursor.note(post)
        key = (post.network, post.id)
        if key in self.across:
            return False
        self.across[key] = None
        if len(self.across) > _SEEN_ACROSS:
            self.across.popitem(last=False)
        return not any(post.id in other.seen for other in lane.siblings)

    # ---------------------------------------------------------------- searching

    def _search(self, lane: Lane) -> list[Post] | None:
        """Every candidate post of one lane (keywords, mentions, replies); ``None`` if it failed (logged).

        A search reads back to a little before the newest post yielded, or
        read by the previous search (``CATCH_UP_SLACK``; newest first, page
        after page, at most ``CATCH_UP_MAX`` posts), so a catch-up after a
        long absence misses nothing and a quiet watch does not read the same
        hours again; a baseline reads ``per_poll`` posts. A ``stop`` Event
        set meanwhile ends it (``None``, nothing logged) between two searches,
        pages or attempts: a lane read in part must not move its cursor.
        """
        net = lane.net
        edge = None if lane.needs_baseline else _search_edge(lane)
        try:
            with self.searching.in_force() if self.searching else contextlib.nullcontext():
                read, found, whole = self._read(lane, edge)
        except Exception as exc:
            if not self._stopping():  # an attempt cut short by the stop is no failure
                log.warning(
                    "monitor: searching %s failed, trying again next poll: %s",
                    net.name,
                    _as_error(net, exc),
                    extra=FAILURE,
                )
            return None
        if whole and read:  # a post dated ahead of the clock (an author's choice) counts as now
            newest = min(max(post.created_at for post in read), datetime.now(timezone.utc))
            lane.read_to = newest if lane.read_to is None else max(lane.read_to, newest)
        return read + found

    def _read(self, lane: Lane, edge: datetime | None) -> tuple[list[Post], list[Post], bool]:
        """What each search read back to ``edge``, the notifications' posts, whether every search read all
        the way back; ``_Stopped`` once ``stop`` is set."""
        net, found = lane.net, list[Post]()
        read: list[Post] = []
        whole = edge is not None
        queries = [k for k in self.watch.keywords if can_search(net, k)]
        if self.watch.mentions_of and Capability.SEARCH in net.capabilities:
            queries.append(f"@{self.watch.mentions_of}")
        reads: list[Callable[[int | None], Iterable[Post]]] = [
            functools.partial(_search_for, net, query) for query in queries
        ]
        if _reads_timeline(net, self.watch):
            reads.append(lambda n: net.timeline(limit=n))
        for reader in reads:
            posts, complete = self._back_to(net, reader, edge)
            read.extend(posts)
            whole = whole and complete
        if (self.watch.mentions_of or self.watch.replies_to) and (
            Capability.NOTIFICATIONS in net.capabilities
        ):
            self._check_stop()
            for note in net.notifications(limit=self.per_poll):
                if note.kind in ("mention", "reply", "quote") and note.post is not None:
                    found.append(note.post)
        self._check_stop()
        return read, found, whole

    def _back_to(
        self, net: Network, read: Callable[[int | None], Iterable[Post]], edge: datetime | None
    ) -> tuple[list[Post], bool]:
        """``per_poll`` posts of ``read(limit)`` (a search, or the timeline: newest first), then more while
        they are not older than ``edge``; pages that fail later are logged, and what came before is kept.
        Also whether it read all the way back to ``edge`` (or to the end)."""
        found: list[Post] = []
        self._check_stop()
        try:
            for post in read(self.per_poll if edge is None else None):
                self._check_stop()  # a page read in part, or the next page's request: not waited for
                found.append(post)
                if len(found) >= self.per_poll and (edge is None or post.created_at < edge):
                    return found, True
                if len(found) >= CATCH_UP_MAX:
                    log.warning("monitor: %s catch-up stopped at %d posts", net.name, CATCH_UP_MAX)
                    return found, False
        except Exception as exc:
            if len(found) < self.per_poll or self._stopping():
                raise
            log.warning(
                "monitor: %s catch-up stopped early: %s", net.name, _as_error(net, exc), extra=FAILURE
            )
            return found, False
        return found, True

    def _parent_author(self, net: Network) -> Callable[[Post], str | None]:
        """Who wrote the post a reply answers (read once per parent, remembered); ``None`` if unknown."""

        def author(post: Post) -> str | None:
            assert post.reply_to is not None
            key = (net.name, post.reply_to)
            if key not in self.parents:
                try:
                    self.parents[key] = net.get_post(post.reply_to).author.handle
                except (NotFound, InvalidInput, UnsupportedFeature):
                    self.parents[key] = None
                except Exception as exc:
                    log.warning(
                        "monitor: reading the parent of %s on %s failed: %s",
                        post.id,
                        net.name,
                        exc,
                        extra=FAILURE,
                    )
                    return None
                if len(self.parents) > _PARENTS:
                    self.parents.popitem(last=False)
            return self.parents[key]

        return author

    # ---------------------------------------------------------------- streams

    def _start_streams(self) -> None:
        """One thread per stream of every streaming lane, once (after the first search, the baseline)."""
        if self.threads:
            return
        for lane in self.lanes:
            if not lane.streaming:
                continue
            for tag in lane.tags or (None,):
                thread = threading.Thread(
                    target=self._follow,
                    args=(lane, tag),
                    name=f"decentsocial-monitor-{lane.net.name}",
                    daemon=True,
                )
                self.threads.append(thread)
                thread.start()
        if self.threads:
            self.settled_at = time.monotonic() + _SETTLE

    def _follow(self, lane: Lane, tag: str | None) -> None:
        """Put a stream's posts into the buffer until the monitor ends; reopen it with backoff on failure."""
        failures = 0
        opened = False
        while not self.halt.is_set():
            failed = None
            try:
                with self.opening.in_force():
                    posts = lane.net.stream(kind="public", tag=tag)
                if not self._track(posts):
                    return
                try:
                    if opened:
                        lane.catch_up.set()  # search now for what came while the stream was away
                    opened = True
                    for post in posts:
                        failures = 0
                        if not self._put(lane, post):
                            return
                finally:
                    self._untrack(posts)
                if self.halt.is_set():
                    return  # stopped by the monitor's end
                log.info("monitor: the %s stream ended, opening it again", lane.net.name)
            except _FOR_GOOD as exc:
                if self._stopping() or self.halt.wait(_WIND_DOWN):
                    return  # the monitor is ending: its connection was closed, nothing failed
                log.warning(
                    "monitor: %s cannot stream (%s); searching it every %s s instead",
                    lane.net.name,
                    _as_error(lane.net, exc),
                    self.interval,
                )
                lane.streaming = False
                return
            except Exception as exc:  # a frame a backend cannot convert (any error) must not end the stream
                failed = _as_error(lane.net, exc)
            failures += 1
            if self.halt.wait(reconnect_backoff(failures)) or self._stopping():
                return
            if failed is not None:  # told after the backoff: an error as the monitor ends is no failure
                log.warning("monitor: the %s stream failed: %s", lane.net.name, failed, extra=FAILURE)

    def _track(self, posts: Iterator[Post]) -> bool:
        """Keep ``posts`` to stop when the monitor ends; False (and it closed here) if it has ended."""
        with self.streams_lock:
            if not self.halt.is_set():
                self.streams.append(posts)
                return True
        close = getattr(posts, "close", None)
        if callable(close):
            close()
        return False

    def _untrack(self, posts: Iterator[Post]) -> None:
        with self.streams_lock, contextlib.suppress(ValueError):
            self.streams.remove(posts)

    def _end_streams(self) -> None:
        """End the stream threads: each stream waiting for a post is woken (``stop()``, where it has one),
        so it ends in its own thread and closes there; a thread left waiting kept relay subscriptions, a
        firehose socket or the sandbox's polling alive until a post came."""
        with self.streams_lock:
            self.halt.set()
            streams, self.streams = self.streams, []
        self.opening.set()
        for posts in streams:
            stop = getattr(posts, "stop", None)
            if not callable(stop):
                continue  # another backend's without it: it ends when it next yields, or with its connection
            try:
                stop()
            except Exception as exc:  # one stream that cannot be told must not keep the others running
                log.debug("monitor: stopping a stream failed: %s", type(exc).__name__)

    def _stopping(self) -> bool:
        """Whether ``cut`` (an Event: safe to ask from this thread) is set, though the loop has not seen it.

        The loop sees ``stop`` within 0.25 s, or when the caller next asks for
        a post; a connection closed at once after it fails its streams first.
        """
        return self.cut is not None and self.cut.is_set()

    def _check_stop(self) -> None:
        """``_Stopped`` if ``cut`` is set: asked between searches, as a callable ``stop`` is not."""
        if self._stopping():
            raise _Stopped

    def _put(self, lane: Lane, post: Post) -> bool:
        """Wait for room in the buffer (nothing is dropped); False once the monitor has ended."""
        while not self.halt.is_set():
            try:
                self.buffer.put((lane, post), timeout=0.25)
                return True
            except queue.Full:
                continue
        return False
