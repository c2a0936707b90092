"""``decentsocial.aio`` mirrors the sync API over the real sandbox: awaitable members, async iterators."""

from __future__ import annotations

import asyncio
import inspect
import os
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

import decentsocial as ds
from decentsocial import aio
from decentsocial.network import Network

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def test_every_protocol_member_is_mirrored() -> None:
    members = [
        name
        for name, value in inspect.getmembers(Network)
        if not name.startswith("_") and callable(value) and name != "close"
    ]
    assert len(members) > 20
    for name in members:
        mirrored = getattr(aio.AsyncNetwork, name)
        returns_iterator = "Iterator" in str(inspect.signature(getattr(Network, name)).return_annotation)
        if returns_iterator:
            assert not inspect.iscoroutinefunction(mirrored), name  # returns an async iterator at once
        else:
            assert inspect.iscoroutinefunction(mirrored), name


def test_publish_read_engage_and_page(tmp_path: Path) -> None:
    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "a.db", account="alice") as alice:
            bob = aio.wrap(alice.sync.as_account("bob"))  # type: ignore[attr-defined]
            post = await alice.publish("hello async #aio")
            assert (await bob.get_post(post.id)).text == "hello async #aio"
            await bob.like(post)
            reply = await bob.reply(post, "a reply")
            assert [p.id for p in await alice.thread(post)] == [post.id, reply.id]
            assert (await alice.me()).handle == "alice"
            # More posts than one batch (the sandbox pages 20 at a time): every one, newest first.
            for i in range(45):
                await alice.publish(f"numbered {i} #aio")
            texts = [p.text async for p in alice.search("#aio", limit=None)]
            assert len(texts) == 46
            assert texts[0] == "numbered 44 #aio"
            assert texts[-1] == "hello async #aio"
            limited = await alice.posts(limit=3).to_list()
            assert [p.text for p in limited] == ["numbered 44 #aio", "numbered 43 #aio", "numbered 42 #aio"]
            assert (await alice.rewards(post)).status == "pending"
            note_kinds = {n.kind async for n in alice.notifications(limit=None)}
            assert {"like", "reply"} <= note_kinds
            await bob.close()

    run(main())


def test_calls_run_off_the_event_loop_thread_one_at_a_time(tmp_path: Path) -> None:
    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "a.db") as net:
            loop_thread = threading.get_ident()
            worker = await net.run(threading.get_ident)
            assert worker != loop_thread
            posts = await asyncio.gather(*(net.publish(f"concurrent {i}") for i in range(20)))
            assert len({p.id for p in posts}) == 20
            assert len(await net.posts(limit=None).to_list()) == 20

    run(main())


def test_errors_are_the_same_typed_errors(tmp_path: Path) -> None:
    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "a.db") as net:
            with pytest.raises(ds.NotFound):
                await net.get_post("0123456789abcdef")
            with pytest.raises(ds.InvalidInput):
                net.search("x", limit=0)  # bad input fails at the call, before any I/O
            with pytest.raises(ds.ContentRejected):
                await net.publish("")
            with pytest.raises(ds.InvalidInput):
                await net.tip("bob", "1.0 X Y")
        with pytest.raises(ds.ConfigurationError, match="closed"):
            await net.me()

    run(main())


def test_async_crosspost_and_monitor(tmp_path: Path) -> None:
    async def main() -> None:
        one = aio.connect("sandbox", path=tmp_path / "one.db", account="alice")
        two = aio.connect("sandbox", path=tmp_path / "two.db", account="carol", max_length=30)
        try:
            res = await aio.crosspost(
                ds.Draft(text="acme launch " * 4, idempotency_key="k"), [one, two], split=False
            )
            assert res.outcomes[0].ok
            assert isinstance(res.outcomes[1].error, ds.ContentRejected)
            again = await aio.crosspost(ds.Draft(text="acme launch " * 4, idempotency_key="k"), [one])
            assert again.posts[0].id == res.posts[0].id
            dry = await aio.crosspost("acme dry", [one, two], dry_run=True)
            assert dry.ok
            assert await one.search("dry").to_list() == []

            later: list[str] = []
            polls = 0

            def between_polls() -> bool:  # asked once before each poll (interval=0)
                nonlocal polls
                polls += 1
                if polls in (2, 3):
                    target = one if polls == 2 else two
                    later.append(target.sync.publish(f"acme news {polls}").id)
                return False

            found = [
                p.id
                async for p in aio.monitor([one, two], ["acme"], interval=0, max_polls=3, stop=between_polls)
            ]
            assert found == later
            assert len(found) == 2
        finally:
            await one.close()
            await two.close()

    run(main())


def test_bad_arguments_fail_before_any_io(tmp_path: Path) -> None:
    net = aio.connect("sandbox", path=tmp_path / "a.db")
    with pytest.raises(ds.InvalidInput):
        aio.monitor([net], [])
    with pytest.raises(ds.InvalidInput):
        aio.monitor([net.sync], ["acme"])  # type: ignore[list-item]
    with pytest.raises(ds.InvalidInput):
        run(aio.crosspost("hi", [net, net]))
    with pytest.raises(ds.InvalidInput):
        aio.wrap("sandbox")  # type: ignore[arg-type]
    assert not (tmp_path / "a.db").exists()
    run(net.close())


def test_partial_iteration_and_early_close(tmp_path: Path) -> None:
    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "a.db") as net:
            for i in range(30):
                await net.publish(f"item {i}")
            pager = net.posts(limit=None)
            first = [await pager.__anext__() for _ in range(3)]
            assert [p.text for p in first] == ["item 29", "item 28", "item 27"]
            await pager.aclose()
            with pytest.raises(StopAsyncIteration):
                await pager.__anext__()
            assert len(await net.posts(limit=25).to_list()) == 25

    run(main())
    with pytest.raises(ds.ConfigurationError, match="known networks"):
        aio.connect("nope")


def test_a_wait_that_times_out_loses_no_item_of_the_batch_in_flight(tmp_path: Path) -> None:
    """The batch a cancelled ``__anext__`` was waiting for is the next call's, not thrown away."""
    import time

    def slow_listing() -> Any:  # a server that takes 0.1 s a post
        for n in range(6):
            time.sleep(0.1)
            yield n

    async def main() -> list[int]:
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            pager: aio.AsyncPager[int] = aio.AsyncPager(net, slow_listing, 6)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(pager.__anext__(), timeout=0.2)
            return [n async for n in pager]

    assert run(main()) == [0, 1, 2, 3, 4, 5]


_QUIET_STREAM = """
import asyncio, sys, threading
from decentsocial import aio

async def main():
    net = aio.connect("sandbox", path=sys.argv[1], account="alice", stream_interval=0.05)
    stream = net.stream()
    try:
        await asyncio.wait_for(stream.__anext__(), timeout=0.3)
    except asyncio.TimeoutError:
        pass
    await asyncio.wait_for(stream.aclose(), timeout=2)  # not queued behind the wait for a post
    await net.close()
    waiting = [t for t in threading.enumerate() if t.name == "decentsocial-stream"]
    print("daemon" if all(t.daemon for t in waiting) else "joined at exit")

asyncio.run(main())
"""


def test_a_stream_left_waiting_on_a_quiet_network_closes_at_once_and_lets_the_program_exit(
    tmp_path: Path,
) -> None:
    """``aclose()`` used to wait for the next post, and the stream's thread kept the program from exiting."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _QUIET_STREAM, str(tmp_path / "s.db")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(root), "DECENTSOCIAL_STATE_DIR": str(tmp_path)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "daemon"
