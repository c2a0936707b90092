"""The embedded engine's job store: one SQLite file shared by every worker process on a machine.

A worker claims a due job in one ``BEGIN IMMEDIATE`` transaction, with a
lease; every other change is a transaction too. The file is created if
missing and refused when it is some other database or file.

Durability: plans (``add``, ``move``, ``set_at``: schedule, pause, resume,
cancel, reschedule) are committed with ``synchronous=FULL``, so a plan
survives a power cut once the call returns. A worker's bookkeeping (claims,
lease renewals, records, finishing) is committed in the WAL without waiting
for the disk (``synchronous=NORMAL``): that survives any death of the worker
process (``kill -9``), and a power cut can at worst undo the last moments
of it, so a job runs again and its idempotency keys (whose records are
committed FULL, :mod:`decentsocial.state`) find what was already posted.
Waiting for the disk three times per job was most of the scheduler's
overhead per post.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import errors
from .crisis_backlog import Skip, held_backlog
from .held_jobs import crisis_of, live, resumed_as, stored_time
from .jobs import (
    BY_HAND,
    CRISIS_NOTE,
    UNREADABLE,
    Finished,
    Job,
    OutcomeFields,
    Plan,
    TargetOutcome,
    build_job,
    error_fields,
    next_state,
    paused_end,
    unreadable_job,
)
from .state import immediate_transaction, open_store, store_failures, use_wal

__all__ = ["SQLiteStore"]

#: Marks a SQLite file as a scheduler store.
_MAGIC = "decentsocial-scheduler-1"
#: How long a connection waits for another process's transaction or journal switch.
_TIMEOUT = 30.0

#: Both tables are keyed by text and read by that key, so they are ``WITHOUT ROWID`` (one b-tree per
#: lookup, not the key's index then the table: a claim, check and finish cost about a sixth less).
#: Stores made before that keep their rowid tables; every statement here works on both. Jobs due at
#: one instant run oldest first: the index of due jobs ends with ``created_at`` (a rowid table gave
#: that order by chance; older stores get this index in place of ``jobs_due`` when opened).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL,
    at          REAL NOT NULL,
    every       REAL,
    until       REAL,
    occurrence  INTEGER NOT NULL DEFAULT 0,
    targets     TEXT NOT NULL,
    draft       TEXT NOT NULL,
    created_at  REAL NOT NULL,
    lease_owner TEXT,
    lease_until REAL,
    local_at    TEXT,
    paused_by   TEXT,
    takeovers   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
DROP INDEX IF EXISTS jobs_due;
CREATE INDEX IF NOT EXISTS jobs_soonest ON jobs (status, at, created_at);
CREATE TABLE IF NOT EXISTS outcomes (
    job_id      TEXT NOT NULL,
    occurrence  INTEGER NOT NULL,
    target      TEXT NOT NULL,
    network     TEXT,
    post_ids    TEXT NOT NULL,
    error_type  TEXT,
    error       TEXT,
    finished_at REAL NOT NULL,
    account     TEXT,
    started_by  TEXT,
    PRIMARY KEY (job_id, occurrence, target)
) WITHOUT ROWID;
"""

_SELECT_JOBS = (
    "SELECT id, key, status, at, every, until, occurrence, targets, draft, local_at, takeovers FROM jobs"
)
#: A running job's plan, and whether a target of its occurrence failed (to decide what follows it).
_SELECT_ENDING = (
    "SELECT id, at, every, until, EXISTS (SELECT 1 FROM outcomes AS o WHERE o.job_id = jobs.id"
    " AND o.occurrence = jobs.occurrence AND o.error_type IS NOT NULL), local_at, status FROM jobs"
)
_SELECT_OUTCOMES = (
    "SELECT job_id, target, occurrence, network, post_ids, error_type, error, account, started_by"
    " FROM outcomes"
)
#: The outcomes of the occurrence each job is at (read by its key's prefix): what a worker that
#: claims a job needs. Reading every occurrence made a claim cost grow with the job's history (an
#: every-minute job took about a second per claim after four weeks).
_SELECT_CURRENT_OUTCOMES = (
    "SELECT o.job_id, o.target, o.occurrence, o.network, o.post_ids, o.error_type, o.error, o.account,"
    " o.started_by FROM jobs AS j JOIN outcomes AS o ON o.job_id = j.id AND o.occurrence = j.occurrence"
)


class SQLiteStore:
    """Jobs in the SQLite file ``path`` (see :class:`~decentsocial.jobs.JobStore`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self._store = f"the scheduler store {path}"
        self._lock = threading.Lock()
        self._db = _open(path)

    def close(self) -> None:
        self._db.close()

    def add(self, plan: Plan) -> str:
        with self._transaction("adding a job", durable=True) as db:
            existing = db.execute(
                "SELECT id, draft, at, every, until, targets, local_at FROM jobs WHERE key = ?", (plan.key,)
            ).fetchone()
            if existing is not None:
                _, draft, at, every, until, targets, local_at = existing
                plan.check_same(draft, at, every, until, json.loads(targets), local_at)
                return str(existing[0])
            job_id = uuid.uuid4().hex[:16]
            db.execute(
                "INSERT INTO jobs (id, key, status, at, every, until, targets, draft, created_at, local_at)"
                " VALUES (?, ?, 'scheduled', ?, ?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    plan.key,
                    plan.at,
                    plan.every,
                    plan.until,
                    json.dumps(plan.targets),
                    plan.draft_json,
                    plan.created_at,
                    plan.local_at,
                ),
            )
        return job_id

    def load(self, job_id: str, occurrence: int | None = None) -> Job | None:
        with self._reading("reading a job"):
            row = self._db.execute(_SELECT_JOBS + " WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return None
            if occurrence is None:
                outcomes = self._db.execute(_SELECT_OUTCOMES + " WHERE job_id = ?", (job_id,)).fetchall()
            else:
                outcomes = self._db.execute(
                    _SELECT_OUTCOMES + " WHERE job_id = ? AND occurrence = ?", (job_id, occurrence)
                ).fetchall()
        return _job(row, outcomes)

    def find(self, key: str) -> str | None:
        with self._reading("finding a job by its key"):
            row = self._db.execute("SELECT id FROM jobs WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def load_all(self) -> list[Job]:
        with self._reading("reading the jobs"):
            rows = self._db.execute(_SELECT_JOBS + " ORDER BY at, created_at").fetchall()
            outcomes = self._db.execute(_SELECT_OUTCOMES).fetchall()
        return _jobs(rows, outcomes)

    def move(
        self,
        job_id: str | None,
        sources: tuple[str, ...],
        target: str,
        by: str | None = None,
        held_by: str | None = None,
    ) -> list[str] | None:
        who = (by or BY_HAND) if target == "paused" else None
        with self._transaction("changing the status of jobs", durable=True) as db:
            rows = db.execute(
                "SELECT id, status, coalesce(paused_by, '') FROM jobs WHERE ? IS NULL OR id = ?"
                " ORDER BY at, created_at",
                (job_id, job_id),
            ).fetchall()
            if job_id is not None and not rows:
                return None
            ids = [
                found
                for found, status, paused_by in rows
                if status in sources
                and (held_by is None or paused_by == held_by)
                and (status, paused_by) != (target, who)
            ]
            db.executemany(  # moved to scheduled by a user (resume, retry): its takeovers count anew
                "UPDATE jobs SET status = ?, paused_by = ?,"
                " takeovers = CASE WHEN ? = 'scheduled' THEN 0 ELSE takeovers END WHERE id = ?",
                [(target, who, target, i) for i in ids],
            )
        return ids

    def resume(
        self, job_id: str | None, now: float, held_by: str | None = None, crisis: str | None = None
    ) -> list[str] | None:
        with self._transaction("resuming jobs", durable=True) as db:
            rows = db.execute(
                "SELECT id, status, coalesce(paused_by, ''), lease_owner, lease_until FROM jobs"
                " WHERE ? IS NULL OR id = ? ORDER BY at, created_at",
                (job_id, job_id),
            ).fetchall()
            if job_id is not None and not rows:
                return None
            active = _active_crisis(db)
            held = active is not None and active != crisis
            moves: list[tuple[str, str]] = []
            for found, status, paused_by, owner, lease in rows:
                if status != "paused" or held_by not in (None, paused_by):
                    continue
                leased = stored_time(lease) if owner is not None else None
                # Read only where a worker may still be at it: resuming every job reads no outcomes.
                job = _current_job(db, found) if live(leased, now) else None
                moves.append(("scheduled" if job is None else resumed_as(job, leased, now, held), found))
            db.executemany("UPDATE jobs SET status = ?, paused_by = NULL, takeovers = 0 WHERE id = ?", moves)
        return [found for _, found in moves]

    def skip_held(self, job_id: str, crisis: str, now: float) -> Skip | None:
        with self._transaction("skipping a job a crisis held", durable=True) as db:
            active = _active_crisis(db)
            job = _current_job(db, job_id)
            if job is None:
                return None
            paused_by, owner, lease = db.execute(
                "SELECT coalesce(paused_by, ''), lease_owner, lease_until FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
            leased = stored_time(lease) if owner is not None else None
            then = held_backlog(job, paused_by, leased, crisis, active, now)
            if then is not None:  # handed back ("running"): its worker's lease is as it was
                db.execute("UPDATE jobs SET status = ?, paused_by = NULL WHERE id = ?", (then, job_id))
        return then

    def set_at(self, job_id: str, at: float, local_at: str | None = None) -> bool:
        with self._transaction("moving a job", durable=True) as db:
            changed = db.execute(
                "UPDATE jobs SET at = ?, local_at = coalesce(?, local_at), takeovers = 0"
                " WHERE id = ? AND status IN ('scheduled', 'paused')",
                (at, local_at, job_id),
            ).rowcount
        return bool(changed)

    def claim(self, now: float, lease_until: float, owner: str, limit: int = 1) -> list[Job]:
        with self._transaction("claiming due jobs") as db:
            if db.execute("SELECT 1 FROM meta WHERE name = ?", ("note:" + CRISIS_NOTE,)).fetchone():
                return []  # a crisis holds every job, even one planned since it began
            # Two queries, each read from the index in order: one with an OR sorted every due
            # job on each claim (a claim's cost grew with the number of jobs due).
            due = db.execute(
                "SELECT at, created_at, id FROM jobs WHERE status = 'scheduled' AND at <= ?"
                " ORDER BY at, created_at LIMIT ?",
                (now, limit),
            ).fetchall()
            stale = db.execute(
                "SELECT at, created_at, id FROM jobs WHERE status = 'running' AND lease_until < ?"
                " ORDER BY at, created_at LIMIT ?",
                (now, limit),
            ).fetchall()
            soonest = sorted(due + stale, key=_soonest)[:1]
            # A job taken over from a worker that stopped is claimed alone: if it is the one that
            # stops every worker, the jobs of its batch are not counted (nor given up) with it.
            taken = bool(soonest) and soonest[0] in stale
            ids = [str(job_id) for *_, job_id in (soonest if taken else due)]
            if not ids:
                return []
            db.executemany(
                "UPDATE jobs SET status = 'running', lease_owner = ?, lease_until = ?,"
                " takeovers = takeovers + ? WHERE id = ?",
                [(owner, lease_until, int(taken), job_id) for job_id in ids],
            )
            marks = ",".join("?" * len(ids))
            rows = db.execute(f"{_SELECT_JOBS} WHERE id IN ({marks})", ids).fetchall()
            outcomes = db.execute(f"{_SELECT_CURRENT_OUTCOMES} WHERE j.id IN ({marks})", ids).fetchall()
        order = {job_id: n for n, job_id in enumerate(ids)}
        return _jobs(sorted(rows, key=lambda row: order[row[0]]), outcomes)

    def renew(self, job_id: str, owner: str, lease_until: float) -> bool:
        with self._transaction("renewing a lease") as db:
            changed = db.execute(
                "UPDATE jobs SET lease_until = ? WHERE id = ? AND status = 'running' AND lease_owner = ?",
                (lease_until, job_id, owner),
            ).rowcount
        return changed == 1

    def holds(self, job_id: str, owner: str) -> bool:
        with self._reading("checking a lease"):
            return _held(self._db, job_id, owner)

    def record(
        self, job_id: str, occurrence: int, outcome: TargetOutcome, when: float, owner: str | None = None
    ) -> bool:
        with self._transaction("recording an outcome") as db:
            if owner is not None and not _held(db, job_id, owner):
                return False  # paused, cancelled or taken over since its worker's check: no mark
            db.execute(_INSERT_OUTCOME, _outcome_row(job_id, occurrence, outcome, when))
        return True

    def finish(self, owner: str, finished: Sequence[Finished], now: float) -> list[str]:
        if not finished:
            return []
        with self._transaction("ending jobs") as db:
            return _finish(db, owner, finished, now)

    # ---- notes (the active crisis): rows of ``meta`` named ``note:…``, beside the format marker

    def note(self, name: str) -> str | None:
        with self._reading("reading a note"):
            row = self._db.execute("SELECT value FROM meta WHERE name = ?", ("note:" + name,)).fetchone()
        return None if row is None else str(row[0])

    def swap_note(self, name: str, old: str | None, new: str | None) -> bool:
        key = "note:" + name
        with self._transaction("changing a note", durable=True) as db:
            row = db.execute("SELECT value FROM meta WHERE name = ?", (key,)).fetchone()
            if (None if row is None else str(row[0])) != old:
                return False
            if new is None:
                db.execute("DELETE FROM meta WHERE name = ?", (key,))
            else:
                db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (key, new))
            return True

    @contextmanager
    def _transaction(self, doing: str, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """One immediate transaction; ``durable`` commits it waiting for the disk (see the module's notes).

        A failure of SQLite's (the file held by another process past the timeout, a full disk) rolls
        it back and is ``NetworkUnavailable`` saying what was being done."""
        with self._lock, store_failures(self._store, doing, _TIMEOUT):
            if durable:
                self._db.execute("PRAGMA synchronous=FULL")
            try:
                with immediate_transaction(self._db, threading.Lock()) as db:
                    yield db
            finally:
                if durable:
                    self._db.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def _reading(self, doing: str) -> Iterator[None]:
        """Reads under the connection's lock; SQLite's failures as in :meth:`_transaction`."""
        with self._lock, store_failures(self._store, doing, _TIMEOUT):
            yield


def _finish(db: sqlite3.Connection, owner: str, finished: Sequence[Finished], now: float) -> list[str]:
    """End the occurrences in ``finished`` (a few statements for the whole batch, not a few per job)."""
    db.executemany(_INSERT_OUTCOME, [_outcome_row(job_id, *last) for job_id, last, _ in finished if last])
    ids = [job_id for job_id, _, _ in finished]
    ran_at = {job_id: claimed for job_id, _, claimed in finished}
    marks = ",".join("?" * len(ids))
    # Paused after its last target began, still under this claim (a pause keeps the lease's owner):
    # every target is done, so the occurrence ends too; the others were cancelled or taken over.
    rows = db.execute(
        f"{_SELECT_ENDING} WHERE id IN ({marks}) AND status IN ('running', 'paused') AND lease_owner = ?",
        (*ids, owner),
    ).fetchall()
    following: list[tuple[float, str, str]] = []
    ended: list[tuple[str, str]] = []
    ending: list[str] = []
    for job_id, at, every, until, failed, local_at, status in rows:
        if status == "paused":
            held = paused_end(at, every, until, bool(failed), now, local_at, ran_at[job_id])
            if held is None or held.following is None:
                continue  # nothing follows it: left paused, its resume ends it
            following.append((held.following, status, job_id))
        else:  # at a time a reschedule set while it was paused (its resume handed it back): the next post
            plan = (at, every, until, bool(failed), now, local_at)
            then = paused_end(*plan, ran_at[job_id]) or next_state(*plan)
            if then.following is not None:
                following.append((then.following, "scheduled", job_id))
            else:
                ended.append((then.status, job_id))
        ending.append(job_id)
    db.executemany(
        "UPDATE jobs SET at = ?, status = ?, occurrence = occurrence + 1,"
        " lease_owner = NULL, lease_until = NULL, takeovers = 0 WHERE id = ?",
        following,
    )
    db.executemany(
        "UPDATE jobs SET status = ?, lease_owner = NULL, lease_until = NULL, takeovers = 0 WHERE id = ?",
        ended,
    )
    return ending


def _held(db: sqlite3.Connection, job_id: str, owner: str) -> bool:
    """Whether the job is running under ``owner``'s lease (read on ``db``, in its transaction if any)."""
    row = db.execute(
        "SELECT 1 FROM jobs WHERE id = ? AND status = 'running' AND lease_owner = ?", (job_id, owner)
    ).fetchone()
    return row is not None


def _active_crisis(db: sqlite3.Connection) -> str | None:
    """The id of the active crisis (its note), read in the transaction of ``db``; ``None``: none."""
    note = db.execute("SELECT value FROM meta WHERE name = ?", ("note:" + CRISIS_NOTE,)).fetchone()
    return None if note is None else crisis_of(note[0])


def _current_job(db: sqlite3.Connection, job_id: str) -> Job | None:
    """The job with the outcomes of the occurrence it is at, read in the transaction of ``db``."""
    row = db.execute(_SELECT_JOBS + " WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        return None
    outcomes = db.execute(_SELECT_OUTCOMES + " WHERE job_id = ? AND occurrence = ?", (job_id, row[6]))
    return _job(row, outcomes.fetchall())


_INSERT_OUTCOME = (
    "INSERT OR REPLACE INTO outcomes (job_id, occurrence, target, network, post_ids,"
    " error_type, error, finished_at, account, started_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _outcome_row(
    job_id: str, occurrence: int, outcome: TargetOutcome, finished_at: float
) -> tuple[object, ...]:
    error = outcome.error
    return (
        job_id,
        occurrence,
        outcome.target,
        outcome.network,
        json.dumps(outcome.post_ids),
        None if error is None else type(error).__name__,
        None if error is None else json.dumps(error_fields(error)),
        finished_at,
        outcome.account,
        outcome.started_by,
    )


def _open(path: Path) -> sqlite3.Connection:
    """The store at ``path``: created if missing, refused if it is some other file."""

    def prepare(db: sqlite3.Connection) -> None:
        tables = _tables(db, path)
        use_wal(db, _TIMEOUT)
        db.execute("PRAGMA synchronous=NORMAL")  # a worker's bookkeeping; plans are committed FULL
        if not tables:
            _create(db, path)
        db.executescript(_SCHEMA)  # writes nothing to a store already in this layout
        if tables and "local_at" not in {r[1] for r in db.execute("PRAGMA table_info(jobs)")}:
            _add_column(db, "jobs", "local_at TEXT")  # a store made before rhythms on a zone's clock
        if tables and "account" not in {r[1] for r in db.execute("PRAGMA table_info(outcomes)")}:
            _add_column(db, "outcomes", "account TEXT")  # made before outcomes named the account
        if tables and "started_by" not in {r[1] for r in db.execute("PRAGMA table_info(outcomes)")}:
            _add_column(db, "outcomes", "started_by TEXT")  # made before a publish under way was marked
        if tables and "paused_by" not in {r[1] for r in db.execute("PRAGMA table_info(jobs)")}:
            _add_column(db, "jobs", "paused_by TEXT")  # made before a pause recorded who paused
        if tables and "takeovers" not in {r[1] for r in db.execute("PRAGMA table_info(jobs)")}:
            _add_column(db, "jobs", "takeovers INTEGER NOT NULL DEFAULT 0")  # made before they were counted

    what = "a decentsocial scheduler store"
    return open_store(path, what, _TIMEOUT, prepare, isolation_level=None, check_same_thread=False)


def _soonest(row: tuple[Any, ...]) -> tuple[float, float, str]:
    """A due job's place in line: its time, then when it was planned. A damaged record (a time
    that is text) comes first, as in a listing, so that the worker claiming it marks it failed;
    sorting it with the others raised ``TypeError`` in every worker's claim."""
    at, created_at, job_id = row
    return _number(at), _number(created_at), str(job_id)


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else float("-inf")


def _tables(db: sqlite3.Connection, path: Path) -> set[str]:
    """The tables of the file (none: a new file); ``ConfigurationError`` when it is another database."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and "meta" not in tables:
        raise errors.ConfigurationError(f"{path} is a database, but not a decentsocial scheduler store")
    if tables:
        magic = db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
        if magic is None or magic[0] != _MAGIC:
            raise errors.ConfigurationError(f"{path} is not a decentsocial scheduler store")
    return tables


def _create(db: sqlite3.Connection, path: Path) -> None:
    """Make the new file a store: its tables and its mark in one transaction.

    Made table by table, another process opening the file at the same moment
    (workers started together on a new store) found tables without the mark
    and refused the file as "not a decentsocial scheduler store". A store
    already marked opens without this write, so with no lock to wait for.
    """
    with immediate_transaction(db, threading.Lock()):
        if _tables(db, path):
            return  # made by another process while this one waited for the lock
        for statement in filter(str.strip, _SCHEMA.split(";")):
            db.execute(statement)
        db.execute("INSERT INTO meta (name, value) VALUES ('format', ?)", (_MAGIC,))


def _add_column(db: sqlite3.Connection, table: str, column: str) -> None:
    """Add ``column`` to ``table`` (a process opening the same old store at once may have)."""
    try:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
    except sqlite3.OperationalError as exc:
        if "duplicate column" not in str(exc):
            raise


def _jobs(rows: list[tuple[Any, ...]], outcomes: list[tuple[Any, ...]]) -> list[Job]:
    """The jobs of ``rows`` (in their order), each with its rows of ``outcomes``."""
    by_job: dict[str, list[tuple[Any, ...]]] = {}
    for outcome in outcomes:
        by_job.setdefault(outcome[0], []).append(outcome)
    return [_job(row, by_job.get(row[0], [])) for row in rows]


def _job(row: tuple[Any, ...], outcomes: list[tuple[Any, ...]]) -> Job:
    """The job of ``row``; one whose record cannot be read is reported failed (see
    :func:`~decentsocial.jobs.unreadable_job`), never raised: the other jobs stay readable."""
    job_id, key, status, at, every, until, occurrence, targets, draft, local_at, takeovers = row
    fields = {
        "id": job_id,
        "key": key,
        "status": status,
        "at": at,
        "every": every,
        "until": until,
        "occurrence": occurrence,
        "targets": targets,
        "draft": draft,
        "local_at": local_at,
        "takeovers": takeovers,
    }
    recorded: list[OutcomeFields] = []
    try:
        for _, target, n, network, post_ids, error_type, error, account, started_by in outcomes:
            recorded.append(
                (
                    target,
                    n,
                    network,
                    json.loads(post_ids),  # checked to be a list of text by build_job (never tuple("abc"))
                    error_type,
                    None if error is None else json.loads(error),
                    account,
                    started_by,
                )
            )
        return build_job({**fields, "targets": json.loads(targets)}, recorded)
    except UNREADABLE as exc:
        return unreadable_job(str(job_id), fields, exc, recorded)  # with the outcomes read before
