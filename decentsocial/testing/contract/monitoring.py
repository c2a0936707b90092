"""Contract cases: ``decentsocial.monitor`` on every backend, streams first, resumable with a cursor.

A streaming backend (``Capability.STREAM``) must yield a matching post
within 5 s of its publication with default settings; a polling one is
asked every half second. A monitor restarted with its cursor file yields
what it had not yielded (a post made while it was down included), and
nothing twice.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial
from decentsocial import Capability, InvalidInput, Network, Post, UnsupportedFeature

from ..harness import Harness
from .checks import check_post, handle_of, need, need_live, page_size, sample

__all__ = [
    "test_monitor_bad_input_before_io",
    "test_monitor_cursor_on_recorded_posts",
    "test_monitor_mentions_and_replies",
    "test_monitor_resumes_from_its_cursor",
    "test_monitor_yields_a_new_post_soon",
]

#: How soon a streaming network must yield a new matching post, with default settings.
STREAM_LATENCY = 5.0
#: How long a polling network (asked every half second) may take: its search may index late.
POLL_LATENCY = 30.0
#: How long a monitor may take to start watching (its first search done).
START_TIMEOUT = 60.0


class Running:
    """A monitor in a thread: what it yields goes to a queue; ``ready`` once its first search is done.

    ``stop`` is asked before the first search and then again while the
    monitor waits, so its second call means the monitor is watching.
    """

    def __init__(self, nets: list[Network], **options: Any) -> None:
        self.posts: queue.Queue[Post] = queue.Queue()
        self.ready = threading.Event()
        self.ended = threading.Event()
        self.error: BaseException | None = None
        self._asked = 0
        posts = decentsocial.monitor(nets, stop=self._stop, **options)  # arguments checked here
        self._thread = threading.Thread(target=self._run, args=(posts,), daemon=True)
        self._thread.start()
        if not self.ready.wait(START_TIMEOUT):
            self.stop()  # not left searching for the rest of the run
            raise AssertionError(f"the monitor did not start watching: {self.error!r}")

    def _stop(self) -> bool:
        self._asked += 1
        if self._asked >= 2:
            self.ready.set()
        return self.ended.is_set()

    def _run(self, posts: Any) -> None:
        try:
            for post in posts:
                self.posts.put(post)
        except BaseException as exc:  # reported by the test, never swallowed
            self.error = exc
            self.ready.set()

    def take(self, wanted: set[str], timeout: float) -> list[Post]:
        """What the monitor yields until every id in ``wanted`` came or ``timeout`` passed."""
        got: list[Post] = []
        deadline = time.monotonic() + timeout
        while not wanted <= {p.id for p in got} and (left := deadline - time.monotonic()) > 0:
            try:
                got.append(self.posts.get(timeout=left))
            except queue.Empty:
                break
        assert self.error is None, f"the monitor failed: {self.error!r}"
        return got

    def stop(self) -> None:
        """End the monitor and wait for its thread (a while at most): what a case does however it ends."""
        self.ended.set()
        self._thread.join(15)

    def close(self) -> list[Post]:
        """Stop the monitor; whatever it yielded and nobody took yet."""
        self.stop()
        assert not self._thread.is_alive(), "the monitor did not stop"
        assert self.error is None, f"the monitor failed: {self.error!r}"
        rest = []
        while not self.posts.empty():
            rest.append(self.posts.get())
        return rest


def _can_monitor(net: Network) -> bool:
    return bool({Capability.STREAM, Capability.SEARCH, Capability.TIMELINE} & net.capabilities)


def _options(net: Network) -> dict[str, Any]:
    """Default settings on a streaming network; a search every half second elsewhere."""
    return {} if Capability.STREAM in net.capabilities else {"interval": 0.5}


def _latency(net: Network) -> float:
    return STREAM_LATENCY if Capability.STREAM in net.capabilities else POLL_LATENCY


def test_monitor_yields_a_new_post_soon(harness: Harness) -> None:
    h = harness
    need(h, Capability.PUBLISH)
    need_live(h)
    word = h.unique("monitor")
    if not _can_monitor(h.me):
        with pytest.raises(UnsupportedFeature):
            decentsocial.monitor([h.me], [word])
        return
    watching = Running([h.me], keywords=[word], **_options(h.me))
    try:
        h.other.publish(f"contract monitor {h.unique('other')} says nothing to watch")
        published = time.monotonic()
        post = h.other.publish(f"contract monitor {word} is new")
        got = watching.take({post.id}, _latency(h.me))
        took = time.monotonic() - published
        assert [p.id for p in got] == [post.id], f"expected only {post.id}, got {[p.id for p in got]}"
        assert took <= _latency(h.me), f"yielded {took:.1f} s after publishing"
        check_post(got[0], h.me)
        time.sleep(1.0)
        assert watching.close() == [], "the monitor yielded a post twice or one that does not match"
    finally:
        watching.stop()


def test_monitor_resumes_from_its_cursor(harness: Harness, tmp_path: Path) -> None:
    h = harness
    need(h, Capability.PUBLISH)
    need_live(h)
    if not _can_monitor(h.me):
        pytest.skip(f"{h.name} can neither stream, search nor read a timeline")
    word = h.unique("cursor")
    cursor = tmp_path / "monitor.json"
    first = Running([h.me], keywords=[word], cursor=cursor, **_options(h.me))
    try:
        a = h.other.publish(f"contract cursor {word} one")
        assert [p.id for p in first.take({a.id}, _latency(h.me))] == [a.id]
    finally:
        first.stop()
    assert first.close() == []
    saved = json.loads(cursor.read_text(encoding="utf-8"))
    assert a.id in json.dumps(saved), "the cursor does not record the post it yielded"

    b = h.other.publish(f"contract cursor {word} two, while the monitor is down")
    # A post must be searchable before a restart can catch up with it.
    h.eventually(lambda: _assert_found(h.me, word, b.id))
    second = Running([h.me], keywords=[word], cursor=cursor, **_options(h.me))
    try:
        c = h.other.publish(f"contract cursor {word} three, after the restart")
        got = second.take({b.id, c.id}, _latency(h.me))
        time.sleep(3.0)  # the catch-up search after the streams start must not repeat anything
        got += second.close()
    finally:
        second.stop()
    assert sorted(p.id for p in got) == sorted([b.id, c.id]), "a duplicate or a missed post"


def _assert_found(net: Network, word: str, post_id: str) -> None:
    if Capability.SEARCH in net.capabilities:
        assert post_id in [p.id for p in net.search(word, limit=20)]


def test_monitor_mentions_and_replies(harness: Harness) -> None:
    h = harness
    need(h, Capability.PUBLISH, Capability.REPLY, Capability.PROFILE)
    need_live(h)
    if Capability.STREAM not in h.me.capabilities:
        need(h, Capability.NOTIFICATIONS)
    me = handle_of(h.me)
    brand = h.me.publish(f"contract brand post {h.unique()}")
    # A network that dates posts to the second (Nostr) streams from the second the monitor starts: a
    # mention an earlier test made in that second is, rightly, in it. One second on, none of them is.
    time.sleep(1.0)
    watching = Running([h.me], mentions_of=me, replies_to=me, **_options(h.me))
    try:
        reply = h.other.reply(brand, f"contract reply {h.unique()}")
        own = h.me.reply(brand, f"contract own follow-up {h.unique()}")  # the brand itself: not wanted
        mention = h.other.publish(f"contract hello @{me} {h.unique()}")
        got = watching.take({reply.id, mention.id}, _latency(h.me))
        time.sleep(1.0)
        got += watching.close()
    finally:
        watching.stop()
    assert own.id not in [p.id for p in got]
    assert sorted(p.id for p in got) == sorted([reply.id, mention.id])


def test_monitor_cursor_on_recorded_posts(harness: Harness, tmp_path: Path) -> None:
    """Read-only backends (recorded data): a second run with the cursor yields nothing it yielded."""
    h = harness
    if h.live:
        pytest.skip(f"{h.name} is live: test_monitor_resumes_from_its_cursor covers it")
    need(h, Capability.TAG_SEARCH)
    tag = "#" + sample(h, "tag").lstrip("#")
    cursor = tmp_path / "monitor.json"
    since = datetime(2000, 1, 1, tzinfo=timezone.utc)
    once: dict[str, Any] = {"since": since, "max_polls": 1, "cursor": cursor, "per_poll": page_size(h.me)}
    first = list(decentsocial.monitor([h.me], [tag], **once))
    assert first, f"the recorded {tag} posts were not yielded"
    assert len({p.id for p in first}) == len(first)
    assert [p.created_at for p in first] == sorted(p.created_at for p in first)
    for post in first:
        check_post(post, h.me)
    again = list(decentsocial.monitor([h.me], [tag], **once))
    assert again == [], "a restart with the cursor yielded posts again"


def test_monitor_bad_input_before_io(harness: Harness, tmp_path: Path) -> None:
    h = harness
    not_a_cursor = tmp_path / "notes.json"
    not_a_cursor.write_text('{"hello": "world"}', encoding="utf-8")
    empty = tmp_path / "empty.json"
    empty.write_text("", encoding="utf-8")
    later = datetime.now(timezone.utc) + timedelta(days=1)
    word = h.unique("bad")
    if not _can_monitor(h.me):
        with pytest.raises(UnsupportedFeature):
            decentsocial.monitor([h.me], [word])
        if Capability.TAG_SEARCH not in h.me.capabilities:
            return
        word = f"#{word}"  # what this network can watch: a hashtag
    calls: list[Callable[[], object]] = [
        lambda: decentsocial.monitor([h.me], [word], cursor=not_a_cursor),
        lambda: decentsocial.monitor([h.me], [word], cursor=empty),
        lambda: decentsocial.monitor([h.me], [word], cursor=tmp_path),
        lambda: decentsocial.monitor([h.me], []),
        lambda: decentsocial.monitor([h.me], ["  "]),
        lambda: decentsocial.monitor([h.me]),
        lambda: decentsocial.monitor([h.me], [word], since=later),
        lambda: decentsocial.monitor([h.me], mentions_of="@"),
    ]
    for call in calls:
        with pytest.raises(InvalidInput):
            call()  # raised by the call itself: the iterator, which does the I/O, never starts
