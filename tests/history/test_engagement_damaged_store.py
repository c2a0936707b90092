"""Metrics stores damaged or not ours: a ``ConfigurationError`` naming the file, and the file as it was.

Before, another program's database with a ``snapshots`` table had ``track`` add its rows to that table
and ``history`` raise ``NetworkUnavailable``; a store damaged on disk was ``NetworkUnavailable`` too
(not retryable, and no network in it); a garbled row was a bare ``JSONDecodeError``, ``TypeError``….
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds

from ..handles import open_handles

pytest.importorskip("pandas", reason="history needs the pandas extra")


def _store(folder: Path, posts: int = 3) -> Path:
    store = folder / "metrics.db"
    with ds.connect("sandbox", path=folder / "s.db") as net:
        ds.track([net.publish(f"post {i}") for i in range(posts)], store, networks=[net])
    return store


def test_another_programs_snapshots_table_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    other = tmp_path / "backups.db"
    with sqlite3.connect(other) as db:  # twelve columns, as a metrics store's: the rows would fit
        db.execute("CREATE TABLE snapshots (a, b, c, d, e, f, g, h, i, j, k, l)")
        db.execute("INSERT INTO snapshots VALUES (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)")
    db.close()
    before = other.read_bytes()
    with ds.connect("sandbox", path=tmp_path / "s.db") as net:
        post = net.publish("tracked into the wrong file")
    with pytest.raises(ds.ConfigurationError, match="not a decentsocial metrics store"):
        ds.history(other)
    with pytest.raises(ds.ConfigurationError, match="not a decentsocial metrics store"):
        ds.track([post], other)
    assert other.read_bytes() == before
    assert open_handles(other) == 0


def test_a_store_damaged_on_disk_is_a_configuration_error(tmp_path: Path) -> None:
    store = _store(tmp_path, posts=50)
    data = bytearray(store.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    assert len(data) > 2 * page
    data[page:] = b"\xde\xad" * ((len(data) - page) // 2)  # every page but the first (the schema)
    store.write_bytes(bytes(data))
    with pytest.raises(ds.ConfigurationError, match=r"metrics store .*metrics\.db is damaged \(.*malformed"):
        ds.history(store)
    assert store.read_bytes() == data
    assert open_handles(store) == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("rewards", "not json"),
        ("rewards", "null"),
        ("rewards", '["SAND"]'),
        ("rewards", '{"SAND": "abc"}'),
        ("rewards", '{"SAND": "-1.000"}'),
        ("rewards", '{"SAND": null}'),
        ("taken_at", "yesterday"),
        ("likes", "many"),
        ("likes", 2.5),
    ],
)
def test_a_row_another_program_garbled_is_a_configuration_error(
    tmp_path: Path, column: str, value: Any
) -> None:
    store = _store(tmp_path)
    with sqlite3.connect(store) as db:
        db.execute(f"UPDATE snapshots SET {column} = ? WHERE rowid = 2", (value,))
    db.close()
    before = store.read_bytes()
    with pytest.raises(ds.ConfigurationError, match=r"metrics store .*metrics\.db is damaged"):
        ds.history(store)
    assert store.read_bytes() == before
