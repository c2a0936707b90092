"""The private event loop every sync call goes through: where it runs, results, errors, deadlines."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

import decentsocial as ds
from decentsocial.backends.nostr.loop import LoopRunner


@pytest.fixture
def runner() -> Iterator[LoopRunner]:
    runner = LoopRunner(name="test-loop")
    yield runner
    runner.stop()


@pytest.fixture(params=[False, True], ids=["in the caller", "on the helper thread"])
def either(runner: LoopRunner, request: pytest.FixtureRequest) -> LoopRunner:
    """The runner in each of its two modes."""
    if request.param:
        runner.move_to_thread()
    return runner


async def _thread_name() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


async def _sleep_until_cancelled(cancelled: threading.Event) -> None:
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        cancelled.set()
        raise


def test_a_call_runs_the_loop_in_the_callers_thread(runner: LoopRunner) -> None:
    assert runner.run(_thread_name(), timeout=5) == threading.current_thread().name
    assert not runner.threaded


def test_inside_a_running_loop_calls_move_to_the_helper_thread(runner: LoopRunner) -> None:
    async def jupyter_cell() -> str:  # the caller's thread already runs an event loop
        return runner.run(_thread_name(), timeout=5)

    assert asyncio.run(jupyter_cell()) == "test-loop"
    assert runner.threaded
    assert runner.run(_thread_name(), timeout=5) == "test-loop"  # and stay there


def test_a_second_thread_calling_at_once_moves_the_loop_to_the_helper_thread(runner: LoopRunner) -> None:
    inside = threading.Event()
    release = threading.Event()
    results: dict[str, object] = {}

    async def holds_the_loop() -> str:
        inside.set()
        while not release.is_set():
            await asyncio.sleep(0.01)
        return threading.current_thread().name

    def first() -> None:
        results["first"] = runner.run(holds_the_loop(), timeout=10)

    caller = threading.Thread(target=first, name="first-caller")
    caller.start()
    assert inside.wait(5)
    second = threading.Timer(0.2, release.set)  # the second call must wait for the first to finish
    second.start()
    results["second"] = runner.run(_thread_name(), timeout=10)
    caller.join(5)
    assert results == {"first": "first-caller", "second": "test-loop"}
    assert runner.threaded


def test_a_call_raises_the_coroutines_own_error(either: LoopRunner) -> None:
    runner = either

    async def fails() -> None:
        await asyncio.sleep(0)
        raise KeyError("from the loop")

    with pytest.raises(KeyError, match="from the loop"):
        runner.run(fails(), timeout=5)


def test_a_call_past_its_deadline_is_cancelled(either: LoopRunner) -> None:
    runner = either
    cancelled = threading.Event()
    with pytest.raises(ds.NetworkUnavailable) as info:
        runner.run(_sleep_until_cancelled(cancelled), timeout=0.2)
    assert info.value.retryable
    assert cancelled.wait(5), "the timed-out coroutine should be cancelled on the loop"
    assert runner.run(_thread_name(), timeout=5)  # the loop is still usable


def test_a_coroutine_on_the_loop_cannot_wait_on_the_loop(either: LoopRunner) -> None:
    runner = either

    async def inner() -> None:
        return None

    async def outer() -> None:
        runner.run(inner(), timeout=1)

    with pytest.raises(RuntimeError, match="its own loop"):
        runner.run(outer(), timeout=5)


def test_stop_cancels_what_is_left_and_closes_the_loop(either: LoopRunner) -> None:
    runner = either
    cancelled = threading.Event()

    async def leave_a_task() -> None:
        asyncio.get_running_loop().create_task(_sleep_until_cancelled(cancelled))
        await asyncio.sleep(0)

    runner.run(leave_a_task(), timeout=5)
    runner.stop()
    assert runner.loop.is_closed()
    assert cancelled.is_set()
    with pytest.raises(RuntimeError):
        runner.run(_thread_name(), timeout=1)


def test_a_call_after_an_interrupted_one_still_gets_its_answer(runner: LoopRunner) -> None:
    """Ctrl-C leaves the interrupted call's task behind; winding it up must not cut the next call short."""
    wound_up = threading.Event()

    async def interrupted() -> None:
        async def ctrl_c() -> None:
            raise KeyboardInterrupt

        asyncio.get_running_loop().create_task(ctrl_c())
        try:
            await asyncio.sleep(60)
        finally:
            wound_up.set()

    with pytest.raises(KeyboardInterrupt):
        runner.run(interrupted(), timeout=5)
    assert runner.run(_thread_name(), timeout=5) == threading.current_thread().name
    assert wound_up.is_set()


def test_a_call_waiting_on_the_helper_thread_when_the_loop_stops_gets_network_unavailable(
    runner: LoopRunner,
) -> None:
    """``close()`` from one thread while another waits: the waiter gets an error of the tree,
    not asyncio's ``CancelledError`` (a ``BaseException`` that ``except Exception`` misses)."""
    runner.move_to_thread()
    started = threading.Event()
    cancelled = threading.Event()
    outcome: list[BaseException] = []

    async def waits() -> None:
        started.set()
        await _sleep_until_cancelled(cancelled)

    def caller() -> None:
        try:
            runner.run(waits(), timeout=30)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=caller)
    thread.start()
    assert started.wait(5)
    runner.stop()
    thread.join(5)
    assert cancelled.is_set()
    assert len(outcome) == 1
    assert isinstance(outcome[0], ds.NetworkUnavailable), repr(outcome[0])


def test_the_helper_thread_keeps_running_after_an_interrupted_call(runner: LoopRunner) -> None:
    """Ctrl-C in a call, then a stream (or a second thread) moves the loop: the call left behind
    winds up on the helper thread and must not stop its loop, or every later call times out."""

    async def interrupted() -> None:
        async def ctrl_c() -> None:
            raise KeyboardInterrupt

        asyncio.get_running_loop().create_task(ctrl_c())
        await asyncio.sleep(60)

    with pytest.raises(KeyboardInterrupt):
        runner.run(interrupted(), timeout=5)
    runner.move_to_thread()
    assert runner.run(_thread_name(), timeout=2) == "test-loop"
    assert runner.run(_thread_name(), timeout=2) == "test-loop"


def test_stop_from_the_loops_own_thread_shuts_down_without_waiting(runner: LoopRunner) -> None:
    """As when the garbage collector finalizes a connection on the loop's helper thread."""
    runner.move_to_thread()
    cancelled = threading.Event()
    closed_first: list[bool] = []

    async def final() -> None:
        closed_first.append(not cancelled.is_set())

    async def stop_from_inside() -> None:
        asyncio.get_running_loop().create_task(_sleep_until_cancelled(cancelled))
        await asyncio.sleep(0)
        runner.stop(final())  # cannot wait here: it only starts the shutdown

    # Found before the stop: the thread may well be gone by the time the call returns.
    thread = next(t for t in threading.enumerate() if t.name == "test-loop")
    runner.run(stop_from_inside(), timeout=5)
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert runner.loop.is_closed()
    assert cancelled.is_set()
    assert closed_first == [True]  # the connections are closed before the leftovers are cancelled
