"""Engagement over time on real sandboxes: snapshots, history frames, per-network reports, safe displays."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import engagement

from ..handles import open_handles

pytest.importorskip("pandas", reason="history and report need the pandas extra")


def test_history_shows_a_like_appear_between_two_snapshots(tmp_path: Path) -> None:
    store = tmp_path / "metrics.db"
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as brand:
        fan = brand.as_account("fan")
        post = brand.publish("Launch day #acme")
        other = brand.publish("Behind the scenes")
        first = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
        ds.track([post, other], store, networks=[brand], now=first)
        fan.like(post)
        fan.reply(post, "congrats!")
        ds.track([post, other], store, networks=[brand], now=first + timedelta(hours=1))
        fan.close()
    frame = ds.history(store)
    assert list(frame.columns[:11]) == [
        "network",
        "id",
        "taken_at",
        "created_at",
        "author",
        "likes",
        "reposts",
        "replies",
        "quotes",
        "views",
        "reward_status",
    ]
    launch = frame[frame["id"] == post.id].sort_values("taken_at")
    assert list(launch["likes"]) == [0, 1]
    assert list(launch["replies"]) == [0, 1]
    assert list(frame[frame["id"] == other.id]["likes"]) == [0, 0]
    assert launch["taken_at"].iloc[1] - launch["taken_at"].iloc[0] == timedelta(hours=1)
    assert list(frame.columns[11:]) == ["url", "reward_SAND"]  # reward_status is not taken for an asset
    assert "reward_SAND" in frame.columns  # the like started a pending sandbox reward
    assert launch["reward_SAND"].iloc[1] == Decimal("1.000")


def test_report_sums_a_network_since_a_time(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as brand:
        fan = brand.as_account("fan")
        start = brand.current_time()
        for text in ("one #acme", "two #acme", "three"):
            fan.like(brand.publish(text))
        fan.repost(brand.posts(limit=1).__next__())
        frame = ds.report([brand, fan], since=start - timedelta(seconds=1))
        fan.close()
    rows = {row["account"]: row for row in frame.to_dict("records")}
    assert rows["brand"]["posts"] == 3
    assert rows["brand"]["likes"] == 3
    assert rows["brand"]["reposts"] == 1
    assert rows["brand"]["rewards_SAND"] == Decimal("3.000")
    assert rows["fan"]["posts"] == 0
    assert str(frame["likes"].dtype) == "Int64"  # whole numbers, and missing where a network has none


def test_bad_report_input_fails_before_any_io(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "s.db") as net:
        with pytest.raises(ds.InvalidInput, match="future"):
            ds.report([net], since=datetime.now(timezone.utc) + timedelta(days=1))
        with pytest.raises(ds.InvalidInput, match="time zone"):
            ds.report([net], since=datetime(2026, 1, 1))
        with pytest.raises(ds.InvalidInput):
            ds.report([], since=datetime.now(timezone.utc))


def test_a_file_that_is_not_a_metrics_store_is_refused(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "posts.db") as net:
        net.publish("a sandbox, not a metrics store")
    with pytest.raises(ds.ConfigurationError, match="not a decentsocial metrics store"):
        ds.history(tmp_path / "posts.db")
    (tmp_path / "notes.txt").write_text("plain text " * 200)
    with pytest.raises(ds.ConfigurationError, match="not a decentsocial metrics store"):
        ds.history(tmp_path / "notes.txt")
    assert open_handles(tmp_path / "posts.db") == open_handles(tmp_path / "notes.txt") == 0


def test_track_into_a_file_that_is_not_a_store_reads_no_post_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    net = ds.connect("sandbox", path=tmp_path / "s.db")
    post = net.publish("never refreshed")
    net.close()  # a read now fails, and track would log it ("kept as given")
    (tmp_path / "notes.txt").write_text("plain text " * 200)
    with pytest.raises(ds.ConfigurationError, match="not a decentsocial metrics store"):
        ds.track([post], tmp_path / "notes.txt", networks=[net])
    assert "kept as given" not in caplog.text  # the store was refused before any post was read


def test_a_metrics_store_held_by_another_process_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "metrics.db"
    writer = sqlite3.connect(store, isolation_level=None)  # another process, mid-write on a new file
    writer.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(engagement, "_TIMEOUT", 0.3)
    with ds.connect("sandbox", path=tmp_path / "s.db") as net:
        post = net.publish("counted once the store is free")
    with pytest.raises(ds.ConfigurationError, match=r"stayed locked by another process for 0\.3 s"):
        ds.track([post], store)
    writer.execute("ROLLBACK")
    writer.close()
    assert open_handles(store) == 0
    ds.track([post], store)  # once the other process is done, the snapshot is stored
    assert list(ds.history(store)["id"]) == [post.id]


def test_a_metrics_store_another_process_writes_to_is_a_typed_error_and_keeps_nothing_half(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "metrics.db"
    monkeypatch.setattr(engagement, "_TIMEOUT", 0.3)
    with ds.connect("sandbox", path=tmp_path / "s.db") as net:
        first = net.publish("tracked before")
        second = net.publish("tracked after")
    ds.track([first], store)
    writer = sqlite3.connect(store, isolation_level=None)  # another process, mid-write on the store
    writer.execute("BEGIN IMMEDIATE")
    with pytest.raises(
        ds.NetworkUnavailable,
        match=r"metrics store .* stayed locked by another process for 0\.3 s while storing",
    ) as caught:
        ds.track([first, second], store)
    assert caught.value.retryable
    assert list(ds.history(store)["id"]) == [first.id]  # reads go on; no snapshot of the failed call
    writer.execute("ROLLBACK")
    writer.close()
    assert open_handles(store) == 0
    ds.track([first, second], store)
    assert sorted(ds.history(store)["id"]) == sorted([first.id, first.id, second.id])


def test_history_of_a_store_that_is_not_there_is_said_and_nothing_is_made(tmp_path: Path) -> None:
    with pytest.raises(ds.ConfigurationError, match=r"no metrics store at .*metrcs\.db: track"):
        ds.history(tmp_path / "metrcs.db")
    assert list(tmp_path.iterdir()) == []  # before, an empty store was made and read as no history


def test_models_show_one_short_line_and_escaped_html() -> None:
    with ds.connect("sandbox", max_length=5000) as net:
        post = net.publish("<script>alert('x')</script> & <b>bold</b> " + "long " * 400)
        shown = repr(post)
        assert "\n" not in shown
        assert len(shown) < 300
        assert "raw" not in shown
        page = post._repr_html_()
        assert "<script>" not in page
        assert "&lt;script&gt;" in page
        assert "<b>bold</b>" not in page
        me = net.me()
        assert repr(me).startswith("Account(network='sandbox', handle=")
        tags = re.compile(r"</?(?:div|b|bdi|span)\b")  # the card's own; a name or a bio is only text
        assert "<" not in tags.sub("", me._repr_html_())
        assert "status=" in repr(net.rewards(post))
