"""``track`` stores what it read now: a post it cannot read again gets no snapshot, never stale numbers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds

pytest.importorskip("pandas")

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)


def test_a_deleted_post_gets_no_snapshot_with_its_old_numbers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    brand = ds.connect("sandbox", path=tmp_path / "s.db", account="brand")
    fan = ds.connect("sandbox", path=tmp_path / "s.db", account="fan")
    try:
        post = brand.publish("acme launch")  # as published: no like yet
        fan.like(post)
        assert [p.metrics.likes for p in ds.track([post], tmp_path / "m.db", networks=[brand], now=T0)] == [1]
        brand.delete(post)
        caplog.set_level(logging.WARNING, logger="decentsocial.engagement")
        later = T0 + timedelta(hours=1)
        assert ds.track([post], tmp_path / "m.db", networks=[brand], now=later) == []
    finally:
        brand.close()
        fan.close()
    frame = ds.history(tmp_path / "m.db")
    assert list(frame["likes"]) == [1]  # not a second row saying the like went away
    assert f"{post.id} not stored" in caplog.text


def test_a_network_failing_now_stores_nothing_stale_and_the_next_round_does(tmp_path: Path) -> None:
    brand = ds.connect("sandbox", path=tmp_path / "s.db", account="brand")
    fan = ds.connect("sandbox", path=tmp_path / "s.db", account="fan")
    post = brand.publish("acme launch")
    fan.like(post)
    brand.close()  # reading fails now
    assert ds.track([post], tmp_path / "m.db", networks=[brand], now=T0) == []
    brand = ds.connect("sandbox", path=tmp_path / "s.db", account="brand")
    try:
        ds.track([post], tmp_path / "m.db", networks=[brand], now=T0 + timedelta(hours=1))
    finally:
        brand.close()
        fan.close()
    frame = ds.history(tmp_path / "m.db")
    assert list(frame["likes"]) == [1]
    assert list(frame["taken_at"]) == [T0 + timedelta(hours=1)]


def test_a_post_of_a_network_without_a_connection_is_stored_as_given(tmp_path: Path) -> None:
    brand = ds.connect("sandbox", path=tmp_path / "s.db", account="brand")
    try:
        post = brand.publish("acme launch")
    finally:
        brand.close()
    assert ds.track([post], tmp_path / "m.db", now=T0) == [post]
    assert len(ds.history(tmp_path / "m.db")) == 1
