"""What ``Crisis.end(backlog="skip")`` does to one job, decided and made in one atomic step of the store.

The end lists the jobs, then asks the store to skip each one (``JobStore.skip_held``). The store
reads the job again, with its outcomes, its lease and the crisis note, and decides with
:func:`held_backlog` in the same transaction (SQLite) or under ``WATCH`` (Redis, :func:`skip_in_redis`)
as it writes. Decided from a listing read earlier, a second ``end`` running at the same time
cancelled jobs the first had resumed once the crisis was over, and a job whose worker was still
publishing its last target was cancelled although its post went out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, cast

from .held_jobs import change_in_redis, crisis_of, under_way
from .jobs import Job

if TYPE_CHECKING:
    from .redis_store import RedisStore

__all__ = ["Skip", "crisis_of", "held_backlog", "skip_in_redis"]

#: What a skip made of a job: cancelled (backlog), ended done or failed (every target of its
#: occurrence had published before the crisis held it), or ``running`` again under the lease of
#: the worker still publishing one of its targets (left for that worker to finish).
Skip = Literal["cancelled", "done", "failed", "running"]


def held_backlog(
    job: Job, paused_by: str, lease_until: float | None, crisis: str, active: str | None, now: float
) -> Skip | None:
    """What skipping the crisis's backlog makes of ``job`` now; ``None``: it is left as it is.

    Only while crisis ``crisis`` is the ``active`` one (a second ``end`` finds it over and does
    nothing), and only a job it still holds (paused by it, or scheduled: nothing runs during it)
    whose time passed with nothing after it (one-off, or a repeating one past its ``until``).
    ``lease_until``: the lease of the worker that ran the job (``None``: none). When the targets
    that worker is still publishing under a live lease (its mark, and no outcome yet) are the last
    ones (:func:`~decentsocial.held_jobs.under_way`), the job goes back to it (``running``): it
    ends the job, never reported cancelled while its last posts go out. A job with targets not
    begun yet is backlog: cancelled, as one that had published some targets before the crisis (the
    worker's post in flight is still recorded, and it begins no other target). A mark left by a
    worker whose lease ran out (it stopped) is no work under way.
    """
    if active != crisis or job.error is not None:
        return None
    held = job.status == "scheduled" or (job.status == "paused" and paused_by == crisis)
    over = job.every is None or (job.until is not None and job.until.timestamp() < now)
    if not (held and over) or job.at.timestamp() > now:
        return None
    if under_way(job, lease_until, now) == "last":
        return "running"  # its last targets are being published: the worker ends it
    ran = {o.target: o for o in job.outcomes if o.occurrence == job.occurrence and not o.publishing}
    if job.targets and all(target in ran for target in job.targets):
        return "failed" if any(o.error is not None for o in ran.values()) else "done"
    return "cancelled"


def skip_in_redis(store: RedisStore, job_id: str, crisis: str, now: float) -> Skip | None:
    """:func:`held_backlog` for ``job_id``, read and written in one Redis transaction
    (:func:`~decentsocial.held_jobs.change_in_redis`)."""

    def decide(job: Job, raw: dict[str, str], lease: float | None, active: str | None) -> str | None:
        return held_backlog(job, raw.get("paused_by", ""), lease, crisis, active, now)

    doing = "its crisis's backlog was skipped: end it again"
    return cast("Skip | None", change_in_redis(store, job_id, decide, doing))
