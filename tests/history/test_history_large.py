"""``history`` of a large store: the frame's making needs memory in proportion to the store, and less than
the rows it reads would take held as sqlite3's tuples (no copy per row)."""

from __future__ import annotations

import json
import sqlite3
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import decentsocial as ds

if TYPE_CHECKING:
    import pandas

pytest.importorskip("pandas", reason="history needs the pandas extra")

POSTS = 500
#: Hourly rounds in the small store (15,000 snapshots); the large one has ten times as many (150,000: 500
#: posts over 12 days).
ROUNDS = 30
#: How much more the large store's peak may be than the small one's: twice linear. Measured (CPython 3.12,
#: pandas 3.1): 3.7 MB for 15,000 snapshots, 38.1 MB for 150,000 (x10.3).
GROWTH_BOUND = 20
#: The yardstick, measured side by side: the same rows held at once as sqlite3's tuples (what the code this
#: replaced began with, fetchall(), before a dict of fresh objects per row). Measured at 150,000 snapshots:
#: the tuples 67.8 MB; history() peaks at 38.1 MB (0.56 of it) and its frame holds 16.4 MB (0.24). The
#: code before peaked at 205.3 MB (3.0) and held 86.8 MB (1.3): it grew linearly too (x10.2), which the
#: growth bound alone does not catch. Each bound is over twice today's ratio and under half the old one.
PEAK_OF_ROWS = 1.2
HELD_OF_ROWS = 0.6


#: Five rewards texts, one per hourly round in turn: each post's reward changes, the texts repeat.
FIVE_REWARDS = [json.dumps({"SAND": f"{n}.000"}) for n in range(5)]


def _five(_post: int, hour: int) -> str:
    return FIVE_REWARDS[hour % 5]


def store_of(folder: Path, rounds: int, rewards: Callable[[int, int], str]) -> Path:
    """A store of ``POSTS`` posts snapshotted hourly ``rounds`` times, ``rewards(post, hour)`` their rewards.

    Filled by SQL from the row ``track`` made (150,000 track calls would take minutes).
    """
    store = folder / f"metrics-{rounds}.db"
    with ds.connect("sandbox", path=folder / f"s-{rounds}.db", account="brand") as brand:
        ds.track([brand.publish("launch")], store, networks=[brand])
    with sqlite3.connect(store) as db:
        network, _, taken, created, author, *_ = db.execute("SELECT * FROM snapshots").fetchone()
        db.execute("DELETE FROM snapshots")
        db.executemany(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    rewards(post, hour),
                    f"sandbox://posts/{post:016x}",  # its link, and its history: its id
                    f"{post:016x}",
                )
                for hour in range(rounds)
                for post in range(POSTS)
            ),
        )
    return store


def traced_history(store: Path) -> tuple[pandas.DataFrame, int, int]:
    """``history(store)``, what Python still holds once it returned (the frame), and its peak."""
    tracemalloc.start()
    try:
        frame = ds.history(store)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return frame, held, peak


def rows_held(store: Path, count: int) -> int:
    """What the store's rows (``count`` of them) take held at once as sqlite3's tuples."""
    with sqlite3.connect(store) as db:
        tracemalloc.start()
        try:
            rows = db.execute("SELECT * FROM snapshots").fetchall()
            held, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(rows) == count
    return held


def test_reading_a_large_history_holds_no_copy_per_row(tmp_path: Path) -> None:
    small, large = store_of(tmp_path, ROUNDS, _five), store_of(tmp_path, 10 * ROUNDS, _five)
    ds.history(small)  # what pandas imports and caches on first use is not history's memory
    _, _, small_peak = traced_history(small)
    frame, held, peak = traced_history(large)
    rounds = 10 * ROUNDS
    rows = rows_held(large, POSTS * rounds)
    assert len(frame) == POSTS * rounds
    assert frame["likes"].iloc[-1] == rounds - 1
    assert frame["reward_SAND"].iloc[-1] == Decimal("4.000")  # the last round, 299: rewards[299 % 5]
    assert str(frame["taken_at"].dtype) == "datetime64[us, UTC]"
    sizes = (
        f"{len(frame) // 10} snapshots peaked at {small_peak / 1e6:.1f} MB, "
        f"{len(frame)} at {peak / 1e6:.1f} MB (frame {held / 1e6:.1f} MB; rows as tuples {rows / 1e6:.1f} MB)"
    )
    assert peak / small_peak <= GROWTH_BOUND, sizes
    assert peak <= PEAK_OF_ROWS * rows, sizes
    assert held <= HELD_OF_ROWS * rows, sizes
