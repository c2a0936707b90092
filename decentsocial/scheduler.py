"""Campaigns that run themselves: jobs in a durable store, run by workers, never lost or doubled.

::

    sched = ds.Scheduler("campaign.db")
    job = sched.schedule(draft, ["brand-mastodon", "brand-bluesky"], at=when)
    sched.run()                       # a worker in this process (or: decentsocial worker --store campaign.db)

A job names its targets by profile (see :mod:`decentsocial.config`), never
holds a secret: the worker that runs it connects through its own config.
Jobs live in a SQLite file (created if missing); any number of workers, in
any number of processes, share it:

* a worker **claims** a due job in one ``BEGIN IMMEDIATE`` transaction, with
  a lease; a worker that dies (``kill -9``) leaves a lease that expires, and
  the next worker takes the job over;
* every target publishes with an idempotency key derived from the job's key
  and the occurrence (and, inside :func:`~decentsocial.crosspost`, from the
  target and the part), and what a target has already published is read
  from the job's record before anything is sent, so a job taken over never
  posts twice;
* pausing or cancelling a running job lets it finish the target in flight
  and stops before the next.

``every`` makes a job recur (evergreen posts): each occurrence has its own
derived key and its own outcomes, until ``until``.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from . import errors
from .models import Draft, as_draft

__all__ = ["Job", "JobStatus", "Scheduler", "TargetOutcome"]

JobStatus = Literal["scheduled", "paused", "running", "done", "failed", "cancelled"]
STATUSES: tuple[str, ...] = ("scheduled", "paused", "running", "done", "failed", "cancelled")

#: The shortest interval of a recurring job.
MIN_EVERY = timedelta(minutes=1)
#: How far in the past ``at`` may be and still mean "now" (clocks differ a little).
PAST_GRACE = timedelta(seconds=5)
#: Marks a SQLite file as a scheduler store.
_MAGIC = "decentsocial-scheduler-1"

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
    lease_until REAL
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (status, at);
CREATE TABLE IF NOT EXISTS outcomes (
    job_id      TEXT NOT NULL,
    occurrence  INTEGER NOT NULL,
    target      TEXT NOT NULL,
    network     TEXT,
    post_ids    TEXT NOT NULL,
    error_type  TEXT,
    error       TEXT,
    finished_at REAL NOT NULL,
    PRIMARY KEY (job_id, occurrence, target)
);
"""


@dataclass(frozen=True)
class TargetOutcome:
    """What one target of one occurrence of a job did: the posts made (a thread's every part) or the error."""

    target: str
    occurrence: int
    network: str | None
    post_ids: tuple[str, ...]
    error: errors.DecentSocialError | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Job:
    """A scheduled publish: what, where (profile names), when, and what it has done so far.

    ``outcomes`` is the campaign's record, kept after the job is done: per
    target and occurrence, the post ids made or the typed error.
    """

    id: str
    status: JobStatus
    at: datetime
    targets: tuple[str, ...]
    key: str
    draft: Draft
    every: timedelta | None = None
    until: datetime | None = None
    occurrence: int = 0
    outcomes: tuple[TargetOutcome, ...] = ()

    @property
    def post_ids(self) -> list[str]:
        """Every post this job has made, target by target."""
        return [pid for outcome in self.outcomes for pid in outcome.post_ids]


class Scheduler:
    """Jobs in a durable store, and the embedded worker that runs them.

    ``store`` is a SQLite file path (created if missing). ``lease`` is how
    long a worker holds a job before another may take it over (it is
    renewed before every target). ``now`` gives the current time (tests
    pass a clock they control).
    """

    def __init__(
        self,
        store: str | Path,
        *,
        lease: float = 300.0,
        poll_interval: float = 1.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if isinstance(store, str) and store.startswith(("redis://", "rediss://")):
            raise errors.ConfigurationError(
                "a Redis store is for the Celery engine, which this version does not have yet"
            )
        if lease <= 0 or poll_interval <= 0:
            raise errors.InvalidInput("lease and poll_interval must be positive numbers of seconds")
        self.path = Path(store).expanduser()
        self.lease = lease
        self.poll_interval = poll_interval
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()
        self._db = _open(self.path)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def __repr__(self) -> str:
        return f"<Scheduler {str(self.path)!r}>"

    def close(self) -> None:
        """Close the store."""
        self._db.close()

    # ---------------------------------------------------------------- planning

    def schedule(
        self,
        draft: Draft | str,
        targets: Sequence[str],
        at: datetime,
        *,
        every: timedelta | float | None = None,
        until: datetime | None = None,
        key: str | None = None,
    ) -> Job:
        """Plan ``draft`` for the profiles ``targets`` at ``at`` (tz-aware); nothing is stored on bad input.

        ``key`` (default: the draft's ``idempotency_key``, else a new one)
        makes scheduling itself exactly-once: scheduling the same key and
        draft again returns the job already planned; the same key with
        another draft or plan is ``InvalidInput``.
        """
        d = as_draft(draft)
        names = self._check_targets(targets)
        when = self._check_time(at, "at")
        interval = _interval(every)
        end = None if until is None else self._check_time(until, "until")
        if end is not None and interval is None:
            raise errors.InvalidInput("until goes with every: a job that does not recur has no end")
        if end is not None and end < when:
            raise errors.InvalidInput("until is before at: the job would never run")
        job_key = key or d.idempotency_key or uuid.uuid4().hex
        if not isinstance(job_key, str) or not job_key.strip():
            raise errors.InvalidInput(f"key must be non-empty text, got {job_key!r}")
        draft_json = d.model_dump_json()
        plan = (when.timestamp(), None if interval is None else interval.total_seconds(), end, names)
        with self._transaction() as db:
            row = db.execute(
                "SELECT id, draft, at, every, until, targets FROM jobs WHERE key = ?", (job_key,)
            )
            existing = row.fetchone()
            if existing is not None:
                same = existing[1] == draft_json and (
                    existing[2],
                    existing[3],
                    existing[4],
                    tuple(json.loads(existing[5])),
                ) == (plan[0], plan[1], None if end is None else end.timestamp(), names)
                if not same:
                    raise errors.InvalidInput(
                        f"a job with key {job_key!r} is already planned with other content"
                    )
                job_id = str(existing[0])
            else:
                job_id = uuid.uuid4().hex[:16]
                db.execute(
                    "INSERT INTO jobs (id, key, status, at, every, until, targets, draft, created_at)"
                    " VALUES (?, ?, 'scheduled', ?, ?, ?, ?, ?, ?)",
                    (
                        job_id,
                        job_key,
                        plan[0],
                        plan[1],
                        None if end is None else end.timestamp(),
                        json.dumps(names),
                        draft_json,
                        self._now().timestamp(),
                    ),
                )
        return self.job(job_id)

    def _check_targets(self, targets: Sequence[str]) -> tuple[str, ...]:
        if isinstance(targets, str):
            raise errors.InvalidInput(
                f"targets must be a list of profile names, not one string (write [{targets!r}])"
            )
        names = tuple(dict.fromkeys(targets))
        if not names:
            raise errors.InvalidInput("a job needs at least one target profile")
        from .config import config_path, profile_exists

        for name in names:
            if not isinstance(name, str) or not name.strip():
                raise errors.InvalidInput(f"a target must be a profile name, got {name!r}")
            if not profile_exists(name):
                raise errors.ConfigurationError(f"no profile {name!r} in {config_path()} or its environment")
        return names

    def _check_time(self, value: datetime, name: str) -> datetime:
        if not isinstance(value, datetime):
            raise errors.InvalidInput(f"{name} must be a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise errors.InvalidInput(
                f"{name} has no time zone; give one (for example datetime.now(timezone.utc))"
            )
        if value < self._now() - PAST_GRACE:
            raise errors.InvalidInput(f"{name} is in the past ({value.isoformat()})")
        return value.astimezone(timezone.utc)

    # ---------------------------------------------------------------- reading

    def job(self, job_id: str) -> Job:
        """One job with its record; ``NotFound`` when there is none."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, key, status, at, every, until, occurrence, targets, draft FROM jobs WHERE id = ?",
                (job_id,),
            ).fetchone()
            if row is None:
                raise errors.NotFound(f"no job {job_id!r} in {self.path}")
            outcomes = self._db.execute(
                "SELECT target, occurrence, network, post_ids, error_type, error FROM outcomes"
                " WHERE job_id = ?",
                (job_id,),
            ).fetchall()
        return _job(row, outcomes)

    def jobs(self, status: JobStatus | None = None) -> list[Job]:
        """Every job (or those with ``status``), soonest first."""
        if status is not None and status not in STATUSES:
            raise errors.InvalidInput(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        with self._lock:
            rows = self._db.execute("SELECT id, status FROM jobs ORDER BY at, created_at").fetchall()
        ids = [job_id for job_id, state in rows if status is None or state == status]
        return [self.job(job_id) for job_id in ids]

    # ---------------------------------------------------------------- changing plans

    def pause(self, job_id: str | None = None) -> list[str]:
        """Pause one job (or every scheduled and running one); returns the ids paused.

        A running job finishes the target in flight and stops before the next.
        """
        return self._move(job_id, ("scheduled", "running"), "paused")

    def resume(self, job_id: str | None = None) -> list[str]:
        """Resume one paused job (or every paused one); returns the ids resumed."""
        return self._move(job_id, ("paused",), "scheduled")

    def cancel(self, job_id: str) -> None:
        """Cancel a job that has not finished; its record stays."""
        if not self._move(job_id, ("scheduled", "paused", "running"), "cancelled"):
            raise errors.InvalidInput(
                f"job {job_id} is {self.job(job_id).status}: only an unfinished job can be cancelled"
            )

    def reschedule(self, job_id: str, at: datetime) -> Job:
        """Move a scheduled or paused job to ``at``."""
        when = self._check_time(at, "at")
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE jobs SET at = ? WHERE id = ? AND status IN ('scheduled', 'paused')",
                (when.timestamp(), job_id),
            ).rowcount
        if not changed:
            raise errors.InvalidInput(
                f"job {job_id} is {self.job(job_id).status}: only a planned job can be moved"
            )
        return self.job(job_id)

    def _move(self, job_id: str | None, sources: tuple[str, ...], target: str) -> list[str]:
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, status FROM jobs WHERE ? IS NULL OR id = ?", (job_id, job_id)
            ).fetchall()
            if job_id is not None and not rows:
                raise errors.NotFound(f"no job {job_id!r} in {self.path}")
            ids = [found for found, status in rows if status in sources]
            db.executemany("UPDATE jobs SET status = ? WHERE id = ?", [(target, i) for i in ids])
        return ids

    # ---------------------------------------------------------------- running

    def run(self, stop: threading.Event | Callable[[], bool] | None = None) -> None:
        """Run due jobs in this process until ``stop`` is set (or returns True); for ever without one."""
        while not _stopped(stop):
            if self.run_pending() == 0:
                deadline = time.monotonic() + self.poll_interval
                while time.monotonic() < deadline and not _stopped(stop):
                    time.sleep(min(0.1, self.poll_interval))

    def run_pending(self, *, limit: int | None = None) -> int:
        """Run the jobs due now (at most ``limit``), one after another; returns how many were run."""
        count = 0
        while limit is None or count < limit:
            job = self._claim()
            if job is None:
                return count
            self._run(job)
            count += 1
        return count

    def _claim(self) -> Job | None:
        now = self._now().timestamp()
        with self._transaction() as db:
            row = db.execute(
                "SELECT id FROM jobs WHERE (status = 'scheduled' AND at <= ?)"
                " OR (status = 'running' AND lease_until < ?) ORDER BY at LIMIT 1",
                (now, now),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET status = 'running', lease_owner = ?, lease_until = ? WHERE id = ?",
                (self.worker_id, now + self.lease, row[0]),
            )
        return self.job(row[0])

    def _run(self, job: Job) -> None:
        from .crosspost import crosspost
        from .registry import connect_any

        done = {o.target for o in job.outcomes if o.occurrence == job.occurrence}
        draft = job.draft.model_copy(update={"idempotency_key": f"{job.key}#{job.occurrence}"})
        for target in job.targets:
            if target in done:
                continue  # published before a takeover: read from the record, never sent again
            if not self._still_mine(job.id):
                return  # paused or cancelled meanwhile: stop before the next target
            network: str | None = None
            try:
                with connect_any(profile=target) as net:
                    network = net.name
                    outcome = crosspost(draft, [net]).outcomes[0]
                post_ids = tuple(p.id for p in outcome.posts)
                error = outcome.error
            except (
                errors.DecentSocialError
            ) as exc:  # the profile cannot connect here (missing secret, extra…)
                post_ids, error = (), exc
            self._record(job, target, network, post_ids, error)
        self._finish(job.id)

    def _still_mine(self, job_id: str) -> bool:
        """Renew the lease; False when the job was paused or cancelled, or another worker took it."""
        now = self._now().timestamp()
        with self._transaction() as db:
            return (
                db.execute(
                    "UPDATE jobs SET lease_until = ? WHERE id = ? AND status = 'running' AND lease_owner = ?",
                    (now + self.lease, job_id, self.worker_id),
                ).rowcount
                == 1
            )

    def _record(
        self, job: Job, target: str, network: str | None, post_ids: tuple[str, ...], error: Exception | None
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO outcomes (job_id, occurrence, target, network, post_ids,"
                " error_type, error, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job.id,
                    job.occurrence,
                    target,
                    network,
                    json.dumps(post_ids),
                    None if error is None else type(error).__name__,
                    None if error is None else json.dumps(_error_fields(error)),
                    self._now().timestamp(),
                ),
            )

    def _finish(self, job_id: str) -> None:
        """After an occurrence: plan the next one, or end the job as done or failed."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT status, lease_owner, at, every, until, occurrence FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
            status, owner, at, every, until, occurrence = row
            if status != "running" or owner != self.worker_id:
                return  # paused, cancelled or taken over meanwhile
            failed = db.execute(
                "SELECT COUNT(*) FROM outcomes"
                " WHERE job_id = ? AND occurrence = ? AND error_type IS NOT NULL",
                (job_id, occurrence),
            ).fetchone()[0]
            following = None if every is None else at + every
            if following is not None and (until is None or following <= until):
                db.execute(
                    "UPDATE jobs SET status = 'scheduled', at = ?, occurrence = occurrence + 1,"
                    " lease_owner = NULL, lease_until = NULL WHERE id = ?",
                    (following, job_id),
                )
            else:
                db.execute(
                    "UPDATE jobs SET status = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
                    ("failed" if failed else "done", job_id),
                )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")


def _open(path: Path) -> sqlite3.Connection:
    """The store at ``path``: created if missing, refused if it is some other file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "meta" not in tables:
            db.close()
            raise errors.ConfigurationError(f"{path} is a database, but not a decentsocial scheduler store")
        if tables:
            magic = db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
            if magic is None or magic[0] != _MAGIC:
                db.close()
                raise errors.ConfigurationError(f"{path} is not a decentsocial scheduler store")
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
        db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('format', ?)", (_MAGIC,))
    except sqlite3.DatabaseError as exc:
        raise errors.ConfigurationError(f"{path} is not a decentsocial scheduler store ({exc})") from None
    return db


def _job(row: tuple[Any, ...], outcomes: list[tuple[Any, ...]]) -> Job:
    job_id, key, status, at, every, until, occurrence, targets, draft = row
    names = tuple(json.loads(targets))
    ordered = sorted(outcomes, key=lambda o: (o[1], names.index(o[0]) if o[0] in names else len(names)))
    return Job(
        id=job_id,
        status=status,
        at=datetime.fromtimestamp(at, timezone.utc),
        targets=names,
        key=key,
        draft=Draft.model_validate_json(draft),
        every=None if every is None else timedelta(seconds=every),
        until=None if until is None else datetime.fromtimestamp(until, timezone.utc),
        occurrence=occurrence,
        outcomes=tuple(
            TargetOutcome(
                target=target,
                occurrence=n,
                network=network,
                post_ids=tuple(json.loads(post_ids)),
                error=None if error_type is None else _error(error_type, error),
            )
            for target, n, network, post_ids, error_type, error in ordered
        ),
    )


def _error_fields(error: Exception) -> dict[str, Any]:
    if isinstance(error, errors.DecentSocialError):
        return {"message": error.message, "network": error.network, "server_message": error.server_message}
    return {"message": f"unexpected {type(error).__name__}", "network": None, "server_message": None}


def _error(type_name: str, recorded: str) -> errors.DecentSocialError:
    """The recorded error, rebuilt as its own class with its message, network and server's words."""
    cls = getattr(errors, type_name, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.DecentSocialError)):
        cls = errors.DecentSocialError
    fields = json.loads(recorded)
    error = cls.__new__(cls)
    errors.DecentSocialError.__init__(
        error, fields["message"], network=fields["network"], server_message=fields["server_message"]
    )
    return error


def _interval(every: timedelta | float | None) -> timedelta | None:
    if every is None:
        return None
    if isinstance(every, bool) or not isinstance(every, (timedelta, int, float)):
        raise errors.InvalidInput(f"every must be a timedelta or seconds, got {every!r}")
    interval = every if isinstance(every, timedelta) else timedelta(seconds=every)
    if interval < MIN_EVERY:
        raise errors.InvalidInput(f"every must be at least a minute, got {interval}")
    return interval


def _stopped(stop: threading.Event | Callable[[], bool] | None) -> bool:
    if stop is None:
        return False
    if isinstance(stop, threading.Event):
        return stop.is_set()
    return bool(stop())
