"""``history`` of a store where no rewards text repeats (Hive's pending payouts change at every snapshot):
the parsed rewards it keeps while reading are bounded, as its times are, not one entry per row."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import decentsocial as ds

pytest.importorskip("pandas", reason="history needs the pandas extra")

from tests.history.test_history_large import POSTS, rows_held, store_of, traced_history

#: Hourly rounds: 40,000 snapshots, each post's reward another at each (a few seconds to read).
ROUNDS = 80
#: What the making of the frame may take beyond the frame it returns, against the same rows held at once as
#: sqlite3's tuples. Measured (CPython 3.12, pandas 3.1) at 40,000 snapshots: 0.32 of them, as when every
#: row's rewards are one of five texts; with a parsed-rewards cache of every text (text and dict per row)
#: 0.68. The bound is over 1.5 times today's and under three quarters of the old one.
PASSING_OF_ROWS = 0.5


def test_rewards_that_never_repeat_are_not_all_kept_while_reading(tmp_path: Path) -> None:
    store = store_of(tmp_path, ROUNDS, lambda post, hour: json.dumps({"HBD": f"{post}.{hour:03d}"}))
    ds.history(store)  # what pandas imports and caches on first use is not history's memory
    frame, held, peak = traced_history(store)
    rows = rows_held(store, POSTS * ROUNDS)
    assert len(frame) == POSTS * ROUNDS
    assert frame["reward_HBD"].iloc[-1] == Decimal("499.079")  # the last post in the last round
    assert frame["reward_HBD"].nunique() == POSTS * ROUNDS
    passing = peak - held  # the frame (each row's own Decimal) is kept; what reading needed besides is not
    sizes = (
        f"{len(frame)} snapshots peaked at {peak / 1e6:.1f} MB, the frame holds {held / 1e6:.1f} MB "
        f"(rows as tuples {rows / 1e6:.1f} MB)"
    )
    assert passing <= PASSING_OF_ROWS * rows, sizes
