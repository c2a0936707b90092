"""``track``, ``report``, ``history`` and ``plot.engagement`` with several connections to one network,
a naive ``now``, and arguments of the wrong kind: real sandboxes, typed errors before any I/O."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

import decentsocial as ds

pytest.importorskip("pandas", reason="history and report need the pandas extra")


@pytest.fixture
def new_york() -> Iterator[None]:
    """This process's local time is New York's (UTC-5 in January), so local and UTC differ."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_track_reads_each_post_through_the_connection_that_has_it(tmp_path: Path) -> None:
    store = tmp_path / "metrics.db"
    with (
        ds.connect("sandbox", path=tmp_path / "server-a.db", account="brand") as a,
        ds.connect("sandbox", path=tmp_path / "server-b.db", account="brand") as b,
    ):
        on_a, on_b = a.publish("hello from a"), b.publish("hello from b")
        with a.as_account("fan") as fan_a, b.as_account("fan") as fan_b:
            fan_b.like(on_b)
            fan_a.like(on_a)
            fan_a.repost(on_a)
        fresh = ds.track([on_a, on_b], store, networks=[a, b])
    assert [(p.metrics.likes, p.metrics.reposts) for p in fresh] == [(1, 1), (1, 0)]
    frame = ds.history(store).set_index("id")
    assert frame.loc[on_b.id, "likes"] == 1
    assert frame.loc[on_a.id, "reposts"] == 1


def test_track_reads_a_naive_now_as_utc(tmp_path: Path, new_york: None) -> None:
    store = tmp_path / "metrics.db"
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as brand:
        post = brand.publish("hello")
        ds.track([post], store, networks=[brand], now=datetime(2026, 1, 1, 9, 0))
    taken = ds.history(store)["taken_at"].iloc[0]
    assert taken.to_pydatetime() == datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)


def test_arguments_of_the_wrong_kind_are_invalid_input(tmp_path: Path) -> None:
    store = tmp_path / "metrics.db"
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as brand:
        post = brand.publish("hello")
        ds.track([post], store, networks=[brand])
        since = datetime(2020, 1, 1, tzinfo=timezone.utc)
        calls: list[Callable[[], object]] = [
            lambda: ds.track([post], store, now="2026-01-01T09:00Z"),  # type: ignore[arg-type]
            lambda: ds.track([post], None),  # type: ignore[arg-type]
            lambda: ds.track([post], store, networks=brand),  # type: ignore[arg-type]
            lambda: ds.track(post, store),  # type: ignore[arg-type]
            lambda: ds.track(42, store),  # type: ignore[arg-type]
            lambda: ds.history(3),  # type: ignore[arg-type]
            lambda: ds.report(brand, since=since),  # type: ignore[arg-type]
            lambda: ds.report([brand], since=since, now="now"),  # type: ignore[arg-type]
        ]
        for call in calls:
            with pytest.raises(ds.InvalidInput):
                call()
        # A naive ``now`` is UTC there too, not a raw comparison error.
        frame = ds.report([brand], since=since, now=datetime(2030, 1, 1))
    assert frame["posts"].tolist() == [1]
