"""A post dated a few minutes ahead of this machine's clock (its author's clock runs fast, as Nostr and
Bluesky let an author date a post) is yielded once, also after the cursor's window has moved past the
moment it was noted. The cursor's clock is set by the test; the posts come from the in-process relay."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import monitor_state
from decentsocial.models import Account, Post
from decentsocial.monitor_state import MAX_CLOCK_SKEW, SEEN_WINDOW, SEEN_WINDOW_IDS, CursorFile, NetCursor

from ..crosspost.relay import Relay

START = datetime.now(timezone.utc).replace(microsecond=0)


class Clock:
    """The cursor's idea of now, moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = START
        monkeypatch.setattr(monitor_state, "_now", lambda: self.now)


def post(post_id: str, at: datetime) -> Post:
    author = Account(network="relay", id="someone", handle="someone")
    return Post(network="relay", id=post_id, author=author, text="acme", created_at=at)


def test_a_post_dated_ahead_is_not_new_again_once_the_window_passes_its_noting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(monkeypatch)
    cursor = NetCursor("relay")
    ahead = post("ahead", START + timedelta(minutes=5))
    assert cursor.is_new(ahead)
    cursor.note(ahead)
    clock.now = START + SEEN_WINDOW + timedelta(minutes=2)
    cursor.note(post("later", clock.now))
    assert cursor.horizon is not None
    assert cursor.horizon <= ahead.created_at
    assert not cursor.is_new(ahead)
    assert cursor.newest_at == clock.now  # the position itself never stood ahead of the clock


def test_a_cursor_file_read_back_keeps_the_post_dated_ahead(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clock = Clock(monkeypatch)
    store = CursorFile.load(tmp_path / "monitor.json")
    cursor = store.cursor("relay:local", "relay", None)
    cursor.horizon = START - timedelta(minutes=1)
    ahead = post("ahead", START + timedelta(minutes=5))
    cursor.note(ahead)
    store.record("relay:local", ahead)
    store.close()
    clock.now = START + SEEN_WINDOW + timedelta(minutes=2)
    again = CursorFile.load(tmp_path / "monitor.json").cursors["relay:local"]
    again.note(post("later", clock.now))
    assert not again.is_new(ahead)


def test_an_id_dated_far_ahead_never_moves_the_horizon_ahead_when_forgotten_by_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A guard for the fix above: the id keeps its own date, yet the horizon never goes past now."""
    Clock(monkeypatch)
    cursor = NetCursor("relay")
    cursor.note_at("ahead", START + MAX_CLOCK_SKEW)
    for n in range(SEEN_WINDOW_IDS):
        cursor.note_at(f"p{n}", START - timedelta(seconds=1))
    assert "ahead" not in cursor.seen
    assert cursor.horizon is not None
    assert cursor.horizon <= START + timedelta(microseconds=1)
    assert cursor.is_new(post("next", START + timedelta(seconds=1)))  # not hidden until the id's date


def test_monitor_yields_a_post_dated_ahead_once_across_polls_and_restarts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clock = Clock(monkeypatch)
    relay = Relay()
    file = tmp_path / "monitor.json"
    relay.add("ahead", "acme from a fast clock", START + timedelta(minutes=5))
    since = START - timedelta(minutes=1)
    first = [p.id for p in ds.monitor([relay], "acme", cursor=file, since=since, streams=False, max_polls=1)]
    clock.now = START + SEEN_WINDOW + timedelta(minutes=2)
    relay.add("later", "acme an hour on", clock.now)
    second = [p.id for p in ds.monitor([relay], "acme", cursor=file, streams=False, interval=0, max_polls=2)]
    clock.now += timedelta(minutes=1)
    third = [p.id for p in ds.monitor([relay], "acme", cursor=file, streams=False, max_polls=1)]
    assert (first, second, third) == (["ahead"], ["later"], [])
