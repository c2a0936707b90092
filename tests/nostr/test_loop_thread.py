"""The private loop thread every sync call goes through: results, errors, deadlines, overlap."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

import decentsocial as ds
from decentsocial.backends.nostr.client import LoopThread


@pytest.fixture
def loop_thread() -> Iterator[LoopThread]:
    thread = LoopThread(name="test-loop")
    yield thread
    thread.stop()


def test_a_call_returns_its_value_from_the_loop_thread(loop_thread: LoopThread) -> None:
    async def where() -> str:
        await asyncio.sleep(0)
        return threading.current_thread().name

    assert loop_thread.run(where(), timeout=5) == "test-loop"


def test_a_call_raises_the_coroutines_own_error(loop_thread: LoopThread) -> None:
    async def fails() -> None:
        await asyncio.sleep(0)
        raise KeyError("from the loop")

    with pytest.raises(KeyError, match="from the loop"):
        loop_thread.run(fails(), timeout=5)


def test_a_call_past_its_deadline_is_cancelled(loop_thread: LoopThread) -> None:
    cancelled = threading.Event()

    async def hangs() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(ds.NetworkUnavailable) as info:
        loop_thread.run(hangs(), timeout=0.2)
    assert info.value.retryable
    assert cancelled.wait(5), "the timed-out coroutine should be cancelled on the loop"


def test_the_caller_may_work_while_a_call_runs(loop_thread: LoopThread) -> None:
    started = threading.Event()
    release = asyncio.Event()

    async def waits() -> int:
        started.set()
        await release.wait()
        return 7

    pending = loop_thread.submit(waits())
    assert started.wait(5)  # running on the loop while this thread goes on
    loop_thread.loop.call_soon_threadsafe(release.set)
    assert pending.result(timeout=5) == 7


def test_the_loop_thread_cannot_wait_on_itself(loop_thread: LoopThread) -> None:
    async def inner() -> None:
        return None

    async def outer() -> None:
        loop_thread.run(inner(), timeout=1)

    with pytest.raises(RuntimeError, match="its own loop thread"):
        loop_thread.run(outer(), timeout=5)
