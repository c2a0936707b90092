"""``monitor`` on Mastodon's streaming API: drops caught up without duplicates or gaps, garbage skipped."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timezone
from typing import Any

import pytest

import decentsocial as ds
from tests.contract.harness import Harness
from tests.mastodon.server_fixtures import local_server  # noqa: F401 - the server fixture
from tests.servers.mastodon import MastodonServer
from tests.servers.mastodon_hostile import HostileServer, answer, hostile_server

from .test_hostile import net_for, status


def test_a_stream_that_keeps_dropping_loses_nothing_and_repeats_nothing(
    server: MastodonServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Reads time out before each heartbeat, and the backend gives the stream up at once
    (``stream_attempts=1``): the monitor reopens it with backoff and catches up by search,
    again and again, while posts keep coming."""
    word = Harness.unique("drops")
    alice = server.connect("alice", stream_timeout=0.6, stream_attempts=1)
    bob = server.connect("bob")
    stop = threading.Event()
    got: list[ds.Post] = []
    caplog.set_level(logging.WARNING, logger="decentsocial.monitor")
    posts = ds.monitor([alice], [word], interval=600, stop=stop)
    worker = threading.Thread(target=lambda: got.extend(posts), daemon=True)
    worker.start()
    time.sleep(1.0)
    sent = []
    for n in range(12):
        sent.append(bob.publish(f"{word} number {n}"))
        time.sleep(0.4)
    deadline = time.monotonic() + 20
    while {p.id for p in sent} - {p.id for p in got} and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    stop.set()
    worker.join(10)
    assert sorted(p.id for p in got) == sorted(p.id for p in sent)
    assert len(got) == len({p.id for p in got})
    assert any("stream failed" in r.getMessage() for r in caplog.records), "the stream never dropped"


def _sse(*events: tuple[str, str]) -> bytes:
    body = "".join(f"event: {name}\ndata: {data}\n\n" for name, data in events)
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + body.encode()


def test_garbage_and_non_matching_events_are_skipped_never_fatal(caplog: pytest.LogCaptureFixture) -> None:
    wanted = status("1001")
    wanted["content"] = "<p>acme launches today</p>"
    other = status("1002")
    other["content"] = "<p>nothing to see</p>"
    # Made now: a status from before the monitor started is noted by its baseline, never yielded.
    wanted["created_at"] = other["created_at"] = datetime.now(timezone.utc).isoformat()
    streams = 0

    def respond(method: str, path: str) -> Any:
        nonlocal streams
        if "streaming" in path:
            streams += 1
            if streams > 1:
                return answer({"error": "gone"}, 503)
            return _sse(
                ("update", "not json at all"),
                ("update", json.dumps({"id": "x", "account": []})),  # a status of the wrong shape
                ("update", json.dumps([1, 2, 3])),
                ("notification", json.dumps({"id": "n1"})),
                ("update", json.dumps(other)),
                ("update", json.dumps(wanted)),
            )
        if path.startswith("/api/v2/search") or path.startswith("/api/v1/timelines"):
            return answer({"accounts": [], "statuses": [], "hashtags": []} if "search" in path else [])
        return answer({"uri": "x", "version": "4.2.0"})

    with hostile_server() as hostile:
        hostile.respond = respond
        net = net_for(hostile, stream_attempts=1, allow_http=True)
        stop = threading.Event()
        got: list[ds.Post] = []
        caplog.set_level(logging.DEBUG, logger="decentsocial")
        worker = threading.Thread(
            target=lambda: got.extend(ds.monitor([net], ["acme"], stop=stop, interval=600)), daemon=True
        )
        worker.start()
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        worker.join(10)
        _assert_only_wanted(hostile, got)
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "skipping a status" in messages
    assert "not a status object" in messages
    assert "does not match" in messages


def _assert_only_wanted(hostile: HostileServer, got: list[ds.Post]) -> None:
    assert [p.id for p in got] == ["1001"]
    assert any("streaming" in path for _, path in hostile.requests)
