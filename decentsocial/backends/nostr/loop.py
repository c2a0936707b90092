"""The private event loop behind the Nostr backend's synchronous API.

Why a private loop: the public API is synchronous, and must also work when
the caller's thread already runs an event loop (Jupyter), where
``asyncio.run`` fails. ``LoopRunner`` drives that loop in the caller's thread
when it can and on a helper thread when it must. It knows nothing of relays
or websockets: ``transport.py`` gives it coroutines to run.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

from ...errors import NetworkUnavailable
from ...interrupt import Interrupt
from .failures import closed_during_call, timed_out

__all__ = ["Handoff", "LoopRunner", "answer_within"]

T = TypeVar("T")


if sys.version_info >= (3, 12):

    def _start_task(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        # Eager: the coroutine runs at once, up to its first wait, without another loop iteration.
        return asyncio.Task(coro, loop=loop, eager_start=True)

else:

    def _start_task(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return loop.create_task(coro)


class Handoff(Generic[T]):
    """A coroutine started on the helper thread's loop; ``result`` waits for it from the caller's thread.

    Lighter than ``run_coroutine_threadsafe``: one loop callback starts the task
    (eagerly where Python allows), and the task's last step releases a plain
    lock the caller sleeps on, so each call costs one wake-up each way. A
    cancel before the task started still reaches it (the loop runs callbacks
    in order), and cancels it once: a second one does not cut its clean-up short.
    """

    __slots__ = ("_cancelled", "_done", "_loop", "_outcome", "_task")

    def __init__(self, loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> None:
        self._loop = loop
        self._done = threading.Lock()
        self._done.acquire()
        self._outcome: tuple[bool, Any] = (False, None)
        self._task: asyncio.Task[None] | None = None
        self._cancelled = False
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
        if self._task is not None and not self._cancelled:
            self._cancelled = True
            self._task.cancel()

    def cancel(self) -> None:
        """From any thread: end the call now (its ``result`` raises ``closed_during_call``)."""
        with contextlib.suppress(RuntimeError):  # a closed loop has nothing left to cancel
            self._loop.call_soon_threadsafe(self._cancel)

    def result(self, timeout: float) -> T:
        """The coroutine's value (or its exception); ``NetworkUnavailable`` after ``timeout`` seconds."""
        if not self._done.acquire(timeout=timeout):
            with contextlib.suppress(RuntimeError):  # a closed loop has nothing left to cancel
                self._loop.call_soon_threadsafe(self._cancel)
            raise timed_out(timeout)
        ok, value = self._outcome
        self._outcome = (False, None)  # no reference cycle through a raised exception
        if ok:
            return value  # type: ignore[no-any-return]
        if isinstance(value, asyncio.CancelledError):  # ``stop`` (a close) cancelled it mid-call
            raise closed_during_call() from None
        raise value


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

    ``stop`` ends it from any thread, the loop's own included (a connection
    collected by the garbage collector there): nothing is left pending, so
    nothing is printed when the interpreter exits.
    """

    def __init__(self, name: str = "decentsocial-nostr") -> None:
        self._loop = asyncio.new_event_loop()
        self._name = name
        self._driving = threading.Lock()  # held by a caller running the loop in its own thread
        self._moving = threading.Lock()  # one move to the helper thread at a time
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Task[None] | None = None  # a stop started from the loop itself

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The private loop (for tests and for work scheduled on it from its own coroutines)."""
        return self._loop

    @property
    def threaded(self) -> bool:
        """Whether the loop runs on the helper thread (calls are handed to it)."""
        return self._thread is not None

    def inside(self) -> bool:
        """Whether the caller is a coroutine (or callback) of this very loop, which it cannot wait on."""
        return _loop_running_here() is self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float, *, stop: Interrupt | None = None) -> T:
        """``coro``'s value (or its exception); ``NetworkUnavailable`` after ``timeout`` seconds.

        With ``stop``, the call runs on the helper thread and is cancelled when
        ``stop`` is set, from any thread (``NetworkUnavailable`` then too).
        """
        running = _loop_running_here()
        if running is self._loop:
            coro.close()
            raise RuntimeError("LoopRunner.run called from a coroutine on its own loop")
        here = stop is None and running is None and self._thread is None
        if here and self._driving.acquire(blocking=False):
            try:
                if self._thread is None:  # checked again under the lock: the loop may have moved
                    return self._run_here(coro, timeout)
            finally:
                self._driving.release()
        self.move_to_thread()
        handoff = Handoff(self._loop, coro)
        if stop is None:
            return handoff.result(timeout)
        with stop.hooked(handoff.cancel):
            return handoff.result(timeout)

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
                raise timed_out(timeout) from None
            raise

    def start(self, coro: Coroutine[Any, Any, T]) -> Handoff[T]:
        """Start ``coro`` on the helper thread and return at once (a stream's life, which runs until it is
        cancelled): its ``cancel()`` ends it from any thread, its ``result()`` waits for it."""
        self.move_to_thread()
        return Handoff(self._loop, coro)

    def move_to_thread(self) -> None:
        """Run the loop on the helper thread from now on (it stays there until ``stop``)."""
        if self._thread is not None:
            return
        with self._moving:
            if self._thread is None:
                with self._driving:  # wait for a caller driving the loop; none can start after this
                    if self._loop.is_closed():
                        raise RuntimeError("the loop is closed")
                    thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                    thread.start()
                    self._thread = thread

    def _serve(self) -> None:
        """The helper thread: run the loop until ``stop``, then close it (no one else may, while it runs)."""
        self._loop.run_forever()
        self._loop.close()

    def stop(self, final: Coroutine[Any, Any, Any] | None = None, timeout: float = 5.0) -> None:
        """Run ``final`` (what closes the connections), cancel what is left, stop the loop and close it.

        Later calls raise ``RuntimeError``; stopping twice does nothing. From
        a coroutine of the loop itself, where nothing can be waited for, the
        shutdown is only started: the helper thread closes the loop as it ends.
        """
        shutdown = _shut_down(final)
        if self.inside():
            self._stopping = self._loop.create_task(_then(shutdown, self._loop.stop))
            return
        with self._moving:
            if self._loop.is_closed():
                shutdown.close()
                return
            if self._thread is not None:
                with contextlib.suppress(NetworkUnavailable, RuntimeError):  # RuntimeError: already stopping
                    Handoff(self._loop, shutdown).result(timeout)
                with contextlib.suppress(RuntimeError):
                    self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(timeout)  # the thread closes the loop as it ends
            else:
                with self._driving, contextlib.suppress(NetworkUnavailable):
                    self._run_here(shutdown, timeout)
                self._loop.close()


async def _shut_down(final: Coroutine[Any, Any, Any] | None) -> None:
    """``final``, whatever it raises, then every task left on the loop cancelled and finished."""
    if final is not None:
        with contextlib.suppress(Exception):
            await final
    await _cancel_leftovers()


async def _then(first: Coroutine[Any, Any, None], after: Callable[[], None]) -> None:
    try:
        await first
    finally:
        after()


async def _cancel_leftovers() -> None:
    """Cancel every other task on this loop (readers, streams) and let each finish."""
    current = asyncio.current_task()
    leftovers = [task for task in asyncio.all_tasks() if task is not current]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


async def answer_within(future: asyncio.Future[T], seconds: float) -> T:
    """``future``'s value once a relay's message sets it; ``asyncio.TimeoutError`` after ``seconds``.

    ``asyncio.wait_for`` with one timer and no timeout scope: this wait is on
    the path of every publish and query.
    """
    timer = asyncio.get_running_loop().call_later(seconds, _expire, future)
    try:
        return await future
    finally:
        timer.cancel()


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(asyncio.TimeoutError())
