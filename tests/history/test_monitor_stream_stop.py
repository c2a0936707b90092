"""A monitor that ends stops the streams it opened at once: no subscription or polling outlives it.

A stream thread waiting for its next post is woken by the stream's ``stop()``
(the sandbox, Nostr): before, it stayed blocked, its relay subscriptions
open and the sandbox polled, until a post came or the connection closed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import decentsocial as ds
from tests.servers.nostr import RelayProcess

#: Seconds a test waits for what should happen at once: a hang guard, not a timing assertion.
GUARD = 15.0


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GUARD
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def monitor_threads(network: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"decentsocial-monitor-{network}"]


def test_closing_a_monitor_ends_its_nostr_subscriptions_and_thread(nostr_relay: RelayProcess) -> None:
    pytest.importorskip("websockets")
    from decentsocial.backends.nostr import PrivateKey

    reader = ds.connect("nostr", private_key=PrivateKey.generate().nsec, relays=[nostr_relay.url])
    writer = ds.connect("nostr", private_key=PrivateKey.generate().nsec, relays=[nostr_relay.url])
    try:
        transport = reader.transport
        published: list[str] = []

        def publish_once_subscribed() -> bool:
            """Asked by the monitor as it waits: one note once its stream has subscribed."""
            if transport._feeds and not published:
                published.append(writer.publish("monitored #monstopnostr").id)
            return False

        assert not monitor_threads("nostr")
        posts = ds.monitor([reader], "#monstopnostr", interval=3600, stop=publish_once_subscribed)
        assert next(posts).id == published[0]  # by the stream, or by the catch-up search after it
        assert len(transport._feeds) == 1  # the stream is waiting for its next note
        assert monitor_threads("nostr")
        posts.close()
        eventually(lambda: not transport._feeds, "the relay subscriptions outlived the monitor")
        eventually(lambda: not monitor_threads("nostr"), "the stream thread outlived the monitor")
    finally:
        reader.close()
        writer.close()


def test_a_stop_signal_ends_the_sandbox_stream_thread(tmp_path: Path) -> None:
    brand = ds.connect("sandbox", path=tmp_path / "s.db", account="brand")
    fan = ds.connect("sandbox", path=tmp_path / "s.db", account="fan")
    stop = threading.Event()
    try:
        posted: list[str] = []

        def post_once_streaming() -> bool:
            if monitor_threads("sandbox") and not posted:
                posted.append(fan.publish("monitored #monstopsandbox").id)
            return stop.is_set()

        assert not monitor_threads("sandbox")
        posts = ds.monitor([brand], "#monstopsandbox", interval=3600, stop=post_once_streaming)
        assert next(posts).id == posted[0]
        assert monitor_threads("sandbox")
        stop.set()
        assert list(posts) == []  # the loop sees the signal and ends
        eventually(lambda: not monitor_threads("sandbox"), "the stream thread outlived the monitor")
    finally:
        brand.close()
        fan.close()
