"""``aclose()`` on a stream waiting for its next post ends the backend's stream at once.

The stream's thread is blocked in the backend's iterator (on Nostr, waiting
for the relays' next note), and a running generator cannot be closed from
another thread: the relay subscriptions stayed open until a note came or
the connection closed. A backend stream that can be woken (``stop()``) is
woken, ends in its own thread, and ``aclose()`` waits for its clean-up.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from decentsocial import aio
from decentsocial.models import Post
from tests.servers.nostr import RelayProcess

#: A guard against a hang, not a timing: the waits below end at once when things work.
GUARD = 30


async def _until(check: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GUARD
    while not check():
        assert loop.time() < deadline, what
        await asyncio.sleep(0.01)


def test_a_nostr_stream_waiting_for_a_note_ends_its_subscriptions_on_aclose(
    nostr_relay: RelayProcess,
) -> None:
    pytest.importorskip("websockets")
    from decentsocial.backends.nostr import PrivateKey

    async def main() -> None:
        async with aio.connect(
            "nostr", private_key=PrivateKey.generate().nsec, relays=[nostr_relay.url]
        ) as net:
            transport = net.sync.transport  # type: ignore[attr-defined]
            stream = net.stream(tag="aiocloseswaiting")
            # One note read through the stream first, so the relay has taken the subscription: with the
            # REQ closed at once, the test relay answered nothing more in 4 of 32 runs (not the REQ's
            # EOSE, not an OK for the next note, even on a new connection), which made this test flaky.
            await net.publish("before a waiting stream #aiocloseswaiting")
            assert (await anext(stream)).text.startswith("before a waiting stream")
            reading = asyncio.ensure_future(anext(stream))
            await asyncio.sleep(0.05)  # not needed for the check: the reader is waiting, or about to
            assert not reading.done()
            assert len(transport._feeds) == 1
            await stream.aclose()
            assert len(transport._feeds) == 0  # ended by aclose(), not by a note or the connection
            with pytest.raises(StopAsyncIteration):
                await reading  # the waiting reader ends too
            post = await net.publish("after a waiting stream #aiocloseswaiting")
            assert (await net.get_post(post.id)).text.startswith("after a waiting stream")

    asyncio.run(main())


class _Waiting:
    """A backend stream that waits for a post until told to stop (as Nostr's and Bluesky's do)."""

    def __init__(self) -> None:
        self.woken = threading.Event()
        self.closed = 0
        self.stops = 0

    def __iter__(self) -> Iterator[Post]:
        return self

    def __next__(self) -> Post:
        self.woken.wait()
        raise StopIteration

    def stop(self) -> None:
        self.stops += 1
        self.woken.set()

    def close(self) -> None:
        self.closed += 1


def test_a_waiting_stream_is_stopped_then_closed_in_its_thread(tmp_path: Path) -> None:
    made: list[_Waiting] = []

    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "s.db") as net:
            real = net.sync.stream

            def stream(**kwargs: Any) -> _Waiting:
                real(**kwargs)
                made.append(_Waiting())
                return made[-1]

            net.sync.stream = stream  # type: ignore[method-assign]
            kept = net.stream()
            reading = asyncio.ensure_future(anext(kept))
            await _until(lambda: kept._iterator is not None, "the stream never opened")
            await kept.aclose()
            assert (made[0].stops, made[0].closed) == (1, 1)
            with pytest.raises(StopAsyncIteration):
                await reading

    asyncio.run(main())


def test_a_sandbox_stream_waiting_between_polls_ends_on_aclose(tmp_path: Path) -> None:
    """The sandbox polls every ``stream_interval`` s: one closed between polls ended only with a post."""

    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "s.db", stream_interval=60) as net:
            stream = net.stream(tag="quiet")
            reading = asyncio.ensure_future(anext(stream))
            await _until(lambda: stream._iterator is not None, "the stream never opened")
            await stream.aclose()
            with pytest.raises(StopAsyncIteration):
                await asyncio.wait_for(reading, GUARD)  # a guard: it has ended already
            assert (await net.me()).handle

    asyncio.run(main())


def test_a_bluesky_firehose_waiting_for_a_post_ends_on_aclose() -> None:
    pytest.importorskip("atproto")
    from tests.servers._loopback_http import listen

    async def main(port: int) -> None:
        async with aio.connect(
            "bluesky", handle="a.test", password="p", base_url=f"http://127.0.0.1:{port}"
        ) as net:
            stream = net.stream()
            reading = asyncio.ensure_future(anext(stream))
            await _until(lambda: stream._iterator is not None, "the stream never opened")
            await stream.aclose()
            with pytest.raises(StopAsyncIteration):
                await asyncio.wait_for(reading, GUARD)  # a guard: it has ended already

    # Hangs up on every dial: the firehose dials again (a few times, seconds apart) while it waits.
    with listen(lambda conn: None) as port:
        asyncio.run(main(port))
