"""``history`` of a store whose text another program wrote as bytes: a ``ConfigurationError`` saying the
store is damaged, and the file as it was.

Before, a BLOB in a text column (``network``, ``id``, ``author``, ``reward_status``) that is no UTF-8 was
a bare ``UnicodeDecodeError`` from pandas, one that is UTF-8 was taken for text (``b"abc"`` read as
``abc``), and a text column holding bytes that are no UTF-8 (``CAST(x'ff' AS TEXT)``) was
``NetworkUnavailable`` ("failed while reading snapshots"), as if trying again could help. And an error
kept (Jupyter keeps the last one, ``sys.last_value``) about a damaged row in the middle of the store
(rewards that are no JSON) held the store's file open: its traceback held the cursor, its statement
still running.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import decentsocial as ds

from ..handles import open_handles

pytest.importorskip("pandas", reason="history needs the pandas extra")


def _store(folder: Path) -> Path:
    store = folder / "metrics.db"
    with ds.connect("sandbox", path=folder / "s.db") as net:
        ds.track([net.publish(f"post {i}") for i in range(3)], store, networks=[net])
    return store


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("network", "x'fffe'"),  # a BLOB that is no UTF-8
        ("id", "x'c3'"),
        ("author", "x'ff'"),
        ("reward_status", "x'ff'"),
        ("id", "x'616263'"),  # a BLOB that happens to be UTF-8 ("abc"): bytes still, not what track wrote
        ("rewards", """CAST('{"SAND": "1.000"}' AS BLOB)"""),
        ("likes", "x'31'"),
        ("network", "CAST(x'fffe' AS TEXT)"),  # text in no UTF-8: sqlite3 cannot read the row
        ("author", "CAST(x'ff' AS TEXT)"),
        ("rewards", "CAST(x'ff' AS TEXT)"),
    ],
)
def test_text_another_program_wrote_as_bytes_is_a_damaged_store(
    tmp_path: Path, column: str, value: str
) -> None:
    store = _store(tmp_path)
    with sqlite3.connect(store) as db:
        db.execute(f"UPDATE snapshots SET {column} = {value} WHERE rowid = 2")
    db.close()
    before = store.read_bytes()
    with pytest.raises(ds.ConfigurationError, match=r"metrics store .*metrics\.db is damaged \(") as caught:
        ds.history(store)
    assert column in str(caught.value)
    assert store.read_bytes() == before
    assert open_handles(store) == 0


def test_the_same_store_reads_once_its_row_is_text_again(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with sqlite3.connect(store) as db:
        (author,) = db.execute("SELECT author FROM snapshots WHERE rowid = 2").fetchone()
        db.execute("UPDATE snapshots SET author = x'ff' WHERE rowid = 2")
    db.close()
    with pytest.raises(ds.ConfigurationError, match="is damaged"):
        ds.history(store)
    with sqlite3.connect(store) as db:
        db.execute("UPDATE snapshots SET author = ? WHERE rowid = 2", (author,))
    db.close()
    frame = ds.history(store)
    assert len(frame) == 3
    assert list(frame["author"]) == [author] * 3


def test_a_kept_error_about_a_row_in_the_middle_holds_no_file_open(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with sqlite3.connect(store) as db:
        db.execute("UPDATE snapshots SET rewards = 'not json' WHERE rowid = 2")
    db.close()
    kept: list[BaseException] = []
    try:
        ds.history(store)
    except ds.ConfigurationError as exc:
        kept.append(exc)  # as Jupyter keeps the last error, its traceback and the frames in it
    assert len(kept) == 1
    assert "is damaged" in str(kept[0])
    assert open_handles(store) == 0
