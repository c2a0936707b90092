"""A time given as pandas' missing time (``NaT``, a frame's empty ``max()``) is ``InvalidInput``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds

pd = pytest.importorskip("pandas")


def test_track_refuses_a_missing_now_before_anything_is_stored(tmp_path: Path) -> None:
    net = ds.connect("sandbox", path=tmp_path / "s.db")
    post = net.publish("🌙 رمضان كريم")
    store = tmp_path / "m.db"
    with pytest.raises(ds.InvalidInput, match="now"):
        ds.track([post], store, networks=[net], now=pd.NaT)
    ds.track([post], store, networks=[net])
    assert len(ds.history(store)) == 1


def test_report_refuses_a_missing_now_as_it_refuses_a_since_in_the_future(tmp_path: Path) -> None:
    net = ds.connect("sandbox", path=tmp_path / "s.db")
    week_ago = datetime.now(timezone.utc) - timedelta(days=7)
    with pytest.raises(ds.InvalidInput, match="now"):
        ds.report([net], since=week_ago, now=pd.NaT)
    assert ds.report([net], since=week_ago)["posts"].tolist() == [0]


def test_monitor_refuses_a_missing_since(tmp_path: Path) -> None:
    net = ds.connect("sandbox", path=tmp_path / "s.db")
    with pytest.raises(ds.InvalidInput, match="since"):
        next(iter(ds.monitor([net], ["رمضان"], since=pd.NaT)))
