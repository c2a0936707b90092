"""``monitor`` against real sandbox networks: new matching posts, once each, bounded, failures survived.

``stop`` is asked before every poll, so a test can publish between polls
from inside it, deterministically and without sleeping.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.base import BaseNetwork
from decentsocial.network import Capability
from decentsocial.settings import NetworkSettings


def between_polls(*steps: Callable[[], object]) -> Callable[[], bool]:
    """A ``stop`` callable that runs ``steps[n]`` before poll n+1 and never stops the loop itself."""
    calls = 0

    def stop() -> bool:
        nonlocal calls
        if calls < len(steps):
            steps[calls]()
        calls += 1
        return False

    return stop


def test_new_posts_across_two_networks_each_once(
    sandbox: Callable[..., SandboxNetwork], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    alice = sandbox("one", account="alice")
    bob = sandbox("one", account="bob")  # the same network file as alice: its posts must not repeat
    carol = sandbox("two", account="carol")
    broken_path = tmp_path / "three.db"
    broken_path.mkdir()  # a directory where the database should be: that network fails until it is gone
    dave = ds.connect("sandbox", path=broken_path, account="dave")
    writer: list[BaseNetwork[Any]] = []

    alice.publish("old acme post, before monitoring")
    expected: list[str] = []

    def before_poll_2() -> None:
        expected.append(alice.publish("acme news one #launch").id)
        alice.publish("unrelated chatter")
        broken_path.rmdir()

    def before_poll_3() -> None:
        expected.append(carol.publish("ACME news two").id)
        writer.append(ds.connect("sandbox", path=broken_path, account="erin"))

    def before_poll_4() -> None:
        expected.append(writer[0].publish("third network talks about #acme").id)

    caplog.set_level(logging.WARNING, logger="decentsocial")
    try:
        found = list(
            ds.monitor(
                [alice, bob, carol, dave],
                keywords=["acme", "#launch"],
                interval=0,
                max_polls=4,
                stop=between_polls(lambda: None, before_poll_2, before_poll_3, before_poll_4),
            )
        )
    finally:
        dave.close()
        for net in writer:
            net.close()

    assert [p.id for p in found] == expected
    assert [p.text for p in found][1] == "ACME news two"
    failures = [r for r in caplog.records if "monitor" in r.getMessage()]
    assert failures, "the failing network should have been logged"
    assert all("sandbox" in r.getMessage() for r in failures)


def test_since_yields_what_came_after_it_from_the_first_poll(sandbox) -> None:  # type: ignore[no-untyped-def]
    alice = sandbox("one", account="alice")
    alice.publish("acme before")
    alice.advance_time(timedelta(minutes=5))
    since = alice.current_time()
    first = alice.publish("acme after one")
    second = alice.publish("acme after two")
    found = list(ds.monitor([alice], "acme", since=since, interval=0, max_polls=2))
    assert [p.id for p in found] == [first.id, second.id]


class WatchedEvent(threading.Event):
    """A stop event that tells the test when the monitor first looked at it."""

    def __init__(self) -> None:
        super().__init__()
        self.looked_at = threading.Event()

    def is_set(self) -> bool:
        self.looked_at.set()
        return super().is_set()


def test_a_stop_event_ends_the_loop_while_it_waits(sandbox) -> None:  # type: ignore[no-untyped-def]
    alice = sandbox("one", account="alice")
    alice.publish("acme already there")
    stop = WatchedEvent()
    result: list[ds.Post] = []
    worker = threading.Thread(
        target=lambda: result.extend(ds.monitor([alice], ["acme"], interval=600, stop=stop))
    )
    worker.start()
    assert stop.looked_at.wait(timeout=10)
    started = time.monotonic()
    stop.set()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert time.monotonic() - started < 10  # it did not sit out the 600 s interval
    assert result == []


def test_bad_arguments_fail_before_any_io(sandbox) -> None:  # type: ignore[no-untyped-def]
    alice = sandbox("one", account="alice")
    with pytest.raises(ds.InvalidInput):
        ds.monitor([alice], [])
    with pytest.raises(ds.InvalidInput):
        ds.monitor([alice], ["acme", "  "])
    with pytest.raises(ds.InvalidInput):
        ds.monitor([], ["acme"])
    with pytest.raises(ds.InvalidInput):
        ds.monitor([alice], ["acme"], interval=-1)
    with pytest.raises(ds.InvalidInput):
        ds.monitor([alice], ["acme"], max_polls=0)
    with pytest.raises(ds.UnsupportedFeature, match="search"):
        ds.monitor([BaseNetwork()], ["acme"])


def test_tag_keywords_need_only_tag_search() -> None:
    class TagsOnly(BaseNetwork[NetworkSettings]):
        """Like Hive: hashtags can be searched, free text cannot."""

        name = "tagsonly"
        capabilities = frozenset({Capability.TAG_SEARCH})

    ds.monitor([TagsOnly()], ["#acme"], max_polls=1)  # accepted (and lazy: nothing runs yet)
    with pytest.raises(ds.UnsupportedFeature, match="'acme'"):
        ds.monitor([TagsOnly()], ["#acme", "acme"])
