"""A stream that raises an unexpected error (a row its backend cannot convert) is reopened, not lost."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.testing.contract.monitoring import Running


def _store_a_broken_copy(db: Path, post_id: str) -> None:
    """A row the sandbox cannot turn into a post (its ``extra`` is a list): a TypeError when read."""
    with sqlite3.connect(db) as con:
        columns = [row[1] for row in con.execute("PRAGMA table_info(posts)")][1:]
        values = {
            "id": "'broken'",
            "text": "'broken'",  # not found by a search for acme: the catch-up search works
            "folded": "'broken'",
            "extra": "'[1]'",
            "created_at": "(SELECT max(created_at) + 1 FROM posts)",
        }
        chosen = ", ".join(values.get(c, c) for c in columns)
        con.execute(
            f"INSERT INTO posts ({', '.join(columns)}) SELECT {chosen} FROM posts WHERE id = ?", (post_id,)
        )
    con.close()


def test_a_stream_that_raises_an_unexpected_error_is_reopened(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    brand = ds.connect("sandbox", path=tmp_path / "s.db", account="brand")
    fan = ds.connect("sandbox", path=tmp_path / "s.db", account="fan")
    caplog.set_level(logging.WARNING, logger="decentsocial.monitor")
    watching = Running([brand], keywords=["acme"], interval=3600)  # no search to fall back on
    try:
        first = fan.publish("acme first")
        got = watching.take({first.id}, 20)
        time.sleep(3)  # past the streams' first catch-up (2 s after they start): no search is due now
        _store_a_broken_copy(tmp_path / "s.db", first.id)
        second = fan.publish("acme second")
        got += watching.take({second.id}, 20)
        got += watching.close()
    finally:
        watching.ended.set()
        brand.close()
        fan.close()
    assert [p.id for p in got] == [first.id, second.id]
    assert "the sandbox stream failed: TypeError from sandbox" in caplog.text
