"""A stream left with ``break`` or ``return`` (no ``aclose()``) leaves no thread behind once it is dropped."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from pathlib import Path

from decentsocial import aio

#: How long the test waits for the threads to end (they end at once; this is for a loaded machine).
WAIT = 30


def _streams() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "decentsocial-stream"}


async def _first(net: aio.AsyncNetwork, text: str) -> str:
    stream = net.stream()
    await net.publish(text)  # queued after the stream's opening, on the same thread: it is in the stream
    async for post in stream:
        return post.text
    raise AssertionError("the stream ended")


def test_streams_left_without_aclose_end_their_threads(tmp_path: Path) -> None:
    async def main() -> set[threading.Thread]:
        async with aio.connect("sandbox", path=tmp_path / "s.db", stream_interval=0.02) as net:
            before = _streams()
            for n in range(5):
                assert await _first(net, f"🌙 رمضان كريم {n}") == f"🌙 رمضان كريم {n}"
            gc.collect()
            deadline = time.monotonic() + WAIT
            while (left := _streams() - before) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return left

    assert asyncio.run(main()) == set()


def test_a_connection_dropped_without_close_ends_its_worker_thread(tmp_path: Path) -> None:
    async def main() -> set[threading.Thread]:
        before = set(threading.enumerate())
        for n in range(3):
            net = aio.connect("sandbox", path=tmp_path / f"{n}.db")
            await net.publish("never closed")
            net.sync.close()  # the backend closed by hand, the async view dropped
            del net
        gc.collect()
        deadline = time.monotonic() + WAIT
        while (left := set(threading.enumerate()) - before) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return left

    assert asyncio.run(main()) == set()
