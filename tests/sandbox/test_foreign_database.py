"""A file that is another program's SQLite database is a ``ConfigurationError``, and stays untouched.

Its tables of our names lack our columns, so every statement failed with "no such column",
reported as ``NetworkUnavailable`` (retryable: "the database is busy"), which no retry can fix.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from decentsocial import ConfigurationError

from .conftest import sandbox


def _tables(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    finally:
        conn.close()


@pytest.mark.parametrize(
    "schema",
    [
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT)",
        "CREATE TABLE meta (name TEXT, data BLOB)",
        "CREATE TABLE accounts (handle TEXT PRIMARY KEY, email TEXT)",
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT)",  # no table of our names at all
    ],
)
def test_another_programs_database_is_a_configuration_error(tmp_path: Path, schema: str) -> None:
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.execute(schema)
    conn.commit()
    conn.close()
    before = _tables(db)
    net = sandbox(path=db, account="alice")
    with pytest.raises(ConfigurationError, match="not a sandbox database") as caught:
        net.publish("hello")
    assert not caught.value.retryable
    net.close()
    assert _tables(db) == before  # nothing of the sandbox was written into it


def test_a_sandbox_file_opens_again(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    first = sandbox(path=db, account="alice")
    post = first.publish("hello")
    first.close()
    again = sandbox(path=db, account="bob")
    assert again.get_post(post.id).text == "hello"
    again.close()


@pytest.mark.parametrize(
    "damage",
    [
        "DELETE FROM meta WHERE key = 'like_reward'",
        "UPDATE meta SET value = 'lots' WHERE key = 'starting_balance'",
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('clock_offset', 'soon')",
    ],
)
def test_a_damaged_sandbox_file_is_a_configuration_error(tmp_path: Path, damage: str) -> None:
    """A KeyError or ValueError escaped, untyped, from every call."""
    db = tmp_path / "demo.db"
    first = sandbox(path=db, account="alice")
    first.publish("hello")
    first.close()
    conn = sqlite3.connect(db)
    conn.execute(damage)
    conn.commit()
    conn.close()
    net = sandbox(path=db, account="alice")
    with pytest.raises(ConfigurationError, match="damaged"):
        net.publish("again")
    net.close()
