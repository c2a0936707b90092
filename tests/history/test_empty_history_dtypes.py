"""``history()`` has the same dtypes with no snapshot as with some; ``report()`` sums rewards exactly."""

from __future__ import annotations

import decimal
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.engagement import HISTORY_COLUMNS
from decentsocial.models import Amount, Post, Reward

pytest.importorskip("pandas", reason="history and report need the pandas extra")


def test_a_history_with_no_snapshot_yet_has_the_dtypes_of_one_with_a_snapshot(tmp_path: Path) -> None:
    """The time columns of an empty history used to be ``object``: ``.dt`` and ``resample`` failed on them."""
    with ds.connect("sandbox", path=tmp_path / "s.db", account="alice") as net:
        ds.track([], tmp_path / "empty.db", networks=[net])  # made by track, not filled yet
        post = net.publish("hello")
        ds.track([post], tmp_path / "full.db", networks=[net])
        ds.track([post.model_copy(update={"reward": None})], tmp_path / "no_reward.db")  # stored as given
    empty = ds.history(tmp_path / "empty.db")
    full = ds.history(tmp_path / "full.db")
    no_reward = ds.history(tmp_path / "no_reward.db")
    assert list(empty.columns) == list(HISTORY_COLUMNS)
    assert len(empty) == 0
    assert len(full) == 1
    assert all(c.startswith("reward_") for c in full.columns if c not in HISTORY_COLUMNS)
    for column in HISTORY_COLUMNS:
        assert empty[column].dtype == full[column].dtype, column
        assert no_reward[column].dtype == full[column].dtype, column  # reward_status all missing
    assert str(full["taken_at"].dtype) == str(full["created_at"].dtype) == "datetime64[us, UTC]"
    # What an analyst runs on a store that track() made works before the first snapshot too.
    assert list(empty["taken_at"].dt.date) == []
    daily = empty.set_index("taken_at").resample("1D")["likes"].sum()
    assert len(daily) == 0
    assert full.set_index("taken_at").resample("1D")["likes"].sum().tolist() == [0]


def test_report_adds_rewards_past_28_digits_without_rounding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sum ran in the default 28-digit context: 99999999999999999999999999999.999 + 0.001 gave 1E+29
    (equal in value, but not the amount: it lost its places), and a 32-digit reward lost its last digits."""
    amounts = [
        ("SAND", Decimal("0.001")),
        ("SAND", Decimal("99999999999999999999999999999.999")),
        ("HBD", Decimal("0.001")),
        ("HBD", Decimal("12345678901234567890123456789.123")),
    ]
    with ds.connect("sandbox", path=tmp_path / "s.db", account="alice") as net:
        start = net.current_time() - timedelta(seconds=1)
        posts: list[Post] = []
        for asset, value in amounts:
            post = net.publish(f"worth {value} {asset}")
            reward = Reward(
                network=post.network,
                subject=post.id,
                status="paid",
                amounts=(Amount(value=value, asset=asset),),
            )
            posts.insert(0, post.model_copy(update={"reward": reward}))  # newest first, as posts() gives
        monkeypatch.setattr(net, "posts", lambda account=None, *, limit=20: iter(posts))
        frame = ds.report([net], since=start)
    row = frame.iloc[0]
    assert str(row["rewards_SAND"]) == "100000000000000000000000000000.000"  # exact, with its places
    assert row["rewards_HBD"] == Decimal("12345678901234567890123456789.124")
    assert decimal.getcontext().prec == 28  # the caller's context is left as it was
