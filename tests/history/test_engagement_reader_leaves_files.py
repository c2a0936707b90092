"""``history`` only reads: a file that is no metrics store is refused as it is, and a time no clock
gives is a damaged store.

Before, ``history`` of an empty (0-byte) file, or of a database with no table (a mistyped path to
another program's fresh file), wrote a metrics store's schema into it and showed an empty history:
a reader made the file a database. A stored time of ``inf``, or one past the calendar by more than a
float's rounding, read as 9999-12-31 (or 0001-01-01) instead of as the damage it is.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

import decentsocial as ds

from ..handles import open_handles

pytest.importorskip("pandas", reason="history needs the pandas extra")


def _files(folder: Path) -> set[str]:
    """Every name in ``folder``: a reader leaves no journal or WAL file beside the one it was given."""
    return {p.name for p in folder.iterdir()}


def test_an_empty_file_is_refused_and_left_empty(tmp_path: Path) -> None:
    empty = tmp_path / "typo.db"
    empty.touch()
    with pytest.raises(ds.ConfigurationError, match=r"typo\.db is an empty file, not a decentsocial metrics"):
        ds.history(empty)
    assert empty.read_bytes() == b""
    assert _files(tmp_path) == {"typo.db"}
    assert open_handles(empty) == 0


def test_a_database_with_no_table_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    other = tmp_path / "fresh.db"
    with sqlite3.connect(other) as db:
        db.execute("PRAGMA user_version = 7")  # a database on disk, with no table yet
    db.close()
    before = other.read_bytes()
    assert before
    with pytest.raises(ds.ConfigurationError, match=r"fresh\.db is a database without snapshots"):
        ds.history(other)
    assert other.read_bytes() == before
    assert _files(tmp_path) == {"fresh.db"}
    assert open_handles(other) == 0


def test_a_missing_store_makes_no_file_nor_folder(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "metrics.db"
    with pytest.raises(ds.ConfigurationError, match="no metrics store at"):
        ds.history(missing)
    assert _files(tmp_path) == set()


def test_a_store_track_made_with_no_snapshot_yet_is_an_empty_history(tmp_path: Path) -> None:
    store = tmp_path / "metrics.db"
    ds.track([], store)
    before = store.read_bytes()
    assert ds.history(store).empty
    assert store.read_bytes() == before


def _stored(folder: Path) -> Path:
    store = folder / "metrics.db"
    with ds.connect("sandbox", path=folder / "s.db") as net:
        ds.track([net.publish("dated")], store, networks=[net])
    return store


@pytest.mark.parametrize("column", ["taken_at", "created_at"])
@pytest.mark.parametrize("seconds", [float("inf"), float("-inf"), 1e20, -1e20, 253402300800.0 + 86400])
def test_a_time_past_the_calendar_is_a_damaged_store(tmp_path: Path, column: str, seconds: float) -> None:
    store = _stored(tmp_path)
    with sqlite3.connect(store) as db:
        db.execute(f"UPDATE snapshots SET {column} = ?", (seconds,))
    db.close()
    before = store.read_bytes()
    with pytest.raises(ds.ConfigurationError, match=r"metrics store .*metrics\.db is damaged \(a time"):
        ds.history(store)
    assert store.read_bytes() == before


def test_the_calendar_s_last_moment_rounded_by_a_float_still_reads(tmp_path: Path) -> None:
    store = _stored(tmp_path)
    last = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
    with sqlite3.connect(store) as db:
        db.execute("UPDATE snapshots SET created_at = ?", (last.timestamp(),))  # 253402300800.0
    db.close()
    assert list(ds.history(store)["created_at"]) == [last]
