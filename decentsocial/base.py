"""``BaseNetwork``: the template every backend fills in.

The public members of :class:`~decentsocial.Network` are written once here.
Each checks that the backend has the capability (``UnsupportedFeature``
otherwise), validates its arguments before any I/O (``InvalidInput``,
``ContentRejected``), and then calls one small hook that the backend
implements::

    publish(draft)          -> check_draft(draft) -> _publish(draft)
    reply(to, draft)        -> publish(draft with reply_to=to's id)
    get_post(id)            -> _get_post(id)
    posts(account, limit=…) -> _posts(account, limit) -> pages of _posts_page(account, cursor, size)
    search(query, limit=…)  -> _search(query, limit)  -> pages of _search_page(query, cursor, size)
    like(post)              -> _like(post)
    tip(to, amount, memo)   -> _tip(to, Amount, memo, idempotency_key)  (the key None when none given)
    edit(post, draft)       -> check_draft(draft) -> own post -> _edit(post, draft)
    pin(post) / unpin(post) -> _pin_target (own post) -> _pin(post) / _unpin_post -> _unpin(id)
    …

A capability a network lacks raises ``UnsupportedFeature``; a backend says
what its network lacks in ``lacks`` (``{Capability.EDIT: "…"}``), and the
message carries it.

A backend whose network pages with a cursor implements the ``_*_page``
hooks and gets lazy paging that stops exactly at ``limit``; one whose
network pages otherwise overrides the iterator hook (``_posts``…) itself.
Hooks receive validated arguments: a post is a ``Post`` or a stripped,
non-empty id; an account an ``Account`` or a stripped, non-empty handle;
``limit`` a positive ``int`` or ``None``.

Retries: ``self.retry`` is the :class:`~decentsocial.RetryPolicy` built from
the ``retry`` setting every backend shares (or the one given to
``__init__``, for tests and advanced callers).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import math
import weakref
from collections.abc import Callable, Hashable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from .base_lifecycle import PostLifecycleTemplate
from .coerce import stream_tag
from .errors import ContentRejected, DecentSocialError, InvalidInput, UnsupportedFeature
from .errors import NotFound as NotFound  # these two as before the lifecycle moved to base_lifecycle
from .errors import PermissionDenied as PermissionDenied
from .models import Account, Amount, Community, Draft, Message, Notification, Post, Reward, as_draft
from .network import AccountRef, Capability, CommunityRef, PostRef, TextLimit, TipTarget, inherit_docs
from .paging import Page, check_limit, paginate
from .retry import RetryPolicy
from .settings import NetworkSettings
from .text import is_blank, lone_surrogate_at, nul_at
from .write_args import check_key, check_memo

if TYPE_CHECKING:
    from .state import StateStore

__all__ = ["BaseNetwork"]

log = logging.getLogger("decentsocial")

S = TypeVar("S", bound=NetworkSettings)
T = TypeVar("T")

#: What a network hands out and takes back: each names the network it came from.
NetworkItem = TypeVar("NetworkItem", Post, Account, Community)


class BaseNetwork(PostLifecycleTemplate, Generic[S]):
    """The template behind every backend: public members checked once, backends fill in hooks.

    Subclasses set ``name``, ``Settings`` (their :class:`NetworkSettings`
    model) and ``capabilities``, and implement the hooks for what their
    network can do; every other member raises ``UnsupportedFeature``.
    ``connect()`` builds a backend without any network I/O: the first call
    that needs the server does that.
    """

    name: ClassVar[str] = "base"
    Settings: ClassVar[type[NetworkSettings]] = NetworkSettings
    capabilities: frozenset[Capability] = frozenset()
    #: How many items one page request asks for; backends use their API's maximum.
    page_size: ClassVar[int] = 50
    #: What the network lacks, per capability, said in ``UnsupportedFeature`` (why it cannot, what instead).
    lacks: ClassVar[dict[Capability, str]] = {}

    settings: S

    #: Whether calls run in this process without network I/O (the embedded sandbox): ``crosspost``
    #: runs such a target in the calling thread, where another thread would only add cost.
    in_process: ClassVar[bool] = False
    #: Whether the network itself stores each publish's idempotency key with the post, in one
    #: transaction, and refuses a key reused for another draft (the sandbox): then ``publish``
    #: leaves keys to it (while it has ``IDEMPOTENT_PUBLISH``) instead of also claiming them in the
    #: state store, and its ``_publish_key_used`` looks them up there.
    keeps_publish_keys: ClassVar[bool] = False
    #: Whether ``_publish`` itself finds what a key made (on the network or in its own records) and
    #: repeats a send where that helps (Nostr re-sends to relays that missed it; the built-in backends
    #: set it). Otherwise ``publish`` records the post a key made and gives it back, as ``tip`` its receipt.
    resolves_publish_keys: ClassVar[bool] = False
    #: The same two for tips: ``_tip`` finds what a key paid itself (Hive, Nostr; otherwise a key
    #: claimed with no receipt is never paid again), or the network stores the key with the transfer.
    resolves_tip_keys: ClassVar[bool] = False
    keeps_tip_keys: ClassVar[bool] = False
    #: Whether ``publish`` honours ``Draft.beneficiaries``/``payout`` (Hive, the sandbox); else refused.
    reward_terms: ClassVar[bool] = False

    def __init__(self, settings: S | None = None, *, retry: RetryPolicy | None = None) -> None:
        self.settings = settings if settings is not None else cast(S, self.Settings())
        self.retry = retry if retry is not None else self.settings.retry.policy()
        self.log = log.getChild(self.name)

    # ---------------------------------------------------------------- helpers for backends

    def unsupported(self, capability: Capability, detail: str | None = None) -> UnsupportedFeature:
        """The ``UnsupportedFeature`` for ``capability`` (``lacks`` says why; declared: a hook is missing)."""
        if detail is None and capability in self.capabilities:
            detail = f"{type(self).__name__} declares it, but does not override its BaseNetwork hook"
        return UnsupportedFeature(self.name, capability, detail or self.lacks.get(capability))

    def require(self, capability: Capability) -> None:
        """Raise ``UnsupportedFeature`` unless this backend has ``capability``."""
        if capability not in self.capabilities:
            raise self.unsupported(capability)

    def invalid(self, message: str) -> InvalidInput:
        """An ``InvalidInput`` error naming this network."""
        return InvalidInput(message, network=self.name)

    def post_id(self, post: PostRef) -> str:
        """The id of a ``Post`` or an id string."""
        if isinstance(post, Post):
            return post.id
        return self._ref(post, "a Post or a post id")

    def account_ref(self, account: AccountRef) -> str:
        """The handle of an ``Account`` or a handle string."""
        if isinstance(account, Account):
            return account.handle
        return self._ref(account, "an Account or a handle")

    def community_id(self, community: CommunityRef) -> str:
        """The id of a ``Community`` or an id string."""
        if isinstance(community, Community):
            return community.id
        return self._ref(community, "a Community or a community id")

    def _ref(self, value: object, expected: str) -> str:
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise self.invalid(f"expected {expected}, got {repr(value)[:100]}")

    def _draft(self, draft: Draft | str) -> Draft:
        """``draft`` as a ``Draft``; an error building it (empty text, bad Unicode) names this network."""
        try:
            return as_draft(draft)
        except DecentSocialError as exc:
            if exc.network is None:
                exc.network = self.name
            raise

    def _post_arg(self, post: PostRef) -> PostRef:
        """A checked post argument: a ``Post`` of this network, or a stripped, non-empty id.

        A ``Post`` of another network is ``InvalidInput`` naming both: its id
        could name an unrelated post here (which ``delete`` would remove).
        """
        return self._ours(post, "post") if isinstance(post, Post) else self.post_id(post)

    def _account_arg(self, account: AccountRef) -> AccountRef:
        """A checked account argument: an ``Account`` of this network (the same name elsewhere may be
        someone else: a tip would pay them), or a handle."""
        return self._ours(account, "account") if isinstance(account, Account) else self.account_ref(account)

    def _community_arg(self, community: CommunityRef) -> CommunityRef:
        if isinstance(community, Community):
            return self._ours(community, "community")
        return self.community_id(community)

    def _ours(self, item: NetworkItem, kind: str) -> NetworkItem:
        """``item`` if it comes from this network, else ``InvalidInput`` naming both."""
        if item.network != self.name:
            raise self.invalid(f"this is a {item.network} {kind}: it cannot be used through {self.name}")
        return item

    def too_long(self, limit: int, count: int, unit: str = "characters") -> ContentRejected:
        """The ``ContentRejected`` error for text over this network's limit."""
        return ContentRejected(
            f"text is {count} {unit}, over {self.name}'s limit of {limit}", network=self.name
        )

    def release_on_collect(self, release: Callable[[], None]) -> None:
        """Run ``release`` when this connection is garbage-collected or the interpreter exits.

        ``release`` must not hold a reference to the connection itself (a
        bound method of it would keep it alive); give it the transport or
        the resources to close. It runs at most once, and anything it raises
        is swallowed: a connection nobody closed goes away silently.
        """
        weakref.finalize(self, _quietly, release)

    # ---------------------------------------------------------------- exactly once

    @property
    def identity(self) -> str:
        """A stable name for the account this connection acts as, from its settings alone (no I/O).

        Idempotency records and crosspost keys are scoped by ``name`` and
        ``identity``, so one key used with two accounts stands for two posts,
        and the same account gets the same keys whatever order a crosspost
        lists it in. Backends return the account's own id where the settings
        name it (a handle, a user id, a public key); this default hashes the
        settings that are not about retries, limits or timing.
        """
        parts = []
        for field, value in self.settings:
            if field in ("retry", "limits", "state_path") or "timeout" in field or callable(value):
                continue
            shown = value.get_secret_value() if hasattr(value, "get_secret_value") else value
            parts.append(f"{field}={shown!r}")
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]

    @functools.cached_property
    def state(self) -> StateStore:
        """The idempotency records of this connection's settings (``state_path``), shared by every process."""
        from .state import StateStore  # sqlite3 only when a key is used

        return StateStore.open(self.settings.state_path)

    @property
    def state_scope(self) -> str:
        """Where this connection's records live in the store: the network and the account."""
        return f"{self.name}:{self.identity}"

    def claim_key(self, kind: str, key: str, digest: str, *legacy: str) -> dict[str, Any] | None:
        """Make ``key`` stand for ``digest`` or a ``legacy`` one; return what its earlier use recorded."""
        self._check_key(key)
        return self.state.claim(self.state_scope, f"{kind}:{key}", digest, network=self.name, legacy=legacy)

    def _publish_key_used(self, key: str) -> bool:
        """Whether a publish took ``key``; a backend that ``keeps_publish_keys`` looks in its own store."""
        return self.state.get(self.state_scope, f"publish:{key}") is not None

    def _check_key(self, key: str) -> None:
        """``InvalidInput`` for a key that is not non-empty, valid Unicode text without a NUL."""
        check_key(key, network=self.name)

    def _keyed(self, call: Callable[[], T], kind: str, key: str, first_use: bool) -> T:
        """Run a keyed write; a failure that certainly made nothing gives the key back for other content."""
        try:
            return call()
        except DecentSocialError as exc:
            from .idempotency import may_have_happened

            if first_use and not may_have_happened(exc):
                self.state.drop(self.state_scope, f"{kind}:{key}")
            raise

    # ---------------------------------------------------------------- drafts and limits

    def prepare(self, draft: Draft | str) -> list[Draft]:
        d = self._draft(draft)
        self.check_draft(d)
        return [d]

    def text_limit(self, draft: Draft | None = None) -> TextLimit | None:
        return None

    def check_draft(self, draft: Draft) -> None:
        """``ContentRejected``/``UnsupportedFeature`` if it cannot be published here; backends extend it."""
        self.check_length(draft)
        self.check_features(draft)

    def check_length(self, draft: Draft) -> None:
        """``ContentRejected`` naming limit and count when the text is over ``text_limit()``."""
        rule = self.text_limit(draft)
        if rule is not None and not rule.fits(draft.text):
            raise self.too_long(rule.limit, rule.measure(draft.text), rule.unit)

    def check_features(self, draft: Draft) -> None:
        """``UnsupportedFeature`` for draft features outside this backend's capabilities."""
        wanted = (
            (draft.reply_to is not None, Capability.REPLY),
            (bool(draft.media), Capability.MEDIA),
            (draft.poll is not None, Capability.POLL),
            (draft.scheduled_at is not None, Capability.SCHEDULE),
            (draft.quote_of is not None, Capability.QUOTE),
        )
        for used, capability in wanted:
            if used and capability not in self.capabilities:
                raise self.unsupported(capability)
        if (draft.beneficiaries or draft.payout is not None) and not self.reward_terms:
            raise self.unsupported(Capability.REWARDS, "its posts keep no beneficiaries and payout options")

    # ---------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Release connections; the default has none."""

    def __enter__(self) -> BaseNetwork[S]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        # Settings reprs show SecretStr as '**********'.
        return f"<{type(self).__name__} {self.settings!r}>"

    # ---------------------------------------------------------------- the protocol, written once

    def me(self) -> Account:
        self.require(Capability.PROFILE)
        return self._me()

    def account(self, handle: str) -> Account:
        self.require(Capability.PROFILE)
        return self._account(self._ref(handle, "a handle"))

    def publish(self, draft: Draft | str) -> Post:
        d = self._draft(draft)
        self.require(Capability.PUBLISH)
        self.check_draft(d)
        return self._publish_checked(d)

    def _publish_checked(self, d: Draft) -> Post:
        """``publish`` after ``check_draft``: the key claimed (or kept by the backend), then ``_publish``.

        ``crosspost`` calls it directly for a draft this connection's
        ``prepare`` has just checked (only the idempotency key differs, and it
        is checked here), so the checks do not run twice per target.
        """
        self.require(Capability.PUBLISH)
        if d.idempotency_key is None:
            return self._publish(d)
        if self.keeps_publish_keys and Capability.IDEMPOTENT_PUBLISH in self.capabilities:
            self._check_key(d.idempotency_key)
            return self._publish(d)
        from .idempotency import draft_digests, key_record, post_of_key

        key, (digest, *legacy) = d.idempotency_key, draft_digests(d, network=self.name)
        earlier = self.claim_key("publish", key, digest, *legacy)  # legacy: as older versions took it
        if self.resolves_publish_keys or Capability.IDEMPOTENT_PUBLISH not in self.capabilities:
            return self._keyed(lambda: self._publish(d), "publish", key, earlier is None)
        if earlier is not None:  # the post it made, or a publish under way or whose answer was lost
            return post_of_key(earlier, key, network=self.name)
        post = self._keyed(lambda: self._publish(d), "publish", key, True)
        self.state.put(self.state_scope, f"publish:{key}", digest, key_record(post))
        return post

    def reply(self, to: PostRef, draft: Draft | str) -> Post:
        self.require(Capability.REPLY)
        parent = self.post_id(self._post_arg(to))
        return self.publish(self._draft(draft).model_copy(update={"reply_to": parent}))

    def get_post(self, id: str) -> Post:
        self.require(Capability.READ)
        return self._get_post(self._ref(id, "a post id"))

    def delete(self, post: PostRef) -> None:
        self.require(Capability.DELETE)
        self._delete(self._post_arg(post))

    def like(self, post: PostRef) -> None:
        self.require(Capability.LIKE)
        self._like(self._post_arg(post))

    def unlike(self, post: PostRef) -> None:
        self.require(Capability.LIKE)
        self._unlike(self._post_arg(post))

    def vote(self, post: PostRef, weight: float) -> None:
        self.require(Capability.VOTE)
        target = self._post_arg(post)
        if isinstance(weight, bool) or not isinstance(weight, (int, float, Decimal)):
            raise self.invalid(f"vote weight must be a number from -100 to 100, got {weight!r}")
        try:
            finite = math.isfinite(weight)  # a signalling NaN raises ValueError, a huge int OverflowError
        except (ValueError, OverflowError):
            finite = False
        if not finite or not -100 <= weight <= 100:
            raise self.invalid(f"vote weight must be from -100 to 100, got {weight}")
        self._vote(target, float(weight))

    def repost(self, post: PostRef) -> Post | None:
        self.require(Capability.REPOST)
        return self._repost(self._post_arg(post))

    def follow(self, account: AccountRef) -> None:
        self.require(Capability.FOLLOW)
        self._follow(self._account_arg(account))

    def unfollow(self, account: AccountRef) -> None:
        self.require(Capability.FOLLOW)
        self._unfollow(self._account_arg(account))

    def posts(self, account: AccountRef | None = None, *, limit: int | None = 20) -> Iterator[Post]:
        self.require(Capability.POSTS)
        who = None if account is None else self._account_arg(account)
        return self._posts(who, check_limit(limit))

    def timeline(self, *, limit: int | None = 20) -> Iterator[Post]:
        self.require(Capability.TIMELINE)
        return self._timeline(check_limit(limit))

    def search(self, query: str, *, limit: int | None = 20) -> Iterator[Post]:
        if not isinstance(query, str) or not query.strip():
            self.require(Capability.SEARCH)
            raise self.invalid(f"search needs a non-empty query, got {query!r}")
        q = query.strip()
        self.require(Capability.TAG_SEARCH if q.startswith("#") else Capability.SEARCH)
        if q.startswith("#") and not q.lstrip("#").strip():
            raise self.invalid(f"a hashtag search needs a tag, got {query!r}")
        return self._search(q, check_limit(limit))

    def thread(self, post: PostRef) -> list[Post]:
        self.require(Capability.THREAD)
        return self._thread(self._post_arg(post))

    def notifications(self, *, limit: int | None = 20) -> Iterator[Notification]:
        self.require(Capability.NOTIFICATIONS)
        return self._notifications(check_limit(limit))

    def communities(self, query: str | None = None, *, limit: int | None = 20) -> Iterator[Community]:
        self.require(Capability.COMMUNITIES)
        if query is not None and not isinstance(query, str):
            raise self.invalid(f"query must be text or None, got {query!r}")
        q = query.strip() if query is not None and query.strip() else None
        return self._communities(q, check_limit(limit))

    def community(self, id: str) -> Community:
        self.require(Capability.COMMUNITIES)
        return self._community(self._ref(id, "a community id"))

    def join(self, community: CommunityRef) -> None:
        self.require(Capability.JOIN)
        self._join(self._community_arg(community))

    def leave(self, community: CommunityRef) -> None:
        self.require(Capability.JOIN)
        self._leave(self._community_arg(community))

    def community_posts(self, community: CommunityRef, *, limit: int | None = 20) -> Iterator[Post]:
        self.require(Capability.COMMUNITY_POSTS)
        return self._community_posts(self._community_arg(community), check_limit(limit))

    def rewards(self, post: PostRef) -> Reward:
        self.require(Capability.REWARDS)
        return self._rewards(self._post_arg(post))

    def pending_rewards(self, account: AccountRef | None = None) -> Reward:
        self.require(Capability.REWARDS)
        return self._pending_rewards(None if account is None else self._account_arg(account))

    def claim_rewards(self) -> Reward:
        self.require(Capability.CLAIM)
        return self._claim_rewards()

    def tip(
        self, to: TipTarget, amount: Amount | str, memo: str = "", *, idempotency_key: str | None = None
    ) -> str:
        self.require(Capability.TIP)
        if isinstance(to, Account):
            target: AccountRef | PostRef = self._account_arg(to)
        elif isinstance(to, Post):
            target = self._post_arg(to)
        else:
            target = self._ref(to, "an Account, a Post, a handle or a post id")
        check_memo(memo, network=self.name)
        try:
            value = Amount.parse(amount)
        except InvalidInput as exc:
            raise self.invalid(exc.message) from None
        if value.value <= 0:
            raise self.invalid(f"a tip must be more than zero, got {value}")
        if idempotency_key is None or self.keeps_tip_keys:  # the sandbox's ledger keeps its keys
            if idempotency_key is not None:
                self._check_key(idempotency_key)
            return self._tip(target, value, memo, idempotency_key)
        from .idempotency import receipt_of_key, tip_fingerprint

        who = target.id if isinstance(target, (Account, Post)) else target
        fingerprint = tip_fingerprint(who, value, memo)
        earlier = self.claim_key("tip", idempotency_key, fingerprint)
        if earlier is not None and (earlier.get("receipt") or not self.resolves_tip_keys):
            return receipt_of_key(earlier, idempotency_key, network=self.name)  # never a second payment
        receipt = self._keyed(
            lambda: self._tip(target, value, memo, idempotency_key), "tip", idempotency_key, earlier is None
        )
        self.state.put(self.state_scope, f"tip:{idempotency_key}", fingerprint, {"receipt": receipt})
        return receipt

    # (the post lifecycle, edit and pin with their hooks, is PostLifecycleTemplate: base_lifecycle.py)

    # ---------------------------------------------------------------- streams

    def stream(self, *, kind: str = "public", tag: str | None = None) -> Iterator[Post]:
        self.require(Capability.STREAM)
        return self._stream(kind, stream_tag(kind, tag, network=self.name))

    # ---------------------------------------------------------------- hooks (backends override)

    def _me(self) -> Account:
        raise self.unsupported(Capability.PROFILE)

    def _account(self, handle: str) -> Account:
        raise self.unsupported(Capability.PROFILE)

    def _publish(self, draft: Draft) -> Post:
        """Publish a checked draft (``draft.reply_to`` set for replies)."""
        raise self.unsupported(Capability.PUBLISH)

    def _get_post(self, id: str) -> Post:
        raise self.unsupported(Capability.READ)

    def _delete(self, post: PostRef) -> None:
        raise self.unsupported(Capability.DELETE)

    def _like(self, post: PostRef) -> None:
        raise self.unsupported(Capability.LIKE)

    def _unlike(self, post: PostRef) -> None:
        raise self.unsupported(Capability.LIKE)

    def _vote(self, post: PostRef, weight: float) -> None:
        raise self.unsupported(Capability.VOTE)

    def _repost(self, post: PostRef) -> Post | None:
        raise self.unsupported(Capability.REPOST)

    def _follow(self, account: AccountRef) -> None:
        raise self.unsupported(Capability.FOLLOW)

    def _unfollow(self, account: AccountRef) -> None:
        raise self.unsupported(Capability.FOLLOW)

    def _posts(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        return self._paged(lambda cursor, size: self._posts_page(account, cursor, size), limit)

    def _posts_page(self, account: AccountRef | None, cursor: Any, size: int) -> Page[Post, Any]:
        raise self.unsupported(Capability.POSTS)

    def _timeline(self, limit: int | None) -> Iterator[Post]:
        return self._paged(self._timeline_page, limit)

    def _timeline_page(self, cursor: Any, size: int) -> Page[Post, Any]:
        raise self.unsupported(Capability.TIMELINE)

    def _search(self, query: str, limit: int | None) -> Iterator[Post]:
        return self._paged(lambda cursor, size: self._search_page(query, cursor, size), limit)

    def _search_page(self, query: str, cursor: Any, size: int) -> Page[Post, Any]:
        raise self.unsupported(Capability.SEARCH)

    def _thread(self, post: PostRef) -> list[Post]:
        raise self.unsupported(Capability.THREAD)

    def _notifications(self, limit: int | None) -> Iterator[Notification]:
        return self._paged(self._notifications_page, limit)

    def _notifications_page(self, cursor: Any, size: int) -> Page[Notification, Any]:
        raise self.unsupported(Capability.NOTIFICATIONS)

    def _communities(self, query: str | None, limit: int | None) -> Iterator[Community]:
        return self._paged(lambda cursor, size: self._communities_page(query, cursor, size), limit)

    def _communities_page(self, query: str | None, cursor: Any, size: int) -> Page[Community, Any]:
        raise self.unsupported(Capability.COMMUNITIES)

    def _community(self, id: str) -> Community:
        raise self.unsupported(Capability.COMMUNITIES)

    def _join(self, community: CommunityRef) -> None:
        raise self.unsupported(Capability.JOIN)

    def _leave(self, community: CommunityRef) -> None:
        raise self.unsupported(Capability.JOIN)

    def _community_posts(self, community: CommunityRef, limit: int | None) -> Iterator[Post]:
        return self._paged(lambda cursor, size: self._community_posts_page(community, cursor, size), limit)

    def _community_posts_page(self, community: CommunityRef, cursor: Any, size: int) -> Page[Post, Any]:
        raise self.unsupported(Capability.COMMUNITY_POSTS)

    def _rewards(self, post: PostRef) -> Reward:
        raise self.unsupported(Capability.REWARDS)

    def _pending_rewards(self, account: AccountRef | None) -> Reward:
        raise self.unsupported(Capability.REWARDS)

    def _claim_rewards(self) -> Reward:
        raise self.unsupported(Capability.CLAIM)

    def _tip(self, to: AccountRef | PostRef, amount: Amount, memo: str, idempotency_key: str | None) -> str:
        """Send the tip; with ``idempotency_key``, a retry of the same tip must not pay twice."""
        raise self.unsupported(Capability.TIP)

    def _stream(self, kind: str, tag: str | None) -> Iterator[Post]:
        raise self.unsupported(Capability.STREAM)

    def _paged(
        self,
        fetch: Callable[[Any, int], Page[T, Any]],
        limit: int | None,
        *,
        key: Callable[[T], Hashable] | None = None,
        page_size: int | None = None,
    ) -> Iterator[T]:
        """Lazy pages of ``fetch(cursor, size)`` at this backend's ``page_size``, stopping at ``limit``.

        At most ``limits.max_pages`` pages, and a cursor that does not move on is a typed error.
        """
        return paginate(
            fetch,
            limit=limit,
            page_size=page_size or self.page_size,
            key=key,
            max_pages=self.settings.limits.max_pages,
            network=self.name,
        )

    # ---------------------------------------------------------------- direct messages (issue 14)
    # Public members, then their hooks: kept together here so that other additions merge around them.

    def send_message(self, account: AccountRef, text: str) -> str:
        self.require(Capability.MESSAGING)
        to = self._account_arg(account)
        body = self._message_text(text)
        rule = self._message_limit()
        if rule is not None and not rule.fits(body):
            raise self.too_long(rule.limit, rule.measure(body), rule.unit)
        return self._send_message(to, body)

    def messages(self, *, limit: int | None = 20) -> Iterator[Message]:
        self.require(Capability.MESSAGING)
        return self._messages(check_limit(limit))

    def _message_text(self, text: object) -> str:
        """The text of a message, checked without ever repeating it (it is private)."""
        if not isinstance(text, str):
            raise self.invalid(f"a message must be text, got {type(text).__name__}")
        at = lone_surrogate_at(text)
        if at is not None:
            raise self.invalid(f"the message is not valid Unicode: a lone surrogate at character {at}")
        if (at := nul_at(text)) is not None:  # refused by the servers that keep it in PostgreSQL
            raise self.invalid(f"the message holds a NUL character (U+0000) at character {at}")
        if is_blank(text):  # whitespace, or invisible characters only (ZWSP, RLM…): it shows nothing
            raise ContentRejected("a message needs text; this one is empty", network=self.name)
        return text

    def _message_limit(self) -> TextLimit | None:
        """How long a message may be; the default is the network's post limit."""
        return self.text_limit()

    def _send_message(self, to: AccountRef, text: str) -> str:
        """Send checked, non-empty text to ``to``; return the message id."""
        raise self.unsupported(Capability.MESSAGING)

    def _messages(self, limit: int | None) -> Iterator[Message]:
        raise self.unsupported(Capability.MESSAGING)


def _quietly(release: Callable[[], None]) -> None:
    # At collection or exit there is no one left to tell.
    with contextlib.suppress(Exception):
        release()


inherit_docs(BaseNetwork)
