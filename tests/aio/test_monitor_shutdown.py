"""A monitor ending: told to stop, its connection then closed, it warns of nothing; closing it never
holds up the event loop."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import aio
from decentsocial.private_files import exclusive

#: How long the caller stays in its loop body, the stream polling its closed connection meanwhile.
BODY = 0.5


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_aio_monitor_stopped_then_closed_warns_of_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="decentsocial.monitor")

    async def main() -> list[str]:
        db = tmp_path / "s.db"
        stop = asyncio.Event()
        got: list[str] = []
        async with aio.connect("sandbox", path=db, account="fan") as fan:
            net = aio.connect("sandbox", path=db, account="brand", stream_interval=0.01)

            async def publish_once_watching() -> None:
                while not _streaming():
                    await asyncio.sleep(0.05)
                await fan.publish("acme news")

            publishing = asyncio.create_task(publish_once_watching())
            async for post in aio.monitor([net], ["acme"], interval=3600, stop=stop):
                got.append(post.text)
                stop.set()  # the caller is done: it stops the monitor and closes the connection
                await net.close()
                await asyncio.sleep(BODY)
            await publishing
        return got

    assert asyncio.run(main()) == ["acme news"]
    assert _warnings(caplog) == []


def _streaming() -> bool:
    return any(t.name.startswith("decentsocial-monitor-") for t in threading.enumerate())


def test_monitor_stopped_then_closed_warns_of_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="decentsocial.monitor")
    db = tmp_path / "s.db"
    fan = ds.connect("sandbox", path=db, account="fan")
    net = ds.connect("sandbox", path=db, account="brand", stream_interval=0.01)
    stop = threading.Event()

    def publish_once_watching() -> None:
        while not _streaming():
            threading.Event().wait(0.05)
        fan.publish("acme news")

    publisher = threading.Thread(target=publish_once_watching, daemon=True)
    publisher.start()
    got = []
    try:
        for post in ds.monitor([net], ["acme"], interval=3600, stop=stop):
            got.append(post.text)
            stop.set()  # the caller is done: it stops the monitor and closes the connection
            net.close()
            threading.Event().wait(BODY)
    finally:
        publisher.join(30)
        fan.close()
    assert got == ["acme news"]
    assert _warnings(caplog) == []


def test_closing_while_another_monitor_holds_the_cursor_file_leaves_the_loop_running(tmp_path: Path) -> None:
    """The last save of the cursor waits for the file's lock in the worker thread, not on the event loop."""

    async def main() -> None:
        cursor = tmp_path / "monitor.json"
        since = datetime.now(timezone.utc) - timedelta(minutes=1)
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            await net.publish("acme one")
            posts = aio.monitor([net], ["acme"], cursor=cursor, since=since, streams=False, interval=3600)
            assert (await anext(posts)).text == "acme one"
            with exclusive(cursor):  # another monitor sharing the file is writing it
                closing = asyncio.create_task(posts.aclose())
                await asyncio.sleep(0.1)  # the loop runs this while the close waits for the lock
                assert not closing.done()
            await asyncio.wait_for(closing, 60)

    asyncio.run(main())
