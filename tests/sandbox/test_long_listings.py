"""A listing of the sandbox's own rows is not capped at ``limits.max_pages`` (a guard against servers).

With 20 posts a page, an account with over 200,000 posts could not be listed to the end:
``NetworkUnavailable`` "a listing ran past 10000 pages", though nothing was wrong.
"""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

import pytest

from decentsocial import NetworkUnavailable

from .conftest import sandbox

#: One more post than 10,000 pages of 20 hold.
MANY = 10_000 * 20 + 5


def _bulk_posts(db: Path, author: str, count: int) -> None:
    """Rows as ``store.publish`` writes them, inserted at once (publishing 200,000 takes too long)."""
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO posts (id, author, text, folded, created_at, tags, mentions, links, media,"
            " visibility, extra) VALUES (?, ?, ?, ?, ?, '[]', '[]', '[]', '[]', 'public', '{}')",
            ((secrets.token_hex(8), author, f"post {i}", f"post {i}", 1_000_000 + i) for i in range(count)),
        )
    conn.close()


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("long") / "crowded.db"
    first = sandbox(path=db, account="alice")
    first.me()
    first.close()
    _bulk_posts(db, "alice", MANY)
    return db


def test_every_post_is_listed(crowded: Path) -> None:
    net = sandbox(path=crowded, account="alice")
    count = sum(1 for _ in net.posts(limit=None))
    assert count == MANY
    net.close()


def test_an_explicit_max_pages_still_applies(crowded: Path) -> None:
    net = sandbox(path=crowded, account="alice", limits={"max_pages": 3})
    with pytest.raises(NetworkUnavailable, match="max_pages"):
        sum(1 for _ in net.posts(limit=None))
    net.close()
