"""``plot.engagement`` of a history frame cut to the columns an analyst chose (no ``created_at``):
one line per post, as for the whole frame, not one single-point line per snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds

pytest.importorskip("pandas", reason="history needs the pandas extra")
matplotlib = pytest.importorskip("matplotlib", reason="plots need the plot extra")
matplotlib.use("Agg")

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def drawn(fig: Any) -> dict[str, list[float]]:
    lines = fig.axes[0].get_lines()
    labels = [str(line.get_label()) for line in lines]
    assert len(labels) == len(set(labels)), labels  # one line per post, never the same legend twice
    return {label: [float(y) for y in line.get_ydata()] for label, line in zip(labels, lines, strict=True)}


def test_a_frame_without_created_at_draws_one_line_per_post(tmp_path: Path) -> None:
    store = tmp_path / "metrics.db"
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand", now=T0) as brand:
        fans = [brand.as_account(f"fan{i}") for i in range(2)]
        posts = [brand.publish("Launch #acme"), brand.publish("إطلاق #acme 🎉")]
        for hour, fan in enumerate([None, *fans]):
            if fan is not None:
                fan.like(posts[1])
            ds.track(posts, store, networks=[brand], now=T0 + timedelta(hours=hour))
        for fan in fans:
            fan.close()
    frame = ds.history(store)
    chosen = frame[["network", "id", "author", "taken_at", "likes"]]
    labels = {posts[0].id: posts[0].text, posts[1].id: posts[1].text}
    # The Arabic label as matplotlib is given it: shaped and in visual order (tests/history/test_plot_rtl.py).
    expected = {"Launch #acme": [0.0, 0.0, 0.0], ds.plot.visual("إطلاق #acme 🎉"): [0.0, 1.0, 2.0]}
    assert drawn(ds.plot.engagement(frame, by="post", labels=labels)) == expected
    assert drawn(ds.plot.engagement(chosen, by="post", labels=labels)) == expected
