"""After publishing: retract what a crosspost or a job made (:func:`retract`).

``retract`` deletes every post a :func:`~decentsocial.crosspost` result or a
scheduled :class:`~decentsocial.Job` made, every part of a thread, on every
network, and reports per network what went or why not. Running it again is
safe: a post already gone counts as deleted. On Hive and Steem a post that
the chain will not delete (it has votes or replies) is edited to a
retraction notice instead, and the outcome says so.

Crisis mode (:func:`crisis`, :class:`Crisis`) lives in
:mod:`decentsocial.crisis_mode`; its names are importable from here too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from .crisis_mode import ACTIVE, Crisis, CrisisEnd, CrisisInterrupted, crisis
from .crosspost import CrosspostResult, Outcome, _as_error, target_of
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
from .jobs import Job, TargetOutcome
from .models import Draft, Post
from .network import Capability, Network

__all__ = [
    "ACTIVE",
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

    It blocks while it deletes: from asyncio code, await :func:`decentsocial.aio.retract`.
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
    A job whose stored record cannot be read (``Job.error``) has the posts
    read from it retracted, and is never ok: every target carries that
    error, since a post missing from the damaged record may still be up.
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
    """Each target's posts; a job whose record cannot be read (``job.error``) is never ok: every
    target (the job, when none can be read) carries the error, as its outcomes may be incomplete."""
    by_target: dict[str, list[TargetOutcome]] = {}
    for outcome in job.outcomes:
        by_target.setdefault(outcome.target, []).append(outcome)
    incomplete = None if job.error is None else _incomplete(job.error)
    if incomplete is not None:
        for target in job.targets or (() if by_target else (job.id,)):
            by_target.setdefault(target, [])
    for target, outcomes in by_target.items():
        network = next((o.network for o in outcomes if o.network is not None), None)
        post_ids = [pid for o in outcomes for pid in o.post_ids]
        failures = [o.error for o in outcomes if o.error is not None]
        failures += [_cut_short(o) for o in outcomes if o.publishing]
        lost = next((e for e in failures if may_have_happened(e)), None)
        unverified: DecentSocialError | None = incomplete
        if lost is not None:
            unverified = _unverified(network, f"a post of {target}", lost)
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


def _incomplete(unreadable: DecentSocialError) -> InvalidInput:
    """Why a job whose stored record cannot be read is not retracted for sure: its outcomes may not
    all have been read, so a post it made may be missing from them (and still be up)."""
    error = InvalidInput(
        f"{unreadable.message}; its record of the posts it made may be incomplete, so a post may"
        " still be up (not verified): look for it on the network"
    )
    error.__cause__ = unreadable
    return error


def _cut_short(outcome: TargetOutcome) -> NetworkUnavailable:
    """A publish marked started whose outcome was never recorded: it may have made a post."""
    return NetworkUnavailable(
        "its publish started and its outcome was never recorded (the worker stopped?)",
        network=outcome.network,
        retryable=False,
    )


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
