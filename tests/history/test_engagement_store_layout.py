"""A metrics store of the first layout (snapshots keyed by ``(network, id, taken_at)``) keeps working.

``track`` rebuilds it in the layout that keys a post by its identity, in one transaction, keeping every
row; the next snapshot of a Mastodon post with a link takes its old rows, so its history goes on as one.
``history`` only reads: it reads such a store as it is (``url`` missing) and leaves the file as it was.
A store of a later layout is refused, by ``history`` and ``track``, and left as it is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pandas", reason="history needs the pandas extra")

import decentsocial as ds

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def _ys(line: Any) -> list[float]:
    """A drawn line's values."""
    return [float(y) for y in line.get_ydata()]


#: The table the previous version of ``track`` made.
FIRST_LAYOUT = """
CREATE TABLE snapshots (
    network       TEXT NOT NULL,
    id            TEXT NOT NULL,
    taken_at      REAL NOT NULL,
    created_at    REAL NOT NULL,
    author        TEXT NOT NULL,
    likes         INTEGER,
    reposts       INTEGER,
    replies       INTEGER,
    quotes        INTEGER,
    views         INTEGER,
    reward_status TEXT,
    rewards       TEXT NOT NULL,
    PRIMARY KEY (network, id, taken_at)
)
"""


def _first_layout_store(path: Path, rows: list[tuple[str, str, int]]) -> None:
    """A store as the previous version left it: ``(network, id, likes)`` snapshots taken at ``T0``."""
    with sqlite3.connect(path) as db:
        db.execute(FIRST_LAYOUT)
        db.executemany(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, 0, 0, NULL, NULL, NULL, '{}')",
            [
                (net, ident, T0.timestamp(), (T0 - HOUR).timestamp(), "alice", likes)
                for net, ident, likes in rows
            ],
        )
    db.close()


def _layout(path: Path) -> tuple[list[str], int]:
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(snapshots)")]
        (version,) = db.execute("PRAGMA user_version").fetchone()
    db.close()
    return columns, version


def test_history_reads_a_first_layout_store_as_it_is_and_leaves_it(tmp_path: Path) -> None:
    store = tmp_path / "old.db"
    _first_layout_store(store, [("sandbox", "00000000000000aa", 2), ("mastodon", "20", 3)])
    before = store.read_bytes()
    frame = ds.history(store)
    assert sorted(frame["likes"]) == [2, 3]
    assert frame["url"].isna().all()  # no link known yet
    assert store.read_bytes() == before  # a reader never writes
    assert _layout(store)[1] == 0


@pytest.fixture
def brand(tmp_path: Path) -> Iterator[ds.Network]:
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as net:
        yield net


def test_track_rebuilds_a_first_layout_store_keeping_its_rows(tmp_path: Path, brand: ds.Network) -> None:
    post = brand.publish("launch")
    store = tmp_path / "old.db"
    _first_layout_store(store, [("sandbox", post.id, 2), ("mastodon", "20", 3)])
    ds.track([post], store, networks=[brand], now=T0 + HOUR)
    columns, version = _layout(store)
    assert columns[-2:] == ["url", "post"]
    assert version == 2
    frame = ds.history(store)
    assert list(frame["likes"]) == [3, 2, 0]  # the old rows kept, oldest first, and the new one
    assert list(frame[frame["id"] == post.id]["url"].isna()) == [True, False]
    ds.track([post], store, networks=[brand], now=T0 + 2 * HOUR)  # rebuilt once: now it is used as it is
    assert len(ds.history(store)) == 4


def test_a_mastodon_posts_first_layout_rows_join_its_history(tmp_path: Path) -> None:
    pytest.importorskip("mastodon", reason="the Mastodon backend needs the mastodon extra")
    pytest.importorskip("matplotlib", reason="the plots need the plot extra")
    from tests.history.test_engagement_post_identity import _status
    from tests.mastodon.test_hostile import net_for
    from tests.servers.mastodon_hostile import answer, hostile_server

    store = tmp_path / "old.db"
    _first_layout_store(store, [("mastodon", "20", 3)])
    with hostile_server() as server:
        server.respond = lambda method, path: answer(_status(server, "20", 5))
        net = net_for(server)
        try:
            post = net.get_post("20")
            ds.track([post], store, networks=[net], now=T0 + HOUR)
        finally:
            net.close()
    frame = ds.history(store)
    assert list(frame["url"]) == [post.url, post.url]  # the old snapshot is this post's now
    (line,) = ds.plot.engagement(frame, by="post").axes[0].get_lines()
    assert _ys(line) == [3, 5]


def test_a_store_of_a_later_layout_is_refused_and_left_as_it_is(tmp_path: Path, brand: ds.Network) -> None:
    store = tmp_path / "later.db"
    ds.track([brand.publish("launch")], store, networks=[brand], now=T0)
    with sqlite3.connect(store) as db:
        db.execute("PRAGMA user_version = 3")
    db.close()
    before = store.read_bytes()
    for call in (lambda: ds.history(store), lambda: ds.track([], store)):
        with pytest.raises(ds.ConfigurationError, match="another decentsocial version"):
            call()
    assert store.read_bytes() == before
