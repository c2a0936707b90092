"""A history frame saved to CSV and read back (numeric post ids come back as numbers) plots as the
frame itself does, instead of failing with a bare ``TypeError``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds

pd = pytest.importorskip("pandas", reason="history needs the pandas extra")
matplotlib = pytest.importorskip("matplotlib", reason="plots need the plot extra")
matplotlib.use("Agg")

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def drawn(fig: Any) -> dict[str, list[float]]:
    return {str(line.get_label()): [float(y) for y in line.get_ydata()] for line in fig.axes[0].get_lines()}


@pytest.mark.parametrize("by", ["network", "account", "post"])
def test_a_frame_read_back_from_csv_with_numeric_ids_plots_as_the_frame_does(tmp_path: Path, by: str) -> None:
    store = tmp_path / "metrics.db"
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as brand:
        fan = brand.as_account("fan")
        posts = [brand.publish("Launch #acme"), brand.publish("Teaser #acme")]
        ds.track(posts, store, networks=[brand], now=T0)
        fan.like(posts[0])
        ds.track(posts, store, networks=[brand], now=T0 + timedelta(hours=1))
        fan.close()
    frame = ds.history(store)
    ids = {post.id: str(109_000_000_000_000_000 + n) for n, post in enumerate(posts)}  # Mastodon-like ids
    frame["id"] = frame["id"].map(ids)
    frame.to_csv(tmp_path / "history.csv", index=False)
    again = pd.read_csv(tmp_path / "history.csv")
    assert pd.api.types.is_integer_dtype(again["id"])  # what a reader of the file gets
    expected = drawn(ds.plot.engagement(frame, by=by))  # type: ignore[arg-type]
    assert expected
    assert drawn(ds.plot.engagement(again, by=by)) == expected  # type: ignore[arg-type]
