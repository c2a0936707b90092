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
  the next worker takes the job over (a job that kills every worker is given
  up after ``max_takeovers``, see :mod:`decentsocial.takeovers`);
* every target publishes with an idempotency key derived from the job's key
  and the occurrence (and, inside :func:`~decentsocial.crosspost`, from the
  target and the part), and what a target has already published is read
  from the job's record before anything is sent, so a job taken over never
  posts twice;
* pausing or cancelling a running job lets it finish the target in flight
  and stops before the next.

``every`` makes a job recur (evergreen posts): each occurrence has its own
derived key and its own outcomes, until ``until``. It is counted in UTC,
or with ``tz`` on a zone's clock (whole days: the local hour stays across
daylight saving changes).

To scale out over machines, keep the jobs in Redis and run them on Celery
workers (the ``celery`` extra)::

    sched = ds.Scheduler("redis://127.0.0.1:6379/0", engine="celery", broker="redis://127.0.0.1:6379/0")
    sched.run()                       # the dispatcher: sends each due job to the workers once
    # on each machine: celery -A decentsocial.celery_app worker

The Redis store (:mod:`decentsocial.redis_store`) keeps the same records and
state machine, with claims and leases made atomic by Lua scripts; a task is
acknowledged only after the job ran, so a worker's death gets it redelivered,
and the same claims and keys make a redelivery harmless
(:mod:`decentsocial.celery_app`).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from . import errors
from .config import profile_network, require_profiles
from .crosspost import base_key, check_profile_accounts, plan, plan_outcome, publish_planned, target_of
from .jobs import (
    BY_HAND,
    LATEST,
    STATUSES,
    Finished,
    Job,
    JobStatus,
    JobStore,
    Plan,
    Record,
    TargetOutcome,
    check_content,
    content_json,
    local_anchor,
    rhythm_clock,
    rhythm_interval,
    zone,
)
from .models import Draft, as_draft
from .paths import home_path
from .stopping import StopSignal, stopped, wait
from .takeovers import ELSEWHERE, MAX_TAKEOVERS, check_max_takeovers, given_up
from .takeovers import refused_outright as _refused_outright
from .text import lone_surrogate_at, nul_at
from .variants import Variant, check_variants, pick
from .worker_connections import WorkerConnections

if TYPE_CHECKING:
    from .celery_app import Dispatcher
    from .network import Network
    from .redis_store import RedisStore

__all__ = ["Job", "JobStatus", "Scheduler", "TargetOutcome", "check_targets"]

log = logging.getLogger("decentsocial.scheduler")

Engine = Literal["embedded", "celery"]
ENGINES: tuple[str, ...] = ("embedded", "celery")

#: How far in the past ``at`` may be and still mean "now" (clocks differ a little).
PAST_GRACE = timedelta(seconds=5)
#: How many due jobs the Celery engine's dispatcher sends in one batch.
DISPATCH_BATCH = 500
#: The most due jobs a worker claims at once, when jobs run fast (see ``Scheduler.run_pending``).
MAX_BATCH = 32
#: A job under this (seconds) is fast: its worker claims the next ones in a bigger batch.
FAST_JOB = 0.02
#: The longest pause (seconds) before a worker tries again a store or broker that is out of reach.
MAX_STORE_PAUSE = 60.0


class Scheduler:
    """Jobs in a durable store, and the worker (or dispatcher) that runs them.

    ``store`` is a SQLite file path (created if missing) or a Redis URL
    (``redis://`` or ``rediss://``, the ``celery`` extra). ``engine`` is
    where jobs run: ``"embedded"`` (default) runs them in the process that
    calls :meth:`run`; ``"celery"`` (a Redis store) makes :meth:`run` a
    dispatcher that sends each due job once to Celery workers through
    ``broker`` (default: the store's URL), see :mod:`decentsocial.celery_app`.
    A store or broker that cannot be reached is ``NetworkUnavailable`` here; so is
    a change to a SQLite store that another process held past 30 s or the disk
    refused (nothing is changed then).

    ``lease`` is how long a worker holds a job before another may take it
    over (it is renewed before every target). ``max_takeovers`` is how many
    times one occurrence of a job may be taken over from a worker that stopped
    while running it (killed, out of memory, crashed): a job that kills every
    worker is then given up, its occurrence failed (see
    :mod:`decentsocial.takeovers`), not run for ever. ``now`` gives the
    current time (tests pass a clock they control).
    """

    def __init__(
        self,
        store: str | Path,
        *,
        engine: Engine = "embedded",
        broker: str | None = None,
        lease: float = 300.0,
        poll_interval: float = 1.0,
        max_takeovers: int = MAX_TAKEOVERS,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if engine not in ENGINES:
            raise errors.InvalidInput(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
        if not all(_seconds(v) for v in (lease, poll_interval)):
            raise errors.InvalidInput(
                "lease and poll_interval must be positive numbers of seconds,"
                f" got {lease!r} and {poll_interval!r}"
            )
        self.max_takeovers = check_max_takeovers(max_takeovers)
        if not isinstance(store, (str, Path)):
            raise errors.InvalidInput(f"store must be a file path or a redis:// URL, got {store!r}")
        is_url = isinstance(store, str) and "://" in store
        if engine == "celery" and not (is_url and str(store).startswith(("redis://", "rediss://"))):
            raise errors.ConfigurationError(
                "the celery engine keeps jobs in Redis, shared by every worker: give a redis:// store URL"
            )
        if broker is not None and engine != "celery":
            raise errors.InvalidInput('a broker goes with engine="celery"')
        self.engine: Engine = engine
        self.lease = lease
        self.poll_interval = poll_interval
        self._now = now or (lambda: datetime.now(timezone.utc))
        self.path: Path | None = None
        self._store: JobStore
        self._dispatcher: Dispatcher | None = None
        if is_url:
            from .redis_store import open_redis

            self._store = open_redis(str(store))
        else:
            from .sqlite_store import SQLiteStore

            self.path = home_path(store, "the scheduler store")
            self._store = SQLiteStore(self.path)
        if engine == "celery":
            try:
                from .celery_app import Dispatcher

                self._dispatcher = Dispatcher(broker or str(store))
            except BaseException:
                self._store.close()
                raise
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._connections = WorkerConnections()  # one per profile, kept while it is unchanged
        self._batch = 1  # how many due jobs to claim at once: grows while jobs run fast

    def __repr__(self) -> str:
        engine = "" if self.engine == "embedded" else f" engine={self.engine!r}"
        return f"<Scheduler {self._store.where!r}{engine}>"

    @property
    def store(self) -> JobStore:
        """Where the jobs live; its notes also record the active crisis (see :func:`decentsocial.crisis`)."""
        return self._store

    def close(self) -> None:
        """Close the store, the broker's connections and the networks this scheduler connected to."""
        self._connections.close()
        if self._dispatcher is not None:
            self._dispatcher.close()
        self._store.close()

    def __enter__(self) -> Scheduler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        variants: Mapping[str, Variant] | None = None,
        tz: str | ZoneInfo | None = None,
    ) -> Job:
        """Plan ``draft`` for the profiles ``targets`` at ``at`` (tz-aware); nothing is stored on bad input.

        A target that is no profile, or whose profile holds a setting its
        network refuses, is ``ConfigurationError`` (see :func:`check_targets`);
        a target given twice, or two whose profiles are one account (told
        apart where this process can connect them, no server contacted), is
        ``InvalidInput``, as ``crosspost`` and ``crisis`` say it.

        ``every`` is counted in UTC. With ``tz`` (an IANA zone such as
        ``"Europe/Berlin"``) and ``every`` a whole number of days, it is
        counted on that zone's clock: a weekly 09:00 job stays at 09:00 local
        time when the clocks change (a time the clocks skip runs as much
        later that day, and the other days at the hour ``at`` was written
        with on that clock; one they show twice runs the first time). An
        ``at`` written with another UTC offset than the zone has then
        (``09:00+01:00`` for New York: 03:00 there) is ``InvalidInput``
        naming both; UTC is an instant (see :func:`check_offset`). Each
        worker reads the zone on its own machine, so a name read otherwise
        elsewhere (``localtime``, ``posixrules``, ``Factory``, ``right/…``,
        ``posix/…``) is ``InvalidInput`` naming the zone to give instead.

        ``key`` (default: the draft's ``idempotency_key``, else a new one;
        one given empty, or a blank draft key, is ``InvalidInput``) makes scheduling itself
        exactly-once: scheduling the same key and draft again returns the
        job already planned; the same key with another draft or plan is
        ``InvalidInput``, and so is the key of a cancelled job (it would
        never go out). So is a draft whose stored form would not read back
        (nothing is stored).

        ``variants`` gives targets their own form of the post, by profile
        name or by network name (the profile's wins; see
        :mod:`decentsocial.variants`); they are kept in the job. Each
        target's draft is checked now against that network's rules as
        ``crosspost(dry_run=True)`` would (this may read the server's
        limits): ``ContentRejected``, ``InvalidInput`` or
        ``UnsupportedFeature`` here, nothing stored. A target this process
        cannot connect to or reach (its secret is on the workers only, the
        server is down) is checked by the worker when the job runs.
        """
        d = as_draft(draft)
        names = check_targets(targets)
        when = self._check_time(at, "at", past_ok=True)  # past: only to find the job planned already
        interval = rhythm_interval(every)
        end = None if until is None else self._check_time(until, "until", past_ok=True)
        if end is not None and interval is None:
            raise errors.InvalidInput("until goes with every: a job that does not recur has no end")
        if end is not None and end < when:
            raise errors.InvalidInput("until is before at: the job would never run")
        local_at = None if tz is None else local_anchor(at, rhythm_clock(tz, interval))
        # Only a key left out falls back: an empty one given (a variable unset) is refused, never
        # replaced by a random key that would plan the job again on every run (a blank draft key too).
        job_key = key if key is not None else base_key(d)
        if not isinstance(job_key, str) or not job_key.strip():
            raise errors.InvalidInput(f"key must be non-empty text, got {job_key!r}")
        _valid_text(job_key, "key")
        for name, given, value in (("at", when, at), ("until", end, until)):
            # The same plan again returns its job even once its time has passed (a script run twice).
            if given is None or value is None or not self._past(given):
                continue
            if self._store.find(job_key) is None:
                raise errors.InvalidInput(f"{name} is in the past ({value.isoformat()})")
        networks = {name: profile_network(name) for name in names}
        selectors = [*names, *(n for n in networks.values() if n is not None)]
        chosen = check_variants(d, variants, selectors)
        check_profile_accounts(names, self._connections.get)  # two profiles for one account: InvalidInput
        for name in names:
            self._check_draft(name, pick(d, chosen, name, networks[name]))
        content = content_json(d, chosen)
        check_content(content)  # every read of the job parses it: one that cannot is never stored
        plan = Plan(
            key=job_key,
            at=when.timestamp(),
            every=None if interval is None else interval.total_seconds(),
            until=None if end is None else end.timestamp(),
            targets=names,
            draft_json=content,
            created_at=self._now().timestamp(),
            local_at=local_at,
        )
        job = self.job(self._store.add(plan))
        if job.status == "cancelled":  # returned as if planned, it would never go out
            raise errors.InvalidInput(
                f"the job with key {job_key!r} ({job.id}) was cancelled and a key plans one job:"
                " use another key to plan it again"
            )
        return job

    def _check_draft(self, target: str, draft: Draft) -> None:
        """Plan ``draft`` on ``target`` as crosspost would (no writes); raise what the network refuses."""
        try:
            net = self._connections.get(target)
            plan(net, draft)
        except (errors.ContentRejected, errors.InvalidInput) as exc:
            raise type(exc)(f"target {target!r}: {exc.message}", network=exc.network) from None
        except errors.UnsupportedFeature:
            raise
        except errors.DecentSocialError as exc:  # no secret here, server unreachable…: the worker checks
            log.debug("target %r not checked at schedule(): %s", target, exc)

    def _check_time(self, value: datetime, name: str, *, past_ok: bool = False) -> datetime:
        if not isinstance(value, datetime):
            raise errors.InvalidInput(f"{name} must be a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise errors.InvalidInput(
                f"{name} has no time zone; give one (for example datetime.now(timezone.utc))"
            )
        try:
            when = value.astimezone(timezone.utc)
        except (OverflowError, ValueError):  # datetime.max in a zone east of UTC
            when = LATEST + timedelta(days=1)
        if when > LATEST:
            raise errors.InvalidInput(
                f"{name} is too far ahead ({value.isoformat()}); plan before {LATEST:%Y}"
            )
        if not past_ok and self._past(when):
            raise errors.InvalidInput(f"{name} is in the past ({value.isoformat()})")
        return when

    def _past(self, when: datetime) -> bool:
        return when < self._now() - PAST_GRACE

    # ---------------------------------------------------------------- reading

    def job(self, job_id: str) -> Job:
        """One job with its record; ``NotFound`` when there is none."""
        found = self._store.load(_job_id(job_id))
        if found is None:
            raise errors.NotFound(f"no job {job_id!r} in {self._store.where}")
        return found

    def jobs(self, status: JobStatus | None = None) -> list[Job]:
        """Every job (or those with ``status``), soonest first.

        A job whose stored record cannot be read is listed ``failed``, with
        ``Job.error`` saying so (see :class:`Job`); it never hides the others.
        """
        if status is not None and status not in STATUSES:
            raise errors.InvalidInput(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        return [j for j in self._store.load_all() if status is None or j.status == status]

    # ---------------------------------------------------------------- changing plans

    def pause(self, job_id: str | None = None) -> list[str]:
        """Hold one job (or every unfinished one) by hand; returns the ids held.

        A running job finishes the target in flight and stops before the next.
        A job held by hand stays paused when a crisis ends, even one the
        crisis had paused first: pausing it during the crisis keeps it back.
        One job already paused by hand is returned as it is; one that ended
        (done, failed, cancelled) is ``InvalidInput``.
        """
        if job_id is None:
            return self._move(None, ("scheduled", "running", "paused"), "paused")
        job_id = _job_id(job_id)
        if self._move(job_id, ("scheduled", "running", "paused"), "paused"):
            return [job_id]
        status = self.job(job_id).status
        if status != "paused":
            raise errors.InvalidInput(f"job {job_id} is {status}: only an unfinished job can be paused")
        return [job_id]  # held by hand already

    def resume(self, job_id: str | None = None) -> list[str]:
        """Resume one paused job (or every paused one); returns the ids resumed.

        A job paused while its worker was still publishing a target (the pause lets it finish),
        and whose worker's lease has not run out, goes back to that worker (``running``) in the
        same atomic step, never claimed by another worker while the first still publishes: it
        goes on with the targets left, or, when the one in flight was its last, ends the
        occurrence. One moved to a later time during its pause (or resumed during a crisis) only
        has its last targets in flight handed back: else it waits for its time (for the crisis's
        end), and the worker stops before its next target. See :mod:`decentsocial.held_jobs`.
        """
        found = None if job_id is None else _job_id(job_id)
        return self._found(found, self._store.resume(found, self._now().timestamp()))

    def cancel(self, job_id: str) -> None:
        """Cancel a job that has not finished; its record stays."""
        if not self._move(_job_id(job_id), ("scheduled", "paused", "running"), "cancelled"):
            raise errors.InvalidInput(
                f"job {job_id} is {self.job(job_id).status}: only an unfinished job can be cancelled"
            )

    def reschedule(self, job_id: str, at: datetime) -> Job:
        """Move a scheduled or paused job to ``at`` (a job counted on a zone's clock goes on from
        the local time ``at`` shows there; written with another offset, ``InvalidInput``)."""
        job_id = _job_id(job_id)
        when = self._check_time(at, "at")
        job = self.job(job_id)
        if job.error is not None:  # its record cannot be read: it can never run, wherever it is moved
            raise job.error
        if job.until is not None and when > job.until:
            raise errors.InvalidInput(
                f"job {job_id} ends at {job.until.isoformat()}: {when.isoformat()} is after its end"
            )
        local_at = None if job.tz is None else local_anchor(at, zone(job.tz))
        if not self._store.set_at(job_id, when.timestamp(), local_at):
            raise errors.InvalidInput(
                f"job {job_id} is {self.job(job_id).status}: only a planned job can be moved"
            )
        return self.job(job_id)

    def retry(self, job_id: str) -> Job:
        """Run a failed job's occurrence again now: only its targets that the network refused
        outright (nothing was published: a rejected text, a missing secret, a rate limit, a server
        not reached), with the same idempotency keys; the others keep their record.

        A target that may have been published (its answer was lost, a server error after the
        request went out, a publish cut short elsewhere) or published part of a thread is never
        sent again; a job with no other failed target is ``InvalidInput``, as is one not failed.
        """
        job_id = _job_id(job_id)
        job = self.job(job_id)
        if job.error is not None:  # its record cannot be read: it can never run
            raise job.error
        if job.status != "failed":
            raise errors.InvalidInput(f"job {job_id} is {job.status}: only a failed job can be retried")
        if not any(o.occurrence == job.occurrence and _refused_outright(o) for o in job.outcomes):
            raise errors.InvalidInput(
                f"job {job_id} has no failed target that can safely be sent again: each may have been"
                " published (look for it on the network), or published part of its thread"
            )
        if not self._store.move(job_id, ("failed",), "scheduled"):
            raise errors.InvalidInput(
                f"job {job_id} is {self.job(job_id).status}: only a failed job can be retried"
            )
        self._store.set_at(job_id, max(self._now(), job.at).timestamp())
        return self.job(job_id)

    def _move(self, job_id: str | None, sources: tuple[str, ...], target: str) -> list[str]:
        return self._found(job_id, self._store.move(job_id, sources, target, by=BY_HAND))

    def _found(self, job_id: str | None, moved: list[str] | None) -> list[str]:
        """The ids a store moved; ``NotFound`` when ``job_id`` named no job (``moved`` is ``None``)."""
        if moved is None:
            raise errors.NotFound(f"no job {job_id!r} in {self._store.where}")
        return moved

    # ---------------------------------------------------------------- running

    def run(
        self,
        stop: StopSignal = None,
        *,
        on_finished: Callable[[Job], None] | None = None,
        whole_record: bool = True,
    ) -> None:
        """Run due jobs until ``stop`` is set (or returns True); for ever without one.

        With the Celery engine this is the dispatcher: it sends each due job
        to the workers once (and again when a worker's lease on it expires).
        ``on_finished`` and ``whole_record``: as in :meth:`run_pending`.

        A store or broker out of reach for a while (``NetworkUnavailable``
        marked ``retryable``: Redis or the broker down, a SQLite file another
        process holds past its 30 s) does not end the loop: it is logged and
        tried again after a pause that doubles from ``poll_interval`` up to
        ``MAX_STORE_PAUSE``. A job it cut short is taken up again when its
        lease ends, and its idempotency keys find what was already posted.
        Any other error ends the loop.
        """
        pause = self.poll_interval
        while not stopped(stop):
            try:
                ran = self.run_pending(on_finished=on_finished, whole_record=whole_record)
            except errors.NetworkUnavailable as exc:
                if not exc.retryable:
                    raise
                log.warning("%s; trying again in %g s", exc, pause)
                wait(pause, stop)
                pause = min(pause * 2, MAX_STORE_PAUSE)
                continue
            pause = self.poll_interval
            if ran == 0:
                wait(self.poll_interval, stop)

    def run_pending(
        self,
        *,
        limit: int | None = None,
        on_finished: Callable[[Job], None] | None = None,
        whole_record: bool = True,
    ) -> int:
        """Run the jobs due now (at most ``limit``), one after another; returns how many were run.

        ``on_finished`` is given each job whose occurrence this call ended,
        read back with its record, as soon as it is stored (progress for a
        long campaign, at the cost of one read per job); not a job paused before its last
        target, cancelled or taken over meanwhile, nor anything with the Celery engine,
        whose jobs end on the workers. With ``whole_record=False`` its
        ``outcomes`` are those of the occurrence that ended only: the read
        then costs the same on a recurring job's first day and after months
        (the whole record grows by its targets every occurrence).

        Fast jobs (the sandbox, a server on this machine) are claimed and
        ended in batches: the batch doubles, up to ``MAX_BATCH`` jobs, while
        its jobs take under ``FAST_JOB`` seconds each (the worker remembers it
        from one call to the next), and falls back to one job otherwise, so
        jobs on real networks are claimed one at a time and shared among
        workers as before. A job claimed in a batch is checked
        like any other before each target (a pause still stops it).

        A job whose stored record cannot be read (``Job.error``: damaged, or
        written by another version) is never run: the worker marks it failed
        (and gives it to ``on_finished``); the other jobs run.

        While a crisis is active in the store (:func:`decentsocial.crisis`),
        nothing runs: a job planned after it began waits for its end, as the
        jobs it paused do. The store checks it in the same step as each
        claim, so a worker busy when the crisis began claims nothing more.

        With the Celery engine: sends the jobs due now to the workers; returns how many were sent.
        """
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise errors.InvalidInput(f"limit must be a whole number of jobs, got {limit!r}")
        if self._dispatcher is not None:
            return self._dispatch(limit)
        count = 0
        while limit is None or count < limit:
            batch = self._batch if limit is None else min(self._batch, limit - count)
            jobs, leased_until = self._claim(batch)
            if not jobs:
                return count
            began = time.monotonic()
            config = self._connections.stamp()  # looked at once per batch
            finished: list[Finished] = []
            ended_ids: list[str] = []
            end_done = partial(self._end_done, finished, ended_ids, leased_until)
            try:
                for job in jobs:
                    ended = self._run(job, leased_until, config, end_done)
                    if ended is not None:
                        finished.append(ended)
            finally:
                ended_ids += self._store.finish(self.worker_id, finished, self._now().timestamp())
            if on_finished is not None:
                ran = {job.id: job.occurrence for job in jobs}
                unreadable = [job.id for job in jobs if job.error is not None]  # marked failed by _run
                for job_id in [*ended_ids, *unreadable]:  # not one paused or cancelled meanwhile
                    one = None if whole_record else self._store.load(job_id, ran[job_id])  # or all
                    on_finished(self.job(job_id) if one is None else one)
            count += len(jobs)
            fast = time.monotonic() - began < FAST_JOB * len(jobs)
            self._batch = min(MAX_BATCH, self._batch * 2) if fast else 1
        return count

    def _end_done(self, finished: list[Finished], ended_ids: list[str], claimed_until: float) -> None:
        """End a batch's jobs already run once half their claim's lease is gone (a slow batch): else
        they stay ``running`` under a lease no one renews, and another worker takes them over."""
        if finished and (now := self._now().timestamp()) > claimed_until - self.lease / 2:
            ended_ids += self._store.finish(self.worker_id, finished, now)
            finished.clear()

    def _dispatch(self, limit: int | None) -> int:
        assert self._dispatcher is not None
        store = self._redis()
        count = 0
        while limit is None or count < limit:
            batch = DISPATCH_BATCH if limit is None else min(DISPATCH_BATCH, limit - count)
            due = store.dispatch(self._now().timestamp(), batch)
            self._dispatcher.send(due, on_failure=store.undispatch)
            count += len(due)
            if len(due) < batch:
                break
        return count

    def _redis(self) -> RedisStore:
        from .redis_store import RedisStore

        if not isinstance(self._store, RedisStore):
            raise errors.ConfigurationError("jobs run on Celery are kept in Redis: give a redis:// store")
        return self._store

    def _claim(self, limit: int = 1) -> tuple[list[Job], float]:
        """Up to ``limit`` of the soonest due jobs, claimed, and when their lease ends."""
        now = self._now().timestamp()
        return self._store.claim(now, now + self.lease, self.worker_id, limit), now + self.lease

    def _run_dispatched(self, job_id: str, token: str) -> bool:
        """Run a job a Celery task names, if the task's token still claims it; whether it ran."""
        now = self._now().timestamp()
        if not self._redis().claim_token(job_id, token, now, now + self.lease, self.worker_id):
            return False  # a stale or repeated delivery: paused, moved, done, or held by a live worker
        job = self._redis().load_current(job_id)  # this occurrence's outcomes: not the job's history
        if job is None:
            return False
        ended = self._run(job, now + self.lease)
        if ended is not None:
            self._store.finish(self.worker_id, [ended], self._now().timestamp())
        return True

    def _run(
        self,
        job: Job,
        leased_until: float | None = None,
        config: object = None,
        end_done: Callable[[], None] | None = None,
    ) -> Finished | None:
        """Publish ``job``'s targets not yet recorded, checking before each that the job is still ours.

        ``leased_until`` is when the lease taken with the claim ends (``None``: unknown, renew first);
        ``config`` is ``WorkerConnections.stamp`` when the caller has just taken it; ``end_done``
        (before each target) ends the jobs of its batch run already, when that is due.
        Returns what the caller ends the occurrence with (:meth:`JobStore.finish`),
        or ``None`` when the job was paused, cancelled or taken over meanwhile.

        A job whose record cannot be read (``job.error``) is never run: it is
        marked failed, and ``None`` is returned. One taken over more than
        ``max_takeovers`` times is not run either: its targets without an
        outcome are recorded failed (:func:`~decentsocial.takeovers.given_up`).

        Each target is marked started (``TargetOutcome.started_by``: this
        worker's idempotency records) before its publish; a takeover that
        finds the mark without an outcome publishes again only with the same
        records (the same keys find the post), else records a non-retryable
        ``NetworkUnavailable`` "may have been published": never a second post.
        The store keeps the mark only while the job is still this worker's (in
        one step): paused, cancelled or taken over since the check, the target
        is not published, and the job is stopped there (a resume or a crisis's
        skip decides by that mark). A job store that fails to keep the mark is
        not the target's failure: it is raised, and the job is taken up again
        when its lease ends.
        """
        if job.error is not None:
            log.error("%s; marked failed", job.error)
            self._store.move(job.id, ("running",), "failed")
            return None
        if job.takeovers > self.max_takeovers:  # it stopped every worker that ran it: not once more
            return self._give_up(job, leased_until)
        recorded = {o.target: o for o in job.outcomes if o.occurrence == job.occurrence}
        key, owner = f"{job.key}#{job.occurrence}", self.worker_id
        pending: Record | None = None  # kept before anything else is done: here, or when it ends
        for target in job.targets:
            mark = recorded.get(target)
            started = None if mark is None else mark.started_by
            if mark is not None and started is None and not _refused_outright(mark):
                continue  # published (or maybe) before a takeover or a retry: never sent again
            if pending is not None:
                self._store.record(job.id, *pending)
                pending = None
            if end_done is not None:
                end_done()
            leased_until = self._still_mine(job.id, leased_until)
            if leased_until is None:
                return None  # paused or cancelled meanwhile: stop before the next target
            network: str | None = None
            account: str | None = None
            marking = False
            try:
                net = self._connections.get(target, config)
                network, account = net.name, target_of(net)  # which account posts: retract checks it
                identity = _state_identity(net)
                if started is not None and started != identity:  # its idempotency records are elsewhere
                    raise errors.NetworkUnavailable(ELSEWHERE, network=network, retryable=False)
                if identity is not None:
                    marker = TargetOutcome(target, job.occurrence, network, (), None, account, identity)
                    marking = True
                    if not self._store.record(job.id, job.occurrence, marker, self._now().timestamp(), owner):
                        return None  # paused, cancelled or taken over since the check: not published
                    marking = False
                # As crosspost(draft with this key, [net]) publishes it: planned once, the same keys.
                outcome = publish_planned(
                    plan_outcome(net, job.draft_for(target, network), key, split=True, target=account)
                )
                post_ids = tuple(p.id for p in outcome.posts)
                error = outcome.error
            except errors.DecentSocialError as exc:  # the profile cannot connect here (no secret, extra…)
                if marking:  # the job store failed, not the target: the job is taken up again later
                    raise
                post_ids, error = (), exc
            record = TargetOutcome(target, job.occurrence, network, post_ids, error, account)
            pending = (job.occurrence, record, self._now().timestamp())
        return job.id, pending, job.at.timestamp()

    def _give_up(self, job: Job, leased_until: float | None) -> Finished | None:
        """End an occurrence that stopped too many workers, running nothing (see :func:`given_up`)."""
        if self._still_mine(job.id, leased_until) is None:
            return None  # paused or cancelled meanwhile: a user's move counts its takeovers anew
        log.error("job %s stopped its workers %d times: not run again, failed", job.id, job.takeovers)
        now = self._now().timestamp()
        records = [(job.occurrence, outcome, now) for outcome in given_up(job)]
        for record in records[:-1]:
            self._store.record(job.id, *record)
        return job.id, records[-1] if records else None, job.at.timestamp()

    def _still_mine(self, job_id: str, leased_until: float | None) -> float | None:
        """When the lease ends if the job is still ours; ``None`` when it was paused, cancelled or taken.

        While more than half of the lease is left, a read tells (no write, so
        no disk sync per target); past the half, the lease is renewed.
        """
        now = self._now().timestamp()
        if leased_until is not None and leased_until - now > self.lease / 2:
            return leased_until if self._store.holds(job_id, self.worker_id) else None
        until = now + self.lease
        return until if self._store.renew(job_id, self.worker_id, until) else None


def _state_identity(net: Network) -> str | None:
    """Which idempotency records ``net`` keeps (its state store), when it uses the SDK's."""
    from .state import StateStore

    state = getattr(net, "state", None)
    return state.identity if isinstance(state, StateStore) else None


def _job_id(job_id: object) -> str:
    """A job id as given to one job's commands: text, never empty (``None`` means every job to
    :meth:`Scheduler.pause` and :meth:`Scheduler.resume` only)."""
    if not isinstance(job_id, str) or not job_id.strip():
        raise errors.InvalidInput(f"a job id must be the text schedule() returned, got {job_id!r}")
    _valid_text(job_id, "a job id")
    return job_id


def _valid_text(value: str, what: str) -> None:
    """A lone surrogate (an undecodable byte from the command line) cannot be stored: said, not a crash.
    Nor is a NUL (U+0000) kept, which no draft's key holds (it is refused there) and no shell can type."""
    if lone_surrogate_at(value) is not None:
        raise errors.InvalidInput(f"{what} must be valid Unicode text (it holds a lone surrogate): {value!r}")
    if (at := nul_at(value)) is not None:
        raise errors.InvalidInput(f"{what} holds a NUL character (U+0000) at character {at}: {value!r}")


def _seconds(value: object) -> bool:
    """Whether ``value`` is a positive, finite number of seconds."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < float("inf")


def check_targets(targets: Sequence[str]) -> tuple[str, ...]:
    """The profiles a job may be planned for (in order), as :meth:`Scheduler.schedule` checks them:
    ``InvalidInput`` for no list of names or a name given twice (as ``crosspost`` and ``crisis`` refuse
    one account listed twice), ``ConfigurationError`` for a name that is no profile or a profile
    holding a setting its network refuses (a job for it would fail at every run).

    Reads no secret and connects nothing (the workers may be the only ones with the secrets; a network
    whose extra or plugin is not installed here is left to them): a caller that makes its store only
    for a plan that can be stored, as ``decentsocial schedule`` does, checks first with it.
    """
    if isinstance(targets, str):
        raise errors.InvalidInput(
            f"targets must be a list of profile names, not one string (write [{targets!r}])"
        )
    if not isinstance(targets, Sequence):
        raise errors.InvalidInput(f"targets must be a list of profile names, got {targets!r}")
    seen: set[str] = set()
    for name in targets:
        if not isinstance(name, str) or not name.strip():
            raise errors.InvalidInput(f"a target must be a profile name, got {name!r}")
        if name in seen:  # it was dropped: a job listing it twice was planned as if it were given once
            raise errors.InvalidInput(f"target {name!r} is given twice; give each profile once")
        seen.add(name)
    names = tuple(targets)
    if not names:
        raise errors.InvalidInput("a job needs at least one target profile")
    require_profiles(names)
    return names
