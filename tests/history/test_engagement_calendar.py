"""``history`` of posts dated at the calendar's ends (an author sets the date on Nostr): readable, exact."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import decentsocial as ds

pytest.importorskip("pandas")

ENDS = [
    datetime(1, 1, 1, tzinfo=timezone.utc),
    datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),  # past the year 9999 as a float
]


def test_posts_dated_at_the_ends_of_the_calendar_keep_the_store_readable(tmp_path: Path) -> None:
    net = ds.connect("sandbox", path=tmp_path / "s.db", account="brand")
    try:
        post = net.publish("acme")
    finally:
        net.close()
    dated = [post.model_copy(update={"id": f"p{n}", "created_at": when}) for n, when in enumerate(ENDS)]
    ds.track(dated, tmp_path / "m.db", now=datetime(2026, 12, 5, tzinfo=timezone.utc))
    frame = ds.history(tmp_path / "m.db")
    assert list(frame["created_at"]) == ENDS
