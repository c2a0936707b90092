"""Crisis mode (:func:`crisis`): pause every job, publish and pin a statement; :meth:`Crisis.end` it.

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

Every name here is importable from :mod:`decentsocial.lifecycle` too.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .coerce import connections as connection_list
from .crosspost import CrosspostResult, _as_error, check_networks, crosspost, target_of
from .errors import ConfigurationError, DecentSocialError, InvalidInput, NotFound
from .idempotency import may_have_happened
from .jobs import CRISIS_NOTE
from .models import Draft, Post, as_draft
from .network import Network

if TYPE_CHECKING:
    from .scheduler import Scheduler

__all__ = ["ACTIVE", "Crisis", "CrisisEnd", "CrisisInterrupted", "crisis"]

log = logging.getLogger("decentsocial.lifecycle")  # the crisis's messages, under their usual name

#: The note (in the scheduler's store, or the state store) that names the active crisis.
ACTIVE = CRISIS_NOTE
#: Where the note is kept in the state store (its scope: the name the records were written under).
_STATE_SCOPE = "decentsocial:lifecycle"
#: How often :meth:`Crisis.end` tries again when the record changed under it, besides once per
#: network it names (``crisis()`` saves it after it is made: what it paused, the statement's posts,
#: each pin before it is asked, and what it pinned).
_END_ATTEMPTS = 4


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
        # kept past the store's cleanup of month-old records: a crisis lasts until it is ended
        data = None if new is None else {"value": new}
        if old is not None:
            return self.state.swap(_STATE_SCOPE, name, {"value": old}, data, "note", keep=True)
        return self.state.swap(_STATE_SCOPE, name, None, data, "note", keep=True) or self.state.swap(
            _STATE_SCOPE, name, {}, data, "note", keep=True
        )


def _notes(scheduler: Scheduler | None) -> _Notes:
    """Where the crisis is recorded; ``scheduler`` that is no ``Scheduler`` (its store's path, say)
    is ``InvalidInput`` before anything is paused or published."""
    from .scheduler import Scheduler as Kind

    if scheduler is None:
        return _StateNotes()
    if not isinstance(scheduler, Kind):
        raise InvalidInput(
            f"scheduler must be a decentsocial.Scheduler (Scheduler(path)), got {type(scheduler).__name__}"
        )
    return scheduler.store


def _record(text: str, notes: _Notes) -> dict[str, Any]:
    """The crisis record ``text``; one that cannot be read is ``ConfigurationError`` saying how to end it."""
    try:
        record = json.loads(text)
        if not isinstance(record, dict) or not isinstance(record["id"], str):
            raise TypeError("not a crisis record")
        datetime.fromtimestamp(record["started_at"], timezone.utc)
        str(record["statement"])
        # What end() unpins and resumes, read whole here: a damaged entry would stop it half way (or,
        # a job id that is not one, resume every job held by hand).
        if not isinstance(record["paused"], list) or not isinstance(record["targets"], list):
            raise TypeError("not lists")
        if not all(isinstance(job_id, str) for job_id in record["paused"]):
            raise TypeError("a paused job id is not text")
        for entry in record["targets"]:
            if not (
                all(isinstance(entry[name], str) for name in ("label", "network", "target"))
                and all(isinstance(entry.get(name), (str, type(None))) for name in ("profile", "pinned"))
            ):
                raise TypeError("a statement's entry is damaged")
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
    ``skipped``: the one-off jobs it held past their time, cancelled by ``backlog="skip"``;
    ``under_way``: those ``"skip"`` left to the worker still publishing one of their targets
    (it finishes the job and ends it), never reported cancelled while their posts go out."""

    resumed: tuple[str, ...]
    unpinned: tuple[str, ...]
    errors: tuple[tuple[str, DecentSocialError], ...] = ()
    skipped: tuple[str, ...] = ()
    under_way: tuple[str, ...] = ()


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

        Connections come from ``nets`` (matched by network and account;
        first, as the crisis's own may be closed by now), from the crisis
        itself, or from the profile names it was started with; a pinned
        statement with none of them is ``InvalidInput`` naming it, and the
        crisis stays active (such a pin saved by a ``crisis()`` still
        publishing while this call ran, or one it was making when this call
        read the record, is reported in ``errors`` instead).
        ``nets`` that is not a list of connections is ``InvalidInput``.
        A job paused, resumed or cancelled by hand meanwhile is left as it
        is (but for ``backlog``). An unpin that fails is reported in
        ``errors``; the crisis ends anyway. The record is
        removed last, only if it is still the one this call ended: what a
        ``crisis()`` still publishing elsewhere pins or pauses meanwhile is
        unpinned and resumed too.

        ``backlog``: what becomes of the one-off jobs whose time passed
        during the crisis (and the repeating ones whose ``until`` passed):
        ``"now"`` resumes them (they all go out at once; one whose worker is
        still publishing a target goes back to that worker, see
        :func:`~decentsocial.held_jobs.resumed_as`), ``"skip"`` cancels
        them, those planned during it too (their records stay; see
        ``CrisisEnd.skipped``), but one whose every target had published
        ends done (failed where a target failed), listed in ``resumed``,
        and one whose worker is still publishing a target (its lease live)
        is handed back to that worker, which finishes it: ``CrisisEnd.under_way``.
        Each job is decided on and changed in one atomic step of the store,
        only while this crisis is still the active one: an ``end`` running
        twice at once (two processes) never skips a job the other resumed.
        Any other repeating job resumes at its next time after the end.
        """
        if backlog not in ("now", "skip"):
            raise InvalidInput(f'backlog must be "now" or "skip", got {backlog!r}')
        given = {target_of(n): n for n in connection_list(nets)}  # bad input: the crisis stays as it is
        notes = _notes(self.scheduler)
        current = notes.note(ACTIVE)
        record = None if current is None else _record(current, notes)
        if current is None or record is None or record["id"] != self.id:
            raise InvalidInput(f"crisis {self.id} is not the active one (it was ended already)")
        # A pin is tried again when crisis() saves it settled after the pin was asked: an unpin
        # made while the pin was under way (``pinning``) may have come before the pin itself.
        tried: set[tuple[str, bool]] = set()
        unpinned: dict[str, None] = {}
        failures: dict[str, tuple[str, DecentSocialError]] = {}  # by post: the last attempt's error
        skipped: list[str] = []
        resumed: list[str] = []
        under_way: list[str] = []
        attempt = 0
        while attempt < _END_ATTEMPTS + len(record["targets"]):
            pinned = [
                e
                for e in record["targets"]
                if e.get("pinned") is not None and (e["pinned"], bool(e.get("pinning"))) not in tried
            ]
            if attempt == 0:  # before anything changes: the record stays as it is
                self._check_connections([e for e in pinned if not e.get("pinning")], given)
            # Later passes have resumed jobs already: a pin saved meanwhile with no connection for it
            # is reported in ``errors`` (as a failed unpin), and the crisis ends as the jobs did; so
            # is one a crisis() still at work (or killed) was making when this call read the record.
            for entry in pinned:
                tried.add((entry["pinned"], bool(entry.get("pinning"))))
                try:
                    with self._connection(entry, given) as net, contextlib.suppress(NotFound):
                        net.unpin(entry["pinned"])
                    unpinned[entry["pinned"]] = None
                    failures.pop(entry["pinned"], None)
                except Exception as exc:  # a backend's own error too: reported, the end goes on
                    failures[entry["pinned"]] = (entry["label"], _unpin_error(entry, exc))
            if backlog == "skip":
                cancelled, finished, running = _skip_backlog(self.scheduler, self.id)
                skipped += cancelled
                resumed += finished  # ended as its worker would have: nothing of it is sent again
                under_way += running
            resumed += _resume(self.scheduler, self.id, tuple(record["paused"]))
            # The record goes last: a crash before this leaves the crisis active, so end can run again.
            if notes.swap_note(ACTIVE, current, None):
                break
            # Changed meanwhile: crisis() saved what it paused or pinned since (end that too), or
            # another process ended this crisis (nothing is left to do).
            current = notes.note(ACTIVE)
            record = None if current is None else _record(current, notes)
            if current is None or record is None or record["id"] != self.id:
                break
            attempt += 1
        else:
            raise InvalidInput(f"crisis {self.id} kept changing while it was being ended: run end again")
        for net in self._owned:  # the connections crisis() opened for profile names
            net.close()
        return CrisisEnd(
            tuple(resumed), tuple(unpinned), tuple(failures.values()), tuple(skipped), tuple(under_way)
        )

    def _check_connections(self, pinned: list[dict[str, Any]], given: Mapping[str, Network]) -> None:
        """``InvalidInput`` naming each pinned statement no connection can unpin (the crisis stays)."""
        missing = [
            f"{entry['label']} (post {entry['pinned']})"
            for entry in pinned
            if not (given.get(entry["target"]) or self._nets.get(entry["target"]) or entry.get("profile"))
        ]
        if missing:
            raise InvalidInput(
                f"crisis {self.id} stays active: no connection to unpin its statement on"
                f" {', '.join(missing)}; pass them to end(nets=[...])"
            )

    @contextlib.contextmanager
    def _connection(self, entry: Mapping[str, Any], given: Mapping[str, Network]) -> Iterator[Network]:
        net = given.get(entry["target"]) or self._nets.get(entry["target"])
        if net is not None:
            yield net
            return
        if not entry.get("profile"):
            raise InvalidInput(
                f"no connection for {entry['label']}: pass it to end(nets=[...])", network=entry["network"]
            )
        opened = _connect_profile(entry["profile"])
        try:
            _check_account(opened, entry)
            yield opened
        finally:
            opened.close()


def _unpin_error(entry: Mapping[str, Any], exc: Exception) -> DecentSocialError:
    """What kept a statement pinned, typed: ours as it is, anything else by type name only (its
    text may hold secrets), so one backend's exception never stops the end for every account."""
    if isinstance(exc, DecentSocialError):
        return exc
    error = DecentSocialError(
        f"unexpected {type(exc).__name__} while unpinning post {entry['pinned']}: it may still be pinned",
        network=entry["network"],
    )
    error.__cause__ = exc
    return error


def _check_account(net: Network, entry: Mapping[str, Any]) -> None:
    """``ConfigurationError`` when the profile now connects as another account (server, file) than the
    one that pinned: there the post is ``NotFound``, which would count as unpinned while it stays up."""
    try:
        here = target_of(net)
    except Exception:  # a connection that cannot name its account is not refused for it
        log.warning("cannot tell which account %s connects as", net.name, exc_info=True)
        return
    if here != entry["target"]:
        raise ConfigurationError(
            f"profile {entry['profile']} now connects as {here}, but the statement was pinned as"
            f" {entry['target']}: post {entry['pinned']} was not unpinned (unpin it with that account;"
            " check the profile: another account, server or file?)",
            network=entry["network"],
        )


def _resume(scheduler: Scheduler | None, crisis_id: str, listed: tuple[str, ...] = ()) -> list[str]:
    """Resume the jobs crisis ``crisis_id`` paused (each job records who paused it), each in one
    atomic step of the store: one whose worker is still publishing a target goes back to it
    (``running`` under its lease, see :func:`~decentsocial.held_jobs.resumed_as`), never left
    for another worker to claim (and publish that target again) while the first still publishes."""
    if scheduler is None:
        return []
    store, now = scheduler.store, scheduler._now().timestamp()
    resumed = store.resume(None, now, held_by=crisis_id, crisis=crisis_id) or []
    for job_id in listed:  # paused by an older version, which did not record who paused a job
        resumed.extend(store.resume(job_id, now, held_by="", crisis=crisis_id) or [])
    return resumed


def _skip_backlog(scheduler: Scheduler | None, crisis_id: str) -> tuple[list[str], list[str], list[str]]:
    """Cancel the jobs crisis ``crisis_id`` held past their time with nothing after it: one-off jobs,
    and repeating ones whose ``until`` passed meanwhile; those it paused, and those planned (or
    resumed by hand) during it, which it held as scheduled; never one held by hand. The ids
    cancelled, those ended instead (every target of the occurrence had published before the crisis
    held it: done, or failed where one failed; cancelled, it would deny the posts it made), and
    those handed back to the worker still publishing one of their targets.

    The listing only names the jobs to look at: the store decides on each as it is when it changes
    it, in one atomic step, and only while this crisis is the active one (see
    :func:`~decentsocial.crisis_backlog.held_backlog`). Decided from the listing, a second ``end``
    running at once cancelled what the first had resumed after the crisis, and a job whose last
    target was being published was cancelled although its post went out.
    """
    if scheduler is None:
        return [], [], []
    now = scheduler._now().timestamp()
    skipped: list[str] = []
    finished: list[str] = []
    running: list[str] = []
    for job in scheduler.jobs():
        if job.status not in ("paused", "scheduled"):
            continue
        then = scheduler.store.skip_held(job.id, crisis_id, now)
        if then == "cancelled":
            skipped.append(job.id)
        elif then == "running":
            running.append(job.id)
        elif then is not None:
            finished.append(job.id)
    return skipped, finished, running


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
        # The statement's own key, when given, is kept: the same script run again after a stop
        # finds the posts it made instead of publishing the statement twice.
        key = draft.idempotency_key or f"crisis-{crisis_id}"
        result = crosspost(draft.model_copy(update={"idempotency_key": key}), connections)

        def save_now() -> None:
            """Save the record as it is now: a process killed next leaves it to ``end()``."""
            nonlocal saved
            saved = _save(notes, saved, record)

        try:
            try:
                pinned, not_pinned = _pin_statement(result, nets, labels, record, pin, save_now)
            except _Changed:
                raise
            except BaseException:  # stopped while pinning (Ctrl-C): keep what may be pinned, for end()
                for entry in record["targets"]:
                    entry.pop("pinning", None)  # settled: this call pins nothing more
                with contextlib.suppress(Exception):
                    save_now()
                raise
            save_now()
        except _Changed:  # ended elsewhere meanwhile: take back the pins it could not know of
            _unpin(result, record)
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


def _unpin(result: CrosspostResult, record: Mapping[str, Any]) -> None:
    """Unpin each statement the record says may be pinned (one not pinned after all stays as it is)."""
    ids = {entry["pinned"] for entry in record["targets"] if entry.get("pinned") is not None}
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
    keep: Callable[[], None],
) -> tuple[list[Post], list[tuple[str, DecentSocialError]]]:
    """Pin each network's statement (recording it); what was pinned, and what could not be, with why.

    The record is kept (``keep``) with the statement's posts first, then before each pin with that
    pin in it (marked ``pinning``): a process killed while pinning (no exception runs) leaves every
    pin it may have made to ``end()``. A pin whose answer was lost (it may have been made) stays in
    the record too. Each pin is saved settled (no ``pinning``) with the next save, so an ``end()``
    that unpinned it while it was under way sees the record change and unpins it again.
    """
    pinned: list[Post] = []
    not_pinned: list[tuple[str, DecentSocialError]] = []
    entries: list[dict[str, Any]] = []
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
        entries.append(entry)
    if not pin:
        return pinned, not_pinned
    keep()  # the statement's posts are known whatever happens next
    for label, entry, outcome in zip(labels, entries, result.outcomes, strict=True):
        if outcome.post is None:
            not_pinned.append((label, outcome.error or DecentSocialError("nothing was published")))
            continue
        entry["pinned"], entry["pinning"] = outcome.post.id, True  # saved before the call, which
        keep()  # may be cut short (or the process killed) once the network has pinned it
        try:
            outcome.connection.pin(outcome.post)
        except Exception as exc:  # UnsupportedFeature where the network has no pins, or its error
            error = _as_error(outcome.connection, exc)
            if not may_have_happened(error):  # refused: nothing was pinned
                entry["pinned"] = None
            not_pinned.append((label, error))
            continue
        finally:
            del entry["pinning"]  # saved with the next change: the next pin, or the last save
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


class _Changed(InvalidInput):
    """The crisis record is no longer the one this process saved (the crisis was ended elsewhere)."""


def _save(notes: _Notes, old: str, record: dict[str, Any]) -> str:
    new = json.dumps(record)  # swapped even when unchanged: it tells whether the crisis is still on
    if not notes.swap_note(ACTIVE, old, new):
        raise _Changed("the crisis record changed under this process (ended elsewhere?)")
    return new


def _connect_profile(profile: str) -> Network:
    from .registry import connect_any

    return connect_any(profile=profile)
