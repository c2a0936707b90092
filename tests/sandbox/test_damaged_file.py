"""A file damaged on disk is a ``ConfigurationError`` at any call; a lock is busy, at any call too.

Damage found past the first page (while reading posts) was reported as
``NetworkUnavailable`` "sandbox database error" with ``retryable=True``: a retry loop would
spin on a file that no retry can mend.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from decentsocial import ConfigurationError, NetworkUnavailable

from .conftest import sandbox


def _damage_the_posts_table(db: Path) -> None:
    conn = sqlite3.connect(db)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'posts'").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with db.open("r+b") as f:
        f.seek((root - 1) * size)
        f.write(b"\xff" * 64)


def test_a_damaged_table_is_a_configuration_error(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    first = sandbox(path=db, account="alice")
    for i in range(50):
        first.publish(f"post {i}")
    first.close()
    _damage_the_posts_table(db)
    net = sandbox(path=db, account="alice")
    with pytest.raises(ConfigurationError, match="malformed") as caught:
        list(net.posts(limit=None))
    assert not caught.value.retryable
    assert str(db) in caught.value.message  # which file to look at
    net.close()


def test_a_lock_held_while_opening_is_busy_and_retryable(tmp_path: Path) -> None:
    """It was ``ConfigurationError`` (not retryable), as if the file were unusable."""
    db = tmp_path / "demo.db"
    first = sandbox(path=db, account="alice")
    first.publish("hello")
    first.close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")  # a database browser switched the mode back
    holder.execute("BEGIN EXCLUSIVE")  # and holds its lock for a moment
    net = sandbox(path=db, account="alice", timeout=0.2)
    try:
        with pytest.raises(NetworkUnavailable, match="busy") as caught:
            net.publish("again")
        assert caught.value.retryable
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert net.publish("again").text == "again"  # the same connection, once the lock is gone
    net.close()
