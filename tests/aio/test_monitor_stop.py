"""``aio.monitor``'s ``stop``: a threading.Event works as in the sync monitor; anything else that is not a
stop signal is ``InvalidInput`` at the call."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import aio


async def _collect(net: aio.AsyncNetwork, stop: threading.Event) -> list[str]:
    return [p.text async for p in aio.monitor([net], ["acme"], interval=3600, streams=False, stop=stop)]


def test_a_threading_event_already_set_ends_the_monitor(tmp_path: Path) -> None:
    async def main() -> list[str]:
        stop = threading.Event()
        stop.set()
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            return await _collect(net, stop)

    assert asyncio.run(main()) == []


def test_a_threading_event_set_by_another_thread_while_it_waits_ends_it(tmp_path: Path) -> None:
    async def main() -> list[str]:
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            stop = threading.Event()
            watching = asyncio.create_task(_collect(net, stop))
            await net.publish("not watched")
            threading.Thread(target=stop.set).start()
            return await asyncio.wait_for(watching, 60)

    assert asyncio.run(main()) == []


@pytest.mark.parametrize("stop", ["yes", 1, object()])
def test_a_stop_that_is_no_signal_is_invalid_input_at_the_call(tmp_path: Path, stop: object) -> None:
    net = aio.connect("sandbox", path=tmp_path / "s.db")
    with pytest.raises(ds.InvalidInput, match="stop must be"):
        aio.monitor([net], ["acme"], stop=stop)  # type: ignore[arg-type]
