"""``stream()`` on the reference stack's firehose: posts as they come, a dropped link resumed from its seq."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.contract.harness import Harness
from tests.faults.proxy import FaultProxy
from tests.servers.bluesky import BlueskyStack

from .conftest import connect_bluesky


@pytest.fixture
def link(stack: BlueskyStack) -> Iterator[FaultProxy]:
    """A loopback proxy in front of the PDS that relays websockets (and can cut them)."""
    proxy = FaultProxy(upstream_port=int(stack.pds_url.rsplit(":", 1)[1]))
    try:
        yield proxy
    finally:
        proxy.close()


def test_a_dropped_firehose_resumes_from_the_last_commit(
    make_account: Callable[..., Any], link: FaultProxy
) -> None:
    """The link is cut after the first post; the post made while it is down comes when it is back, once."""
    proxy = link
    reader, handle, password = make_account("firehose")
    writer = make_account("writer")[0]
    watching = connect_bluesky(
        base_url=reader.settings.base_url, handle=handle, password=password, firehose_url=proxy.url
    )
    word = Harness.unique("firehose")
    got: list[str] = []
    earlier = set(threading.enumerate())
    stream = watching.stream()

    def read() -> None:
        for post in stream:
            if word in post.text:
                got.append(post.id)

    reading = threading.Thread(target=read, daemon=True)
    reading.start()

    def arrived(ids: list[str], timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while not set(ids) <= set(got) and time.monotonic() < end:
            time.sleep(0.1)
        assert set(ids) <= set(got), f"missing {set(ids) - set(got)}"

    first = writer.publish(f"{word} before the cut")
    for _ in range(3):  # the subscription may still be connecting: publish until one comes through
        try:
            arrived([first.id], timeout=5)
            break
        except AssertionError:
            first = writer.publish(f"{word} before the cut, again")
    arrived([first.id])
    assert proxy.cut() >= 1
    during = writer.publish(f"{word} while the link is down")
    after_ = writer.publish(f"{word} after")
    arrived([during.id, after_.id], timeout=30)
    time.sleep(1.0)
    assert len(got) == len(set(got)), "a post came twice"
    assert got[-2:] == [during.id, after_.id]
    # Closing the connection ends the stream: the iterator returns and its firehose thread stops.
    watching.close()
    reading.join(timeout=10)
    assert not reading.is_alive(), "the stream still runs after close()"

    def firehose_threads() -> list[str]:
        return [t.name for t in set(threading.enumerate()) - earlier if t.name.endswith("-firehose")]

    end = time.monotonic() + 10
    while firehose_threads() and time.monotonic() < end:
        time.sleep(0.05)
    assert firehose_threads() == []
