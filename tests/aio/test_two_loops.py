"""One connection used from two threads' event loops: its calls still run on one worker thread.

Each test makes the second thread's first call arrive exactly while the
first thread is making the worker, which happens at once only rarely (a
thread switch between a check and its assignment), and would make two worker
threads running the backend's calls side by side.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from decentsocial import aio

#: How long the first thread lets the second one go ahead (with the fix, the second waits for the first).
LET_GO = 0.5


def test_first_calls_from_two_loops_at_once_share_one_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = aio.connect("sandbox", path=tmp_path / "s.db")
    idents: list[int] = []
    made: list[object] = []
    others: list[threading.Thread] = []

    def other_loop() -> None:
        idents.append(asyncio.run(net.run(threading.get_ident)))

    class Worker(aio._DaemonThread):
        def __init__(self, name: str) -> None:
            made.append(self)
            if len(made) == 1:  # the first thread is making the worker: the second one calls now
                others.append(threading.Thread(target=other_loop))
                others[0].start()
                others[0].join(LET_GO)
            super().__init__(name)

    monkeypatch.setattr(aio, "_DaemonThread", Worker)

    async def main() -> None:
        idents.append(await net.run(threading.get_ident))

    asyncio.run(main())
    others[0].join()
    asyncio.run(net.close())
    assert len(made) == 1
    assert len(set(idents)) == 1


def test_first_submits_from_two_threads_at_once_start_one_thread() -> None:
    seen: list[int] = []
    first = threading.current_thread()

    class Racing(aio._DaemonThread):
        hooked = False

        @property
        def _started(self) -> bool:
            started: bool = self.__dict__.get("started", False)
            if not Racing.hooked and threading.current_thread() is first:
                Racing.hooked = True  # the first submit has looked: the second one comes now
                second.start()
                second.join(LET_GO)
            return started

        @_started.setter
        def _started(self, value: bool) -> None:
            self.__dict__["started"] = value

    worker = Racing("decentsocial-racing")
    second = threading.Thread(target=lambda: seen.append(worker.submit(threading.get_ident).result(30)))
    try:
        seen.append(worker.submit(threading.get_ident).result(30))
        second.join()
        serving = [t for t in threading.enumerate() if t.name == "decentsocial-racing"]
        assert len(serving) == 1
        assert len(set(seen)) == 1
    finally:
        worker.shutdown()
        worker.shutdown()  # the second thread, if there were two
