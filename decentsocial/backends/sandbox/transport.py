"""The sandbox's wire: one SQLite connection, its lock, and transactions.

For the sandbox, the "server" is a SQLite database (the standard library's
``sqlite3``, in memory or in a file), so this is the only module that opens
connections and runs statements. One :class:`Transport` owns one
``sqlite3`` connection and a lock; every operation runs in one transaction
under that lock (``BEGIN IMMEDIATE`` for writes, so a failed write leaves
nothing behind and writers in other processes queue on SQLite's own lock),
through a :class:`Tx`. The SQL itself lives in ``store`` and ``ledger``.

Networks made with ``as_account`` share their Transport, each holding a
:class:`Lease`; the connection closes when the last lease is released, by
``close()`` or when a connection nobody closed is collected or the
interpreter exits.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...state import use_wal
from .convert import Record, fold
from .failures import sqlite_failures

__all__ = ["Lease", "Params", "Transport", "Tx"]

#: Bound parameters: positional (``?``) or named (``:name``). Values never go into SQL text.
Params = Sequence[Any] | Mapping[str, Any]


class Tx:
    """One open transaction: the only way the rest of the package runs SQL."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def one(self, sql: str, params: Params = ()) -> Record | None:
        """The first row of a query, or ``None``."""
        row: Record | None = self._conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Params = ()) -> list[Record]:
        """Every row of a query."""
        return list(self._conn.execute(sql, params).fetchall())

    def run(self, sql: str, params: Params = ()) -> int:
        """Run a statement; how many rows it changed (0 for an ``INSERT OR IGNORE`` that ignored)."""
        return self._conn.execute(sql, params).rowcount

    def insert(self, sql: str, params: Params = ()) -> int:
        """Run an ``INSERT``; the new row's ``rowid``."""
        rowid = self._conn.execute(sql, params).lastrowid
        if rowid is None:  # pragma: no cover - an INSERT always sets it
            raise RuntimeError("the sandbox database returned no row id")
        return rowid

    def many(self, sql: str, rows: Iterable[Params]) -> None:
        """Run a statement once per parameter set."""
        self._conn.executemany(sql, rows)


class Transport:
    """One SQLite connection shared by the networks of one sandbox, with its lock.

    ``path`` ``None`` is an in-memory database, private to this Transport.
    ``connect`` does no I/O: the connection opens with the first transaction.
    """

    def __init__(self, path: Path | None, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        #: Names an in-memory database for its whole life (an ``id()`` is reused once it is freed).
        self.name = f"memory-{secrets.token_hex(16)}" if path is None else str(path)
        #: Held for a whole transaction; also guards ``users`` and one-time setup.
        self.lock = threading.RLock()
        self.users = 0
        self._connection: sqlite3.Connection | None = None

    @property
    def target(self) -> str:
        """What ``sqlite3.connect`` opens: the file, or ``":memory:"``."""
        return ":memory:" if self.path is None else str(self.path)

    def lease(self) -> Lease:
        """Count one more network on this connection; release the lease when that network is done."""
        with self.lock:
            self.users += 1
        return Lease(self)

    def _open(self) -> sqlite3.Connection:
        if self._connection is not None:
            return self._connection
        with sqlite_failures("open", self.target):
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.target, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
        conn.row_factory = sqlite3.Row
        # SQLite's lower() folds ASCII only: searches fold "Über" and "ÜBER" as Python does (``fold``).
        conn.create_function("casefold", 1, _casefold, deterministic=True)
        try:
            with sqlite_failures("configure", self.target):
                if self.path is not None:
                    use_wal(conn, self.timeout)
                    conn.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            conn.close()
            raise
        self._connection = conn
        return conn

    def close(self) -> None:
        """Close the connection now (an in-memory database is gone with it)."""
        with self.lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One write transaction: committed when the block ends, rolled back on any error."""
        with self._transaction("BEGIN IMMEDIATE") as tx:
            yield tx

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """One read transaction: a consistent snapshot for the block."""
        with self._transaction("BEGIN") as tx:
            yield tx

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[Tx]:
        with self.lock:
            conn = self._open()
            with sqlite_failures("begin", self.target):
                conn.execute(begin)
            try:
                with sqlite_failures("work", self.target):
                    yield Tx(conn)
            except BaseException:
                self._rollback(conn)
                raise
            try:
                with sqlite_failures("commit", self.target):
                    conn.execute("COMMIT")
            except BaseException:
                self._rollback(conn)
                raise

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def _casefold(text: str | None) -> str | None:
    return None if text is None else fold(str(text))


class Lease:
    """One network's share of a :class:`Transport`; the last release closes the connection.

    Holds no reference to the network, so it can be released when the
    network is garbage-collected; releasing twice counts once.
    """

    __slots__ = ("_transport",)

    def __init__(self, transport: Transport) -> None:
        self._transport: Transport | None = transport

    @property
    def released(self) -> bool:
        """Whether this share is given back (the network is closed)."""
        return self._transport is None

    def release(self) -> None:
        """Give this share back; close the connection if it was the last one."""
        transport = self._transport
        if transport is None:
            return
        with transport.lock:
            if self._transport is None:
                return
            self._transport = None
            transport.users -= 1
            if transport.users <= 0:
                transport.close()
