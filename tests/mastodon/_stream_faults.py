"""What the tests of a Mastodon stream stopped during its catch-up share, so each states only its fault.

A stream past its first post reconnects (its silence limit is short) and reads what it missed; at
the reconnect's wait the server is told to answer that first page read with a fault (held, 503,
429). The stream is then stopped (or closed) while in the wait the fault makes, and it must end
quietly within ``bound`` seconds: the bound is a fraction of that wait, not a tight clock.
(``reading`` serves the stops during a connect too: tests/mastodon/test_stream_stop_connecting.py.)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial.aio import AsyncNetwork, AsyncPager
from decentsocial.backends.mastodon import MastodonNetwork
from tests.servers.mastodon import MastodonServer

from .test_stream import first_match

#: Seconds given the reader to be in the fault's wait before the stop.
SETTLE = 0.5


class CatchUpFault:
    """A reconnect's wait that, the first time, has the server answer the next read of ``tag``'s
    timeline (the catch-up's first page) with ``effect``, once."""

    def __init__(self, server: MastodonServer, tag: str, effect: dict[str, Any]) -> None:
        self.server = server
        self.tag = tag
        self.effect = effect
        self.armed = threading.Event()

    def __call__(self, seconds: float) -> None:
        if not self.armed.is_set():
            self.server.add_fault(
                {
                    "match": {"path_regex": f"^/api/v1/timelines/tag/{self.tag}"},
                    "effect": self.effect,
                    "count": 1,
                },
            )
            self.armed.set()
        time.sleep(min(seconds, 0.2))

    def came(self) -> bool:
        """Whether the faulty page read has come (its rule, good for one request, is used up)."""
        if not self.armed.is_set():
            return False
        rules = httpx.get(f"{self.server.base_url}/api/v1/_mock/faults", timeout=5).json()
        return not any("timelines" in str(rule) for rule in (rules if isinstance(rules, list) else [rules]))


def eventually(check: Callable[[], bool], bound: float, what: str) -> None:
    deadline = time.monotonic() + bound
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def seen_once(server: MastodonServer, net: MastodonNetwork, tag: str) -> Iterator[ds.Post]:
    """``tag``'s stream on ``net``, past a first post (so a reconnect catches up from it)."""
    bob = server.connect("bob")
    try:
        stream = net.stream(kind="public", tag=tag)
        first_match(stream, lambda: bob.publish(f"before #{tag}"))
    finally:
        bob.close()
    return stream


async def aseen_once(server: MastodonServer, net: AsyncNetwork, tag: str) -> AsyncPager[ds.Post]:
    """``tag``'s async stream on ``net``, past a first post (so a reconnect catches up from it)."""
    bob = server.connect("bob")
    stream = net.stream(kind="public", tag=tag)
    try:
        end = time.monotonic() + 20
        published: set[str] = set()
        while True:
            published.add(bob.publish(f"before #{tag}").id)
            try:
                post = await asyncio.wait_for(anext(stream), 0.5)
            except asyncio.TimeoutError:
                assert time.monotonic() < end, "no published post came through the stream"
                continue
            if post.id in published:
                return stream
    finally:
        bob.close()


def reading(stream: Iterator[ds.Post]) -> tuple[threading.Thread, list[object]]:
    """``stream`` read to its end in a thread: the thread, and (once it ended) its posts or its exception."""
    outcome: list[object] = []

    def read() -> None:
        try:
            outcome.append(list(stream))
        except BaseException as exc:  # reported by the test, not lost in the thread
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader, outcome


def stop_in_the_fault(stream: Iterator[ds.Post], fault: CatchUpFault, bound: float, kept: str) -> None:
    """Read ``stream`` in a thread; once it is in ``fault``'s wait, stop it: it ends quietly within ``bound``.

    ``kept`` says what a stream that did not stop kept doing, for the failure's message.
    """
    reader, outcome = reading(stream)
    eventually(fault.came, bound, "the stream never read what it missed")
    time.sleep(SETTLE)  # the page asked for: now in the fault's wait
    assert reader.is_alive()
    started = time.monotonic()
    stream.stop()  # type: ignore[attr-defined]
    reader.join(bound)
    assert not reader.is_alive(), f"the stream's thread kept {kept} after stop()"
    assert time.monotonic() - started < bound
    assert outcome == [[]]  # ended quietly: it was told to end


async def aclose_in_the_fault(stream: AsyncPager[ds.Post], fault: CatchUpFault, bound: float) -> None:
    """Read ``stream``'s next post; once it is in ``fault``'s wait, close it: it ends quietly in ``bound``."""
    reading = asyncio.ensure_future(anext(stream))
    asked = time.monotonic() + bound
    while not fault.came():
        assert time.monotonic() < asked, "the stream never read what it missed"
        await asyncio.sleep(0.05)
    await asyncio.sleep(SETTLE)
    assert not reading.done()  # in the fault's wait
    started = time.monotonic()
    await asyncio.wait_for(stream.aclose(), bound)
    with pytest.raises(StopAsyncIteration):  # a quiet end, not the fault's failure
        await asyncio.wait_for(reading, bound)
    assert time.monotonic() - started < bound
