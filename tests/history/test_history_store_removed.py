"""``history`` of a store removed between its check and its open says so and makes no file.

``history`` looked for the file, then opened it with SQLite, which makes a
missing file: a store removed in between (another process cleaning up, a
rotation) became a new, empty database and an empty history. A reader now
opens the file only if it is there (SQLite's ``mode=rw``): the removal is the
documented ``ConfigurationError`` ("no metrics store at …") and no file is left.

The removal is made deterministic by doing it inside the open itself: the
standard library's ``sqlite3.connect``, wrapped, removes the file first.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds

pytest.importorskip("pandas", reason="history needs the pandas extra")


def _store(folder: Path) -> Path:
    """A metrics store ``track`` made, with one snapshot."""
    store = folder / "metrics.db"
    with ds.connect("sandbox", path=folder / "sandbox" / "s.db") as net:
        ds.track([net.publish("counted")], store, networks=[net])
    return store


def _removed_at_open(monkeypatch: pytest.MonkeyPatch, store: Path) -> list[str]:
    """Make ``sqlite3.connect`` remove ``store`` just before it opens anything: the file goes after the
    reader's check, before SQLite sees it. Returns what was removed."""
    real = sqlite3.connect
    removed: list[str] = []

    def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        if store.exists():
            store.unlink()
            removed.append(str(database))
        opened: sqlite3.Connection = real(database, *args, **kwargs)
        return opened

    monkeypatch.setattr(sqlite3, "connect", connect)
    return removed


def test_a_store_removed_after_the_check_is_the_missing_store_error_and_no_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path)
    removed = _removed_at_open(monkeypatch, store)
    with pytest.raises(ds.ConfigurationError, match=r"no metrics store at .*metrics\.db: track"):
        ds.history(store)
    assert removed  # it was there for the check, gone for the open
    assert not store.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sandbox"]  # no store, no journal


def test_a_store_in_a_folder_with_a_quoting_name_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "odd ?#% name"
    folder.mkdir()
    store = _store(folder)
    history = ds.history(store)
    assert list(history["id"].map(type)) == [str]
    assert sorted(p.name for p in folder.iterdir()) == ["metrics.db", "sandbox"]


def test_track_still_makes_a_missing_store(tmp_path: Path) -> None:
    store = tmp_path / "new" / "metrics.db"
    ds.track([], store)
    assert store.is_file()
    assert ds.history(store).empty
