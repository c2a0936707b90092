"""A metrics store rebuilt by another process while this one looks at its layout is read as one layout.

The layout is the ``snapshots`` columns and the ``user_version``: read by two statements, a rebuild
(``track`` in another process, upgrading a first-layout store) committed between them showed the first
layout's columns with the new version, and the store was refused as "not a decentsocial metrics store"
by ``history`` (a notebook reading while a ``track --interval`` loop upgrades) and by a second ``track``.

The other process is placed exactly there with SQLite's own statement trace: when this connection
starts reading the version, the real ``check_store`` (``track``'s open) rebuilds the store through
a connection of its own. Nothing of the SDK is replaced.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pandas", reason="history needs the pandas extra")

import decentsocial as ds
from decentsocial.engagement import check_store

from .test_engagement_store_layout import _first_layout_store, _layout


@pytest.fixture
def rebuilt_meanwhile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A first-layout store, rebuilt by another connection the moment the next connection opened on it
    starts a statement that reads ``user_version``."""
    store = tmp_path / "old.db"
    _first_layout_store(store, [("sandbox", "00000000000000aa", 2), ("mastodon", "20", 3)])
    real_connect = sqlite3.connect
    armed = [True]

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        db: sqlite3.Connection = real_connect(*args, **kwargs)
        if armed[0]:
            armed[0] = False  # this connection only: the rebuilding one is not traced

            def trace(statement: str) -> None:
                if "user_version" in statement and not rebuilt:
                    rebuilt.append(True)
                    check_store(store)  # another process's track opening the store: it rebuilds it

            rebuilt: list[bool] = []
            db.set_trace_callback(trace)
        return db

    monkeypatch.setattr(sqlite3, "connect", connect)
    yield store
    monkeypatch.undo()
    assert _layout(store)[1] == 2, "the store was not rebuilt meanwhile"


def test_history_reads_a_store_rebuilt_while_it_opened_it(rebuilt_meanwhile: Path) -> None:
    frame = ds.history(rebuilt_meanwhile)  # before: ConfigurationError, "not a decentsocial metrics store"
    assert sorted(frame["likes"]) == [2, 3]


def test_track_opens_a_store_another_track_rebuilt_meanwhile(rebuilt_meanwhile: Path) -> None:
    check_store(rebuilt_meanwhile)  # before: ConfigurationError, "not a decentsocial metrics store"
    assert sorted(ds.history(rebuilt_meanwhile)["likes"]) == [2, 3]
