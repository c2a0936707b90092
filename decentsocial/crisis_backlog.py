"""What ``Crisis.end(backlog="skip")`` does to one job, decided and made in one atomic step of the store.

The end lists the jobs, then asks the store to skip each one (``JobStore.skip_held``). The store
reads the job again, with its outcomes, its lease and the crisis note, and decides with
:func:`held_backlog` in the same transaction (SQLite) or under ``WATCH`` (Redis, :func:`skip_in_redis`)
as it writes. Decided from a listing read earlier, a second ``end`` running at the same time
cancelled jobs the first had resumed once the crisis was over, and a job whose worker was still
publishing its last target was cancelled although its post went out.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Literal, cast

from . import errors
from .jobs import CRISIS_NOTE, Job

if TYPE_CHECKING:
    from .redis_store import RedisStore

__all__ = ["Skip", "crisis_of", "held_backlog", "skip_in_redis"]

#: What a skip made of a job: cancelled (backlog), ended done or failed (every target of its
#: occurrence had published before the crisis held it), or ``running`` again under the lease of
#: the worker still publishing one of its targets (left for that worker to finish).
Skip = Literal["cancelled", "done", "failed", "running"]

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


def held_backlog(
    job: Job, paused_by: str, lease_until: float | None, crisis: str, active: str | None, now: float
) -> Skip | None:
    """What skipping the crisis's backlog makes of ``job`` now; ``None``: it is left as it is.

    Only while crisis ``crisis`` is the ``active`` one (a second ``end`` finds it over and does
    nothing), and only a job it still holds (paused by it, or scheduled: nothing runs during it)
    whose time passed with nothing after it (one-off, or a repeating one past its ``until``).
    ``lease_until``: the lease of the worker that ran the job (``None``: none). When the targets
    that worker is still publishing under a live lease (its mark, and no outcome yet) are the last
    ones, the job goes back to it (``running``): it ends the job, never reported cancelled while
    its last posts go out. A job with targets not begun yet is backlog: cancelled, as one that had
    published some targets before the crisis (the worker's post in flight is still recorded, and it
    begins no other target). A mark left by a worker whose lease ran out (it stopped) is no work
    under way.
    """
    if active != crisis or job.error is not None:
        return None
    held = job.status == "scheduled" or (job.status == "paused" and paused_by == crisis)
    over = job.every is None or (job.until is not None and job.until.timestamp() < now)
    if not (held and over) or job.at.timestamp() > now:
        return None
    current = [o for o in job.outcomes if o.occurrence == job.occurrence]
    ran = {o.target: o for o in current if not o.publishing}
    going = {o.target for o in current if o.publishing} - ran.keys()
    live = lease_until is not None and lease_until > now
    if live and going and all(target in ran or target in going for target in job.targets):
        return "running"  # its last targets are being published: the worker ends it
    if job.targets and all(target in ran for target in job.targets):
        return "failed" if any(o.error is not None for o in ran.values()) else "done"
    return "cancelled"


def lease_time(value: object) -> float | None:
    """A stored lease end as a number; ``None`` for none, or one that cannot be read."""
    try:
        found = float(value) if isinstance(value, (int, float, str)) else math.nan
    except ValueError:
        return None
    return found if math.isfinite(found) else None


def skip_in_redis(store: RedisStore, job_id: str, crisis: str, now: float) -> Skip | None:
    """:func:`held_backlog` for ``job_id``, read and written in one Redis transaction: ``WATCH`` on
    the job, its outcomes and the crisis note; read again when a worker wrote to one meanwhile."""
    import redis

    from .redis_store import PREFIX, _current_fields, _job

    job_key, out_key = PREFIX + "job:" + job_id, PREFIX + "out:" + job_id
    with store._errors():
        for _ in range(_ATTEMPTS):
            with store._redis.pipeline(transaction=True) as pipe:
                try:
                    pipe.watch(job_key, out_key, PREFIX + "note:" + CRISIS_NOTE)  # type: ignore[no-untyped-call]
                    if pipe.type(job_key) != "hash" or pipe.type(out_key) not in ("hash", "none"):
                        return None  # missing, or damaged: never moved by a skip
                    raw = cast("dict[str, str]", pipe.hgetall(job_key))  # decode_responses: text
                    fields = _current_fields(raw) or []
                    values = cast("list[str | None]", pipe.hmget(out_key, fields) if fields else [])
                    outcomes = {name: value for name, value in zip(fields, values, strict=True) if value}
                    lease = lease_time(raw.get("lease_until")) if raw.get("lease_owner") else None
                    active = crisis_of(pipe.get(PREFIX + "note:" + CRISIS_NOTE))
                    job = _job(raw, outcomes, job_id)
                    then = held_backlog(job, raw.get("paused_by", ""), lease, crisis, active, now)
                    if then is None:
                        return None
                    pipe.multi()
                    pipe.hset(job_key, "status", then)
                    pipe.hdel(job_key, "paused_by", "dispatch", "dispatched_at", "resent")
                    pipe.zrem(PREFIX + "due", job_id)
                    pipe.zrem(PREFIX + "queued", job_id)
                    if then == "running" and lease is not None:  # its worker's lease, as it was
                        pipe.zadd(PREFIX + "leases", {job_id: lease})
                    else:
                        pipe.zrem(PREFIX + "leases", job_id)
                    pipe.execute()
                    return then
                except redis.WatchError:
                    continue
    raise errors.NetworkUnavailable(
        f"job {job_id} in {store.where} kept changing while its crisis's backlog was skipped: end it again",
        retryable=True,
    )
