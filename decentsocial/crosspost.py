"""One draft to many networks (:func:`crosspost`), and new posts from many networks (:func:`monitor`).

``crosspost`` adapts the draft to each network with the backend's own
``prepare`` (its limits and features), splits text that is too long into a
thread where the network can reply (at most ``max_parts`` parts), publishes to
every network at once (the calling thread plus up to ``max_workers - 1``
threads of one pool shared by every call; one network runs in the calling
thread alone), and reports one :class:`Outcome` per network in the order
given. One network's failure never stops the others.

Exactly-once: every part published on every network carries an idempotency
key derived from the draft's own key (or a generated one, returned as
``CrosspostResult.key``). Running the same crosspost again with that key
returns the posts already made instead of posting twice, on every network
whose backend honours keys (``Capability.IDEMPOTENT_PUBLISH``).

``monitor`` (new matching posts as they come, streams first) is in
:mod:`decentsocial.monitor`; it is importable from here too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from .base import BaseNetwork
from .errors import ContentRejected, DecentSocialError, InvalidInput
from .models import Draft, Post, as_draft
from .monitor import monitor  # lives there now (streams first, resumable); still importable from here
from .network import Capability, Network, TextLimit
from .variants import Variant, check_variants, pick
from .write_args import check_key

__all__ = [
    "CrosspostResult",
    "Outcome",
    "crosspost",
    "derive_key",
    "monitor",
    "plan",
    "publish_planned",
    "target_of",
]

log = logging.getLogger("decentsocial.crosspost")

T = TypeVar("T")
R = TypeVar("R")

#: Default number of networks published to at the same time.
DEFAULT_WORKERS = 8
#: Default longest thread ``crosspost`` splits a text into; longer is ``ContentRejected``.
DEFAULT_MAX_PARTS = 25


@dataclass(frozen=True)
class Outcome:
    """What happened on one network: the drafts sent (one, or several for a thread), the posts made.

    ``network`` is the backend name ("mastodon"); ``connection`` is the
    ``Network`` object it was for, to tell two accounts on one network apart.
    On failure ``error`` is set and ``posts`` holds the parts published
    before it (a thread can stop half way; run again with the same key to
    finish it without repeating the published parts).
    """

    network: str
    connection: Network
    drafts: tuple[Draft, ...]
    posts: tuple[Post, ...] = ()
    error: DecentSocialError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def post(self) -> Post | None:
        """The first post (the thread's root), or ``None``."""
        return self.posts[0] if self.posts else None


@dataclass(frozen=True)
class CrosspostResult:
    """One :class:`Outcome` per network, in the order the networks were given."""

    outcomes: tuple[Outcome, ...]
    key: str
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """True when every network succeeded."""
        return all(o.ok for o in self.outcomes)

    @property
    def posts(self) -> list[Post]:
        """Every post made, network by network."""
        return [p for o in self.outcomes for p in o.posts]

    @property
    def errors(self) -> list[DecentSocialError]:
        return [o.error for o in self.outcomes if o.error is not None]

    def raise_for_errors(self) -> None:
        """Raise the first network's error, if any (for callers who want all-or-exception)."""
        for error in self.errors:
            raise error


# ---------------------------------------------------------------- keys and plans


def derive_key(key: str, target: str, part: int) -> str:
    """The idempotency key of one part on one target: stable, 32 hex digits.

    ``target`` is the network and the account (``target_of(net)``), never a
    position in the list, so running a crosspost again with some of its
    networks, or in another order, finds the posts it already made. Any
    Unicode ``key`` is accepted; the result is hex digits only, so every
    network's key rules (and HTTP headers) take it.
    """
    material = "\x1f".join((key, target, str(part)))
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def target_of(net: Network) -> str:
    """The network and account a connection posts as: ``"mastodon:<identity>"``."""
    return f"{net.name}:{net.identity}"


def text_limit_of(net: Network, draft: Draft) -> TextLimit | None:
    """The network's ``TextLimit`` for ``draft`` if its backend states one."""
    return net.text_limit(draft)


def backend_prepare(net: Network, draft: Draft) -> list[Draft]:
    """The backend's own ``prepare`` (its checks)."""
    return net.prepare(draft)


def plan(
    net: Network, draft: Draft | str, *, split: bool = True, max_parts: int = DEFAULT_MAX_PARTS
) -> list[Draft]:
    """The drafts ``crosspost`` would publish on ``net``: one, or a thread's parts.

    Text over the network's :class:`~decentsocial.network.TextLimit` is split
    between words into numbered parts when ``split`` is on and the network
    can reply; otherwise the network rejects it with ``ContentRejected``, as
    it does a text that would need more than ``max_parts`` parts, or a
    thread for a draft with ``scheduled_at`` (its later parts would reply to
    a post not published yet: schedule a :class:`~decentsocial.Scheduler`
    job for that time instead, or shorten it).
    The first part keeps media, title, poll, link card and tags; the others
    carry text only (and the ``nsfw`` tag of a draft with a content warning or
    the sensitive flag). Each part then goes through the backend's ``prepare``.
    The parts have no ``idempotency_key`` yet: ``crosspost`` gives each its own.
    Reads may happen here (an instance's limit); nothing is written.
    """
    # The caller's key is replaced by one key per part (see derive_key), so it is not checked here.
    d = as_draft(draft)
    if d.idempotency_key is not None:
        d = d.model_copy(update={"idempotency_key": None})
    try:  # most drafts fit: the backend's own checks measure the text once, and that is all
        return backend_prepare(net, d)
    except ContentRejected:
        rule = text_limit_of(net, d)
        if rule is None or rule.fits(d.text):
            raise  # rejected for something a thread would not fix
    return [p for part in _split(net, d, rule, split, max_parts) for p in backend_prepare(net, part)]


def _split(net: Network, d: Draft, rule: TextLimit, split: bool, max_parts: int) -> list[Draft]:
    """The parts of a text over ``rule``: ``ContentRejected`` when no thread may (or can) carry it."""
    if not split or Capability.REPLY not in net.capabilities:
        why = "splitting is off" if not split else f"{net.name} cannot reply, so no thread"
        raise ContentRejected(
            f"text is {rule.measure(d.text)} {rule.unit}, over {net.name}'s limit of {rule.limit} ({why})",
            network=net.name,
        )
    if d.scheduled_at is not None:  # its later parts would reply to a post that is not there yet
        raise ContentRejected(
            f"text is {rule.measure(d.text)} {rule.unit}, over {net.name}'s limit of {rule.limit}, and a "
            "scheduled post cannot be split into a thread (no network replies to a post not yet "
            "published): shorten it, or leave scheduled_at out and schedule a job for that time with "
            "decentsocial.Scheduler, which publishes the whole thread then",
            network=net.name,
        )
    from .text import split_text

    limit = rule.limit
    try:
        while True:
            texts = split_text(d.text, limit, measure=rule.measure, over=True)
            # The room is the whole draft's: the tags, mentions or link it carries but whose text
            # is in a later part are written into the first part (Mastodon), which then has less.
            first = text_limit_of(net, d.with_text(texts[0]))
            if first is None or first.limit >= limit or first.fits(texts[0]):
                break
            limit = first.limit
    except ValueError as exc:
        raise ContentRejected(f"cannot split text for {net.name}: {exc}", network=net.name) from exc
    if len(texts) > max_parts:
        raise ContentRejected(
            f"text needs a thread of {len(texts)} parts on {net.name} (at most {limit} "
            f"{rule.unit} each), over max_parts={max_parts}: shorten it or raise max_parts",
            network=net.name,
        )
    return [d.with_text(texts[0])] + [_continuation(d, t) for t in texts[1:]]


#: Options that describe the first part's media or place, so a text-only continuation drops them
#: (Threads' ``carousel`` would make each text reply a carousel of no items).
FIRST_PART_OPTIONS = frozenset({"carousel"})
#: Tags that are a network's content warning where it has no flag (Hive and Steem front ends hide a
#: post tagged ``nsfw``, and those backends refuse a marked draft without it).
CONTENT_WARNING_TAGS = frozenset({"nsfw"})


def _continuation(first: Draft, text: str) -> Draft:
    """A later part of a thread: text only, with the settings that apply to every part.

    The reward terms (``beneficiaries``, ``payout``) are among them: each part earns on its own, so
    a part without them would pay the author what the draft gave away or declined. So is the
    content warning, with the tag that says it where a network has no flag (``nsfw`` on Hive).
    """
    marked = bool(first.content_warning or first.sensitive)
    return Draft(
        text=text,
        language=first.language,
        content_warning=first.content_warning,
        sensitive=first.sensitive,
        tags=tuple(t for t in first.tags if t in CONTENT_WARNING_TAGS) if marked else (),
        visibility=first.visibility,
        community=first.community,
        beneficiaries=first.beneficiaries,
        payout=first.payout,
        options={k: v for k, v in first.options.items() if k not in FIRST_PART_OPTIONS},
    )


def _with_keys(drafts: list[Draft], key: str, target: str) -> tuple[Draft, ...]:
    if len(drafts) == 1:  # the common case: no generator for one part
        return (drafts[0].model_copy(update={"idempotency_key": derive_key(key, target, 0)}),)
    return tuple(
        d.model_copy(update={"idempotency_key": derive_key(key, target, i)}) for i, d in enumerate(drafts)
    )


# ---------------------------------------------------------------- crosspost


def check_networks(networks: Sequence[Network]) -> list[Network]:
    """The networks as a list; ``InvalidInput`` for none, a non-network, or one connection listed twice."""
    return [net for net, _ in _targets(networks)]


def _targets(networks: Sequence[Network]) -> list[tuple[Network, str]]:
    """Each network (in order) with its ``target_of``, checked as :func:`check_networks` says."""
    if isinstance(networks, (BaseNetwork, str)) or not isinstance(networks, Iterable):
        raise InvalidInput(
            f"expected a list of networks (from decentsocial.connect), got {type(networks).__name__}:"
            " write [net] for one"
        )
    found: list[tuple[Network, str]] = []
    seen: set[str] = set()
    for net in networks:
        # BaseNetwork first: a class check is far cheaper than the Protocol's member-by-member one.
        if not isinstance(net, BaseNetwork) and not isinstance(net, Network):
            raise InvalidInput(f"expected a Network (from decentsocial.connect), got {type(net).__name__}")
        target = target_of(net)
        if target in seen:
            raise InvalidInput(f"the same {net.name} account is listed twice; list each account once")
        seen.add(target)
        found.append((net, target))
    if not found:
        raise InvalidInput("crosspost needs at least one network")
    return found


def check_profile_accounts(
    profiles: Sequence[str], connect: Callable[[str], Network] | None = None, *, strict: bool = False
) -> None:
    """``InvalidInput`` naming two of ``profiles`` that are one account (the same network, server and
    account), as :func:`check_networks` refuses one connection listed twice; nothing is sent.

    ``connect`` makes a profile's connection (default: :func:`~decentsocial.connect`, closed here). A
    profile it cannot connect (its secret is on the workers only, its extra is not installed here) is
    not compared: whoever connects it later judges it. With ``strict`` (a command that connects them
    all now) its error is raised instead, before the command makes anything.
    """
    from .registry import connect_any

    opened: list[Network] = []

    def fresh(name: str) -> Network:
        opened.append(connect_any(profile=name))
        return opened[-1]

    seen: dict[str, str] = {}
    try:
        for name in profiles:
            try:
                net = (connect or fresh)(name)
                account = target_of(net)
            except DecentSocialError as exc:
                if strict:
                    raise
                log.debug("profile %r not compared with the others: %s", name, exc)
                continue
            if account in seen:
                raise InvalidInput(
                    f"the same {net.name} account is listed twice (profiles {seen[account]!r} and"
                    f" {name!r}); list each account once",
                    network=net.name,
                )
            seen[account] = name
    finally:
        for net in opened:
            net.close()


def _as_error(net: Network, exc: Exception) -> DecentSocialError:
    """Our errors as they are; anything else wrapped by type name only (its text may hold secrets)."""
    if isinstance(exc, DecentSocialError):
        return exc
    message = f"unexpected {type(exc).__name__} from the {net.name} backend"
    error = DecentSocialError(message, network=net.name)
    error.__cause__ = exc
    return error


def plan_outcome(
    net: Network,
    draft: Draft,
    key: str,
    split: bool,
    max_parts: int = DEFAULT_MAX_PARTS,
    target: str | None = None,
) -> Outcome:
    """Plan one network (no writes); a problem becomes the outcome's error. ``target``: ``target_of(net)``."""
    return _outcome(net, draft, key, split, max_parts, target_of(net) if target is None else target, False)


def publish_planned(outcome: Outcome) -> Outcome:
    """Publish a planned outcome's drafts: the first as a post, the rest as replies in order."""
    if outcome.error is not None:
        return outcome
    return _published(outcome.connection, outcome.network, outcome.drafts)


def _outcome(
    net: Network, draft: Draft, key: str, split: bool, max_parts: int, target: str, publish: bool
) -> Outcome:
    """One target's outcome: planned, then published unless ``publish`` is off (a dry run).

    ``crosspost`` calls it once per target: the same as ``publish_planned(plan_outcome(…))``
    without the planned ``Outcome`` in between.
    """
    try:
        drafts = _with_keys(plan(net, draft, split=split, max_parts=max_parts), key, target)
    except Exception as exc:  # one network's problem is reported in its outcome, never raised
        return Outcome(net.name, net, (), (), _as_error(net, exc))
    return _published(net, net.name, drafts) if publish else Outcome(net.name, net, drafts)


def _published(net: Network, name: str, drafts: tuple[Draft, ...]) -> Outcome:
    """Publish ``drafts`` on ``net``: the first as a post, the rest as replies to the part before."""
    # The drafts come from this connection's own ``prepare`` (checked there; only the key is new,
    # and it is checked on publishing), so the template's publish goes on without checking them
    # again; a class with a prepare or publish of its own (a third-party backend) gets its publish.
    first: Callable[[Draft], Post] = net.publish
    if isinstance(net, BaseNetwork) and _template(type(net)):
        first = net._publish_checked
    posts: list[Post] = []
    try:
        for draft in drafts:
            posts.append(first(draft) if not posts else net.reply(posts[-1], draft))
    except Exception as exc:
        error = _as_error(net, exc)
        log.warning("crosspost to %s failed after %d of %d parts: %s", name, len(posts), len(drafts), error)
        return Outcome(name, net, drafts, tuple(posts), error)
    return Outcome(name, net, drafts, tuple(posts))


def _template(cls: type[BaseNetwork[Any]]) -> bool:
    """Whether ``cls`` prepares and publishes with ``BaseNetwork``'s own template (every backend here)."""
    return cls.prepare is BaseNetwork.prepare and cls.publish is BaseNetwork.publish


def base_key(draft: Draft) -> str:
    """The crosspost's key: the draft's own ``idempotency_key``, or a new random one.

    A blank key is ``InvalidInput``, as ``publish`` says of it: taken as no key, each run would get
    a new random one, and running the crosspost again would post everything twice. A key ``publish``
    refuses otherwise (a NUL in a draft copied without validation) is refused here the same way.
    """
    key = draft.idempotency_key
    if key is None:
        return os.urandom(16).hex()  # 32 hex digits, as a uuid4's
    if not key.strip():
        raise InvalidInput(
            f"idempotency_key must be non-empty text, got {key!r} (leave it out for a new key per call)"
        )
    return check_key(key)


def tell_key(key: str, exc: BaseException) -> None:
    """Say the key a crosspost made for itself as ``exc`` (Ctrl-C, a cancellation, a crash) interrupts it
    once it has begun: at WARNING, and as a note on ``exc`` (Python 3.11+). The key is otherwise in the
    result only, which an interrupted call never returns: a re-run could not find what was posted."""
    message = (
        f"crosspost interrupted ({type(exc).__name__}) once it had begun, so some networks may have "
        f"posted: run it again with idempotency_key={key!r} on the draft to finish without posting twice"
    )
    log.warning(message)
    if sys.version_info >= (3, 11):
        exc.add_note(message)


def crosspost(
    draft: Draft | str,
    networks: Sequence[Network],
    *,
    dry_run: bool = False,
    split: bool = True,
    max_workers: int | None = None,
    variants: Mapping[str, Variant] | None = None,
    max_parts: int = DEFAULT_MAX_PARTS,
) -> CrosspostResult:
    """Publish ``draft`` on every network at once; one :class:`Outcome` per network, in order.

    ``dry_run`` only plans: each outcome shows the drafts that would be
    published (with their idempotency keys) or the error that would stop
    them, and nothing is written. Bad input (no networks, a connection
    listed twice, a draft that is not one, a variant for no network given)
    raises ``InvalidInput`` before any I/O; everything a single network
    does wrong stays in its outcome. A text that needs a thread of more than
    ``max_parts`` parts on a network is that network's ``ContentRejected``,
    naming the number of parts.

    ``variants`` gives a network its own form of the post, by network name
    (``"bluesky"``) or by account (``target_of(net)``, which wins over the
    network name): a ``Draft`` replaces the draft, a ``str`` its text, a
    mapping of fields those fields (see :mod:`decentsocial.variants`). The
    idempotency keys stay the crosspost's.

    Without a key of the draft's own, a call interrupted once it has begun
    (Ctrl-C, a crash) logs the key it made at WARNING and adds it to the
    exception as a note (Python 3.11+): run it again with that key.
    """
    if max_workers is not None and (
        isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1
    ):
        raise InvalidInput(f"max_workers must be at least 1, got {max_workers!r}")
    if isinstance(max_parts, bool) or not isinstance(max_parts, int) or max_parts < 1:
        raise InvalidInput(f"max_parts must be at least 1, got {max_parts!r}")
    d = as_draft(draft)
    targets = _targets(networks)  # each target_of worked out once per call
    key = base_key(d)
    made_key = d.idempotency_key is None and not dry_run  # said if interrupted: the caller has no other
    if d.idempotency_key is not None:  # replaced by one key per part: dropped once, not per target
        d = d.model_copy(update={"idempotency_key": None})
    chosen = (
        check_variants(d, variants, [s for net, target in targets for s in (net.name, target)])
        if variants is not None
        else {}
    )

    def one(item: tuple[Network, str]) -> Outcome:
        net, target = item
        chosen_draft = pick(d, chosen, target, net.name) if chosen else d
        return _outcome(net, chosen_draft, key, split, max_parts, target, not dry_run)  # planned once

    try:
        outcomes = run_each(one, targets, max_workers or DEFAULT_WORKERS, inline=_in_process_target)
    except BaseException as exc:  # the key said, the exception never swallowed
        if made_key:
            tell_key(key, exc)
        raise
    return CrosspostResult(tuple(outcomes), key, dry_run=dry_run)


def _in_process_target(item: tuple[Network, str]) -> bool:
    """Whether the target works in this process (the sandbox): run it inline, threads only slow it."""
    return bool(getattr(item[0], "in_process", False))


_helper_calls: queue.SimpleQueue[tuple[Callable[[], None], Future[None]]] = queue.SimpleQueue()
_helpers_started = 0
_pool_lock = threading.Lock()


def _submit(fn: Callable[[], None]) -> Future[None]:
    """Run ``fn`` on one of the daemon threads shared by every ``crosspost`` (up to ``DEFAULT_WORKERS``).

    Daemon threads, not an executor's: Python joins an executor's threads at exit, so a
    Ctrl-C during a crosspost would wait for every request in flight (up to its deadline).
    """
    global _helpers_started
    future: Future[None] = Future()
    _helper_calls.put((fn, future))
    with _pool_lock:
        if _helpers_started < DEFAULT_WORKERS:
            _helpers_started += 1
            threading.Thread(
                target=_serve, args=(_helper_calls,), name="decentsocial-crosspost", daemon=True
            ).start()
    return future


def _serve(calls: queue.SimpleQueue[tuple[Callable[[], None], Future[None]]]) -> None:
    while True:
        fn, future = calls.get()
        if future.set_running_or_notify_cancel():
            try:
                fn()
                future.set_result(None)
            except BaseException as exc:  # handed to the caller waiting on the future
                future.set_exception(exc)


def run_each(
    fn: Callable[[T], R], items: Sequence[T], workers: int, *, inline: Callable[[T], bool] | None = None
) -> list[R]:
    """``[fn(x) for x in items]``, up to ``workers`` at a time; results in the order of ``items``.

    The calling thread works too: first the items ``inline`` picks (work in
    this process, which threads would only slow down), then the next item
    the helpers have not taken. So one item, only inline items, or
    ``workers == 1`` never touch a thread, and a pool busy with other calls
    only means the caller does more itself: helpers that have not started
    when the work is done are cancelled. ``fn`` should not raise
    (``crosspost``'s returns an ``Outcome``); if it does, the first error is
    raised once every started item has finished. Ctrl-C in the caller is
    raised at once: the items in flight are not waited for.
    """
    mine = [i for i, item in enumerate(items) if inline is not None and inline(item)]
    if len(mine) == len(items) or workers == 1 or len(items) == 1:
        return [fn(item) for item in items]  # all in this thread: no helper, no lock
    results: list[R | None] = [None] * len(items)
    failures: list[Exception] = []
    taken = set(mine)
    shared = iter([i for i in range(len(items)) if i not in taken])
    take = threading.Lock()
    halted = False

    def run(index: int) -> bool:
        try:
            results[index] = fn(items[index])
        except Exception as exc:  # re-raised in the calling thread below
            failures.append(exc)
            return False
        return True

    def work() -> None:
        while not halted:
            with take:
                index = next(shared, None)
            if index is None or not run(index):
                return

    remote = len(items) - len(mine)  # the caller is busy with its own items first, if it has any
    helpers = min(workers - 1, remote) if mine else min(workers, remote) - 1
    started = [_submit(work) for _ in range(helpers)]
    try:
        if all(run(index) for index in mine):
            work()
        for helper in started:
            if not helper.cancel():
                helper.result()
    except BaseException:
        # Ctrl-C (or SystemExit) in the caller: give up at once, without waiting for the requests
        # in flight; helpers take no further item. A re-run with the same key finishes the rest.
        halted = True
        for helper in started:
            helper.cancel()
        raise
    if failures:
        raise failures[0]
    return results  # type: ignore[return-value]  # every slot was filled (no failure)
