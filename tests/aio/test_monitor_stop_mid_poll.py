"""``aio.monitor`` ends during a poll too: its ``stop`` Event set, or its task cancelled.

The sync monitor sees a ``stop`` Event between two searches of a poll, but
``aio.monitor`` handed it a function (asked once per poll) even for an
Event, and its own end (a cancelled task) was another such function: a poll
of many keywords on a slow server went on searching every keyword, in the
worker thread, long after the caller had stopped. Now it ends after the
search under way. The slow Mastodon server and its helpers are the sync
test's (tests/history/test_monitor_stop_mid_poll.py).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest

pytest.importorskip("mastodon", reason="the Mastodon backend needs the mastodon extra")

from decentsocial import aio
from tests.history.test_monitor_stop_mid_poll import (
    ENDS_WITHIN,
    KEYWORDS,
    SLOW,
    _connect,
    _searches,
    _serving,
)
from tests.servers._scripted_http import Reply, Scripted, scripted_server


def _slow(query: str) -> Reply:
    time.sleep(SLOW)
    return Reply(200, {"statuses": [], "accounts": [], "hashtags": []})


async def _first_search(server: Scripted) -> None:
    deadline = time.monotonic() + 30
    while _searches(server) < 1:
        assert time.monotonic() < deadline, "the monitor never searched"
        await asyncio.sleep(0.01)


def _workers(before: set[threading.Thread]) -> list[threading.Thread]:
    """The monitor worker threads started since ``before``."""
    return [t for t in threading.enumerate() if t.name == "decentsocial-monitor" and t not in before]


async def _stopped_by(
    server: Scripted, make_stop: Callable[[], asyncio.Event | threading.Event], from_thread: bool
) -> float:
    """Seconds from setting the stop, once the first search is asked, to the end of the ``async for``."""
    async with aio.wrap(_connect(server.url, {"attempts": 1})) as net:
        stop = make_stop()
        got: list[str] = []

        async def watch() -> None:
            monitor = aio.monitor([net], KEYWORDS, stop=stop, streams=False, interval=3600)
            got.extend([p.id async for p in monitor])

        task = asyncio.ensure_future(watch())
        await _first_search(server)
        if from_thread:
            threading.Thread(target=stop.set).start()
        else:
            stop.set()
        stopped_at = time.monotonic()
        await asyncio.wait_for(task, 2 * ENDS_WITHIN)
        took = time.monotonic() - stopped_at
        assert got == []
    return took


@pytest.mark.parametrize(
    ("make_stop", "from_thread"),
    [(threading.Event, True), (asyncio.Event, False)],
    ids=["threading.Event set by another thread", "asyncio.Event set on the loop"],
)
def test_an_event_set_during_a_poll_ends_it_after_the_search_under_way(
    make_stop: Callable[[], asyncio.Event | threading.Event], from_thread: bool
) -> None:
    with scripted_server(_serving(_slow)) as server:
        took = asyncio.run(_stopped_by(server, make_stop, from_thread))
        asked = _searches(server)
    assert took < ENDS_WITHIN, f"the monitor ended {took:.1f} s after stop was set"
    assert asked < len(KEYWORDS) // 2, f"{asked} of {len(KEYWORDS)} keywords searched after the stop"


def _never() -> bool:
    return False


@pytest.mark.parametrize("stop", [None, _never], ids=["no stop", "a callable stop"])
def test_a_task_cancelled_during_a_poll_stops_its_searching(stop: Callable[[], bool] | None) -> None:
    """The cancelled task ends at once, as before; its worker thread searched on through every keyword."""

    async def main(server: Scripted) -> float:
        before = set(threading.enumerate())
        net = aio.wrap(_connect(server.url, {"attempts": 1}))
        try:
            monitor = aio.monitor([net], KEYWORDS, stop=stop, streams=False, interval=3600)
            task = asyncio.ensure_future(monitor.__anext__())
            await _first_search(server)
            workers = _workers(before)
            assert len(workers) == 1
            task.cancel()
            cancelled_at = time.monotonic()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.to_thread(workers[0].join, 2 * ENDS_WITHIN)
            took = time.monotonic() - cancelled_at
            assert not workers[0].is_alive(), f"the monitor was still searching {took:.1f} s after"
            return took
        finally:
            await net.close()

    with scripted_server(_serving(_slow)) as server:
        took = asyncio.run(main(server))
        asked = _searches(server)
    assert took < ENDS_WITHIN, f"the worker ended {took:.1f} s after the task was cancelled"
    assert asked < len(KEYWORDS) // 2, f"{asked} of {len(KEYWORDS)} keywords searched after the cancel"
