"""``SandboxNetwork``: the embedded network for quick starts, demos, dry runs and users' own tests.

Everything lives in one SQLite database (in memory, or a file shared by
several connections and processes). Each connection acts as one account;
``as_account`` gives another account on the same database. It supports every
``Capability``, with a deterministic reward model (see
``docs/networks/sandbox.md`` and ``ledger``):

* a like (``vote`` weight 100) by another account accrues ``like_reward``
  for the post's author, scaled by the vote weight (a percentage, as on Hive);
* the accrual is *pending* until ``payout_delay`` after the vote, then
  *claimable*; ``claim_rewards`` moves every claimable accrual into the
  balance (*paid*);
* unliking (or a weight of 0 or below) cancels a pending accrual; once
  claimable it is final; one voter earns an author at most one accrual per post;
* ``tip`` moves balance between accounts and refuses an overdraft.

Time is the sandbox's own clock (``advance_time``, ``current_time``), shared
by every connection to the database, so a demo or a test sees the whole
cycle without sleeping.

This module holds the hooks of :class:`~decentsocial.base.BaseNetwork`:
each opens one transaction on the transport and calls the SQL in ``store``
and ``ledger``, then builds models with ``convert``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Generator, Hashable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from ... import errors
from ...base import BaseNetwork
from ...idempotency import draft_digests
from ...models import (
    Account,
    Amount,
    Community,
    Draft,
    Message,
    Notification,
    Post,
    Reward,
    normalise_tags,
)
from ...network import AccountRef, Capability, CommunityRef, PostRef, TextLimit
from ...paging import Page, paginate
from ...retry import RetryPolicy
from ...stopping import StoppableStream
from ...text import grapheme_len, links, mentions
from . import ledger, lifecycle, messages, schema, store, tips
from .convert import (
    Economy,
    Record,
    account_from_row,
    account_reward,
    author,
    claimed_reward,
    community_from_row,
    fold,
    from_us,
    notification_from_row,
    post_from_row,
    post_reward,
    to_us,
)
from .media import MAX_MEDIA as MAX_MEDIA  # still importable from here
from .media import MAX_MEDIA_BYTES as MAX_MEDIA_BYTES
from .media import check_media, read_media
from .settings import MAX_KEY, NETWORK, SandboxSettings, normalise_community, normalise_handle
from .store import FeedCursor, NewPost, PostCursor, StreamCursor
from .transport import Transport, Tx

__all__ = ["SandboxNetwork"]

T = TypeVar("T")

#: Titles are measured in graphemes, like the text.
MAX_TITLE = 256
#: The longest community description.
MAX_DESCRIPTION = 5000
#: Polls: 2-4 options of at most 50 graphemes each.
MAX_POLL_OPTIONS = 4
MAX_POLL_OPTION = 50
#: A search matches at most this many different words (SQLite's expression depth stops near 1000).
MAX_SEARCH_WORDS = 500


class SandboxNetwork(BaseNetwork[SandboxSettings]):
    """The embedded sandbox network; ``connect("sandbox")`` or ``connect("sandbox", path=..., account=...)``.

    Besides the ``Network`` protocol it offers: :meth:`as_account` (another
    account on the same database), :meth:`advance_time` / :meth:`current_time`
    (the sandbox clock), :meth:`balance` and :meth:`create_community`.
    Safe to share between threads.
    """

    name = "sandbox"
    Settings = SandboxSettings
    capabilities = frozenset(Capability)
    page_size = 20
    in_process = True  # SQLite in this process: crosspost needs no thread for it
    reward_terms = True  # beneficiaries and payout options kept with the post (Post.raw)
    keeps_publish_keys = True  # the key and the draft's digest are stored with the post (store.publish)
    keeps_tip_keys = True  # the ledger stores a tip's key with its transfer (tips.py)

    def __init__(
        self,
        settings: SandboxSettings | None = None,
        *,
        retry: RetryPolicy | None = None,
        _transport: Transport | None = None,
    ) -> None:
        super().__init__(settings, retry=retry)
        if not isinstance(self.settings, SandboxSettings):
            raise errors.ConfigurationError("the sandbox needs SandboxSettings", network=NETWORK)
        self.config: SandboxSettings = self.settings
        self.capabilities = frozenset(Capability) - self.config.unsupported
        self._explicit = set(self.config.model_fields_set)
        self._transport = (
            Transport(self.config.path, self.config.timeout) if _transport is None else _transport
        )
        self._lease = self._transport.lease()
        # A connection nobody closes still gives its share of the database back.
        self.release_on_collect(self._lease.release)
        self._economy: Economy | None = None

    # ---------------------------------------------------------------- sandbox extras

    @property
    def handle(self) -> str:
        """The handle this connection acts as."""
        return self.config.account

    @property
    def identity(self) -> str:
        """The database (its file, or this in-memory one, named for its whole life) and the account.

        Worked out once per connection: resolving the path asks the file
        system, and crosspost reads the identity of every target it posts to.
        """
        known: str | None = self.__dict__.get("_identity")
        if known is None:
            path = self.config.path
            where = str(path.resolve()) if path is not None else self._transport.name
            known = self.__dict__["_identity"] = f"{where}:{self.config.account}"
        return known

    def as_account(self, handle: str, *, display_name: str | None = None) -> SandboxNetwork:
        """Another connection, acting as ``handle``, on this same sandbox (the account is created now).

        The only way to have several accounts in an in-memory sandbox; on a
        file it saves a second SQLite connection. Close each one (the
        database closes with the last).
        """
        clean = normalise_handle(handle)
        if display_name is not None and (not isinstance(display_name, str) or len(display_name) > 100):
            # model_copy does not validate: the setting's own rule, checked here
            raise errors.InvalidInput("display_name must be text of at most 100 characters", network=NETWORK)
        self._ready()
        update = {"account": clean, "display_name": display_name, "now": None}
        other = type(self)(  # a subclass's accounts are its own (a test double of a backend, say)
            self.config.model_copy(update=update), retry=self.retry, _transport=self._transport
        )
        other._explicit = set()  # the economy is the database's already
        try:
            other._ready()  # the account exists from now on: others can follow, mention and tip it
        except BaseException:
            other.close()
            raise
        return other

    def current_time(self) -> datetime:
        """The sandbox clock (UTC): real time, or the frozen ``now``, plus every ``advance_time``."""
        with self._ready().read() as tx:
            return from_us(schema.now_us(tx))

    def advance_time(self, seconds: float | timedelta) -> datetime:
        """Move the sandbox clock forward (for every connection to this database); returns the new time.

        Use it to see rewards become claimable and scheduled posts appear without waiting.
        """
        delta = seconds if isinstance(seconds, timedelta) else _seconds(seconds)
        if delta < timedelta(0):
            raise errors.InvalidInput("the sandbox clock only moves forward", network=NETWORK)
        with self._ready().write() as tx:
            return from_us(schema.advance(tx, delta // timedelta(microseconds=1)))

    def balance(self, account: AccountRef | None = None) -> Amount:
        """The spendable balance of an account (default: this one)."""
        handle = self._handle_of(account)
        with self._ready().read() as tx:
            return self.economy.amount(ledger.balance_units(tx, handle))

    def create_community(
        self, id: str, *, title: str | None = None, description: str | None = None
    ) -> Community:
        """Create a community (sandbox only: the other networks create them elsewhere).

        ``title`` and ``description`` are text (or ``None``) of at most ``MAX_TITLE`` graphemes and
        ``MAX_DESCRIPTION`` characters: anything else stored would break every listing of communities.
        """
        clean = normalise_community(id)
        for name, value, limit, unit, measure in (
            ("title", title, MAX_TITLE, "graphemes", grapheme_len),
            ("description", description, MAX_DESCRIPTION, "characters", len),
        ):
            if value is not None and not (isinstance(value, str) and measure(value) <= limit):
                raise errors.InvalidInput(
                    f"a community's {name} must be text of at most {limit} {unit}, "
                    f"got {type(value).__name__} {len(value) if isinstance(value, str) else ''}".rstrip(),
                    network=NETWORK,
                )
        with self._ready().write() as tx:
            row = store.create_community(tx, clean, title, description, schema.now_us(tx), self.handle)
        return community_from_row(row)

    @property
    def economy(self) -> Economy:
        """The reward rules of this sandbox's database (opens the database on first use)."""
        self._ready()
        assert self._economy is not None  # _ready() sets it
        return self._economy

    # ---------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Close this connection; the database closes with the last connection sharing it."""
        self._lease.release()

    def __enter__(self) -> SandboxNetwork:
        return self

    def _ready(self) -> Transport:
        """Open the database and create this account on first use (``connect`` does no I/O)."""
        if self._lease.released:
            raise errors.ConfigurationError("this sandbox connection is closed", network=NETWORK)
        if self._economy is None:
            with self._transport.lock:
                if self._economy is None:
                    with self._transport.write() as tx:
                        self._economy = schema.attach(tx, self.config, self._explicit)
        return self._transport

    def _paged(
        self,
        fetch: Callable[[Any, int], Page[T, Any]],
        limit: int | None,
        *,
        key: Callable[[T], Hashable] | None = None,
        page_size: int | None = None,
    ) -> Iterator[T]:
        """Pages of this database's own rows: no ``max_pages`` cap unless ``limits`` is set.

        The cap guards against a hostile server; here it only stopped a listing of over
        200,000 rows. Keyset cursors always move on, and ``paginate`` checks that they do.
        """
        return paginate(
            fetch,
            limit=limit,
            page_size=page_size or self.page_size,
            key=key,
            max_pages=self.settings.limits.max_pages if "limits" in self.settings.model_fields_set else None,
            network=NETWORK,
        )

    def community_id(self, community: CommunityRef) -> str:
        """A ``Community``'s id, or an id string as ``create_community`` made it (``"Birds"`` is
        ``birds``); ``InvalidInput`` for one no community can have (no I/O)."""
        return normalise_community(super().community_id(community))

    def _handle_of(self, account: AccountRef | None) -> str:
        return self.handle if account is None else normalise_handle(self.account_ref(account))

    def post_id(self, post: PostRef) -> str:
        """The id of a ``Post`` or an id string: 16 lower-case hex digits, else ``InvalidInput`` (no I/O).

        Every member taking a post checks it here (``get_post`` in ``_get_post``): no post has another.
        """
        return store.check_post_id(super().post_id(post))

    # ---------------------------------------------------------------- accounts

    def _me(self) -> Account:
        return self._account(self.handle)

    def _account(self, handle: str) -> Account:
        clean = normalise_handle(handle)
        with self._ready().read() as tx:
            row = store.account_row(tx, clean, schema.now_us(tx))
        return account_from_row(row, self.economy)

    def _follow(self, account: AccountRef) -> None:
        target = self._handle_of(account)
        if target == self.handle:
            raise errors.InvalidInput("an account cannot follow itself", network=NETWORK)
        with self._ready().write() as tx:
            store.follow(tx, self.handle, target, schema.now_us(tx))

    def _unfollow(self, account: AccountRef) -> None:
        target = self._handle_of(account)
        with self._ready().write() as tx:
            store.unfollow(tx, self.handle, target)

    # ---------------------------------------------------------------- publishing

    def text_limit(self, draft: Draft | None = None) -> TextLimit:
        """``max_length`` graphemes; ``check_draft`` enforces it and ``crosspost`` splits by it."""
        return TextLimit(self.config.max_length, grapheme_len, "graphemes")

    def check_draft(self, draft: Draft) -> None:
        """The sandbox's limits: ``max_length`` graphemes (via ``text_limit``), titles, media and polls."""
        super().check_draft(draft)
        if draft.community is not None and Capability.COMMUNITY_POSTS not in self.capabilities:
            raise self.unsupported(Capability.COMMUNITY_POSTS)
        if draft.community is not None:
            self.community_id(draft.community)
        if draft.title is not None and grapheme_len(draft.title) > MAX_TITLE:
            raise errors.ContentRejected(
                f"title is over the sandbox's limit of {MAX_TITLE} graphemes", network=NETWORK
            )
        check_media(draft)
        if draft.poll is not None:
            if len(draft.poll.options) > MAX_POLL_OPTIONS:
                raise errors.ContentRejected(
                    f"a poll has at most {MAX_POLL_OPTIONS} options, got {len(draft.poll.options)}",
                    network=NETWORK,
                )
            for option in draft.poll.options:
                if not option.strip() or grapheme_len(option) > MAX_POLL_OPTION:
                    raise errors.ContentRejected(
                        f"poll options need 1-{MAX_POLL_OPTION} graphemes, got {option!r}", network=NETWORK
                    )
        for parent in (draft.reply_to, draft.quote_of):
            if parent is not None:
                self.post_id(parent)
        key = draft.idempotency_key
        if key is not None and not (0 < len(key) <= MAX_KEY):
            raise errors.InvalidInput(f"idempotency_key must be 1-{MAX_KEY} characters", network=NETWORK)

    def _publish(self, draft: Draft) -> Post:
        """Store the post; the same ``idempotency_key`` (per account) always returns the first post.

        That post is looked up before any media file is read: a retry finds it
        even once a temporary file is gone.
        """
        if draft.community is not None:
            draft = draft.model_copy(update={"community": self.community_id(draft.community)})
        key = draft.idempotency_key if Capability.IDEMPOTENT_PUBLISH in self.capabilities else None
        if key is not None and any(m.path is not None for m in draft.media):
            digest, *legacy = draft_digests(draft, network=NETWORK)
            with self._ready().read() as tx:
                row = store.keyed_post(tx, self.handle, key, digest, schema.now_us(tx), tuple(legacy))
            if row is not None:
                return post_from_row(row)
        new = self._new_post(draft)
        with self._ready().write() as tx:
            row = store.publish(tx, self.handle, new, schema.now_us(tx))
        return post_from_row(row)

    def _publish_key_used(self, key: str) -> bool:
        """Whether this account stored a post under ``key``: its keys live here, not in the state store."""
        with self._ready().read() as tx:
            return store.key_used(tx, self.handle, key)

    def _new_post(self, d: Draft) -> NewPost:
        digest, *legacy = draft_digests(d, network=NETWORK)
        extra: dict[str, Any] = {}
        if d.poll is not None:
            extra["poll"] = d.poll.model_dump(mode="json")
        if d.link is not None:
            extra["link"] = d.link.model_dump(mode="json", exclude={"thumbnail"})
        if d.beneficiaries:
            extra["beneficiaries"] = [b.model_dump(mode="json") for b in d.beneficiaries]
        if d.payout is not None:
            extra["payout"] = d.payout.model_dump(mode="json")
        if d.sensitive:
            extra["sensitive"] = True
        mentioned = (m.lstrip("@").lower() for m in (*mentions(d.text), *d.mentions) if m.strip("@"))
        return NewPost(
            draft=d,
            tags=d.all_tags,
            mentions=tuple(dict.fromkeys(mentioned)),
            links=links(d.text),
            media=read_media(d.media),
            extra=extra,
            scheduled_at=None if d.scheduled_at is None else to_us(d.scheduled_at),
            idempotency_key=d.idempotency_key if Capability.IDEMPOTENT_PUBLISH in self.capabilities else None,
            digest=digest,
            legacy=tuple(legacy),
        )

    def _delete(self, post: PostRef) -> None:
        """Delete one of this account's posts; its pending rewards are cancelled.

        A ``Post`` with ``reposted_by`` (from ``repost()`` or a timeline) undoes that repost, as on
        Mastodon, never deleting the post: another account's is ``PermissionDenied``.
        """
        pid = self.post_id(post)
        if isinstance(post, Post) and post.reposted_by is not None:
            if post.reposted_by.id != self.handle:
                raise errors.PermissionDenied(
                    f"this Post is {post.reposted_by.handle}'s repost, which only they can undo; "
                    "delete(post.id) deletes the post itself",
                    network=NETWORK,
                )
            with self._ready().write() as tx:
                store.unrepost(tx, store.post_row(tx, pid, schema.now_us(tx)), self.handle)
            return
        with self._ready().write() as tx:
            now = schema.now_us(tx)
            row = store.post_row(tx, pid, now, scheduled_for=self.handle)
            if row["author"] != self.handle:
                raise errors.PermissionDenied(
                    f"{self.handle} cannot delete {row['author']}'s post", network=NETWORK
                )
            store.delete(tx, row["seq"], now)
            ledger.cancel_pending(tx, row["seq"], now)

    # ---------------------------------------------------------------- the post lifecycle: edit and pin

    def _edit(self, post: Post, draft: Draft) -> Post:
        """Rewrite the post's content in place; its id, time, parent and likes stay."""
        new = self._new_post(draft)
        with self._ready().write() as tx:
            now = schema.now_us(tx)
            row = self._own_row(tx, self.post_id(post), now, "edit")
            lifecycle.edit(tx, row, new, now)
            return post_from_row(store.post_row(tx, row["id"], now, scheduled_for=self.handle))

    def _pin(self, post: Post) -> None:
        with self._ready().write() as tx:
            now = schema.now_us(tx)
            lifecycle.pin(tx, self.handle, self._own_row(tx, self.post_id(post), now, "pin")["seq"], now)

    def _unpin(self, post_id: str) -> None:
        with self._ready().write() as tx:
            lifecycle.unpin(tx, self.handle, post_id)

    def _pinned(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        handle = self._handle_of(account)

        def page(cursor: lifecycle.PinCursor | None, size: int) -> Page[Post, lifecycle.PinCursor]:
            with self._ready().read() as tx:
                store.require_account(tx, handle)
                rows = lifecycle.pinned_rows(tx, handle, schema.now_us(tx), cursor, size)
            following = (rows[-1]["pinned_at"], rows[-1]["seq"]) if len(rows) == size else None
            return Page([post_from_row(r) for r in rows], following)

        return self._paged(page, limit)

    def _own_row(self, tx: Tx, post_id: str, now: int, verb: str) -> Record:
        row = store.post_row(tx, post_id, now, scheduled_for=self.handle)
        if row["author"] != self.handle:
            raise errors.PermissionDenied(
                f"{self.handle} cannot {verb} {row['author']}'s post", network=NETWORK
            )
        return row

    # ---------------------------------------------------------------- reading

    def _get_post(self, id: str) -> Post:
        store.check_post_id(id)  # BaseNetwork.get_post checks an id with _ref, not post_id
        with self._ready().read() as tx:
            row = store.post_row(tx, id, schema.now_us(tx), scheduled_for=self.handle)
        return post_from_row(row)

    def _posts(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        handle = self._handle_of(account)  # an invalid handle fails now, not at the first post
        return self._paged(lambda cursor, size: self._posts_page(handle, cursor, size), limit)

    def _posts_page(
        self, account: AccountRef | None, cursor: PostCursor | None, size: int
    ) -> Page[Post, Any]:
        handle = self._handle_of(account)
        return self._post_page(
            store.BY_AUTHOR, {"who": handle}, cursor, size, lambda tx: store.require_account(tx, handle)
        )

    def _search(self, query: str, limit: int | None) -> Iterator[Post]:
        """Every word must appear (case-insensitive); ``#tag`` words match hashtags."""
        words: list[tuple[bool, str]] = []
        for word in query.split():
            if word.startswith(("#", "＃")):
                self.require(Capability.TAG_SEARCH)
                tag = normalise_tags([word.lstrip("#＃")])
                if not tag:
                    raise errors.InvalidInput(f"{word!r} is not a hashtag", network=NETWORK)
                words.append((True, tag[0]))
            else:
                self.require(Capability.SEARCH)
                words.append((False, fold(word)))
        words = list(dict.fromkeys(words))
        if len(words) > MAX_SEARCH_WORDS:
            raise errors.InvalidInput(
                f"a search has at most {MAX_SEARCH_WORDS} different words, got {len(words)}", network=NETWORK
            )
        where, params = store.search_filter(words)
        return self._paged(lambda cursor, size: self._post_page(where, params, cursor, size), limit)

    def _community_posts_page(
        self, community: CommunityRef, cursor: PostCursor | None, size: int
    ) -> Page[Post, Any]:
        """Top-level posts published into the community, newest first."""
        cid = self.community_id(community)
        return self._post_page(
            store.IN_COMMUNITY,
            {"cid": cid},
            cursor,
            size,
            lambda tx: store.community_row(tx, cid, self.handle),
        )

    def _post_page(
        self,
        where: str,
        params: dict[str, Any],
        cursor: PostCursor | None,
        size: int,
        check: Callable[[Tx], object] | None = None,
    ) -> Page[Post, PostCursor]:
        """Visible posts matching ``where``, newest first; ``check(tx)`` runs before the first page."""
        with self._ready().read() as tx:
            if check is not None and cursor is None:
                check(tx)
            rows = store.post_page(tx, where, params, schema.now_us(tx), cursor, size)
        last = rows[-1] if len(rows) == size else None
        return Page([post_from_row(r) for r in rows], (last["created_at"], last["seq"]) if last else None)

    def _timeline_page(self, cursor: FeedCursor | None, size: int) -> Page[Post, FeedCursor]:
        """Posts and reposts by this account and the accounts it follows, newest first."""
        with self._ready().read() as tx:
            rows = store.timeline_page(tx, self.handle, schema.now_us(tx), cursor, size)
        items = [
            post_from_row(r, author(r["f_reposter"], r["f_reposter_name"]) if r["f_reposter"] else None)
            for r in rows
        ]
        last = rows[-1] if len(rows) == size else None
        return Page(items, (last["f_at"], last["f_kind"], last["f_ord"]) if last is not None else None)

    def _thread(self, post: PostRef) -> list[Post]:
        """The post, then its replies depth-first, each level in the order the replies were made."""
        with self._ready().read() as tx:
            now = schema.now_us(tx)
            start = store.post_row(tx, self.post_id(post), now)
            rows = store.thread_rows(tx, start["root_id"] or start["id"], now)
        children: dict[str, list[Any]] = {}
        for row in rows:
            if row["reply_to"] is not None:
                children.setdefault(row["reply_to"], []).append(row)
        result: list[Post] = [post_from_row(start)]
        stack = list(reversed(children.get(start["id"], [])))
        while stack:
            row = stack.pop()
            if row["deleted_at"] is None:
                result.append(post_from_row(row))
            stack.extend(reversed(children.get(row["id"], [])))
        return result

    def _stream(self, kind: str, tag: str | None) -> Iterator[Post]:
        """Posts published after this call, oldest first, polling every ``stream_interval`` seconds.

        A scheduled post comes when its time comes (``advance_time`` or the
        real clock), once, whenever it was published.

        ``kind="public"`` is every post; ``"home"`` only this account's and the
        accounts it follows. ``tag`` keeps posts with that hashtag. Never ends
        on its own: stop iterating when done.
        """
        if kind not in ("public", "home"):
            raise errors.InvalidInput(
                f"stream kind must be 'public' or 'home', got {kind!r}", network=NETWORK
            )
        wanted = normalise_tags([tag]) if tag is not None else ()
        if tag is not None and not wanted:
            raise errors.InvalidInput(f"{tag!r} is not a hashtag", network=NETWORK)
        with self._ready().read() as tx:
            start = store.stream_start(tx, schema.now_us(tx))
        return self._follow_stream(
            start, self.handle if kind == "home" else None, wanted[0] if wanted else None
        )

    def _follow_stream(self, cursor: StreamCursor, home_of: str | None, tag: str | None) -> Iterator[Post]:
        # ``stop()`` (from any thread: an async stream's aclose()) ends the wait between polls at once.
        stopped = threading.Event()
        return StoppableStream(self._poll_stream(cursor, home_of, tag, stopped), stopped.set)

    def _poll_stream(
        self, cursor: StreamCursor, home_of: str | None, tag: str | None, stopped: threading.Event
    ) -> Generator[Post, None, None]:
        # A post is delivered once: when it is stored, or, if scheduled, when its time comes.
        while not stopped.is_set():
            with self._ready().read() as tx:
                rows, cursor = store.stream_rows(tx, cursor, schema.now_us(tx), home_of=home_of, tag=tag)
            for row in rows:
                yield post_from_row(row)
            if not rows and stopped.wait(self.config.stream_interval):
                return

    # ---------------------------------------------------------------- engagement

    def _like(self, post: PostRef) -> None:
        """A full vote (weight 100): accrues ``like_reward`` for the author (see the module docstring)."""
        self._cast(post, Decimal(100))

    def _unlike(self, post: PostRef) -> None:
        self._cast(post, Decimal(0))

    def _vote(self, post: PostRef, weight: float) -> None:
        """Vote with ``weight`` percent (-100…100, as on Hive); 0 removes the vote."""
        self._cast(post, Decimal(str(weight)))

    def _cast(self, post: PostRef, weight: Decimal) -> None:
        with self._ready().write() as tx:
            now = schema.now_us(tx)
            row = store.post_row(tx, self.post_id(post), now)
            ledger.vote(tx, self.economy, self.handle, row, weight, now)

    def _repost(self, post: PostRef) -> Post:
        """Repost (boost) a post; reposting twice keeps one repost. Returns the post as reposted."""
        pid = self.post_id(post)
        with self._ready().write() as tx:
            now = schema.now_us(tx)
            store.repost(tx, store.post_row(tx, pid, now), self.handle, now)
            row = store.post_row(tx, pid, now)
            me = author(self.handle, store.display_name(tx, self.handle))
        return post_from_row(row, me)

    # ---------------------------------------------------------------- notifications

    def _notifications_page(self, cursor: PostCursor | None, size: int) -> Page[Notification, PostCursor]:
        """Replies, mentions, quotes, likes, reposts, follows, tips (kind ``"zap"``) and matured rewards."""
        with self._ready().read() as tx:
            rows = store.notification_page(tx, self.handle, schema.now_us(tx), cursor, size)
        items = [notification_from_row(r, post_from_row(p) if p else None, self.economy) for r, p in rows]
        last = rows[-1][0] if len(rows) == size else None
        return Page(items, (last["created_at"], last["seq"]) if last is not None else None)

    # ---------------------------------------------------------------- communities

    def _communities_page(self, query: str | None, cursor: str | None, size: int) -> Page[Community, str]:
        """Communities whose id, title or description contains ``query`` (all when ``None``), by id."""
        needle = None if query is None else fold(query)
        with self._ready().read() as tx:
            rows = store.community_page(tx, self.handle, needle, cursor, size)
        return Page([community_from_row(r) for r in rows], rows[-1]["id"] if len(rows) == size else None)

    def _community(self, id: str) -> Community:
        cid = self.community_id(id)
        with self._ready().read() as tx:
            return community_from_row(store.community_row(tx, cid, self.handle))

    def _join(self, community: CommunityRef) -> None:
        with self._ready().write() as tx:
            store.join(tx, self.community_id(community), self.handle, schema.now_us(tx))

    def _leave(self, community: CommunityRef) -> None:
        with self._ready().write() as tx:
            store.leave(tx, self.community_id(community), self.handle)

    # ---------------------------------------------------------------- rewards

    def _rewards(self, post: PostRef) -> Reward:
        """What a post earned: like accruals (pending, claimable or paid) plus tips sent to it.

        See ``convert.post_reward`` for how ``status`` and ``payout_at`` are decided.
        """
        with self._ready().read() as tx:
            now = schema.now_us(tx)
            row = store.post_row(tx, self.post_id(post), now)
            accruals, tips = ledger.post_earnings(tx, row["seq"])
        return post_reward(row, accruals, tips, now, self.economy)

    def _pending_rewards(self, account: AccountRef | None) -> Reward:
        """What an account can claim now (``amounts``); ``status`` "claimable", or "pending" when
        rewards are still maturing (``payout_at`` = the next one), or "none"."""
        handle = self._handle_of(account)
        with self._ready().read() as tx:
            now = schema.now_us(tx)
            store.require_account(tx, handle)
            totals = ledger.reward_totals(tx, handle, now)
            balance = ledger.balance_units(tx, handle)
        return account_reward(handle, totals, balance, self.economy)

    def _claim_rewards(self) -> Reward:
        """Move every claimable reward into the balance; returns what was claimed ("paid" or "none")."""
        with self._ready().write() as tx:
            now = schema.now_us(tx)
            units = ledger.claim(tx, self.handle, now)
            balance = ledger.balance_units(tx, self.handle)
        return claimed_reward(self.handle, units, balance, now, self.economy)

    def _tip(self, to: AccountRef | PostRef, amount: Amount, memo: str, idempotency_key: str | None) -> str:
        """Move ``amount`` from this account's balance to an account (or a post's author).

        Whom a tip goes to is never a guess: an ``Account`` is that account, a
        ``Post`` its author, ``"@name"`` the account ``name``. A bare string
        is an account's handle or a post's id; one that is both (a handle
        registered to look like a post id) is ``InvalidInput``, and nothing
        moves: pass the ``Account`` or the ``Post``. Returns the receipt id.
        More than the balance -> ``ContentRejected``.

        With ``idempotency_key`` the tip happens once per account and key in
        this sandbox's database, whatever process or state store asks again:
        the same tip returns the first receipt, another tip under the key is
        ``InvalidInput``.
        """
        tips.check(to, amount, memo, idempotency_key)
        economy = self.economy
        if amount.asset != economy.asset:
            raise errors.InvalidInput(
                f"this sandbox pays in {economy.asset}, not {amount.asset}", network=NETWORK
            )
        with self._ready().write() as tx:
            return tips.pay(tx, economy, self.handle, to, economy.units(amount.value), memo, idempotency_key)

    # ---------------------------------------------------------------- direct messages (issue 14)

    def _send_message(self, to: AccountRef, text: str) -> str:
        if isinstance(to, Account) and to.network != NETWORK:
            raise errors.InvalidInput(
                f"a {to.network} account cannot receive a sandbox message", network=NETWORK
            )
        target = self._handle_of(to)
        with self._ready().write() as tx:
            row = messages.send(tx, self.handle, target, text, schema.now_us(tx))
        return str(row["id"])

    def _messages(self, limit: int | None) -> Iterator[Message]:
        return self._paged(self._messages_page, limit)

    def _messages_page(self, cursor: messages.MessageCursor | None, size: int) -> Page[Message, Any]:
        with self._ready().read() as tx:
            rows = messages.page(tx, self.handle, cursor, size)
        last = rows[-1] if len(rows) == size else None
        return Page(
            [messages.message_from_row(r) for r in rows],
            (last["created_at"], last["seq"]) if last is not None else None,
        )


def _seconds(seconds: float) -> timedelta:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
        raise errors.InvalidInput(f"seconds must be a finite number, got {seconds!r}", network=NETWORK)
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise errors.InvalidInput(f"{seconds!r} seconds is beyond the calendar", network=NETWORK) from None
