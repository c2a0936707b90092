"""Letting a held job go (a resume, a crisis's end): decided per job, in one atomic step of the store.

A pause lets the target in flight finish: the job's worker may still be publishing it (the target's
mark, no outcome yet, under a lease that has not run out). Moved back to ``scheduled`` then, another
worker could claim the job while the first still published, send that target again (stopped only by
its idempotency keys), and the first worker's end of the occurrence was refused (the job no longer
ran under its lease). Such a job goes back to that worker instead (``running`` under its lease, as it
was): :func:`under_way` tells it, for the resume (:func:`resumed_as`) and for a crisis's skip
(:func:`~decentsocial.crisis_backlog.held_backlog`). The SQLite store decides in its write
transaction; the Redis store with :func:`change_in_redis`, under ``WATCH``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, cast

from . import errors
from .jobs import CRISIS_NOTE, Job

if TYPE_CHECKING:
    from .redis_store import RedisStore

__all__ = [
    "change_in_redis",
    "crisis_of",
    "live",
    "resume_in_redis",
    "resumed_as",
    "stored_time",
    "under_way",
]

#: What a worker still publishes: ``"last"`` (every other target of the occurrence has its
#: outcome: the worker begins nothing more, it ends the occurrence) or ``"more"`` (some not begun).
UnderWay = Literal["last", "more"]
#: What a resume makes of a paused job.
Resumed = Literal["scheduled", "running"]
#: Decides on a job as read in a Redis transaction: the job, its hash, its worker's lease (``None``:
#: none, or one that cannot be read) and the active crisis; the status it gets, or ``None``: unchanged.
Decide = Callable[[Job, dict[str, str], float | None, str | None], str | None]

#: How many times the Redis store reads a job again when a worker wrote to it between read and write.
_ATTEMPTS = 32


def crisis_of(note: object) -> str | None:
    """The id of the crisis the note's text records, or ``None`` (no note, or one that cannot be read)."""
    try:
        found = json.loads(note) if isinstance(note, str) else None
    except ValueError:
        return None
    crisis_id = found.get("id") if isinstance(found, dict) else None
    return crisis_id if isinstance(crisis_id, str) else None


def stored_time(value: object) -> float | None:
    """A stored time (a lease's end, a job's) as a number; ``None`` for none, or one that cannot be read."""
    try:
        found = float(value) if isinstance(value, (int, float, str)) else math.nan
    except ValueError:
        return None
    return found if math.isfinite(found) else None


def live(lease_until: float | None, now: float) -> bool:
    """Whether a worker's lease (``None``: none) has not run out: that worker is still at the job."""
    return lease_until is not None and lease_until > now


def under_way(job: Job, lease_until: float | None, now: float) -> UnderWay | None:
    """Whether the worker that ran ``job`` (its lease: ``lease_until``) is still publishing targets of
    its occurrence: their mark and no outcome yet, under a live lease; ``None``: no work under way
    (nothing marked, or a mark left by a worker whose lease ran out: it stopped)."""
    if job.error is not None or not live(lease_until, now):
        return None
    current = [o for o in job.outcomes if o.occurrence == job.occurrence]
    ran = {o.target for o in current if not o.publishing}
    going = {o.target for o in current if o.publishing} - ran
    if not going:
        return None
    return "last" if all(target in ran or target in going for target in job.targets) else "more"


def resumed_as(job: Job, lease_until: float | None, now: float, held: bool) -> Resumed:
    """What resuming the paused ``job`` makes of it: ``running`` again under the lease of the worker
    still publishing one of its targets (it goes on, and ends the occurrence), else ``scheduled``.

    Handed back to go on with targets not begun only while the job is due and no other crisis
    holds every job (``held``): a job moved to a later time during its pause, or resumed by hand
    during a crisis, is ``scheduled`` (its worker stops before its next target; the rest goes out
    at its time). One whose last targets are in flight goes back to its worker in any case: the
    worker begins nothing more, and ends the occurrence (a recurring job's next one is the time
    it was moved to, if it was: see :func:`~decentsocial.jobs.paused_end`).
    """
    going = under_way(job, lease_until, now)
    if going == "last" or (going == "more" and job.at.timestamp() <= now and not held):
        return "running"
    return "scheduled"


def change_in_redis(
    store: RedisStore, job_id: str, decide: Decide, doing: str, *, resume: bool = False
) -> str | None:
    """Decide on ``job_id`` (``decide``) and change it, in one Redis transaction: ``WATCH`` on the
    job, its outcomes and the crisis note; read again when a worker wrote to one meanwhile. What it
    became, or ``None``: unchanged.

    A job moved to ``running`` keeps its worker's lease; to ``scheduled``, it is due at its time.
    A ``resume`` counts its takeovers anew, as any move by a user. ``doing`` ends the error raised
    after too many attempts ("kept changing while …").
    """
    import redis

    from .redis_store import PREFIX, _current_fields, _job

    job_key, out_key = PREFIX + "job:" + job_id, PREFIX + "out:" + job_id
    note_key = PREFIX + "note:" + CRISIS_NOTE
    with store._errors():
        for _ in range(_ATTEMPTS):
            with store._redis.pipeline(transaction=True) as pipe:
                try:
                    pipe.watch(job_key, out_key, note_key)  # type: ignore[no-untyped-call]
                    if pipe.type(job_key) != "hash" or pipe.type(out_key) not in ("hash", "none"):
                        return None  # missing, or damaged: never moved here
                    raw = cast("dict[str, str]", pipe.hgetall(job_key))  # decode_responses: text
                    fields = _current_fields(raw) or []
                    values = cast("list[str | None]", pipe.hmget(out_key, fields) if fields else [])
                    outcomes = {name: value for name, value in zip(fields, values, strict=True) if value}
                    lease = stored_time(raw.get("lease_until")) if raw.get("lease_owner") else None
                    active = crisis_of(pipe.get(note_key))
                    then = decide(_job(raw, outcomes, job_id), raw, lease, active)
                    if then is None:
                        return None
                    pipe.multi()
                    pipe.hset(job_key, "status", then)
                    counted = () if not resume else ("takeovers",)
                    pipe.hdel(job_key, "paused_by", "dispatch", "dispatched_at", "resent", *counted)
                    pipe.zrem(PREFIX + "queued", job_id)
                    if then == "scheduled":  # a time that is no number (damaged): due at once, as _DUE_AT
                        at = stored_time(raw.get("at"))
                        pipe.zadd(PREFIX + "due", {job_id: -math.inf if at is None else at})
                    else:
                        pipe.zrem(PREFIX + "due", job_id)
                    if then == "running" and lease is not None:  # its worker's lease, as it was
                        pipe.zadd(PREFIX + "leases", {job_id: lease})
                    else:
                        pipe.zrem(PREFIX + "leases", job_id)
                    pipe.execute()
                    return then
                except redis.WatchError:
                    continue
    raise errors.NetworkUnavailable(
        f"job {job_id} in {store.where} kept changing while {doing}", retryable=True
    )


def resume_in_redis(
    store: RedisStore, job_id: str, now: float, held_by: str | None, crisis: str | None
) -> Resumed | None:
    """Resume ``job_id`` if it is paused (by ``held_by``, when given), as :func:`resumed_as` decides, in
    one Redis transaction (:func:`change_in_redis`); what it became, or ``None``: not resumed.
    ``crisis``: the crisis whose end resumes it (its record, still there, holds nothing back)."""

    def decide(job: Job, raw: dict[str, str], lease: float | None, active: str | None) -> str | None:
        if raw.get("status") != "paused" or held_by not in (None, raw.get("paused_by", "")):
            return None  # one that cannot be read is resumed too (a worker marks it failed)
        return resumed_as(job, lease, now, active is not None and active != crisis)

    doing = "it was resumed: resume it again"
    return cast("Resumed | None", change_in_redis(store, job_id, decide, doing, resume=True))
