"""Economy and clock values past what SQLite or a ``datetime`` can hold are typed errors, never a crash.

A ``payout_delay`` of ``timedelta.max`` (a way to say "never") made every ``like`` raise an untyped
``OverflowError`` (no SQLite integer holds its maturity), and a delay of a few thousand years made
``rewards()`` and ``pending_rewards()`` raise one (no ``datetime`` holds it). A ``meta`` row no sandbox
writes (a clock past the year 9999, a lost ``asset``, a balance no setting allows) was an
``OverflowError`` at every call, or a retryable ``NetworkUnavailable`` that no retry could mend.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from decentsocial import ConfigurationError

from .conftest import START, sandbox


@pytest.mark.parametrize("delay", [timedelta.max, timedelta(days=365 * 9000)])
def test_a_payout_delay_past_the_calendar_matures_at_its_end(delay: timedelta) -> None:
    alice = sandbox(account="alice", now=START, payout_delay=delay)
    bob = alice.as_account("bob")
    post = alice.publish("hello")
    bob.like(post)
    reward = alice.rewards(post)
    assert reward.status == "pending"
    assert reward.payout_at is not None
    assert reward.payout_at.year == 9999
    pending = alice.pending_rewards()
    assert pending.status == "pending"
    assert pending.payout_at == reward.payout_at
    assert [n.kind for n in alice.notifications(limit=None)] == ["like"]  # the reward's time never comes
    assert alice.claim_rewards().status == "none"
    bob.close()
    alice.close()


@pytest.mark.parametrize(
    "damage",
    [
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('clock_offset', '99999999999999999999999999')",
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('clock_offset', '253402300799000000')",
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('clock_frozen', '-99999999999999999')",
        "DELETE FROM meta WHERE key = 'asset'",
        "UPDATE meta SET value = 'a b' WHERE key = 'asset'",
        "UPDATE meta SET value = '99999999999999999999999' WHERE key = 'starting_balance'",
        "UPDATE meta SET value = '-1' WHERE key = 'like_reward'",
    ],
)
def test_a_meta_row_out_of_range_is_a_damaged_file(tmp_path: Path, damage: str) -> None:
    db = tmp_path / "demo.db"
    first = sandbox(path=db, account="alice")
    first.publish("hello")
    first.close()
    conn = sqlite3.connect(db)
    conn.execute(damage)
    conn.commit()
    conn.close()
    net = sandbox(path=db, account="bob")
    with pytest.raises(ConfigurationError, match="damaged") as caught:
        net.publish("again")
    assert not caught.value.retryable
    net.close()
