"""Plots of a large history stay within memory: posts tracked one at a time, each snapshot its own time."""

from __future__ import annotations

import sqlite3
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds

pytest.importorskip("pandas", reason="history needs the pandas extra")
matplotlib = pytest.importorskip("matplotlib", reason="plots need the plot extra")
matplotlib.use("Agg")

POSTS = 1_000
ROUNDS = 20


def test_totals_of_posts_tracked_one_at_a_time_do_not_grow_as_times_by_posts(tmp_path: Path) -> None:
    store = tmp_path / "metrics.db"
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as brand:
        posts = [brand.publish(f"post {i}") for i in range(20)]
        ds.track(posts, store, networks=[brand])
    # A bot that tracks each post as it goes: every snapshot has its own time. The store is filled to a
    # thousand posts and twenty rounds (SQL, from the rows track made: 20,000 track calls would take minutes).
    with sqlite3.connect(store) as db:
        template = db.execute("SELECT * FROM snapshots LIMIT 1").fetchone()
        db.execute("DELETE FROM snapshots")
        db.executemany(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    *template[:1],
                    f"p{post}",
                    1.8e9 + round_ * 3600 + post,
                    *template[3:5],
                    round_,
                    *template[6:],
                )
                for round_ in range(ROUNDS)
                for post in range(POSTS)
            ),
        )
    frame = ds.history(store)
    assert len(frame) == POSTS * ROUNDS
    tracemalloc.start()
    try:
        figure = ds.plot.engagement(frame, by="network", metric="likes")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A table of every time by every post would be 20,000 x 1,000 floats (160 MB), copied several times.
    assert peak < 80_000_000, f"plotting {len(frame)} snapshots took {peak / 1e6:.0f} MB"
    (line,) = figure.axes[0].get_lines()
    ys: Any = line.get_ydata()
    assert len(ys) == POSTS * ROUNDS
    assert float(ys[POSTS - 1]) == 0  # the first round: every post at 0 likes
    assert float(ys[POSTS]) == 1  # the second round begins: one post moved to 1, the others carried at 0
    assert float(ys[-1]) == POSTS * (ROUNDS - 1)  # every post's latest count
