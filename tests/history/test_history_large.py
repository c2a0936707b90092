"""``history`` of a large store: the frame's making needs little more memory than the frame."""

from __future__ import annotations

import json
import sqlite3
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

import decentsocial as ds

pytest.importorskip("pandas", reason="history needs the pandas extra")

POSTS = 500
ROUNDS = 300  # 150,000 snapshots: hourly, for 500 posts, over 12 days


def test_reading_a_large_history_holds_no_copy_per_row(tmp_path: Path) -> None:
    store = tmp_path / "metrics.db"
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as brand:
        ds.track([brand.publish("launch")], store, networks=[brand])
    # Filled by SQL from the row track made (150,000 track calls would take minutes).
    with sqlite3.connect(store) as db:
        network, _, taken, created, author, *_ = db.execute("SELECT * FROM snapshots").fetchone()
        db.execute("DELETE FROM snapshots")
        rewards = [json.dumps({"SAND": f"{n}.000"}) for n in range(5)]
        db.executemany(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    network,
                    f"{post:016x}",
                    taken + 3600 * hour,
                    created + post,
                    author,
                    hour,
                    0,
                    1,
                    0,
                    None,
                    "pending",
                    rewards[hour % 5],
                )
                for hour in range(ROUNDS)
                for post in range(POSTS)
            ),
        )
    tracemalloc.start()
    try:
        frame = ds.history(store)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(frame) == POSTS * ROUNDS
    assert frame["likes"].iloc[-1] == ROUNDS - 1
    assert frame["reward_SAND"].iloc[-1] == Decimal("4.000")
    assert str(frame["taken_at"].dtype) == "datetime64[us, UTC]"
    # A tuple and a dict of fresh objects per row (and a datetime, an id… each) peaked over 200 MB.
    assert peak < 100_000_000, f"reading {len(frame)} snapshots took {peak / 1e6:.0f} MB"
    assert held < 50_000_000, f"the frame of {len(frame)} snapshots holds {held / 1e6:.0f} MB"
