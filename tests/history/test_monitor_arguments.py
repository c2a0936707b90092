"""``monitor`` with the numbers a notebook has at hand: numpy's, as whole numbers and seconds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import decentsocial as ds

np = pytest.importorskip("numpy")


def test_numpy_numbers_are_whole_numbers_and_seconds(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as brand:
        start = brand.current_time() - timedelta(minutes=1)
        launch = brand.publish("acme مرحبا")
        posts = ds.monitor(
            [brand],
            ["مرحبا"],
            since=start,
            interval=np.int64(0),  # "got np.int64(0)": refused as not a number of seconds
            max_polls=np.int64(2),  # "max_polls must be at least 1 …, got np.int64(2)"
            per_poll=np.int64(20),
            buffer=np.int64(10),
        )
        assert [p.id for p in posts] == [launch.id]
        with pytest.raises(ds.InvalidInput, match="max_polls must be at least 1"):
            ds.monitor([brand], "acme", max_polls=np.int64(0))
        with pytest.raises(ds.InvalidInput, match="interval must be a number of seconds"):
            ds.monitor([brand], "acme", interval=np.float64("nan"))
        with pytest.raises(ds.InvalidInput, match="per_poll must be at least 1"):
            ds.monitor([brand], "acme", per_poll=np.float64(20))  # not a whole number
        with pytest.raises(ds.InvalidInput, match="max_polls must be at least 1"):
            ds.monitor([brand], "acme", max_polls=np.bool_(True))
