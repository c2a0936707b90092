"""``aio.monitor`` loads its cursor file in the worker thread, never on the event loop.

A new cursor file is written when it is loaded, under the file's lock,
which another monitor sharing the file may hold for up to ``LOCK_WAIT``
seconds: done at the call, that wait (and the file I/O) held up every
task on the loop. The arguments, the cursor's path among them, are still
checked at the call.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from decentsocial import aio
from decentsocial.errors import InvalidInput
from decentsocial.private_files import exclusive

#: A guard against a hang, not a timing: the holder lets go as soon as the loop has run another task.
GUARD = 60


def test_a_cursor_held_by_another_monitor_does_not_block_the_loop(tmp_path: Path) -> None:
    cursor = tmp_path / "monitor.json"  # new: written when loaded, under its lock
    held, loop_ran = threading.Event(), threading.Event()

    def other_monitor() -> None:
        with exclusive(cursor):  # another monitor sharing the file is writing it
            held.set()
            loop_ran.wait(GUARD)

    async def main() -> None:
        since = datetime.now(timezone.utc) - timedelta(minutes=1)
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            await net.publish("acme one")
            holder = threading.Thread(target=other_monitor, daemon=True)
            holder.start()
            assert await asyncio.to_thread(held.wait, GUARD)
            posts = aio.monitor([net], ["acme"], cursor=cursor, since=since, streams=False, interval=3600)
            first = asyncio.ensure_future(anext(posts))
            seen: list[bool] = []

            async def another_task() -> None:  # runs while the monitor waits for the cursor's lock
                seen.append(first.done())
                loop_ran.set()

            await asyncio.ensure_future(another_task())
            assert seen == [False]
            assert (await first).text == "acme one"  # then the monitor goes on, the lock let go of
            await posts.aclose()
            await asyncio.to_thread(holder.join, GUARD)
        assert cursor.read_text().strip()

    asyncio.run(main())


def test_a_bad_cursor_argument_still_fails_at_the_call(tmp_path: Path) -> None:
    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            with pytest.raises(InvalidInput, match="cursor must be a file path"):
                aio.monitor([net], ["acme"], cursor=42)  # type: ignore[arg-type]
            with pytest.raises(InvalidInput, match="cursor must be a file path"):
                aio.monitor([net], ["acme"], cursor="  ")

    asyncio.run(main())


def test_a_file_that_is_not_a_cursor_fails_at_the_first_await(tmp_path: Path) -> None:
    not_a_cursor = tmp_path / "notes.txt"
    not_a_cursor.write_text("not json")

    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            posts = aio.monitor([net], ["acme"], cursor=not_a_cursor, streams=False)
            with pytest.raises(InvalidInput, match="not a monitor cursor file"):
                await anext(posts)
            await posts.aclose()
            assert (await net.me()).handle  # the connection goes on

    asyncio.run(main())
