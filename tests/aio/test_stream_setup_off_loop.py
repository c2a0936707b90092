"""``AsyncNetwork.stream()`` checks its input at the call and opens the backend's stream off the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

import decentsocial as ds
from decentsocial import aio
from decentsocial.network import Capability

T = TypeVar("T")

#: How long another connection holds the sandbox file's write lock.
HELD = 1.5


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def publish(db: Path, text: str) -> None:
    with ds.connect("sandbox", path=db, account="carol") as carol:
        carol.publish(text)


def test_opening_a_stream_while_another_writer_holds_the_database_never_stalls_the_event_loop(
    tmp_path: Path,
) -> None:
    """The sandbox opens its database (a write, for a new account) when a stream starts: that used to
    run on the event loop, which stood still for as long as another writer held the file."""
    db = tmp_path / "s.db"
    with ds.connect("sandbox", path=db, account="alice") as alice:
        alice.publish("before the stream")
    locker = sqlite3.connect(db, isolation_level=None, check_same_thread=False)

    async def main() -> tuple[float, float, list[str]]:
        net = aio.connect("sandbox", path=db, account="bob", timeout=10.0, stream_interval=0.05)
        gaps: list[float] = []

        async def ticker() -> None:
            end = time.perf_counter() + HELD + 0.5
            while time.perf_counter() < end:
                start = time.perf_counter()
                await asyncio.sleep(0.02)
                gaps.append(time.perf_counter() - start)

        locker.execute("BEGIN IMMEDIATE")  # another connection writing, for HELD seconds
        release = threading.Timer(HELD, lambda: locker.execute("COMMIT"))
        release.start()
        try:
            ticking = asyncio.create_task(ticker())
            await asyncio.sleep(0.1)
            start = time.perf_counter()
            stream = net.stream(tag="live")
            call = time.perf_counter() - start
            await ticking
        finally:
            release.join()
        try:
            await asyncio.to_thread(publish, db, "after the lock #live")
            post = await asyncio.wait_for(stream.__anext__(), timeout=10)
        finally:
            await stream.aclose()
            await net.close()
        return call, max(gaps), [post.text]

    try:
        call, longest_gap, texts = run(main())
    finally:
        locker.close()
    assert call < 0.2, f"stream() took {call:.2f} s on the event loop"
    assert longest_gap < HELD / 2, f"the event loop stood still for {longest_gap:.2f} s"
    assert texts == ["after the lock #live"]  # the stream works once the lock is let go


def test_a_post_published_after_stream_is_called_is_in_the_stream(tmp_path: Path) -> None:
    """Opened in the connection's worker thread in turn, not at the first read: nothing published in
    between is missed."""

    async def main() -> str:
        async with aio.connect("sandbox", path=tmp_path / "s.db", stream_interval=0.05) as net:
            await net.publish("before")
            stream = net.stream()
            await net.publish("after")  # before the stream is first read
            try:
                post = await asyncio.wait_for(stream.__anext__(), timeout=10)
            finally:
                await stream.aclose()
            return post.text

    assert run(main()) == "after"


def test_bad_input_fails_at_the_call_before_any_io(tmp_path: Path) -> None:
    db = tmp_path / "s.db"

    async def main() -> None:
        net = aio.connect("sandbox", path=db)
        for kind in ("", "  ", 5, None):
            with pytest.raises(ds.InvalidInput, match="kind"):
                net.stream(kind=kind)  # type: ignore[arg-type]
        for tag in ("", "#", " # ", 5):
            with pytest.raises(ds.InvalidInput, match="tag"):
                net.stream(tag=tag)  # type: ignore[arg-type]
        assert not db.exists()  # nothing was opened: the sandbox makes its file on first use
        # A kind only the backend knows to refuse fails at the first await, still a typed error.
        with pytest.raises(ds.InvalidInput, match="everything"):
            await net.stream(kind="everything").__anext__()
        await net.close()
        with pytest.raises(ds.ConfigurationError, match="closed"):
            net.stream()

        quiet = aio.connect("sandbox", path=tmp_path / "quiet.db", unsupported=["stream"])
        with pytest.raises(ds.UnsupportedFeature) as caught:
            quiet.stream()
        assert caught.value.capability is Capability.STREAM
        await quiet.close()
        assert not (tmp_path / "quiet.db").exists()

    run(main())


def test_the_sync_stream_checks_the_same_input_at_the_call(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    net = ds.connect("sandbox", path=db)
    try:
        for kind in ("", "  ", 5, None):
            with pytest.raises(ds.InvalidInput, match="stream kind must be a name"):
                net.stream(kind=kind)  # type: ignore[arg-type]
        for tag in ("", "#", " # ", 5):
            with pytest.raises(ds.InvalidInput, match="tag must be a hashtag"):
                net.stream(tag=tag)  # type: ignore[arg-type]
        assert not db.exists()
    finally:
        net.close()
