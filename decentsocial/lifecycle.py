"""After publishing: retract what a crosspost or a job made (:func:`retract`); crisis mode (:func:`crisis`).

``retract`` deletes every post a :func:`~decentsocial.crosspost` result or a
scheduled :class:`~decentsocial.Job` made, every part of a thread, on every
network, and reports per network what went or why not. Running it again is
safe: a post already gone counts as deleted. On Hive and Steem a post that
the chain will not delete (it has votes or replies) is edited to a
retraction notice instead, and the outcome says so.

``crisis`` stops everything planned from going out (it pauses the
scheduler's jobs), publishes a statement everywhere, pins it where the
network can, and records itself as *the* active crisis in the scheduler's
store (or, without a scheduler, in the state store), so a second crisis
cannot start until :meth:`Crisis.end`, which unpins the statement and
resumes exactly the jobs the crisis paused, even from another process::

    c = ds.crisis("We are aware of the outage and are on it.", nets, scheduler=sched)
    c.result.ok, c.pinned, c.not_pinned, c.paused
    ...
    c.end()                                   # or ds.Crisis.active(sched).end() after a restart
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .crosspost import CrosspostResult, Outcome, _as_error, check_networks, crosspost, target_of
from .errors import (
    AuthenticationError,
    ConfigurationError,
    ContentRejected,
    DecentSocialError,
    InvalidInput,
    NetworkUnavailable,
    NotFound,
    RateLimited,
)
from .idempotency import may_have_happened
from .jobs import CRISIS_NOTE, Job, TargetOutcome
from .models import Draft, Post, as_draft
from .network import Capability, Network

if TYPE_CHECKING:
    from .scheduler import Scheduler

__all__ = [
    "RETRACTION_NOTICE",
    "Crisis",
    "CrisisEnd",
    "CrisisInterrupted",
    "Retracted",
    "Retraction",
    "crisis",
    "retract",
]

log = logging.getLogger("decentsocial.lifecycle")

#: What a post that cannot be deleted (Hive, Steem) is edited to.
RETRACTION_NOTICE = "[Retracted: the author has withdrawn this post.]"
#: The note (in the scheduler's store, or the state store) that names the active crisis.
ACTIVE = CRISIS_NOTE
_STATE_SCOPE = "decentsocial:lifecycle"

# ---------------------------------------------------------------- retract


@dataclass(frozen=True)
class Retracted:
    """What ``retract`` did on one account: posts deleted, posts edited to a notice, or why not.

    ``target`` is the account: the profile name for a job, ``"network:identity"``
    for a crosspost. ``deleted`` counts posts already gone. ``remaining``
    lists each post that may still be up, with the typed error that kept it
    (every post is tried; after an error that makes the whole account
    unusable, ``RateLimited`` or ``AuthenticationError``, the posts not tried
    yet are listed with that error). ``skipped`` says why nothing was tried
    (the network had failed in the input, so it made no post). ``error`` is
    the first problem: a publish whose answer was lost, so that a post with
    no known id may be up (not verified), or else the first entry of
    ``remaining``, or what stopped the retraction before any post.
    """

    network: str | None
    target: str
    deleted: tuple[str, ...] = ()
    edited: tuple[str, ...] = ()
    error: DecentSocialError | None = None
    skipped: str | None = None
    remaining: tuple[tuple[str, DecentSocialError], ...] = ()

    @property
    def ok(self) -> bool:
        """True when every post this account made is gone (or edited to the notice): nothing remains."""
        return self.error is None and not self.remaining


@dataclass(frozen=True)
class Retraction:
    """One :class:`Retracted` per account, in the input's order."""

    outcomes: tuple[Retracted, ...]

    @property
    def ok(self) -> bool:
        """True when nothing remains (skipped networks had made no post, so they do not count)."""
        return all(o.ok for o in self.outcomes)

    @property
    def deleted(self) -> list[str]:
        return [pid for o in self.outcomes for pid in o.deleted]

    @property
    def remaining(self) -> list[tuple[str, DecentSocialError]]:
        """Every post that may still be up, with why, account by account."""
        return [item for o in self.outcomes for item in o.remaining]

    @property
    def errors(self) -> list[DecentSocialError]:
        return [o.error for o in self.outcomes if o.error is not None]


#: Errors after which the account's other posts are not tried (listed in ``remaining`` instead).
STOPS_THE_ACCOUNT = (RateLimited, AuthenticationError)


def retract(
    result_or_job: CrosspostResult | Job,
    *,
    notice: str = RETRACTION_NOTICE,
    connect: Callable[[str], Network] | None = None,
) -> Retraction:
    """Delete every post ``result_or_job`` made (threads included) on every network; safe to run twice.

    A crosspost result carries its connections; a job names profiles, which
    are connected with ``connect_any(profile=…)`` (or ``connect(profile)``)
    and closed afterwards. Replies go before the post they answer, and a post
    that cannot be deleted does not stop the others: it is listed in the
    outcome's ``remaining`` with its error. A network where the input holds
    an error and no post is skipped and reported; one that half-published a
    thread has its parts retracted. A publish whose answer was lost (the
    post may have been made, its id is unknown) is an error in the outcome:
    that post was not verified. A job's target whose profile now connects
    to another account than the one that posted is ``ConfigurationError``.
    Where the network refuses to delete (a Hive or Steem post with votes or
    replies) and can edit, the post is edited to ``notice`` and listed in
    ``edited``.
    """
    if isinstance(result_or_job, CrosspostResult):
        if result_or_job.dry_run:
            raise InvalidInput("a dry run published nothing: there is nothing to retract")
        outcomes = [_retract_outcome(o, notice) for o in result_or_job.outcomes]
        return Retraction(tuple(outcomes))
    if isinstance(result_or_job, Job):
        return Retraction(tuple(_retract_job(result_or_job, notice, connect)))
    raise InvalidInput(
        f"retract takes a crosspost result or a scheduled Job, got {type(result_or_job).__name__}"
    )


def _retract_outcome(outcome: Outcome, notice: str) -> Retracted:
    """One crosspost outcome: its posts, and the part whose answer was lost (if one was)."""
    net, failed = outcome.connection, outcome.error
    lost = None
    if failed is not None and len(outcome.posts) < len(outcome.drafts) and may_have_happened(failed):
        part = len(outcome.posts) + 1
        where = f"part {part} of {len(outcome.drafts)}" if len(outcome.drafts) > 1 else "the post"
        lost = _unverified(net.name, where, failed)
    return _retract_posts(net, target_of(net), list(outcome.posts), failed, notice, lost)


def _unverified(network: str | None, what: str, failed: DecentSocialError) -> NetworkUnavailable:
    """The error for a publish that may have made a post whose id nobody knows (its answer was lost)."""
    error = NetworkUnavailable(
        f"{what} may have been published (its answer was lost: {failed.message}); it was not"
        f" verified and may still be up: look for it on {network or 'the network'}",
        network=network,
        retryable=False,
    )
    error.__cause__ = failed
    return error


def _retract_job(job: Job, notice: str, connect: Callable[[str], Network] | None) -> Iterator[Retracted]:
    by_target: dict[str, list[TargetOutcome]] = {}
    for outcome in job.outcomes:
        by_target.setdefault(outcome.target, []).append(outcome)
    for target, outcomes in by_target.items():
        network = next((o.network for o in outcomes if o.network is not None), None)
        post_ids = [pid for o in outcomes for pid in o.post_ids]
        failures = [o.error for o in outcomes if o.error is not None]
        lost = next((e for e in failures if may_have_happened(e)), None)
        unverified = None if lost is None else _unverified(network, f"a post of {target}", lost)
        if not post_ids:  # nothing to delete: no connection needed to say so
            yield (
                _skipped(network, target, failures[-1] if failures else None)
                if unverified is None
                else Retracted(network, target, error=unverified)
            )
            continue
        try:
            net = connect(target) if connect is not None else _connect_profile(target)
        except Exception as exc:  # no connection for this target: its outcome says so, the others go on
            error = _connect_error(network, target, exc)
            yield Retracted(network, target, error=error, remaining=tuple((pid, error) for pid in post_ids))
            continue
        try:
            yield _retract_target(net, target, outcomes, notice, unverified)
        finally:
            if connect is None:
                _close(net)


def _retract_target(
    net: Network, target: str, outcomes: list[TargetOutcome], notice: str, lost: DecentSocialError | None
) -> Retracted:
    """A job target's posts through ``net``, the connection for its profile now.

    Posts recorded as made by another account than ``net``'s (the profile
    now names another account, server or database) are not tried: there a
    post would be ``NotFound`` and count as deleted while it is still up.
    """
    here = _account(net)
    others = sorted(
        {o.account for o in outcomes if o.account is not None and o.account != here and o.post_ids}
    )
    mine = [pid for o in outcomes if o.account is None or o.account == here for pid in o.post_ids]
    done = (
        _retract_posts(net, target, mine, None, notice, lost) if mine or lost else Retracted(net.name, target)
    )
    if not others:
        return done
    refused = ConfigurationError(
        f"profile {target} now connects as {here}, but posts were made as {', '.join(others)}:"
        " those were not retracted: check the profile (another account, server or file?)",
        network=net.name,
    )
    elsewhere = tuple((pid, refused) for o in outcomes if o.account in others for pid in o.post_ids)
    return replace(done, error=done.error or refused, remaining=done.remaining + elsewhere)


def _account(net: Network) -> str | None:
    try:
        return target_of(net)
    except Exception:  # a connection that cannot name its account is not refused for it
        log.warning("cannot tell which account %s connects as", net.name, exc_info=True)
        return None


def _connect_error(network: str | None, target: str, exc: Exception) -> DecentSocialError:
    """What connecting ``target`` raised, typed: ours as it is, anything else by type name only."""
    if isinstance(exc, DecentSocialError):
        return exc
    error = ConfigurationError(
        f"cannot connect {target}: unexpected {type(exc).__name__} (nothing was retracted there)",
        network=network,
    )
    error.__cause__ = exc
    return error


def _close(net: Network) -> None:
    try:
        net.close()
    except Exception:  # the retraction is done: closing its connection must not lose the report
        log.warning("closing the %s connection after a retraction failed", net.name, exc_info=True)


def _connect_profile(profile: str) -> Network:
    from .registry import connect_any

    return connect_any(profile=profile)


def _skipped(network: str | None, target: str, error: DecentSocialError | None) -> Retracted:
    why = f"it made no post here ({error})" if error is not None else "it made no post here"
    return Retracted(network, target, skipped=why)


def _retract_posts(
    net: Network,
    target: str,
    posts: Sequence[Post | str],
    failed: DecentSocialError | None,
    notice: str,
    lost: DecentSocialError | None = None,
) -> Retracted:
    """Try every post (the last reply first, the root last); ``lost``: a publish that may have made one more.

    The account's other posts are not tried after an error in :data:`STOPS_THE_ACCOUNT`.
    """
    if not posts and lost is None:
        return _skipped(net.name, target, failed)
    deleted: list[str] = []
    edited: list[str] = []
    remaining: list[tuple[str, DecentSocialError]] = []
    unique = list(reversed({(p.id if isinstance(p, Post) else p): p for p in posts}.items()))
    for n, (pid, post) in enumerate(unique):
        error = _retract_one(net, pid, post, notice, deleted, edited)
        if error is None:
            continue
        remaining.append((pid, error))
        if isinstance(error, STOPS_THE_ACCOUNT):  # the account cannot act now: the rest is not tried
            remaining.extend((later, error) for later, _ in unique[n + 1 :])
            break
    first = lost or (remaining[0][1] if remaining else None)
    return Retracted(net.name, target, tuple(deleted), tuple(edited), first, remaining=tuple(remaining))


def _retract_one(
    net: Network, pid: str, post: Post | str, notice: str, deleted: list[str], edited: list[str]
) -> DecentSocialError | None:
    """Delete one post (or edit it to ``notice`` where the network keeps it); the error that kept it up."""
    try:
        net.delete(post)
        deleted.append(pid)
    except NotFound:
        deleted.append(pid)  # already gone: a second retract, or someone deleted it by hand
    except ContentRejected as exc:
        if Capability.EDIT not in net.capabilities:
            return exc
        try:
            net.edit(post, Draft(text=notice))
        except NotFound:  # the delete was refused because the post is gone already (Hive: a second run)
            deleted.append(pid)
            return None
        except Exception as edit_error:  # reported in the outcome, never raised
            return _as_error(net, edit_error)
        log.info("%s refused to delete %s (%s): edited to the retraction notice", net.name, pid, exc)
        edited.append(pid)
    except Exception as exc:  # one post's problem stays in the outcome; the others are tried
        return _as_error(net, exc)
    return None


# ---------------------------------------------------------------- crisis


class _Notes(Protocol):
    where: str

    def note(self, name: str) -> str | None: ...
    def swap_note(self, name: str, old: str | None, new: str | None) -> bool: ...


class _StateNotes:
    """Notes in the state store (``DECENTSOCIAL_STATE_DIR``), for a crisis without a scheduler."""

    def __init__(self) -> None:
        from .state import StateStore

        self.state = StateStore.open()
        self.where = f"the state store {self.state.path}"

    def note(self, name: str) -> str | None:
        found = self.state.get(_STATE_SCOPE, name)
        value = None if found is None else found[1].get("value")
        return value if isinstance(value, str) else None  # {}: a write cut short by an older version

    def swap_note(self, name: str, old: str | None, new: str | None) -> bool:
        data = None if new is None else {"value": new}
        if old is not None:
            return self.state.swap(_STATE_SCOPE, name, {"value": old}, data, "note")
        return self.state.swap(_STATE_SCOPE, name, None, data, "note") or self.state.swap(
            _STATE_SCOPE, name, {}, data, "note"
        )


def _notes(scheduler: Scheduler | None) -> _Notes:
    return scheduler.store if scheduler is not None else _StateNotes()


def _record(text: str, notes: _Notes) -> dict[str, Any]:
    """The crisis record ``text``; one that cannot be read is ``ConfigurationError`` saying how to end it."""
    try:
        record = json.loads(text)
        if not isinstance(record, dict) or not isinstance(record["id"], str):
            raise TypeError("not a crisis record")
        datetime.fromtimestamp(record["started_at"], timezone.utc)
        str(record["statement"]), list(record["paused"]), list(record["targets"])
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        raise ConfigurationError(
            f"the active crisis recorded in {notes.where} cannot be read ({type(exc).__name__}); nothing"
            " runs while it stays: remove it with decentsocial.Crisis.discard() (given the same"
            " scheduler), then resume the jobs it paused"
        ) from None
    return record


@dataclass(frozen=True)
class CrisisEnd:
    """What :meth:`Crisis.end` did: jobs resumed, posts unpinned, and what failed (per account);
    ``skipped``: the one-off jobs it held past their time, cancelled by ``backlog="skip"``."""

    resumed: tuple[str, ...]
    unpinned: tuple[str, ...]
    errors: tuple[tuple[str, DecentSocialError], ...] = ()
    skipped: tuple[str, ...] = ()


class CrisisInterrupted(ConfigurationError):
    """The crisis was ended (from another process) while :func:`crisis` was still publishing.

    Its statement, published meanwhile, is unpinned again; ``result`` holds
    it (retract it with :func:`retract` if it should not stay up)."""

    def __init__(self, message: str, *, result: CrosspostResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class Crisis:
    """An active crisis: the statement's crosspost, what was pinned and paused, and how to end it.

    ``result`` is the statement's :class:`~decentsocial.CrosspostResult`
    (``None`` for a crisis read back with :meth:`active`, whose posts are in
    ``record``); ``pinned`` the statement posts pinned; ``not_pinned`` each
    account where pinning was not possible, with the typed error;
    ``paused`` the ids of the jobs this crisis paused (those already paused
    are not in it, and stay paused after :meth:`end`). Connections opened
    for profile names stay open (``result`` uses them) until :meth:`end`.
    """

    id: str
    statement: str
    started_at: datetime
    result: CrosspostResult | None
    pinned: tuple[Post, ...]
    not_pinned: tuple[tuple[str, DecentSocialError], ...]
    paused: tuple[str, ...]
    record: dict[str, Any]
    scheduler: Scheduler | None = None
    _nets: dict[str, Network] = field(default_factory=dict, repr=False)
    _owned: list[Network] = field(default_factory=list, repr=False)

    @classmethod
    def active(cls, scheduler: Scheduler | None = None) -> Crisis | None:
        """The active crisis recorded in ``scheduler``'s store (or the state store), or ``None``.

        A record that cannot be read is ``ConfigurationError``: :meth:`discard` removes it.
        """
        notes = _notes(scheduler)
        text = notes.note(ACTIVE)
        if text is None:
            return None
        record = _record(text, notes)
        return cls(
            id=record["id"],
            statement=record["statement"],
            started_at=datetime.fromtimestamp(record["started_at"], timezone.utc),
            result=None,
            pinned=(),
            not_pinned=(),
            paused=tuple(record["paused"]),
            record=record,
            scheduler=scheduler,
        )

    @classmethod
    def discard(cls, scheduler: Scheduler | None = None) -> bool:
        """Remove an active crisis record that cannot be read (see :meth:`active`); whether one was.

        Nothing is unpinned or resumed: a readable crisis is ended with :meth:`end` instead.
        """
        notes = _notes(scheduler)
        text = notes.note(ACTIVE)
        if text is None:
            return False
        try:
            _record(text, notes)
        except ConfigurationError:
            return notes.swap_note(ACTIVE, text, None)
        raise InvalidInput("the active crisis can be read: end it with Crisis.active(...).end()")

    def end(self, nets: Sequence[Network] = (), *, backlog: Literal["now", "skip"] = "now") -> CrisisEnd:
        """Unpin the statement everywhere, resume exactly the jobs this crisis paused, and end it.

        Connections come from the crisis itself, from ``nets`` (matched by
        network and account), or from the profile names it was started
        with; a pinned statement with none of them is ``InvalidInput``
        naming it, and the crisis stays active. A job paused, resumed or
        cancelled by hand meanwhile is left as it is. An unpin that fails
        is reported in ``errors``; the crisis ends anyway.

        ``backlog``: what becomes of the one-off jobs whose time passed
        during the crisis: ``"now"`` resumes them (they all go out at
        once), ``"skip"`` cancels them (their records stay; see
        ``CrisisEnd.skipped``). A repeating job always resumes at its next
        time after the end.
        """
        if backlog not in ("now", "skip"):
            raise InvalidInput(f'backlog must be "now" or "skip", got {backlog!r}')
        notes = _notes(self.scheduler)
        current = notes.note(ACTIVE)
        record = None if current is None else _record(current, notes)
        if current is None or record is None or record["id"] != self.id:
            raise InvalidInput(f"crisis {self.id} is not the active one (it was ended already)")
        given = {target_of(n): n for n in nets}
        pinned = [entry for entry in record["targets"] if entry.get("pinned") is not None]
        missing = [
            f"{entry['label']} (post {entry['pinned']})"
            for entry in pinned
            if not (self._nets.get(entry["target"]) or given.get(entry["target"]) or entry.get("profile"))
        ]
        if missing:  # checked before anything changes: the record is what end(nets=...) needs
            raise InvalidInput(
                f"crisis {self.id} stays active: no connection to unpin its statement on"
                f" {', '.join(missing)}; pass them to end(nets=[...])"
            )
        unpinned: list[str] = []
        failures: list[tuple[str, DecentSocialError]] = []
        for entry in pinned:
            try:
                with self._connection(entry, given) as net, contextlib.suppress(NotFound):
                    net.unpin(entry["pinned"])
                unpinned.append(entry["pinned"])
            except DecentSocialError as exc:
                failures.append((entry["label"], exc))
        skipped = _skip_backlog(self.scheduler, self.id) if backlog == "skip" else []
        resumed = _resume(self.scheduler, self.id, tuple(record["paused"]))
        notes.swap_note(ACTIVE, current, None)
        for net in self._owned:  # the connections crisis() opened for profile names
            net.close()
        return CrisisEnd(tuple(resumed), tuple(unpinned), tuple(failures), tuple(skipped))

    @contextlib.contextmanager
    def _connection(self, entry: Mapping[str, Any], given: Mapping[str, Network]) -> Iterator[Network]:
        net = self._nets.get(entry["target"]) or given.get(entry["target"])
        if net is not None:
            yield net
            return
        if not entry.get("profile"):
            raise InvalidInput(
                f"no connection for {entry['label']}: pass it to end(nets=[...])", network=entry["network"]
            )
        opened = _connect_profile(entry["profile"])
        try:
            yield opened
        finally:
            opened.close()


def _resume(scheduler: Scheduler | None, crisis_id: str, listed: tuple[str, ...] = ()) -> list[str]:
    """Resume the jobs crisis ``crisis_id`` paused (each job records who paused it), in one step."""
    if scheduler is None:
        return []
    store = scheduler.store
    resumed = store.move(None, ("paused",), "scheduled", held_by=crisis_id) or []
    for job_id in listed:  # paused by an older version, which did not record who paused a job
        resumed.extend(store.move(job_id, ("paused",), "scheduled", held_by="") or [])
    return resumed


def _skip_backlog(scheduler: Scheduler | None, crisis_id: str) -> list[str]:
    """Cancel the one-off jobs crisis ``crisis_id`` held past their time (still paused: none can run)."""
    if scheduler is None:
        return []
    now = scheduler._now()
    overdue = [j.id for j in scheduler.jobs("paused") if j.every is None and j.at <= now]
    skipped: list[str] = []
    for job_id in overdue:
        skipped.extend(scheduler.store.move(job_id, ("paused",), "cancelled", held_by=crisis_id) or [])
    return skipped


def crisis(
    statement: Draft | str,
    nets: Iterable[Network | str],
    *,
    scheduler: Scheduler | None = None,
    pin: bool = True,
) -> Crisis:
    """Pause every job, publish ``statement`` on every network, pin it where possible; the :class:`Crisis`.

    ``nets`` are connections or profile names (a crisis started from
    profiles can be ended from another process with ``Crisis.active``).
    A crisis already active in the same store is ``InvalidInput``, before
    anything is paused or published. One network's failure never stops the
    others: it is in ``result`` (publishing) or ``not_pinned``.
    Each job is paused and marked as this crisis's in one step, so its end
    resumes exactly those, even after a crash. A crisis ended elsewhere
    while this call was publishing is :class:`CrisisInterrupted`: what it
    pinned is unpinned again.
    Watch the replies with ``monitor`` or each network's ``thread``.
    """
    draft = as_draft(statement)
    if isinstance(nets, (str, Network)) or not isinstance(nets, Iterable) or not (nets := list(nets)):
        raise InvalidInput("a crisis needs a list of networks (connections or profile names)")
    notes = _notes(scheduler)
    crisis_id = uuid.uuid4().hex[:16]
    started = datetime.now(timezone.utc)
    record: dict[str, Any] = {
        "id": crisis_id,
        "statement": draft.text,
        "started_at": started.timestamp(),
        "paused": [],
        "targets": [],
    }
    opened: list[Network] = []
    try:
        connections = check_networks([_open(n, opened) for n in nets])  # bad input: nothing paused yet
        labels = [n if isinstance(n, str) else target_of(c) for n, c in zip(nets, connections, strict=True)]
        if not notes.swap_note(ACTIVE, None, json.dumps(record)):
            active = Crisis.active(scheduler)
            since = f" since {active.started_at:%Y-%m-%d %H:%M} UTC" if active else ""
            raise InvalidInput(f"a crisis is already active{since}: end it first (crisis end)")
        saved = json.dumps(record)
        try:
            paused = _pause(scheduler, crisis_id)
            record["paused"] = list(paused)
            saved = _save(notes, saved, record)
        except BaseException:
            _roll_back(notes, saved, scheduler, crisis_id)  # leave no half-started crisis
            raise
        result = crosspost(draft.model_copy(update={"idempotency_key": f"crisis-{crisis_id}"}), connections)
        pinned, not_pinned = _pin_statement(result, nets, labels, record, pin)
        try:
            _save(notes, saved, record)
        except InvalidInput:  # ended elsewhere meanwhile: take back the pins it could not know of
            _unpin(result, pinned)
            _resume(scheduler, crisis_id)
            raise CrisisInterrupted(
                f"crisis {crisis_id} was ended while its statement was being published: it is"
                " unpinned again; the posts are in this error's result",
                result=result,
            ) from None
    except BaseException:
        for net in opened:
            net.close()
        raise
    # The connections opened for profile names stay open for ``result`` (edit, thread…); end() closes them.
    keep = {target_of(c): c for c in connections}
    return Crisis(
        crisis_id,
        draft.text,
        started,
        result,
        tuple(pinned),
        tuple(not_pinned),
        paused,
        record,
        scheduler,
        keep,
        opened,
    )


def _pause(scheduler: Scheduler | None, crisis_id: str) -> tuple[str, ...]:
    """Pause every scheduled and running job as this crisis's, in one step of the store."""
    if scheduler is None:
        return ()
    return tuple(scheduler.store.move(None, ("scheduled", "running"), "paused", by=crisis_id) or ())


def _unpin(result: CrosspostResult, pinned: Sequence[Post]) -> None:
    ids = {p.id for p in pinned}
    for outcome in result.outcomes:
        if outcome.post is not None and outcome.post.id in ids:
            try:
                outcome.connection.unpin(outcome.post)
            except Exception:  # reported: the error raised next names the crisis
                log.warning("could not unpin %s on %s", outcome.post.id, outcome.network, exc_info=True)


def _pin_statement(
    result: CrosspostResult,
    nets: Sequence[Network | str],
    labels: list[str],
    record: dict[str, Any],
    pin: bool,
) -> tuple[list[Post], list[tuple[str, DecentSocialError]]]:
    """Pin each network's statement (recording it); what was pinned, and what could not be, with why."""
    pinned: list[Post] = []
    not_pinned: list[tuple[str, DecentSocialError]] = []
    for label, name, outcome in zip(labels, nets, result.outcomes, strict=True):
        entry: dict[str, Any] = {
            "label": label,
            "network": outcome.network,
            "target": target_of(outcome.connection),
            "profile": name if isinstance(name, str) else None,
            "posts": [p.id for p in outcome.posts],
            "pinned": None,
        }
        record["targets"].append(entry)
        if not pin:
            continue
        if outcome.post is None:
            not_pinned.append((label, outcome.error or DecentSocialError("nothing was published")))
            continue
        try:
            outcome.connection.pin(outcome.post)
        except Exception as exc:  # UnsupportedFeature where the network has no pins, or its error
            not_pinned.append((label, _as_error(outcome.connection, exc)))
            continue
        entry["pinned"] = outcome.post.id
        pinned.append(outcome.post)
    return pinned, not_pinned


def _roll_back(notes: _Notes, saved: str, scheduler: Scheduler | None, crisis_id: str) -> None:
    with contextlib.suppress(Exception):
        _resume(scheduler, crisis_id)
        notes.swap_note(ACTIVE, saved, None)


def _open(net: Network | str, opened: list[Network]) -> Network:
    if isinstance(net, Network):
        return net
    if not isinstance(net, str) or not net.strip():
        raise InvalidInput(f"expected a Network or a profile name, got {net!r}")
    connection = _connect_profile(net)
    opened.append(connection)
    return connection


def _save(notes: _Notes, old: str, record: dict[str, Any]) -> str:
    new = json.dumps(record)
    if not notes.swap_note(ACTIVE, old, new):
        raise InvalidInput("the crisis record changed under this process (ended elsewhere?)")
    return new
