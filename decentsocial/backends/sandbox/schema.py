"""The sandbox database's shape and its ``meta`` rows: tables, economy and the shared clock.

:func:`attach` creates the tables on first use, fixes the economy of a new
database (and refuses a connection that explicitly asks for a different
one), and creates the connection's account. The clock is kept in ``meta``
too, so every connection to a database, in any process, sees one time.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from ...errors import ConfigurationError, InvalidInput
from ...models import normalise_tags
from .convert import FIRST_US, LAST_US, Economy, from_us, to_us
from .settings import ASSET, MAX_LIKE_REWARD, MAX_STARTING_BALANCE, NETWORK, SandboxSettings
from .transport import Tx

__all__ = ["SCHEMA", "SEED_COMMUNITIES", "advance", "attach", "ensure_account", "now_us"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    handle TEXT PRIMARY KEY,
    display_name TEXT,
    bio TEXT,
    created_at INTEGER NOT NULL,
    balance INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS posts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    folded TEXT NOT NULL,
    title TEXT,
    created_at INTEGER NOT NULL,
    reply_to TEXT,
    root_id TEXT,
    quote_of TEXT,
    community TEXT,
    tags TEXT NOT NULL,
    mentions TEXT NOT NULL,
    links TEXT NOT NULL,
    media TEXT NOT NULL,
    language TEXT,
    content_warning TEXT,
    visibility TEXT NOT NULL,
    extra TEXT NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX IF NOT EXISTS posts_by_author ON posts (author, created_at, seq);
CREATE INDEX IF NOT EXISTS posts_by_time ON posts (created_at, seq);
CREATE INDEX IF NOT EXISTS posts_by_root ON posts (root_id);
CREATE INDEX IF NOT EXISTS posts_by_parent ON posts (reply_to);
CREATE INDEX IF NOT EXISTS posts_by_quote ON posts (quote_of);
CREATE INDEX IF NOT EXISTS posts_by_community ON posts (community, created_at, seq);
CREATE TABLE IF NOT EXISTS post_tags (
    tag TEXT NOT NULL,
    post_seq INTEGER NOT NULL,
    PRIMARY KEY (tag, post_seq)
);
CREATE TABLE IF NOT EXISTS idempotency (
    account TEXT NOT NULL,
    key TEXT NOT NULL,
    post_seq INTEGER NOT NULL,
    digest TEXT,
    PRIMARY KEY (account, key)
);
CREATE TABLE IF NOT EXISTS tip_keys (
    account TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    receipt TEXT NOT NULL,
    PRIMARY KEY (account, key)
);
CREATE TABLE IF NOT EXISTS votes (
    post_seq INTEGER NOT NULL,
    voter TEXT NOT NULL,
    weight REAL NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_seq, voter)
);
CREATE TABLE IF NOT EXISTS reposts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    post_seq INTEGER NOT NULL,
    account TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (post_seq, account)
);
CREATE INDEX IF NOT EXISTS reposts_by_account ON reposts (account, created_at);
CREATE TABLE IF NOT EXISTS follows (
    follower TEXT NOT NULL,
    followee TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (follower, followee)
);
CREATE INDEX IF NOT EXISTS follows_by_followee ON follows (followee);
CREATE TABLE IF NOT EXISTS communities (
    id TEXT PRIMARY KEY,
    title TEXT,
    description TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS memberships (
    community TEXT NOT NULL,
    account TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (community, account)
);
CREATE TABLE IF NOT EXISTS accruals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    post_seq INTEGER NOT NULL,
    author TEXT NOT NULL,
    voter TEXT NOT NULL,
    units INTEGER NOT NULL,
    earned_at INTEGER NOT NULL,
    claimable_at INTEGER NOT NULL,
    claimed_at INTEGER,
    UNIQUE (post_seq, voter)
);
CREATE INDEX IF NOT EXISTS accruals_by_author ON accruals (author, claimable_at);
CREATE TABLE IF NOT EXISTS transfers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    units INTEGER NOT NULL,
    memo TEXT NOT NULL,
    post_seq INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS transfers_by_post ON transfers (post_seq);
CREATE TABLE IF NOT EXISTS notifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT,
    post_seq INTEGER,
    units INTEGER,
    accrual_seq INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_by_recipient ON notifications (recipient, created_at, seq);
CREATE TABLE IF NOT EXISTS pins (
    account TEXT NOT NULL,
    post_seq INTEGER NOT NULL,
    pinned_at INTEGER NOT NULL,
    PRIMARY KEY (account, post_seq)
);
"""

#: Communities every new sandbox starts with (id, title, description).
SEED_COMMUNITIES = (
    ("general", "General", "Anything goes: introductions, questions, announcements."),
    ("python", "Python", "Python code, libraries and tools."),
    ("photography", "Photography", "Pictures and how they were made."),
)


def attach(tx: Tx, settings: SandboxSettings, explicit: set[str]) -> Economy:
    """Create the schema if needed, check the economy, set a frozen clock, create the account.

    ``explicit`` names the settings the caller passed: only those are
    compared with the economy of an existing database.
    """
    _check_columns(tx)
    for statement in SCHEMA.split(";"):
        if statement.strip():
            tx.run(statement)
    _add_missing_columns(tx)
    meta = {row["key"]: row["value"] for row in tx.all("SELECT key, value FROM meta")}
    wanted = Economy.meta(settings)
    existing = not wanted.keys().isdisjoint(meta)  # any row of an economy: one lost is damage, not new
    if not existing:
        tx.many("INSERT INTO meta (key, value) VALUES (?, ?)", wanted.items())
        now = now_us(tx)
        tx.many(
            "INSERT OR IGNORE INTO communities (id, title, description, created_at) VALUES (?, ?, ?, ?)",
            [(cid, title, text, now) for cid, title, text in SEED_COMMUNITIES],
        )
        meta.update(wanted)
    else:
        for key, value in wanted.items():
            if key in explicit and meta.get(key) != value:
                raise ConfigurationError(
                    f"this sandbox database was created with a different {key}; "
                    "connect without that setting (the database keeps its own)",
                    network=NETWORK,
                )
    clock = ("clock_frozen", "clock_offset")  # absent until a clock is frozen or advanced
    for key in ("like_reward", "payout_delay", "starting_balance", *clock):
        if not _integer(meta.get(key, "0" if key in clock else None)):
            raise _damaged(f"its {key!r} is missing or not a whole number")
    if not re.fullmatch(ASSET, meta.get("asset") or ""):
        raise _damaged("its 'asset' is missing or not an asset's name")
    economy = Economy.from_meta(meta)
    # Values no connection's settings can give: each failed, untyped, in SQLite or in a datetime.
    for key, units, most in (
        ("like_reward", economy.like_units, Economy.units(MAX_LIKE_REWARD)),
        ("starting_balance", economy.starting_units, Economy.units(MAX_STARTING_BALANCE)),
        ("payout_delay", economy.payout_delay_us, None),
    ):
        if units < 0 or (most is not None and units > most):
            raise _damaged(f"its {key!r} is out of range")
    if not FIRST_US <= now_us(tx) <= LAST_US:
        raise _damaged("its clock is outside the calendar (years 1 to 9999)")
    if settings.now is not None:
        frozen, current = to_us(settings.now), now_us(tx)
        if existing and frozen < current:  # every post, vote and claim after it would vanish
            raise ConfigurationError(
                f"this sandbox's clock is at {from_us(current).isoformat()} and only moves forward: "
                "connect without now (or with a later one)",
                network=NETWORK,
            )
        _set_meta(tx, "clock_frozen", str(frozen))
        _set_meta(tx, "clock_offset", "0")
    if meta.get("tag_form") != _TAG_FORM:
        _normalise_tags(tx)
    ensure_account(tx, economy, settings.account, settings.display_name)
    return economy


#: The form of the tags ``posts`` and ``post_tags`` hold: ``normalise_tag``'s (NFC, lower-case).
_TAG_FORM = "nfc-lower"


def _normalise_tags(tx: Tx) -> None:
    """Tags an earlier version kept lower-cased only ("cafe" + U+0301, typed on a Mac) in the form a
    search or a tag stream now asks for: once per database, marked in ``meta``."""
    for row in tx.all("SELECT seq, tags FROM posts WHERE tags != '[]'"):
        try:
            tags = json.loads(row["tags"])
        except (TypeError, ValueError):
            continue  # not ours to mend: read as it is
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            continue
        clean = list(normalise_tags(tags))
        if clean != tags:
            tx.run("UPDATE posts SET tags = ? WHERE seq = ?", (json.dumps(clean), row["seq"]))
            tx.run("DELETE FROM post_tags WHERE post_seq = ?", (row["seq"],))
            tx.many("INSERT INTO post_tags (tag, post_seq) VALUES (?, ?)", [(t, row["seq"]) for t in clean])
    _set_meta(tx, "tag_form", _TAG_FORM)


def _damaged(what: str) -> ConfigurationError:
    """The error for a file whose ``meta`` no sandbox wrote: no retry mends it."""
    return ConfigurationError(f"this sandbox database is damaged: {what}", network=NETWORK)


def _integer(text: str | None) -> bool:
    try:
        int(text or "")
    except ValueError:
        return False
    return True


#: Columns added after a table was first released: a database made before them gets them here.
_ADDED_COLUMNS = (("idempotency", "digest", "TEXT"),)


def _add_missing_columns(tx: Tx) -> None:
    for table, column, kind in _ADDED_COLUMNS:
        if not any(row["name"] == column for row in tx.all(f"PRAGMA table_info({table})")):
            tx.run(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


#: Each table of ``SCHEMA`` and its columns (a constraint such as ``PRIMARY KEY (…)`` is no column).
_COLUMNS = {
    table: {part.split()[0] for part in re.split(r",(?![^()]*\))", body)} - {"PRIMARY", "UNIQUE"}
    for table, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\);", SCHEMA, re.S)
}


#: Tables every sandbox database has had from the first release (later ones are added when missing).
_FIRST_TABLES = {"meta", "accounts", "posts"}


def _check_columns(tx: Tx) -> None:
    """``ConfigurationError`` for a file whose tables of our names are another program's.

    Every statement would fail on it ("no such column"); that is no busy database to retry.
    A table not there yet is made by ``SCHEMA``, a column added since by ``_add_missing_columns``.
    """
    tables = {row["name"] for row in tx.all("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and not tables >= _FIRST_TABLES:  # another program's file: nothing of ours is added to it
        raise ConfigurationError(
            f"this file is not a sandbox database: it holds other tables ({', '.join(sorted(tables)[:5])}); "
            "give the sandbox a path of its own",
            network=NETWORK,
        )
    added = {(table, column) for table, column, _ in _ADDED_COLUMNS}
    for table, wanted in _COLUMNS.items():
        have = {row["name"] for row in tx.all(f"PRAGMA table_info({table})")}
        missing = sorted(c for c in wanted - have if (table, c) not in added)
        if have and missing:
            raise ConfigurationError(
                f"this file is not a sandbox database: its table {table!r} has no column {missing[0]!r}; "
                "give the sandbox a path of its own",
                network=NETWORK,
            )


def ensure_account(tx: Tx, economy: Economy, handle: str, display_name: str | None) -> None:
    """Create ``handle`` with the starting balance if it is new; set its display name if given."""
    tx.run(
        "INSERT OR IGNORE INTO accounts (handle, display_name, bio, created_at, balance)"
        " VALUES (?, ?, NULL, ?, ?)",
        (handle, display_name, now_us(tx), economy.starting_units),
    )
    if display_name is not None:
        tx.run("UPDATE accounts SET display_name = ? WHERE handle = ?", (display_name, handle))


def _set_meta(tx: Tx, key: str, value: str) -> None:
    tx.run(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def now_us(tx: Tx) -> int:
    """Sandbox time: the frozen instant (or real time) plus every ``advance_time``."""
    rows = {
        row["key"]: row["value"]
        for row in tx.all("SELECT key, value FROM meta WHERE key IN ('clock_frozen', 'clock_offset')")
    }
    base = int(rows["clock_frozen"]) if "clock_frozen" in rows else to_us(datetime.now(timezone.utc))
    return base + int(rows.get("clock_offset", "0"))


def advance(tx: Tx, microseconds: int) -> int:
    """Move the clock of this database forward; the new sandbox time.

    ``InvalidInput`` (and the clock unchanged) if that would pass the end of the calendar (year 9999).
    """
    if microseconds > LAST_US - now_us(tx):  # the sandbox clock stops short of the calendar's end
        raise InvalidInput("the sandbox clock cannot go past the year 9999", network=NETWORK)
    row = tx.one("SELECT value FROM meta WHERE key = 'clock_offset'")
    offset = (int(row["value"]) if row else 0) + microseconds
    _set_meta(tx, "clock_offset", str(offset))
    return now_us(tx)
