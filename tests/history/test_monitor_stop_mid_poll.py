"""A ``stop`` Event set during a poll ends the monitor within about one search, not one per keyword.

The poll searched every keyword on every connection before it looked at
``stop`` again, each search with its retries: with many keywords and a slow
or failing server, ending took keywords × (retries or answer time). Now the
Event is seen between two searches, pages and attempts (a retry's wait
ends at once), and a poll cut short yields nothing: the cursor does not move
past a post not yet read, so the next run finds it. A scripted Mastodon
server on loopback stands in for the slow or failing one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.options import RetryOptions
from tests.servers._scripted_http import Reply, Request, Scripted, scripted_server

pytest.importorskip("mastodon", reason="the Mastodon backend needs the mastodon extra")

KEYWORDS = [f"word{n}" for n in range(8)]
#: Seconds each search takes on the slow server: a poll of every keyword takes ``8 × SLOW`` = 16 s.
SLOW = 2.0
#: How long ending may take: well past one search (or a retry's first attempt), well short of a poll.
ENDS_WITHIN = 9.0


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _status(ident: str, text: str, when: datetime) -> dict[str, Any]:
    return {
        "id": ident,
        "created_at": _iso(when),
        "content": f"<p>{text}</p>",
        "visibility": "public",
        "url": f"https://example.test/@fan/{ident}",
        "uri": f"https://example.test/users/fan/statuses/{ident}",
        "account": {"id": "9", "username": "fan", "acct": "fan", "url": "https://example.test/@fan"},
        "media_attachments": [],
        "mentions": [],
        "tags": [],
    }


def _serving(search: Callable[[str], Reply]) -> Callable[[Request], Reply]:
    def answer(request: Request) -> Reply:
        if request.path.rstrip("/") in ("/api/v1/instance", "/api/v2/instance"):
            return Reply(200, {"uri": "example.test", "title": "x", "version": "4.2.0"})
        if request.path == "/api/v2/search":
            return search(request.query["q"][0])
        return Reply(404, {"error": "Record not found"})

    return answer


def _connect(url: str, retry: RetryOptions) -> ds.Network:
    return ds.connect(
        "mastodon",
        base_url=url,
        access_token="token-not-shown",
        account_id="1",
        allow_http=True,
        mastodon_version="4.2.0",
        retry=retry,
    )


def _searches(server: Scripted) -> int:
    return server.count("GET", "/api/v2/search")


def _seconds_to_end(server: Scripted, net: ds.Network) -> float:
    """Start a polling monitor of every keyword, set its stop once the first search is asked, and time
    how long it takes to end (the test fails at twice the bound if it does not)."""
    stop = threading.Event()
    posts = ds.monitor([net], KEYWORDS, stop=stop, streams=False, interval=3600)
    got: list[ds.Post] = []
    thread = threading.Thread(target=lambda: got.extend(posts), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while _searches(server) < 1:
        assert time.monotonic() < deadline, "the monitor never searched"
        time.sleep(0.01)
    stop.set()
    stopped_at = time.monotonic()
    thread.join(2 * ENDS_WITHIN)
    took = time.monotonic() - stopped_at
    assert not thread.is_alive(), f"the monitor was still polling {took:.1f} s after stop was set"
    assert got == []
    return took


def test_a_stop_during_a_poll_of_slow_searches_ends_after_the_search_under_way() -> None:
    def slow(query: str) -> Reply:
        time.sleep(SLOW)
        return Reply(200, {"statuses": [], "accounts": [], "hashtags": []})

    with scripted_server(_serving(slow)) as server:
        net = _connect(server.url, {"attempts": 1})
        try:
            took = _seconds_to_end(server, net)
        finally:
            net.close()
        asked = _searches(server)
    assert took < ENDS_WITHIN
    assert asked < len(KEYWORDS) // 2, f"{asked} of {len(KEYWORDS)} keywords searched after the stop"


def test_a_stop_during_a_search_retrying_ends_its_wait_and_tries_no_more(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each search would wait 0.5 + 1 + 2 + 4 + 8 + 8 + 8 s between its eight attempts: half a minute a
    keyword, four minutes a poll."""

    def failing(query: str) -> Reply:
        return Reply(503, {"error": "upstream timed out"})

    retry: RetryOptions = {"attempts": 8, "total_seconds": 300, "max_wait": 30}
    with scripted_server(_serving(failing)) as server:
        net = _connect(server.url, retry)
        try:
            took = _seconds_to_end(server, net)
        finally:
            net.close()
        asked = _searches(server)
    assert took < ENDS_WITHIN
    assert asked <= 2, f"{asked} attempts after the stop"  # the first, and one at most as stop came
    failures = [r for r in caplog.records if getattr(r, "monitor_failure", False)]
    assert failures == [], "a search ended by the stop was reported as failing"


def test_a_poll_cut_short_moves_no_cursor_past_what_it_did_not_read(tmp_path: Path) -> None:
    """``word0`` finds a new post, then ``word1`` (an hour older) is being read when stop comes: had
    the first been yielded, the cursor would stand past the second and a restart would skip it."""
    now = datetime.now(timezone.utc)
    newer = _status("200", "word0 news", now - timedelta(minutes=1))
    older = _status("100", "word1 news", now - timedelta(hours=1))
    stop = threading.Event()

    def search(query: str) -> Reply:
        if query == "word1":
            stop.set()  # the caller stops while this search is under way
        found = {"word0": [newer], "word1": [older]}.get(query, [])
        return Reply(200, {"statuses": found, "accounts": [], "hashtags": []})

    cursor = tmp_path / "monitor.json"
    since = now - timedelta(hours=2)
    with scripted_server(_serving(search)) as server:
        net = _connect(server.url, {"attempts": 1})
        try:
            cut = ds.monitor([net], KEYWORDS, stop=stop, cursor=cursor, since=since, streams=False)
            first = [p.id for p in cut]
            asked = _searches(server)
            second = [p.id for p in ds.monitor([net], KEYWORDS, cursor=cursor, since=since, max_polls=1)]
        finally:
            net.close()
    assert asked == 2, "the poll went on searching after the stop"
    assert sorted(first + second) == ["100", "200"]  # each once, the older one not skipped
    assert "100" in second
