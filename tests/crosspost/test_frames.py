"""``to_dataframe``: one row per post, stable columns, exact types; a clear error without pandas."""

from __future__ import annotations

import sys
from datetime import datetime, timezone

import pytest

import decentsocial as ds
from decentsocial.frames import COLUMNS


@pytest.fixture
def pd():  # type: ignore[no-untyped-def]
    return pytest.importorskip("pandas", reason="the pandas extra is not installed")


def _post(i: int, likes: int | None, reward: ds.Reward | None = None) -> ds.Post:
    author = ds.Account(network="hive", id="alice", handle="alice", display_name="Alice")
    return ds.Post(
        network="hive",
        id=f"alice/post-{i}",
        author=author,
        text=f"post {i} #Acme مرحبا",
        created_at=datetime(2026, 11, 26, 12, i, tzinfo=timezone.utc),
        tags=("Acme",),
        metrics=ds.Engagement(likes=likes, replies=0),
        reward=reward,
    )


def test_columns_types_and_values(pd) -> None:  # type: ignore[no-untyped-def]
    reward = ds.Reward(
        network="hive",
        subject="alice/post-1",
        status="pending",
        amounts=(ds.Amount.parse("1.234 HBD"), ds.Amount.parse("0.500 HP")),
    )
    frame = ds.to_dataframe(iter([_post(1, 3, reward), _post(2, None)]))
    assert tuple(frame.columns) == COLUMNS
    assert len(frame) == 2
    dtype = frame["created_at"].dtype
    assert isinstance(dtype, pd.DatetimeTZDtype)
    assert str(dtype.tz) == "UTC"
    assert frame.loc[0, "created_at"] == pd.Timestamp("2026-11-26T12:01:00Z")
    assert frame.loc[0, "author"] == "alice"
    assert frame.loc[0, "tags"] == ["acme"]
    assert frame.loc[0, "text"] == "post 1 #Acme مرحبا"
    assert frame.loc[0, "reward"] == "1.234 HBD, 0.500 HP"
    assert frame.loc[0, "reward_status"] == "pending"
    # A count the network did not report is missing, not zero.
    assert str(frame["likes"].dtype) == "Int64"
    assert frame.loc[0, "likes"] == 3
    assert frame["likes"].isna().tolist() == [False, True]
    assert pd.isna(frame.loc[1, "reward"])


def test_empty_input_keeps_the_columns(pd) -> None:  # type: ignore[no-untyped-def]
    frame = ds.to_dataframe([])
    assert tuple(frame.columns) == COLUMNS
    assert len(frame) == 0


def test_posts_from_the_sandbox(pd, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with ds.connect("sandbox", path=tmp_path / "s.db", account="alice") as net:
        for i in range(3):
            net.publish(f"frame {i} #frames")
        frame = ds.to_dataframe(net.search("#frames", limit=None))
    assert sorted(frame["text"]) == ["frame 0 #frames", "frame 1 #frames", "frame 2 #frames"]
    assert set(frame["network"]) == {"sandbox"}
    assert all(tags == ["frames"] for tags in frame["tags"])


def test_wrong_input_is_a_typed_error(pd) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ds.InvalidInput):
        ds.to_dataframe("not posts")  # type: ignore[arg-type]
    with pytest.raises(ds.InvalidInput):
        ds.to_dataframe([{"id": "1"}])  # type: ignore[list-item]


def test_without_pandas_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an environment without pandas looks like
    with pytest.raises(ds.ConfigurationError, match=r"decentsocial\[pandas\]"):
        ds.to_dataframe([])
