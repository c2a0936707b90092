"""``to_dataframe`` of posts dated at the calendar's ends (a Nostr author sets ``created_at``): the frame,
not an ``OutOfBoundsDatetime`` (pandas 2's nanoseconds end in 2262), with the dtype of ``history``."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import decentsocial as ds

pd = pytest.importorskip("pandas", reason="to_dataframe needs the pandas extra")

TIME = "datetime64[us, UTC]"  # what decentsocial.history gives its times, on pandas 2 and 3


def _post(post_id: str, created_at: datetime) -> ds.Post:
    author = ds.Account(network="nostr", id="npub1x", handle="someone")
    return ds.Post(network="nostr", id=post_id, author=author, text="from the future", created_at=created_at)


def test_a_post_dated_past_2262_is_a_row_not_a_lost_frame() -> None:
    far = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
    early = datetime(1, 1, 1, tzinfo=timezone.utc)
    now = datetime(2026, 12, 1, 9, 0, 0, 123456, tzinfo=timezone.utc)
    frame = ds.to_dataframe([_post("a", far), _post("b", now), _post("c", early)])
    assert str(frame["created_at"].dtype) == TIME
    assert list(frame["created_at"]) == [pd.Timestamp(far), pd.Timestamp(now), pd.Timestamp(early)]


def test_the_time_column_has_one_dtype_with_or_without_rows() -> None:
    """An empty search's frame had ``datetime64[s, UTC]``, a full one ``[us, UTC]`` (``[ns, UTC]`` on
    pandas 2): frames of two searches, or one and a history, did not have the same times."""
    full = ds.to_dataframe([_post("a", datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc))])
    empty = ds.to_dataframe([])
    assert str(empty["created_at"].dtype) == str(full["created_at"].dtype) == TIME
