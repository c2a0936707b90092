"""What ``track`` stores of a reward, and a rewards text garbled past what ``json`` can read.

Before, a reward listing one asset twice (an author's share and the curators', as a plugin network may
give them) was stored as the last amount only, while ``report`` summed both; and a rewards text nested
deeper than the stack (``[[[[…``) made ``history`` raise a bare ``RecursionError``.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.models import Amount, Reward

pytest.importorskip("pandas", reason="history needs the pandas extra")


def test_a_reward_listing_an_asset_twice_is_stored_as_its_sum(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "s.db") as net:
        post = net.publish("paid in two shares")
    shares = (Amount.parse("1.250 HBD"), Amount.parse("2.000 HBD"), Amount.parse("0.5 HIVE"))
    reward = Reward(network="sandbox", subject=post.id, status="paid", amounts=shares)
    ds.track([post.model_copy(update={"reward": reward})], tmp_path / "metrics.db")
    row = ds.history(tmp_path / "metrics.db").iloc[0]
    assert row["reward_HBD"] == Decimal("3.250")
    assert row["reward_HIVE"] == Decimal("0.5")


def test_a_rewards_text_nested_past_the_stack_is_a_damaged_store(tmp_path: Path) -> None:
    store = tmp_path / "metrics.db"
    with ds.connect("sandbox", path=tmp_path / "s.db") as net:
        ds.track([net.publish("tracked")], store, networks=[net])
    with sqlite3.connect(store) as db:
        db.execute("UPDATE snapshots SET rewards = ?", ("[" * 200_000 + "]" * 200_000,))
    db.close()
    before = store.read_bytes()
    with pytest.raises(ds.ConfigurationError, match=r"metrics store .*metrics\.db is damaged"):
        ds.history(store)
    assert store.read_bytes() == before
