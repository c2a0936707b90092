"""What a worker taking a job over may do, and when a job has stopped too many workers to run again.

A worker that dies while it runs a job (killed, out of memory, a crash in a
C library while connecting or publishing) leaves its lease, and a worker
takes the job over once the lease has expired. A job that kills every worker
that runs it (the crash comes with one of its targets, every time) would be
taken over after every lease for ever, taking the workers down in turn. So
the stores count the takeovers of each occurrence (``Job.takeovers``: claims
of a running job whose lease had expired; back to 0 when the occurrence ends
or a user moves the job: resume, retry, reschedule), and a worker that
claims an occurrence taken over more than ``Scheduler(max_takeovers=…)``
times (default :data:`MAX_TAKEOVERS`) runs nothing of it: each target without
an outcome is recorded failed, saying why (:func:`given_up`), and the
occurrence ends as failed.
"""

from __future__ import annotations

from . import errors
from .idempotency import may_have_happened
from .jobs import Job, TargetOutcome

__all__ = ["ELSEWHERE", "MAX_TAKEOVERS", "check_max_takeovers", "given_up", "refused_outright"]

#: How many times one occurrence of a job may be taken over from a worker that stopped (killed, out
#: of memory, crashed) before the next claim gives it up: it is run at most this many times more.
MAX_TAKEOVERS = 3

#: What a worker taking a job over records for a target whose publish began on a worker with other
#: idempotency records (another machine): it cannot find the post, so never publishes it again.
ELSEWHERE = (
    "publishing here started on a worker with other idempotency records and its outcome was never"
    " recorded (that worker stopped?): the post may have been published; look for it on the network"
)


def check_max_takeovers(value: object) -> int:
    """``value`` as a cap on takeovers: a whole number, 0 (never taken over) or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.InvalidInput(f"max_takeovers must be a whole number, 0 or more, got {value!r}")
    return value


def given_up(job: Job) -> list[TargetOutcome]:
    """The outcomes that end ``job``'s occurrence when it has stopped too many workers (every target
    without an outcome; one the network refused outright keeps its own).

    A target whose publish had begun (marked started) may have been published: a non-retryable
    ``NetworkUnavailable`` says so, and :meth:`~decentsocial.Scheduler.retry` never sends it again.
    One whose publish had not begun was not published: its ``NetworkUnavailable`` is retryable, so
    ``retry`` sends it once the cause is mended (and the count starts again).
    """
    why = (
        f"the workers running this job stopped {job.takeovers} times before its occurrence ended"
        " (killed, out of memory or crashed, or held it past their lease), so it was not run again"
    )
    recorded = {o.target: o for o in job.outcomes if o.occurrence == job.occurrence}
    ended: list[TargetOutcome] = []
    for target in job.targets:
        mark = recorded.get(target)
        if mark is not None and not mark.publishing:
            continue  # its outcome is recorded: published, or refused (kept as the network said)
        if mark is None:
            error = errors.NetworkUnavailable(
                f"{why}: this target was not published", retryable=True, sent=False
            )
            ended.append(TargetOutcome(target, job.occurrence, None, (), error))
            continue
        error = errors.NetworkUnavailable(
            f"{why}: its publish had begun, so the post may have been published; look for it on the network",
            network=mark.network,
            retryable=False,
        )
        ended.append(TargetOutcome(target, job.occurrence, mark.network, (), error, mark.account))
    return ended


def refused_outright(outcome: TargetOutcome) -> bool:
    """Whether a target's recorded outcome is an error that published nothing, for sure: the network
    refused it, or was not reached (a ``NetworkUnavailable`` that may have been published is not, nor
    an unexpected error: it may have come after the post was made)."""
    error = outcome.error
    if error is None or outcome.post_ids or outcome.publishing or type(error) is errors.DecentSocialError:
        return False
    return not may_have_happened(error)
