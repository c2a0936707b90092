"""A scheduler's records and the one small interface every job store implements.

:class:`~decentsocial.scheduler.Scheduler` keeps jobs in a store: a SQLite
file (:mod:`decentsocial.sqlite_store`, the embedded engine's) or Redis
(:mod:`decentsocial.redis_store`, the Celery engine's). Both hold the same
records and move them through the same state machine::

    scheduled ──claim──▶ running ──finish──▶ done | failed
        ▲   │                │ └──finish (recurring)──▶ scheduled (next occurrence)
        │   └─pause─▶ paused ◀┘ (pause; the target in flight finishes)
        └──resume──────┘          any unfinished ──cancel──▶ cancelled

A claim gives a worker a lease (an owner and a time); a running job whose
lease has expired may be claimed again by another worker, which reads the
targets already published from the job's outcomes and never sends them again.
A job paused once its last target began still has its occurrence ended by
the worker (:func:`paused_end`): it stays paused, at its next occurrence. A resume while its worker
still publishes a target hands it back to that worker (running: :mod:`decentsocial.held_jobs`).
Times cross this interface as POSIX timestamps (floats).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfoNotFoundError

from . import errors
from .canonical import canonical_json
from .models import Draft

# A rhythm on a zone's clock lives in .rhythm; its names are still importable from here.
from .rhythm import MAX_EVERY as MAX_EVERY
from .rhythm import MIN_EVERY as MIN_EVERY
from .rhythm import anchor_zone, next_on_clock
from .rhythm import local_anchor as local_anchor
from .rhythm import rhythm_clock as rhythm_clock
from .rhythm import rhythm_interval as rhythm_interval
from .rhythm import zone as zone
from .variants import pick, variants_data

__all__ = ["STATUSES", "Finished", "Job", "JobStatus", "JobStore", "Plan", "TargetOutcome"]

log = logging.getLogger("decentsocial.scheduler")

JobStatus = Literal["scheduled", "paused", "running", "done", "failed", "cancelled"]
STATUSES: tuple[str, ...] = ("scheduled", "paused", "running", "done", "failed", "cancelled")


@dataclass(frozen=True)
class TargetOutcome:
    """What one target of one occurrence of a job did: the posts made (a thread's every part) or the error.

    ``account`` is the account that posted (``target_of`` of the connection
    the worker used: the network and the account's identity), so that a
    retraction can tell when the profile now reaches another account;
    ``None`` when no connection was made, or in a record kept before it was.

    ``started_by`` marks a publish under way (``publishing``): the worker
    records it, naming its idempotency records (its state store's identity),
    before it publishes, and the outcome replaces it. Left by a worker that
    stopped, it tells the worker taking the job over whether it can publish
    again with the same keys or must record "may have been published".
    """

    target: str
    occurrence: int
    network: str | None
    post_ids: tuple[str, ...]
    error: errors.DecentSocialError | None
    account: str | None = None
    started_by: str | None = None

    @property
    def publishing(self) -> bool:
        """Whether this is only the mark of a publish under way (or cut short): no outcome yet."""
        return self.started_by is not None

    @property
    def ok(self) -> bool:
        """True when the target's outcome is recorded, without an error."""
        return self.error is None and not self.publishing


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
    #: Per-network variants (see :mod:`decentsocial.variants`): selector -> the draft that target gets.
    variants: Mapping[str, Draft] = field(default_factory=dict)
    #: The IANA time zone whose clock ``every`` is counted on (it keeps the local hour across
    #: daylight saving changes); ``None``: counted in UTC.
    tz: str | None = None
    #: Why the job cannot run: its stored record cannot be read (damaged, or written by another
    #: version); ``InvalidInput`` naming the job. Such a job reads as ``failed`` (``done`` and
    #: ``cancelled`` stay), with an empty draft, and no worker runs it. ``None`` for every other job.
    error: errors.DecentSocialError | None = None
    #: How many times the occurrence it is at was taken over from a worker whose lease had expired
    #: (it stopped while running it: killed, out of memory, crashed); 0 again when the occurrence
    #: ends or the job is moved (resume, retry, reschedule). See :mod:`decentsocial.takeovers`.
    takeovers: int = 0

    @property
    def post_ids(self) -> list[str]:
        """Every post this job has made, target by target."""
        return [pid for outcome in self.outcomes for pid in outcome.post_ids]

    def draft_for(self, target: str, network: str | None) -> Draft:
        """What ``target`` (a profile on ``network``) publishes: its variant, its network's, or the draft."""
        return pick(self.draft, self.variants, target, network)


@dataclass(frozen=True)
class Plan:
    """A job to store: checked already, times as timestamps, the content as :func:`content_json`."""

    key: str
    at: float
    every: float | None
    until: float | None
    targets: tuple[str, ...]
    draft_json: str
    created_at: float
    #: A rhythm counted on a zone's clock: its anchor, from :func:`local_anchor` (``None``: UTC).
    local_at: str | None = None

    def check_same(
        self,
        draft_json: str,
        at: float,
        every: float | None,
        until: float | None,
        targets: Sequence[str],
        local_at: str | None,
    ) -> None:
        """Nothing when a stored job with these fields is this plan (scheduling it again is a no-op);
        ``InvalidInput`` naming what differs otherwise."""
        differ = [
            name
            for name, stored, given in (
                ("content", same_content(draft_json, self.draft_json), True),
                ("time", at, self.at),
                ("every", every, self.every),
                ("until", until, self.until),
                ("targets", tuple(targets), self.targets),
                ("tz", anchor_zone(local_at), anchor_zone(self.local_at)),
            )
            if stored != given
        ]
        if not differ:
            return
        planned = datetime.fromtimestamp(at, timezone.utc).isoformat()
        raise errors.InvalidInput(
            f"a job with key {self.key!r} is already planned (for {planned}) with another"
            f" {', '.join(differ)}: use another key, or change that job (reschedule, cancel)"
        )


@dataclass(frozen=True)
class Finish:
    """What ends an occurrence: the job's next state, decided from its plan and outcomes."""

    status: Literal["scheduled", "done", "failed"]
    following: float | None  # the next occurrence's time when status is "scheduled"


#: The latest time a job may run (a recurring job's next occurrence after it ends the job): the
#: calendar ends with year 9999, and a time past it could not be read back.
LATEST = datetime(9999, 1, 1, tzinfo=timezone.utc)


def next_state(
    at: float, every: float | None, until: float | None, failed: bool, now: float, local_at: str | None = None
) -> Finish:
    """After an occurrence: the next one (a recurring job before its end), else done or failed.

    The next occurrence is the first of the job's rhythm after ``now``: the
    ones missed while the job was late (paused, held by a crisis, no worker
    running) are skipped, not all posted at once when it runs again. With
    ``local_at`` (:func:`local_anchor`), the rhythm is counted on that zone's
    clock from its anchor.
    """
    if every is None:
        return Finish("failed" if failed else "done", None)
    following: float | None = None
    if local_at is not None:
        try:
            following = next_on_clock(local_at, every, max(at, now))
        except (ZoneInfoNotFoundError, ValueError, OSError):  # a worker whose system lacks that zone
            log.warning("a job's clock %r is unknown here: its next time is counted in UTC", local_at)
            local_at = None
    if local_at is None:
        # In whole microseconds (what a datetime holds), not float seconds: float sums drifted off
        # the rhythm (an ``until`` on it ran one time too few) and ``floor`` could pick ``now`` itself.
        start, step, current = _micros(at), _micros(every), _micros(now)
        n = 1 if start + step > current else (current - start) // step + 1
        following = (start + n * step) / 1_000_000
    if following is None or following > LATEST.timestamp():
        return Finish("failed" if failed else "done", None)
    if until is not None and _micros(following) > _micros(until):
        return Finish("failed" if failed else "done", None)
    return Finish("scheduled", following)


def paused_end(
    at: float,
    every: float | None,
    until: float | None,
    failed: bool,
    now: float,
    local_at: str | None = None,
    ran_at: float | None = None,
) -> Finish | None:
    """How an occurrence a worker ran to its end ends when the job was paused after its last target
    began: the next occurrence, the job still paused; ``None`` when nothing follows it.

    Left open, the occurrence (every target published) would run again on resume, publishing
    nothing, and a reschedule meanwhile would move that empty run, not the next post. ``ran_at``
    is the time the worker claimed the occurrence at: a job's time other than it was set by a
    reschedule during the pause, and the next occurrence keeps it (also one already past). Not
    "a time ahead of ``now``": a wall clock stepped back (NTP) puts the occurrence just run ahead
    of ``now``, and kept, it ran again on resume. Without ``ran_at`` (not known) a time ahead of
    ``now`` is taken for a reschedule. A job with nothing after this occurrence stays paused as it
    is: its resume ends it, sending nothing.
    """
    if every is None:
        return None
    moved = at > now if ran_at is None else _micros(at) != _micros(ran_at)
    if moved:
        return Finish("scheduled", at)
    then = next_state(at, every, until, failed, now, local_at)
    return then if then.following is not None else None


def _micros(seconds: float) -> int:
    """A stored time or span (float seconds) in whole microseconds: their sums are exact."""
    return round(seconds * 1_000_000)


#: The store note that names the active crisis (see :func:`decentsocial.crisis_mode.crisis`): while it
#: is there, workers run nothing, so a job planned during the crisis waits for its end too.
CRISIS_NOTE = "crisis"
#: Who paused a job by hand (:meth:`~decentsocial.Scheduler.pause`); a crisis records its id instead,
#: so its end resumes only the jobs it paused, never one held by hand meanwhile.
BY_HAND = "hand"

#: One target's record as a store keeps it: the occurrence, the outcome, when it finished (a timestamp).
Record = tuple[int, TargetOutcome, float]
#: An occurrence a worker ran to its end: the job's id, its last target's record (if it ran one), and
#: the job's time as the worker claimed it (the occurrence's: a time other than it was set meanwhile).
Finished = tuple[str, Record | None, float]


class JobStore(Protocol):
    """Where a scheduler keeps its jobs; every change is atomic across processes (and machines)."""

    #: Where the store is, for messages (a path or a URL without its password).
    where: str

    def add(self, plan: Plan) -> str:
        """Store ``plan`` as a scheduled job; its id. The same key again: the same id, or ``InvalidInput``."""
        ...

    def load(self, job_id: str, occurrence: int | None = None) -> Job | None:
        """The job with its outcomes (only those of ``occurrence`` when it is given: the whole
        record of a long-recurring job is large), or ``None``."""
        ...

    def find(self, key: str) -> str | None:
        """The id of the job planned with ``key``, or ``None``."""
        ...

    def load_all(self) -> list[Job]:
        """Every job, soonest first (then oldest first)."""
        ...

    def move(
        self,
        job_id: str | None,
        sources: tuple[str, ...],
        target: str,
        by: str | None = None,
        held_by: str | None = None,
    ) -> list[str] | None:
        """Set ``target`` on the job (or every job) whose status is in ``sources``; the ids moved.

        A job moved to ``paused`` records who paused it, ``by`` (default :data:`BY_HAND`), in the
        same step; a job already paused by ``by`` is not moved. ``held_by`` moves only the jobs
        paused by it (``""``: paused before stores recorded who). ``None`` when ``job_id`` names no job.
        """
        ...

    def resume(
        self, job_id: str | None, now: float, held_by: str | None = None, crisis: str | None = None
    ) -> list[str] | None:
        """Resume the paused job (or every one; ``held_by``: paused by it, as :meth:`move`); the ids
        resumed, ``None`` when ``job_id`` names no job. Each is decided on as it is, in one atomic step
        with its change (:func:`~decentsocial.held_jobs.resumed_as`): ``scheduled``, or ``running``
        again under the live lease of the worker still publishing one of its targets (never claimed
        by another meanwhile). ``crisis``: the crisis whose end resumes (its record holds nothing back)."""
        ...

    def set_at(self, job_id: str, at: float, local_at: str | None = None) -> bool:
        """Move a scheduled or paused job to ``at``; False when it is neither (or missing).

        ``local_at``: the new anchor of a rhythm counted on a zone's clock (see :func:`local_anchor`).
        """
        ...

    def skip_held(self, job_id: str, crisis: str, now: float) -> str | None:
        """Skip one job of crisis ``crisis``'s backlog, deciding on the job as it is now, in one atomic
        step with the change (:func:`~decentsocial.crisis_backlog.held_backlog`): ``"cancelled"``,
        ``"done"``, ``"failed"``, ``"running"`` (handed back to the worker still publishing one of
        its targets), or ``None`` (left as it is: not held, not backlog, or the crisis is over)."""
        ...

    def claim(self, now: float, lease_until: float, owner: str, limit: int = 1) -> list[Job]:
        """Claim up to ``limit`` of the soonest due jobs (scheduled and due, or running with an expired
        lease) at once; the jobs with the outcomes of the occurrence each is at (all a worker needs:
        reading a long-recurring job's whole history made each claim slower), soonest first, then in
        the order they were scheduled (none: an empty list). Nothing is claimed while the
        :data:`CRISIS_NOTE` note exists: it is checked in the same atomic step as the claim.

        Claiming a running job (its lease expired: its worker stopped) counts one more takeover of
        its occurrence (``Job.takeovers``, returned counted); ending the occurrence (:meth:`finish`)
        and a move to ``scheduled`` (:meth:`move`, :meth:`set_at`) set it back to 0. Such a job is
        claimed alone (when it is the soonest; else the due jobs are): one that stops every worker
        never has the jobs of a batch counted with it."""
        ...

    def renew(self, job_id: str, owner: str, lease_until: float) -> bool:
        """Extend ``owner``'s lease; False when the job is no longer running under it."""
        ...

    def holds(self, job_id: str, owner: str) -> bool:
        """Whether the job is still running under ``owner`` (a read: nothing is written)."""
        ...

    def record(
        self, job_id: str, occurrence: int, outcome: TargetOutcome, when: float, owner: str | None = None
    ) -> bool:
        """Keep what one target did (replacing an earlier record of the same target and occurrence); True.

        With ``owner`` (a worker's mark before it publishes), kept only while the job is running under
        ``owner``, checked in the same atomic step: whether it was. Checked apart, a pause and resume
        (or a crisis's skip) between check and mark saw no publish under way and let the job go."""
        ...

    def finish(self, owner: str, finished: Sequence[Finished], now: float) -> list[str]:
        """End ``owner``'s occurrences of the jobs in ``finished``: plan each one's next (the first after
        ``now``, see :func:`next_state`), or mark it done or failed (a worker that ran a batch of fast
        jobs ends them in one step). The ids of the jobs it ended.

        Each job's last record (the occurrence, the last target's outcome and
        when it finished) is kept first, as :meth:`record` would, in the same
        step. A job paused meanwhile (its last target had begun: every target is
        done) still under ``owner``'s claim moves on to its next occurrence and stays
        paused (see :func:`paused_end`; one with nothing after it stays as it is).
        Nothing else happens to a job that was paused, cancelled or taken over meanwhile.
        """
        ...

    def close(self) -> None:
        """Release the store's connections."""
        ...

    # ---- notes: small named records beside the jobs (the active crisis, issue 14)

    def note(self, name: str) -> str | None:
        """The note ``name`` (JSON text), or ``None``."""
        ...

    def swap_note(self, name: str, old: str | None, new: str | None) -> bool:
        """Set note ``name`` to ``new`` (``None`` removes it) if it is ``old`` (``None``: absent), atomically.

        Whether it was swapped: two processes starting a crisis at once cannot both win.
        """
        ...


def outcome_json(outcome: TargetOutcome, finished_at: float) -> dict[str, Any]:
    """A target's outcome as JSON-ready fields (the error by class name, message and server's words)."""
    return {
        "target": outcome.target,
        "occurrence": outcome.occurrence,
        "network": outcome.network,
        "post_ids": list(outcome.post_ids),
        "error_type": None if outcome.error is None else type(outcome.error).__name__,
        "error": None if outcome.error is None else error_fields(outcome.error),
        "finished_at": finished_at,
        "account": outcome.account,
        "started_by": outcome.started_by,
    }


#: One outcome as a store gives it back: target, occurrence, network, post ids, the error's class
#: name and :func:`error_fields`, the account that posted, and ``started_by`` (a publish under way).
OutcomeFields = tuple[
    str, int, str | None, tuple[str, ...], str | None, dict[str, Any] | None, str | None, str | None
]


def build_job(
    fields: dict[str, Any],
    outcomes: list[OutcomeFields],
) -> Job:
    """A :class:`Job` from a store's fields (timestamps, targets as a list, draft JSON) and its outcomes.

    Each outcome is ``(target, occurrence, network, post_ids, error_type, error_fields, account,
    started_by)``.
    """
    names = _texts(fields["targets"], "its targets")
    if fields["status"] not in STATUSES:
        raise ValueError(f"its status is {fields['status']!r}, none of {', '.join(STATUSES)}")
    draft, variants = parse_content(fields["draft"])
    every, until = fields["every"], fields["until"]
    return Job(
        id=fields["id"],
        status=fields["status"],
        at=datetime.fromtimestamp(fields["at"], timezone.utc),
        targets=names,
        key=fields["key"],
        draft=draft,
        every=None if every is None else timedelta(seconds=every),
        until=None if until is None else datetime.fromtimestamp(until, timezone.utc),
        occurrence=int(fields["occurrence"]),
        variants=variants,
        tz=anchor_zone(fields.get("local_at")),
        outcomes=target_outcomes(names, outcomes),
        takeovers=int(fields.get("takeovers") or 0),  # a record kept before they were counted: none
    )


def target_outcomes(names: Sequence[str], outcomes: Sequence[OutcomeFields]) -> tuple[TargetOutcome, ...]:
    """A job's outcomes from a store's (see :func:`build_job`), by occurrence, then in the order of
    the job's targets ``names``; a field of the wrong type (a damaged record) is ``ValueError``."""
    return _ordered(names, [target_outcome(o) for o in outcomes])


def _ordered(names: Sequence[str], outcomes: list[TargetOutcome]) -> tuple[TargetOutcome, ...]:
    """By occurrence, then in the order of the job's targets ``names`` (others last)."""
    place = {name: n for n, name in reversed(list(enumerate(names)))}
    return tuple(sorted(outcomes, key=lambda o: (o.occurrence, place.get(o.target, len(names)))))


def target_outcome(fields: OutcomeFields) -> TargetOutcome:
    """One outcome from a store's fields, each of its type checked: a damaged record is ``ValueError``,
    never a post id that is no text (a retraction would delete what it names) or a crash later."""
    target, n, network, post_ids, error_type, error, account, started_by = fields
    if not isinstance(target, str) or not isinstance(n, int) or isinstance(n, bool):
        raise ValueError(f"an outcome's target or occurrence is damaged ({target!r}, {n!r})")
    for name, value in (("network", network), ("account", account), ("started_by", started_by)):
        if value is not None and not isinstance(value, str):
            raise ValueError(f"the {name} of {target!r}'s outcome is no text")
    if error_type is not None and not (isinstance(error_type, str) and isinstance(error, dict)):
        raise ValueError(f"the error of {target!r}'s outcome is damaged")
    return TargetOutcome(
        target=target,
        occurrence=n,
        network=network,
        post_ids=_texts(post_ids, f"the post ids of {target!r}"),
        error=None if error_type is None or error is None else rebuild_error(error_type, error),
        account=account,
        started_by=started_by,
    )


def _texts(value: object, what: str) -> tuple[str, ...]:
    """A stored list of text (targets, post ids) as a tuple; ``ValueError`` for anything else."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{what} are not a list of text")
    return tuple(value)


#: What reading a stored record raises when this version cannot read it (a damaged record, or one
#: written by another version): the parsers' and the models' own errors.
UNREADABLE: tuple[type[Exception], ...] = (
    ValueError,  # bad JSON, a model's validation, a number or time out of range
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    OverflowError,
    OSError,  # a timestamp past the platform's range
    errors.DecentSocialError,  # a model's own refusal (InvalidInput)
)


def unreadable_job(
    job_id: str, raw: Mapping[str, Any], problem: Exception, outcomes: Sequence[OutcomeFields] = ()
) -> Job:
    """The job ``job_id`` whose stored record ``raw`` cannot be read (``problem`` is why).

    It is reported ``failed`` (``done`` and ``cancelled`` stay), its ``error``
    an ``InvalidInput`` naming it, with what could be read of its plan, an
    empty draft and its ``outcomes`` (as :func:`build_job` takes them, when
    they could be read: the posts it made can still be retracted), so that
    listing the other jobs, cancelling this one and running the others still
    work; no worker runs it (:meth:`~decentsocial.scheduler.Scheduler.run_pending`
    marks it failed). ``raw`` holds the store's fields as kept (times as
    numbers or their text, targets as JSON text).
    """
    error = errors.InvalidInput(
        f"job {job_id} cannot be read from its store ({why_unreadable(problem)}): it is not run"
    )
    status = raw.get("status")
    at = _attempt(lambda: datetime.fromtimestamp(float(raw["at"]), timezone.utc))
    every = _attempt(lambda: timedelta(seconds=float(raw["every"])))
    until = _attempt(lambda: datetime.fromtimestamp(float(raw["until"]), timezone.utc))
    targets = _attempt(lambda: json.loads(raw["targets"]))
    occurrence = _attempt(lambda: int(raw["occurrence"]))
    names = tuple(t for t in targets if isinstance(t, str)) if isinstance(targets, list) else ()
    return Job(
        id=job_id,
        status=status if status in ("done", "cancelled") else "failed",
        at=at or datetime.fromtimestamp(0, timezone.utc),
        targets=names,
        key=str(raw.get("key") or ""),
        draft=Draft.model_construct(),  # unvalidated and empty: nothing of the unreadable content
        every=every,
        until=until,
        occurrence=occurrence or 0,
        # Each outcome that reads is kept (one damaged outcome does not hide the posts of the others).
        outcomes=_attempt(lambda: _readable_outcomes(names, outcomes)) or (),
        error=error,
    )


def _readable_outcomes(names: Sequence[str], outcomes: Sequence[OutcomeFields]) -> tuple[TargetOutcome, ...]:
    """The outcomes of :func:`target_outcomes` that can be read, the damaged ones left out."""
    readable = []
    for fields in outcomes:
        try:
            readable.append(target_outcome(fields))
        except UNREADABLE:
            log.warning("an outcome of a job that cannot be read is damaged too: left out")
    return _ordered(names, readable)


def why_unreadable(problem: Exception) -> str:
    """Why a record could not be read, in one short line (a model's first complaint, not its essay)."""
    complaints = getattr(problem, "errors", None)
    if isinstance(problem, ValueError) and callable(complaints):  # pydantic's ValidationError
        found = complaints()
        first = found[0] if found else {}
        where = ".".join(str(part) for part in first.get("loc", ())) or "the draft"
        return f"{where}: {first.get('msg', 'invalid')}"
    text = str(problem).splitlines()[0] if str(problem) else ""
    return f"{type(problem).__name__}: {text}"[:200] if text else type(problem).__name__


def _attempt(read: Callable[[], Any]) -> Any:
    """What ``read`` gives, or ``None`` when it cannot (a field missing or damaged)."""
    try:
        return read()
    except UNREADABLE:
        return None


def content_json(draft: Draft, variants: Mapping[str, Draft]) -> str:
    """What a job publishes, as the JSON its store keeps (in the ``draft`` field of every store).

    Without variants this is the draft's own JSON, without the fields left
    at their defaults (a worker reads it back for every job: the whole JSON
    took twice as long to validate; stores written with every field read the
    same); with variants, ``{"draft": …, "variants": {selector: draft, …}}``.
    A ``Draft`` has no field named ``draft``, so the two never mix up.
    """
    if not variants:
        return draft.model_dump_json(exclude_defaults=True)
    return dumps({"draft": json.loads(draft.model_dump_json()), "variants": variants_data(variants)})


def parse_content(text: str) -> tuple[Draft, dict[str, Draft]]:
    """The draft and variants from :func:`content_json`'s JSON."""
    if not text.startswith('{"draft":'):
        return Draft.model_validate_json(text), {}
    data = json.loads(text)
    variants = {k: Draft.model_validate_json(dumps(v)) for k, v in data["variants"].items()}
    return Draft.model_validate_json(dumps(data["draft"])), variants


#: What reading stored content may raise: :data:`UNREADABLE`, or JSON nested too deep to read.
UNREADABLE_OR_DEEP: tuple[type[Exception], ...] = (*UNREADABLE, RecursionError)


def same_content(stored: str, given: str) -> bool:
    """Whether a job's stored content (:func:`content_json`) is ``given``'s: the same drafts and variants.

    Not the same text only: the keys of a draft's ``options`` may be in another order (built
    another way, read back from JSON, kept so by an older version), or a store may hold every
    field. Each draft is compared as :func:`~decentsocial.canonical.canonical_json` writes it, so
    a value of another type (``1`` and ``true``, ``1`` and ``1.0``) is still another content.
    Stored content that no longer reads is another content.
    """
    if stored == given:
        return True
    try:
        return _canonical_content(stored) == _canonical_content(given)
    except UNREADABLE_OR_DEEP:
        return False


def _canonical_content(text: str) -> tuple[str, dict[str, str]]:
    draft, variants = parse_content(text)
    return canonical_json(draft), {name: canonical_json(v) for name, v in variants.items()}


def check_content(text: str) -> None:
    """Nothing when :func:`parse_content` reads ``text`` back; ``InvalidInput`` saying why otherwise.

    A store keeps the content as this text and every read of the job parses
    it: content that does not read back is refused before anything is stored.
    """
    try:
        parse_content(text)
    except UNREADABLE as exc:
        raise errors.InvalidInput(
            f"this draft cannot be stored: its JSON does not read back ({why_unreadable(exc)})"
        ) from None


def error_fields(error: Exception) -> dict[str, Any]:
    if isinstance(error, errors.DecentSocialError):
        return {
            "message": error.message,
            "network": error.network,
            "server_message": error.server_message,
            "retryable": error.retryable,
            "sent": getattr(error, "sent", None),
            # The fields only a subclass has (read back by rebuild_error; absent from older records).
            "retry_after": getattr(error, "retry_after", None),
            "capability": getattr(
                getattr(error, "capability", None), "value", getattr(error, "capability", None)
            ),
        }
    return {"message": f"unexpected {type(error).__name__}", "network": None, "server_message": None}


def rebuild_error(type_name: str, fields: dict[str, Any]) -> errors.DecentSocialError:
    """The recorded error, rebuilt as its own class with its message, network and server's words.

    Whether it was retryable is kept too (a lost answer is not, and a retraction tells them apart);
    a record made before that gets its class's default. So is whether a ``NetworkUnavailable`` may
    have been sent: a record that does not say may have been (never published twice).
    """
    cls = getattr(errors, type_name, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.DecentSocialError)):
        cls = errors.DecentSocialError
    error = cls.__new__(cls)
    errors.DecentSocialError.__init__(
        error,
        fields["message"],
        network=fields["network"],
        server_message=fields["server_message"],
        retryable=fields.get("retryable"),
    )
    if isinstance(error, errors.NetworkUnavailable):
        error.sent = fields.get("sent") is not False
    # A subclass's own attribute is set too (a record kept before it was: None), never left missing.
    if isinstance(error, errors.RateLimited):
        wait = fields.get("retry_after")
        error.retry_after = (
            float(wait) if isinstance(wait, (int, float)) and not isinstance(wait, bool) else None
        )
    if isinstance(error, errors.UnsupportedFeature):
        error.capability = _capability(fields.get("capability"))
    return error


def _capability(value: object) -> object:
    """A recorded capability as the :class:`~decentsocial.network.Capability` it names (else as kept)."""
    from .network import Capability

    try:
        return Capability(value)
    except ValueError:
        return value if isinstance(value, str) else None


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
