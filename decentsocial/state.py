"""Idempotency records in one SQLite file that every connection and every process shares.

Exactly-once publishing needs a memory that outlives the process: which
idempotency key stood for which draft, and what that publish already made.
:class:`StateStore` keeps these records in a SQLite file (WAL mode, one
short ``BEGIN IMMEDIATE`` transaction per change), so two processes
retrying the same key on one file see each other's records, and a restart
with default settings forgets nothing.

Where: the ``state_path`` setting every backend shares, else
``$DECENTSOCIAL_STATE_DIR/state.db``, else ``state.db`` in the user's data
directory. The file holds keys, fingerprints of drafts and the ids of what
was made, never secrets.

Records are scoped by target (``"mastodon:<identity of the account>"``), so
one key used with two accounts stands for two publishes.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, ClassVar

from .errors import ConfigurationError, InvalidInput, NetworkUnavailable
from .paths import home_path

__all__ = [
    "StateStore",
    "default_state_path",
    "immediate_transaction",
    "open_store",
    "store_failures",
    "use_wal",
]

log = logging.getLogger("decentsocial.state")

#: Records older than this are forgotten (a retry a month later is a new publish).
KEEP_SECONDS = 30 * 86400
#: How often a store held open (a bot running for months) forgets them again, on a claim.
FORGET_EVERY = 86400.0

#: Where a store keeps its own identity (see :attr:`StateStore.identity`); it is never forgotten.
_IDENTITY = ("decentsocial:state", "identity")
_NEVER = 1e15

#: How long one connection waits for another process's transaction or journal switch.
_TIMEOUT = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    scope    TEXT NOT NULL,
    key      TEXT NOT NULL,
    digest   TEXT NOT NULL,
    data     TEXT NOT NULL,
    saved_at REAL NOT NULL,
    PRIMARY KEY (scope, key)
)
"""


def use_wal(db: sqlite3.Connection, timeout: float) -> None:
    """Switch the file behind ``db`` to WAL, waiting up to ``timeout`` seconds for other connections.

    Changing the journal mode needs a moment of exclusive access, and SQLite
    answers "database is locked" at once rather than calling its busy
    handler, so several processes opening a new file together must retry.
    A file already in WAL (the mode is kept in the file) is left as it is.
    """
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            mode = db.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _locked(exc) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def _locked(exc: sqlite3.Error) -> bool:
    """Whether SQLite refused for a lock another connection holds (not for what the file is)."""
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def open_store(
    path: Path,
    what: str,
    timeout: float,
    prepare: Callable[[sqlite3.Connection], None],
    *,
    missing: str | None = None,
    **options: Any,
) -> sqlite3.Connection:
    """``path`` opened (its folder made) with ``options`` and made ready by ``prepare``, which checks
    the file is ``what``. On any failure the connection is closed, so a refused file is not held
    open, and SQLite's or the file system's error becomes a ``ConfigurationError`` saying why.

    ``missing`` (a reader's open): the file must be there already, and nothing is made, neither it
    nor its folder: SQLite opens it ``mode=rw``, and a file gone (removed since the caller looked)
    is a ``ConfigurationError`` with ``missing`` as its message, not a new empty store."""
    _check_path(path, what)
    db: sqlite3.Connection | None = None
    try:
        if missing is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=timeout, **options)
        else:
            db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", timeout=timeout, uri=True, **options)
        prepare(db)
    except BaseException as exc:
        if db is not None:
            db.close()
        if missing is not None and isinstance(exc, sqlite3.OperationalError) and not path.exists():
            raise ConfigurationError(missing) from None
        if isinstance(exc, (sqlite3.DatabaseError, OSError)):
            raise _open_error(path, exc, what, timeout) from exc
        raise
    return db


def _check_path(path: Path | str, what: str) -> None:
    """``ConfigurationError`` for a path no file can have (a NUL character in it): the file system's
    calls raise a bare ``ValueError`` for it, which is no error of the SDK's."""
    if "\x00" in str(path):
        raise ConfigurationError(
            f"{str(path)!r} cannot be used as {what}: a path cannot hold a NUL character"
        )


def _open_error(path: Path, exc: sqlite3.Error | OSError, what: str, timeout: float) -> ConfigurationError:
    """Why a store's file did not open: another process held it past ``timeout``, it is some other
    file, or it cannot be made or used there (a folder in its place, a read-only or full disk)."""
    if isinstance(exc, sqlite3.Error) and _locked(exc):
        return ConfigurationError(f"{path} stayed locked by another process for {timeout:g} s ({exc})")
    if isinstance(exc, OSError) or any(words in str(exc) for words in _CANNOT_USE):
        return ConfigurationError(f"{path} cannot be used as {what} ({exc})")
    return ConfigurationError(f"{path} is not {what} ({exc})")


#: SQLite's words for a file it cannot open or write where it is (not for a file of another kind).
_CANNOT_USE = ("unable to open", "readonly", "disk is full", "disk I/O error")


@contextmanager
def store_failures(
    store: str, doing: str, timeout: float, *, network: str | None = None, retryable: bool | None = None
) -> Iterator[None]:
    """A SQLite failure in the block, once the store ``store`` (its kind and path) is open, as
    ``NetworkUnavailable`` naming the store, what it was ``doing`` and why: another process held
    the file past ``timeout`` (retryable unless ``retryable`` says otherwise), a full or read-only
    disk. Put it around a transaction that rolls back on failure (:func:`immediate_transaction`,
    a connection's ``with``), so the error leaves nothing half done."""
    try:
        yield
    except sqlite3.Error as exc:
        locked = _locked(exc)
        why = f"stayed locked by another process for {timeout:g} s" if locked else "failed"
        raise NetworkUnavailable(
            f"{store} {why} while {doing} ({exc})",
            network=network,
            retryable=locked if retryable is None else retryable,
        ) from exc


@contextmanager
def immediate_transaction(db: sqlite3.Connection, lock: threading.Lock) -> Iterator[sqlite3.Connection]:
    """One ``BEGIN IMMEDIATE`` transaction on ``db`` (autocommit mode), under ``lock``: committed, or
    rolled back on any exception. Every process writing one file waits its turn instead of failing."""
    with lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # the block failed, or the commit did (a full disk): nothing is kept
                db.execute("ROLLBACK")
            raise


def default_state_path() -> Path:
    """``$DECENTSOCIAL_STATE_DIR/state.db``, else ``state.db`` in the user's data directory.

    ``~`` in the variable is the home folder, as in ``DECENTSOCIAL_CONFIG`` and a ``state_path``: set
    where no shell expands it (a service's environment, a ``.env`` file), it made a folder named ``~``
    under whatever folder the process started in, so a bot started elsewhere forgot its keys and
    published them again. Spaces around it (a value mounted from a file ends in a newline) are not
    part of the folder's name, and a blank value is no value.
    """
    folder = os.environ.get("DECENTSOCIAL_STATE_DIR", "").strip()
    if folder:
        return home_path(folder, "DECENTSOCIAL_STATE_DIR") / "state.db"
    import platformdirs

    return Path(platformdirs.user_data_dir("decentsocial", appauthor=False)) / "state.db"


def _prepare(db: sqlite3.Connection) -> None:
    """Make the file a state store (WAL, the table) and forget records past ``KEEP_SECONDS``."""
    use_wal(db, _TIMEOUT)
    db.execute(_SCHEMA)
    _forget_old(db)


def _forget_old(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM records WHERE saved_at < ?", (time.time() - KEEP_SECONDS,))


class StateStore:
    """Records keyed by ``(scope, key)``: a fingerprint (``digest``) and a JSON object of what was made."""

    _open: ClassVar[dict[Path, StateStore]] = {}
    _open_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        created = not os.path.exists(path)  # a name too long is no OSError here: open_store says why
        what = "a decentsocial state file"
        self._db = open_store(path, what, _TIMEOUT, _prepare, isolation_level=None, check_same_thread=False)
        self._forgot_at = time.monotonic()
        if created:
            os.chmod(path, 0o600)

    @classmethod
    def open(cls, path: Path | str | None = None) -> StateStore:
        """The store at ``path`` (default: :func:`default_state_path`), shared within this process."""
        what = "a decentsocial state file"
        if path is not None:
            _check_path(path, what)
        file = home_path(path, what) if path is not None else default_state_path()
        try:
            resolved = file.resolve()
        except (OSError, RuntimeError) as exc:  # a name too long, a loop of symbolic links (RuntimeError)
            raise ConfigurationError(f"{file} cannot be used as {what} ({exc})") from None
        with cls._open_lock:
            store = cls._open.get(resolved)
            if store is None:
                store = cls._open[resolved] = cls(resolved)
            return store

    @functools.cached_property
    def identity(self) -> str:
        """A random id made once and kept in this file: it tells two stores apart even at one path
        on two machines (a job taken over elsewhere cannot find what this store recorded)."""
        with self._failures("reading the store's identity"), self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO records (scope, key, digest, data, saved_at)"
                " VALUES (?, ?, ?, '{}', ?)",
                (*_IDENTITY, uuid.uuid4().hex, _NEVER),
            )
            row = db.execute("SELECT digest FROM records WHERE scope = ? AND key = ?", _IDENTITY).fetchone()
        return str(row[0])

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return immediate_transaction(self._db, self._lock)

    def _failures(self, doing: str, network: str | None = None) -> AbstractContextManager[None]:
        """A SQLite failure in the block (a lock held past the timeout, a full or read-only disk) as
        ``NetworkUnavailable``, not retryable: around a write it cannot say whether the write was
        made, so a key is kept, never given back, and the retry policy does not repeat the write."""
        store = f"the idempotency store {self.path}"
        return store_failures(store, doing, _TIMEOUT, network=network, retryable=False)

    def claim(
        self, scope: str, key: str, digest: str, *, network: str | None = None, legacy: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        """Make ``key`` stand for ``digest`` in ``scope``; return what an earlier claim recorded.

        ``None`` means this is the key's first use (the caller goes ahead).
        A key already standing for another digest is ``InvalidInput``: one
        key, one draft (as Stripe refuses a key reused with other parameters).
        ``legacy`` are digests of the same content an older version took: a key
        claimed with one of them matches too (its record is left as it is).
        A store held open for days forgets month-old records here, once every
        ``FORGET_EVERY`` seconds, as opening it does: the file stays the size of a month.
        """
        with self._failures("claiming a key; nothing was sent", network), self._transaction() as db:
            if time.monotonic() - self._forgot_at >= FORGET_EVERY:
                _forget_old(db)
                self._forgot_at = time.monotonic()
            row = db.execute(
                "SELECT digest, data FROM records WHERE scope = ? AND key = ?", (scope, key)
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO records (scope, key, digest, data, saved_at) VALUES (?, ?, ?, '{}', ?)",
                    (scope, key, digest, time.time()),
                )
                return None
        if row[0] != digest and row[0] not in legacy:
            raise InvalidInput(
                "this idempotency_key was already used with different content; use a new key", network=network
            )
        return self._record(row[1], key, network)

    def take_lease(
        self, scope: str, key: str, owner: str, until: float, now: float, *, network: str | None = None
    ) -> float | None:
        """Hold ``key`` in ``scope`` for ``owner`` until ``until``; ``None`` when taken, else the time
        another owner's lease ends (a lease past its end is taken over: its holder died).

        ``owner`` taking its own lease again renews it: its end moves to ``until``. Nothing renews a
        lease yet (each publish is a fresh owner); the rule is kept so that a long publish can.
        """
        with self._failures("taking a key's lease; nothing was sent", network), self._transaction() as db:
            row = db.execute(
                "SELECT digest, data FROM records WHERE scope = ? AND key = ?", (scope, key)
            ).fetchone()
            if row is not None and row[0] != owner:
                held = self._record(row[1], key, network).get("until")
                if isinstance(held, (int, float)) and held > now:
                    return float(held)
            db.execute(
                "INSERT OR REPLACE INTO records (scope, key, digest, data, saved_at) VALUES (?, ?, ?, ?, ?)",
                (scope, key, owner, json.dumps({"until": until}), now),
            )
        return None

    def end_lease(self, scope: str, key: str, owner: str) -> None:
        """Let go of ``owner``'s lease of ``key``; a store that cannot is logged (the lease ends anyway)."""
        try:
            with self._failures("ending a key's lease"), self._transaction() as db:
                db.execute(
                    "DELETE FROM records WHERE scope = ? AND key = ? AND digest = ?", (scope, key, owner)
                )
        except NetworkUnavailable as exc:
            log.warning("%s; the lease of key %r ends by itself", exc.message, key)

    def get(self, scope: str, key: str) -> tuple[str, dict[str, Any]] | None:
        """The digest and data recorded under ``key``, or ``None``."""
        with self._failures("reading a key"), self._lock:
            row = self._db.execute(
                "SELECT digest, data FROM records WHERE scope = ? AND key = ?", (scope, key)
            ).fetchone()
        return None if row is None else (row[0], self._record(row[1], key))

    def put(self, scope: str, key: str, digest: str, data: dict[str, Any]) -> None:
        """Record ``data`` under ``key`` (replacing what was there)."""
        with self._failures("recording what a key made"), self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO records (scope, key, digest, data, saved_at) VALUES (?, ?, ?, ?, ?)",
                (scope, key, digest, json.dumps(data), time.time()),
            )

    def drop(self, scope: str, key: str) -> None:
        """Forget ``key`` (its publish failed for good, so the key may start afresh).

        Called while a refusal is being raised, so a store that cannot do it
        is logged, not raised: the refusal stays the caller's error, and the
        key stays claimed (used again, it resumes; with other content it is
        refused as reused), which never makes a second post.
        """
        try:
            with self._failures("giving a key back"), self._transaction() as db:
                db.execute("DELETE FROM records WHERE scope = ? AND key = ?", (scope, key))
        except NetworkUnavailable as exc:
            log.warning("%s; the key %r stays claimed", exc.message, key)

    def swap(
        self,
        scope: str,
        key: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
        digest: str,
        *,
        keep: bool = False,
    ) -> bool:
        """Set ``key``'s data to ``new`` under ``digest`` (``None`` forgets it) if it is ``old`` (``None``:
        absent), in one transaction; whether it was set. A record that cannot be read counts as ``{}``.

        ``keep``: the record is left out of the cleanup of month-old records until it is changed
        (a state that lasts until someone ends it, such as a crisis)."""
        with self._failures("changing a record"), self._transaction() as db:
            row = db.execute("SELECT data FROM records WHERE scope = ? AND key = ?", (scope, key)).fetchone()
            if row is None:
                current: dict[str, Any] | None = None
            else:
                try:
                    current = json.loads(row[0])
                except ValueError:
                    current = {}
            if current != old:
                return False
            if new is None:
                db.execute("DELETE FROM records WHERE scope = ? AND key = ?", (scope, key))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO records (scope, key, digest, data, saved_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (scope, key, digest, json.dumps(new), _NEVER if keep else time.time()),
                )
        return True

    def items(self, scope: str, prefix: str = "") -> list[tuple[str, str, dict[str, Any]]]:
        """Every ``(key, digest, data)`` in ``scope`` whose key starts with ``prefix``."""
        with self._failures("reading keys"), self._lock:
            rows = self._db.execute(
                "SELECT key, digest, data FROM records WHERE scope = ? AND substr(key, 1, ?) = ?",
                (scope, len(prefix), prefix),
            ).fetchall()
        return [(key, digest, self._record(data, key)) for key, digest, data in rows]

    def _record(self, text: str, key: str, network: str | None = None) -> dict[str, Any]:
        """A record's data as kept (a JSON object); one that is not (a damaged or hand-edited file)
        is ``ConfigurationError`` naming the key, never a bare ``ValueError`` nor some other value
        its readers would trip over. A claimed key stays claimed: nothing is published again."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise ConfigurationError(
                f"the idempotency store {self.path} holds a record for {key!r} this version cannot read;"
                " look for what it was about before using that key again",
                network=network,
            )
        return data
