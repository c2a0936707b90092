"""Plots of a large history need memory in proportion to the history: posts tracked one at a time, each
snapshot its own time, ten times the posts take about ten times the memory (not a hundred)."""

from __future__ import annotations

import sqlite3
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import decentsocial as ds

if TYPE_CHECKING:
    import pandas

pytest.importorskip("pandas", reason="history needs the pandas extra")
matplotlib = pytest.importorskip("matplotlib", reason="plots need the plot extra")
matplotlib.use("Agg")

ROUNDS = 20
#: Posts in the small history; the large one has ten times as many.
POSTS = 100
#: How much more the large history's plot may take at its peak than the small one's. Linear growth is
#: about 10 (measured with CPython 3.12, pandas 3.1, matplotlib 3.11: 0.9 MB for 2,000 snapshots, 6.7 MB for
#: 20,000, x7.1). The table of every time by every post that this replaced grows as their product: 4.1 MB,
#: then 362 MB (x88; 20,000 x 1,000 floats, copied several times). Twice linear is far from both.
GROWTH_BOUND = 20


def _history(folder: Path, posts: int) -> pandas.DataFrame:
    """The history of a bot that tracks each post as it goes: every snapshot has its own time.

    Filled by SQL from the rows ``track`` made: ``posts`` x ``ROUNDS`` track calls would take minutes.
    """
    store = folder / f"metrics-{posts}.db"
    with ds.connect("sandbox", path=folder / f"s-{posts}.db", account="brand") as brand:
        ds.track([brand.publish(f"post {i}") for i in range(3)], store, networks=[brand])
    with sqlite3.connect(store) as db:
        template = db.execute("SELECT * FROM snapshots LIMIT 1").fetchone()
        db.execute("DELETE FROM snapshots")
        db.executemany(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    *template[:1],
                    f"p{post}",
                    1.8e9 + round_ * 3600 + post,
                    *template[3:5],
                    round_,
                    *template[6:12],
                    f"sandbox://posts/p{post}",  # its link, and its history: its id
                    f"p{post}",
                )
                for round_ in range(ROUNDS)
                for post in range(posts)
            ),
        )
    frame = ds.history(store)
    assert len(frame) == posts * ROUNDS
    return frame


def _plot_peak(frame: pandas.DataFrame) -> tuple[Any, int]:
    """The figure of likes per network, and the most memory Python held at once while making it."""
    tracemalloc.start()
    try:
        figure = ds.plot.engagement(frame, by="network", metric="likes")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return figure, peak


def test_totals_of_posts_tracked_one_at_a_time_do_not_grow_as_times_by_posts(tmp_path: Path) -> None:
    small, large = _history(tmp_path, POSTS), _history(tmp_path, 10 * POSTS)
    # Drawn once first: what matplotlib imports and caches on first use is not the plot's memory.
    ds.plot.engagement(small, by="network", metric="likes")
    _, small_peak = _plot_peak(small)
    figure, large_peak = _plot_peak(large)
    growth = large_peak / small_peak
    assert growth <= GROWTH_BOUND, (
        f"plotting {len(small)} snapshots took {small_peak / 1e6:.1f} MB, {len(large)} took "
        f"{large_peak / 1e6:.1f} MB: x{growth:.1f} for ten times the posts"
    )
    posts = 10 * POSTS
    (line,) = figure.axes[0].get_lines()
    ys: Any = line.get_ydata()
    assert len(ys) == posts * ROUNDS
    assert float(ys[posts - 1]) == 0  # the first round: every post at 0 likes
    assert float(ys[posts]) == 1  # the second round begins: one post moved to 1, the others carried at 0
    assert float(ys[-1]) == posts * (ROUNDS - 1)  # every post's latest count
