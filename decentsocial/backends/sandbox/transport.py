"""The sandbox's SQLite database: schema, transactions, the shared clock and the economy.

One :class:`Store` owns one ``sqlite3`` connection and a lock. Every
operation runs in one transaction under that lock (``BEGIN IMMEDIATE`` for
writes, so a failed write leaves nothing behind and concurrent writers in
other processes queue on SQLite's own lock). Networks made with
``as_account`` share their Store; ``close`` closes the connection when the
last of them closes.

Times are stored as integer microseconds since the Unix epoch (UTC) and
amounts as integer thousandths of the sandbox asset, so ordering and sums
are exact.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from ...errors import ConfigurationError, NetworkUnavailable
from ...models import Amount
from .settings import AMOUNT_PLACES, SandboxSettings

__all__ = ["Economy", "Store", "from_us", "to_us"]

NETWORK = "sandbox"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_UNIT = Decimal(10) ** AMOUNT_PLACES

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
"""

#: Communities every new sandbox starts with (id, title, description).
SEED_COMMUNITIES = (
    ("general", "General", "Anything goes: introductions, questions, announcements."),
    ("python", "Python", "Python code, libraries and tools."),
    ("photography", "Photography", "Pictures and how they were made."),
)


def to_us(value: datetime) -> int:
    """A tz-aware datetime as integer microseconds since the epoch."""
    return (value - EPOCH) // timedelta(microseconds=1)


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


@dataclass(frozen=True)
class Economy:
    """The reward rules of one sandbox database (fixed when the database is created)."""

    asset: str
    like_units: int
    payout_delay_us: int
    starting_units: int

    def amount(self, units: int) -> Amount:
        """Thousandths of the asset as an ``Amount`` ("1.000 SAND")."""
        return Amount(value=Decimal(units).scaleb(-AMOUNT_PLACES), asset=self.asset)

    @staticmethod
    def units(value: Decimal) -> int:
        return int(value * _UNIT)


def _economy_meta(settings: SandboxSettings) -> dict[str, str]:
    return {
        "asset": settings.asset,
        "like_reward": str(Economy.units(settings.like_reward)),
        "payout_delay": str(settings.payout_delay // timedelta(microseconds=1)),
        "starting_balance": str(Economy.units(settings.starting_balance)),
    }


class Store:
    """One SQLite connection shared by the networks of one sandbox, with its lock."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.path = settings.path
        self.timeout = settings.timeout
        self.lock = threading.RLock()
        self.users = 0
        self._connection: sqlite3.Connection | None = None
        self._economy: Economy | None = None

    @property
    def economy(self) -> Economy:
        if self._economy is None:  # pragma: no cover - attach() sets it before any use
            raise ConfigurationError("the sandbox database is not open", network=NETWORK)
        return self._economy

    # ---------------------------------------------------------------- lifecycle

    def _open(self) -> sqlite3.Connection:
        if self._connection is not None:
            return self._connection
        target = ":memory:" if self.path is None else str(self.path)
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                target, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise ConfigurationError(
                f"cannot open the sandbox database {target}: {exc}", network=NETWORK
            ) from exc
        conn.row_factory = sqlite3.Row
        try:
            if self.path is not None:
                self._use_wal(conn)
                conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            conn.close()
            raise ConfigurationError(
                f"cannot use the sandbox database {target}: {exc}", network=NETWORK
            ) from exc
        self._connection = conn
        return conn

    def _use_wal(self, conn: sqlite3.Connection) -> None:
        """Switch the file to WAL, waiting up to ``timeout`` for other connections.

        Changing the journal mode needs a moment of exclusive access, and SQLite
        answers "database is locked" at once rather than calling its busy
        handler, so several processes opening a new file together must retry.
        """
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            try:
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.1)

    def attach(self, settings: SandboxSettings, explicit: set[str]) -> None:
        """Open the database if needed, create the schema, check the economy, create the account."""
        with self.write() as db:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            meta = {row["key"]: row["value"] for row in db.execute("SELECT key, value FROM meta")}
            wanted = _economy_meta(settings)
            if "asset" not in meta:
                db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", wanted.items())
                now = self.now_us(db)
                db.executemany(
                    "INSERT OR IGNORE INTO communities (id, title, description, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    [(cid, title, text, now) for cid, title, text in SEED_COMMUNITIES],
                )
                meta.update(wanted)
            else:
                for key, value in wanted.items():
                    if key in explicit and meta[key] != value:
                        raise ConfigurationError(
                            f"this sandbox database was created with a different {key}; "
                            "connect without that setting (the database keeps its own)",
                            network=NETWORK,
                        )
            self._economy = Economy(
                asset=meta["asset"],
                like_units=int(meta["like_reward"]),
                payout_delay_us=int(meta["payout_delay"]),
                starting_units=int(meta["starting_balance"]),
            )
            if settings.now is not None:
                self._set_meta(db, "clock_frozen", str(to_us(settings.now)))
                self._set_meta(db, "clock_offset", "0")
            self.ensure_account(db, settings.account, settings.display_name)

    def ensure_account(self, db: sqlite3.Connection, handle: str, display_name: str | None) -> None:
        db.execute(
            "INSERT OR IGNORE INTO accounts (handle, display_name, bio, created_at, balance)"
            " VALUES (?, ?, NULL, ?, ?)",
            (handle, display_name, self.now_us(db), self.economy.starting_units),
        )
        if display_name is not None:
            db.execute("UPDATE accounts SET display_name = ? WHERE handle = ?", (display_name, handle))

    def close(self) -> None:
        with self.lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    # ---------------------------------------------------------------- transactions

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back on any error."""
        with self._transaction("BEGIN IMMEDIATE") as db:
            yield db

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a consistent snapshot for the block."""
        with self._transaction("BEGIN") as db:
            yield db

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        with self.lock:
            conn = self._open()
            try:
                conn.execute(begin)
            except sqlite3.OperationalError as exc:
                raise NetworkUnavailable(
                    f"the sandbox database is busy: {exc}", network=NETWORK, retryable=True
                ) from exc
            try:
                yield conn
            except sqlite3.Error as exc:
                self._rollback(conn)
                raise NetworkUnavailable(
                    f"sandbox database error, nothing was written: {exc}", network=NETWORK
                ) from exc
            except BaseException:
                self._rollback(conn)
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback(conn)
                raise NetworkUnavailable(
                    f"sandbox commit failed, nothing was written: {exc}", network=NETWORK, retryable=True
                ) from exc

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    # ---------------------------------------------------------------- the clock

    @staticmethod
    def _set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @staticmethod
    def now_us(db: sqlite3.Connection) -> int:
        """Sandbox time: the frozen instant (or real time) plus every ``advance_time``."""
        rows = {
            row["key"]: row["value"]
            for row in db.execute("SELECT key, value FROM meta WHERE key IN ('clock_frozen', 'clock_offset')")
        }
        base = int(rows["clock_frozen"]) if "clock_frozen" in rows else to_us(datetime.now(timezone.utc))
        return base + int(rows.get("clock_offset", "0"))

    def advance(self, db: sqlite3.Connection, microseconds: int) -> int:
        row = db.execute("SELECT value FROM meta WHERE key = 'clock_offset'").fetchone()
        offset = (int(row["value"]) if row else 0) + microseconds
        self._set_meta(db, "clock_offset", str(offset))
        return self.now_us(db)
