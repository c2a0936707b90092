"""``SandboxNetwork``: the embedded network for quick starts, demos, dry runs and users' own tests.

Everything lives in one SQLite database (in memory, or a file shared by
several connections and processes). Each connection acts as one account;
``as_account`` gives another account on the same database. It supports every
``Capability``, with a deterministic reward model (see
``docs/networks/sandbox.md``):

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
"""

from __future__ import annotations

import json
import math
import mimetypes
import secrets
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from ...base import BaseNetwork
from ...errors import (
    ConfigurationError,
    ContentRejected,
    DecentSocialError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from ...models import (
    Account,
    Amount,
    Community,
    Draft,
    Media,
    Notification,
    Post,
    Reward,
    RewardPart,
    as_draft,
    normalise_tags,
)
from ...network import AccountRef, Capability, CommunityRef, PostRef, TextLimit
from ...paging import Page, check_limit, paginate
from ...settings import NetworkSettings
from ...text import grapheme_len, hashtags, links, mentions
from .convert import (
    ACCOUNT_SELECT,
    COMMUNITY_SELECT,
    POST_SELECT,
    VISIBLE,
    account_from_row,
    author,
    community_from_row,
    media_to_json,
    post_from_row,
)
from .settings import AMOUNT_PLACES, SandboxSettings, normalise_handle
from .transport import NETWORK, Store, from_us, to_us

__all__ = ["SandboxNetwork"]

#: At most this many attachments per post, each at most ``MAX_MEDIA_BYTES``.
MAX_MEDIA = 4
MAX_MEDIA_BYTES = 10 * 1024 * 1024
#: Titles are measured in graphemes, like the text.
MAX_TITLE = 256
#: Polls: 2-4 options of at most 50 graphemes each.
MAX_POLL_OPTIONS = 4
MAX_POLL_OPTION = 50
MAX_KEY = 200
MAX_MEMO = 2048

PostCursor = tuple[int, int]
FeedCursor = tuple[int, int, int]


class SandboxNetwork(BaseNetwork):
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

    def __init__(self, settings: NetworkSettings | None = None, *, _store: Store | None = None) -> None:
        super().__init__(settings)
        if not isinstance(self.settings, SandboxSettings):
            raise ConfigurationError("the sandbox needs SandboxSettings", network=NETWORK)
        self.config: SandboxSettings = self.settings
        self.capabilities = frozenset(Capability) - self.config.unsupported
        self._explicit = set(self.config.model_fields_set)
        self._store = _store if _store is not None else Store(self.config)
        with self._store.lock:
            self._store.users += 1
        self._attached = False
        self._closed = False

    # ---------------------------------------------------------------- sandbox extras

    @property
    def handle(self) -> str:
        """The handle this connection acts as."""
        return self.config.account

    def as_account(self, handle: str, *, display_name: str | None = None) -> SandboxNetwork:
        """Another connection, acting as ``handle``, on this same sandbox (the account is created now).

        The only way to have several accounts in an in-memory sandbox; on a
        file it saves a second SQLite connection. Close each one (the
        database closes with the last).
        """
        clean = normalise_handle(handle)
        self._ready()
        update = {"account": clean, "display_name": display_name, "now": None}
        settings = self.config.model_copy(update=update)
        other = SandboxNetwork(settings, _store=self._store)
        other._explicit = set()  # the economy is the database's already
        other._ready()  # the account exists from now on: others can follow, mention and tip it
        return other

    def current_time(self) -> datetime:
        """The sandbox clock (UTC): real time, or the frozen ``now``, plus every ``advance_time``."""
        store = self._ready()
        with store.read() as db:
            return from_us(store.now_us(db))

    def advance_time(self, seconds: float | timedelta) -> datetime:
        """Move the sandbox clock forward (for every connection to this database); returns the new time.

        Use it to see rewards become claimable and scheduled posts appear without waiting.
        """
        delta = seconds if isinstance(seconds, timedelta) else self._seconds(seconds)
        if delta < timedelta(0):
            raise InvalidInput("the sandbox clock only moves forward", network=NETWORK)
        store = self._ready()
        with store.write() as db:
            return from_us(store.advance(db, delta // timedelta(microseconds=1)))

    def balance(self, account: AccountRef | None = None) -> Amount:
        """The spendable balance of an account (default: this one)."""
        handle = self._handle_of(account)
        store = self._ready()
        with store.read() as db:
            return self._economy_amount(self._balance_units(db, handle))

    def create_community(
        self, id: str, *, title: str | None = None, description: str | None = None
    ) -> Community:
        """Create a community (sandbox only: the other networks create them elsewhere)."""
        clean = normalise_handle(id)
        store = self._ready()
        with store.write() as db:
            if db.execute("SELECT 1 FROM communities WHERE id = ?", (clean,)).fetchone():
                raise ContentRejected(f"community {clean!r} already exists", network=NETWORK)
            db.execute(
                "INSERT INTO communities (id, title, description, created_at) VALUES (?, ?, ?, ?)",
                (clean, title, description, store.now_us(db)),
            )
            return self._community_row(db, clean)

    # ---------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Close this connection; the database closes with the last connection sharing it."""
        with self._store.lock:
            if self._closed:
                return
            self._closed = True
            self._store.users -= 1
            if self._store.users <= 0:
                self._store.close()

    def __enter__(self) -> SandboxNetwork:
        return self

    def _ready(self) -> Store:
        """Open the database and create this account on first use (``connect`` does no I/O)."""
        if self._closed:
            raise ConfigurationError("this sandbox connection is closed", network=NETWORK)
        if not self._attached:
            with self._store.lock:
                if not self._attached:
                    self._store.attach(self.config, self._explicit)
                    self._attached = True
        return self._store

    # ---------------------------------------------------------------- accounts

    def me(self) -> Account:
        self.require(Capability.PROFILE)
        return self.account(self.handle)

    def account(self, handle: str) -> Account:
        self.require(Capability.PROFILE)
        clean = normalise_handle(handle)
        store = self._ready()
        with store.read() as db:
            return self._account_row(db, clean)

    def follow(self, account: AccountRef) -> None:
        self.require(Capability.FOLLOW)
        target = self._handle_of(account)
        if target == self.handle:
            raise InvalidInput("an account cannot follow itself", network=NETWORK)
        store = self._ready()
        with store.write() as db:
            self._require_account(db, target)
            now = store.now_us(db)
            added = db.execute(
                "INSERT OR IGNORE INTO follows (follower, followee, created_at) VALUES (?, ?, ?)",
                (self.handle, target, now),
            ).rowcount
            if added:
                self._notify(db, target, "follow", now)

    def unfollow(self, account: AccountRef) -> None:
        self.require(Capability.FOLLOW)
        target = self._handle_of(account)
        store = self._ready()
        with store.write() as db:
            self._require_account(db, target)
            db.execute("DELETE FROM follows WHERE follower = ? AND followee = ?", (self.handle, target))

    # ---------------------------------------------------------------- publishing

    def publish(self, draft: Draft | str) -> Post:
        """Publish a draft; the same ``idempotency_key`` (per account) always returns the first post."""
        self.require(Capability.PUBLISH)
        d = self._checked(draft)
        if d.reply_to is not None:
            self.require(Capability.REPLY)
        return self._publish(d, d.reply_to)

    def reply(self, to: PostRef, draft: Draft | str) -> Post:
        self.require(Capability.REPLY)
        parent = self.post_id(to)
        return self._publish(self._checked(draft), parent)

    def text_limit(self, draft: Draft | None = None) -> TextLimit:
        """``max_length`` graphemes; ``check_draft`` enforces it and ``crosspost`` splits by it."""
        return TextLimit(self.config.max_length, grapheme_len, "graphemes")

    def check_draft(self, draft: Draft) -> None:
        """The sandbox's limits: ``max_length`` graphemes (via ``text_limit``), titles, media and polls."""
        super().check_draft(draft)
        if draft.community is not None and Capability.COMMUNITY_POSTS not in self.capabilities:
            raise self.unsupported(Capability.COMMUNITY_POSTS)
        if draft.title is not None and grapheme_len(draft.title) > MAX_TITLE:
            raise ContentRejected(
                f"title is over the sandbox's limit of {MAX_TITLE} graphemes", network=NETWORK
            )
        if len(draft.media) > MAX_MEDIA:
            raise ContentRejected(
                f"{len(draft.media)} attachments, over the sandbox's limit of {MAX_MEDIA}", network=NETWORK
            )
        if draft.poll is not None:
            if len(draft.poll.options) > MAX_POLL_OPTIONS:
                raise ContentRejected(
                    f"a poll has at most {MAX_POLL_OPTIONS} options, got {len(draft.poll.options)}",
                    network=NETWORK,
                )
            for option in draft.poll.options:
                if not option.strip() or grapheme_len(option) > MAX_POLL_OPTION:
                    raise ContentRejected(
                        f"poll options need 1-{MAX_POLL_OPTION} graphemes, got {option!r}", network=NETWORK
                    )
        key = draft.idempotency_key
        if key is not None and not (0 < len(key) <= MAX_KEY):
            raise InvalidInput(f"idempotency_key must be 1-{MAX_KEY} characters", network=NETWORK)

    def _checked(self, draft: Draft | str) -> Draft:
        try:
            d = as_draft(draft)
        except DecentSocialError as exc:
            exc.network = NETWORK
            raise
        self.check_draft(d)
        return d

    def _media(self, media: tuple[Media, ...]) -> tuple[Media, ...]:
        """Files are read now (a missing file fails before anything is written) and kept as bytes."""
        kept: list[Media] = []
        for item in media:
            if item.url is not None:
                kept.append(item)
                continue
            data = item.read_bytes()
            if len(data) > MAX_MEDIA_BYTES:
                raise ContentRejected(
                    f"attachment of {len(data)} bytes is over the sandbox's limit of {MAX_MEDIA_BYTES}",
                    network=NETWORK,
                )
            mime = item.mime_type
            if mime is None and item.path is not None:
                mime = mimetypes.guess_type(item.path.name)[0]
            kept.append(item.model_copy(update={"path": None, "data": data, "mime_type": mime}))
        return tuple(kept)

    def _publish(self, d: Draft, reply_to: str | None) -> Post:
        media = self._media(d.media)
        tags = normalise_tags((*hashtags(d.text), *d.tags))
        mentioned = tuple(
            dict.fromkeys(m.lstrip("@").lower() for m in (*mentions(d.text), *d.mentions) if m.strip("@"))
        )
        extra: dict[str, Any] = {}
        if d.poll is not None:
            extra["poll"] = d.poll.model_dump(mode="json")
        if d.link is not None:
            extra["link"] = d.link.model_dump(mode="json", exclude={"thumbnail"})
        if d.beneficiaries:
            extra["beneficiaries"] = [b.model_dump(mode="json") for b in d.beneficiaries]
        if d.sensitive:
            extra["sensitive"] = True
        store = self._ready()
        with store.write() as db:
            now = store.now_us(db)
            key = d.idempotency_key if Capability.IDEMPOTENT_PUBLISH in self.capabilities else None
            if key is not None:
                seen = db.execute(
                    "SELECT post_seq FROM idempotency WHERE account = ? AND key = ?",
                    (self.handle, key),
                ).fetchone()
                if seen is not None:
                    return self._post_by_seq(db, seen["post_seq"], now)
            created = now
            if d.scheduled_at is not None:
                created = to_us(d.scheduled_at)
                if created <= now:
                    raise InvalidInput(
                        f"scheduled_at must be after the sandbox's current time {from_us(now).isoformat()}",
                        network=NETWORK,
                    )
                extra["scheduled"] = True
            root_id: str | None = None
            community = d.community
            parent_author: str | None = None
            if reply_to is not None:
                parent = self._visible_row(db, reply_to, now)
                root_id = parent["root_id"] or parent["id"]
                parent_author = parent["author"]
                community = community or parent["community"]
            quoted_author: str | None = None
            if d.quote_of is not None:
                quoted_author = self._visible_row(db, d.quote_of, now)["author"]
            if (
                community is not None
                and not db.execute("SELECT 1 FROM communities WHERE id = ?", (community,)).fetchone()
            ):
                raise NotFound(f"no community {community!r} in this sandbox", network=NETWORK)
            post_id = secrets.token_hex(8)
            seq = db.execute(
                """INSERT INTO posts (id, author, text, folded, title, created_at, reply_to, root_id,
                    quote_of, community, tags, mentions, links, media, language, content_warning,
                    visibility, extra)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    post_id,
                    self.handle,
                    d.text,
                    d.text.casefold(),
                    d.title,
                    created,
                    reply_to,
                    root_id,
                    d.quote_of,
                    community,
                    json.dumps(tags),
                    json.dumps(mentioned),
                    json.dumps(links(d.text)),
                    media_to_json(media),
                    d.language,
                    d.content_warning,
                    d.visibility or "public",
                    json.dumps(extra),
                ),
            ).lastrowid
            assert seq is not None
            db.executemany("INSERT INTO post_tags (tag, post_seq) VALUES (?, ?)", [(t, seq) for t in tags])
            if key is not None:
                db.execute(
                    "INSERT INTO idempotency (account, key, post_seq) VALUES (?, ?, ?)",
                    (self.handle, key, seq),
                )
            told: set[str] = {self.handle}
            if parent_author is not None and parent_author not in told:
                self._notify(db, parent_author, "reply", created, post_seq=seq)
                told.add(parent_author)
            if quoted_author is not None and quoted_author not in told:
                self._notify(db, quoted_author, "quote", created, post_seq=seq)
                told.add(quoted_author)
            for handle in mentioned:
                if (
                    handle not in told
                    and db.execute("SELECT 1 FROM accounts WHERE handle = ?", (handle,)).fetchone()
                ):
                    self._notify(db, handle, "mention", created, post_seq=seq)
                    told.add(handle)
            return self._post_by_seq(db, seq, now, allow_scheduled=True)

    def delete(self, post: PostRef) -> None:
        """Delete one of this account's posts; its pending rewards are cancelled."""
        self.require(Capability.DELETE)
        pid = self.post_id(post)
        store = self._ready()
        with store.write() as db:
            now = store.now_us(db)
            row = self._row(db, pid, now, allow_scheduled=True)
            if row["author"] != self.handle:
                raise PermissionDenied(f"{self.handle} cannot delete {row['author']}'s post", network=NETWORK)
            db.execute("UPDATE posts SET deleted_at = ? WHERE seq = ?", (now, row["seq"]))
            pending = [
                r["seq"]
                for r in db.execute(
                    "SELECT seq FROM accruals WHERE post_seq = ? AND claimable_at > ?", (row["seq"], now)
                )
            ]
            for accrual in pending:
                self._cancel_accrual(db, accrual)

    # ---------------------------------------------------------------- reading

    def get_post(self, id: str) -> Post:
        self.require(Capability.READ)
        pid = self.post_id(id)
        store = self._ready()
        with store.read() as db:
            now = store.now_us(db)
            row = self._row(db, pid, now, allow_scheduled=True)
            return post_from_row(row)

    def posts(self, account: AccountRef | None = None, *, limit: int | None = 20) -> Iterator[Post]:
        self.require(Capability.POSTS)
        handle = self._handle_of(account)

        def check(db: sqlite3.Connection) -> None:
            self._require_account(db, handle)

        return self._post_pages("p.author = :who", {"who": handle}, limit, check)

    def search(self, query: str, *, limit: int | None = 20) -> Iterator[Post]:
        """Every word must appear (case-insensitive); ``#tag`` words match hashtags."""
        self.require(Capability.SEARCH)
        if not isinstance(query, str) or not query.strip():
            raise InvalidInput("search needs a non-empty query", network=NETWORK)
        clauses: list[str] = []
        params: dict[str, Any] = {}
        for i, word in enumerate(query.split()):
            if word.startswith(("#", "＃")):
                self.require(Capability.TAG_SEARCH)
                tag = normalise_tags([word.lstrip("#＃")])
                if not tag:
                    raise InvalidInput(f"{word!r} is not a hashtag", network=NETWORK)
                clauses.append(
                    f"EXISTS (SELECT 1 FROM post_tags t WHERE t.post_seq = p.seq AND t.tag = :w{i})"  # noqa: S608
                )
                params[f"w{i}"] = tag[0]
            else:
                clauses.append(f"instr(p.folded, :w{i}) > 0")
                params[f"w{i}"] = word.casefold()
        return self._post_pages(" AND ".join(clauses), params, limit)

    def community_posts(self, community: CommunityRef, *, limit: int | None = 20) -> Iterator[Post]:
        """Top-level posts published into the community, newest first."""
        self.require(Capability.COMMUNITY_POSTS)
        cid = self.community_id(community)

        def check(db: sqlite3.Connection) -> None:
            self._community_row(db, cid)

        return self._post_pages("p.community = :cid AND p.reply_to IS NULL", {"cid": cid}, limit, check)

    def timeline(self, *, limit: int | None = 20) -> Iterator[Post]:
        """Posts and reposts by this account and the accounts it follows, newest first."""
        self.require(Capability.TIMELINE)
        check_limit(limit)

        def fetch(cursor: FeedCursor | None, size: int) -> Page[Post, FeedCursor]:
            store = self._ready()
            with store.read() as db:
                now = store.now_us(db)
                after = "AND (f.at, f.kind, f.ord) < (:c_at, :c_kind, :c_ord)" if cursor else ""
                sql = f"""
                    WITH people AS (
                        SELECT :me AS handle UNION SELECT followee FROM follows WHERE follower = :me
                    ), feed AS (
                        SELECT p.seq AS post_seq, p.created_at AS at, 0 AS kind, p.seq AS ord,
                                NULL AS reposter
                            FROM posts p WHERE p.author IN (SELECT handle FROM people)
                        UNION ALL
                        SELECT r.post_seq, r.created_at, 1, r.seq, r.account
                            FROM reposts r WHERE r.account IN (SELECT handle FROM people)
                    )
                    SELECT f.at AS f_at, f.kind AS f_kind, f.ord AS f_ord, f.reposter AS f_reposter,
                        ra.display_name AS f_reposter_name, x.*
                    FROM feed f
                    JOIN ({POST_SELECT}) x ON x.seq = f.post_seq
                    LEFT JOIN accounts ra ON ra.handle = f.reposter
                    WHERE x.deleted_at IS NULL AND x.created_at <= :now AND f.at <= :now {after}
                    ORDER BY f.at DESC, f.kind DESC, f.ord DESC
                    LIMIT :n
                """  # noqa: S608 - constant fragments; values are bound parameters
                c_at, c_kind, c_ord = cursor if cursor else (0, 0, 0)
                rows = db.execute(
                    sql,
                    {
                        "me": self.handle,
                        "now": now,
                        "n": size,
                        "c_at": c_at,
                        "c_kind": c_kind,
                        "c_ord": c_ord,
                    },
                ).fetchall()
            items = [
                post_from_row(r, author(r["f_reposter"], r["f_reposter_name"]) if r["f_reposter"] else None)
                for r in rows
            ]
            last = rows[-1] if len(rows) == size else None
            return Page(items, (last["f_at"], last["f_kind"], last["f_ord"]) if last is not None else None)

        return paginate(fetch, limit=limit, page_size=self.page_size)

    def thread(self, post: PostRef) -> list[Post]:
        """The post, then its replies depth-first, each level in the order the replies were made."""
        self.require(Capability.THREAD)
        pid = self.post_id(post)
        store = self._ready()
        with store.read() as db:
            now = store.now_us(db)
            start = self._visible_row(db, pid, now)
            root = start["root_id"] or start["id"]
            rows = db.execute(
                POST_SELECT + " WHERE (p.id = :root OR p.root_id = :root) AND p.created_at <= :now"
                " ORDER BY p.created_at, p.seq",
                {"root": root, "now": now},
            ).fetchall()
        children: dict[str, list[sqlite3.Row]] = {}
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

    def stream(self, *, kind: str = "public", tag: str | None = None) -> Iterator[Post]:
        """Posts published after this call, oldest first, polling every ``stream_interval`` seconds.

        ``kind="public"`` is every post; ``"home"`` only this account's and the
        accounts it follows. ``tag`` keeps posts with that hashtag. Never ends
        on its own: stop iterating when done.
        """
        self.require(Capability.STREAM)
        if kind not in ("public", "home"):
            raise InvalidInput(f"stream kind must be 'public' or 'home', got {kind!r}", network=NETWORK)
        wanted = normalise_tags([tag]) if tag is not None else ()
        if tag is not None and not wanted:
            raise InvalidInput(f"{tag!r} is not a hashtag", network=NETWORK)
        store = self._ready()
        with store.read() as db:
            last = db.execute("SELECT COALESCE(MAX(seq), 0) AS m FROM posts").fetchone()["m"]
        return self._stream(int(last), kind, wanted[0] if wanted else None)

    def _stream(self, last: int, kind: str, tag: str | None) -> Iterator[Post]:
        clauses = [VISIBLE, "p.seq > :last"]
        if kind == "home":
            clauses.append(
                "(p.author = :me OR p.author IN (SELECT followee FROM follows WHERE follower = :me))"
            )
        if tag is not None:
            clauses.append("EXISTS (SELECT 1 FROM post_tags t WHERE t.post_seq = p.seq AND t.tag = :tag)")
        sql = POST_SELECT + " WHERE " + " AND ".join(clauses) + " ORDER BY p.seq LIMIT 100"
        while True:
            store = self._ready()
            with store.read() as db:
                rows = db.execute(
                    sql, {"now": store.now_us(db), "last": last, "me": self.handle, "tag": tag}
                ).fetchall()
            for row in rows:
                last = max(last, row["seq"])
                yield post_from_row(row)
            if not rows:
                time.sleep(self.config.stream_interval)

    # ---------------------------------------------------------------- engagement

    def like(self, post: PostRef) -> None:
        """A full vote (weight 100): accrues ``like_reward`` for the author (see the module docstring)."""
        self.require(Capability.LIKE)
        self._cast(post, 100)

    def unlike(self, post: PostRef) -> None:
        self.require(Capability.LIKE)
        self._cast(post, 0)

    def vote(self, post: PostRef, weight: float) -> None:
        """Vote with ``weight`` percent (-100…100, as on Hive); 0 removes the vote."""
        self.require(Capability.VOTE)
        self._cast(post, weight)

    def _cast(self, post: PostRef, weight: float) -> None:
        if isinstance(weight, bool) or not isinstance(weight, (int, float, Decimal)):
            raise InvalidInput(
                f"vote weight must be a number from -100 to 100, got {weight!r}", network=NETWORK
            )
        if not math.isfinite(weight) or not -100 <= weight <= 100:
            raise InvalidInput(
                f"vote weight must be from -100 to 100 (percent), got {weight}", network=NETWORK
            )
        pid = self.post_id(post)
        store = self._ready()
        with store.write() as db:
            now = store.now_us(db)
            row = self._visible_row(db, pid, now)
            self._vote(db, row, Decimal(str(weight)), now)

    def _vote(self, db: sqlite3.Connection, post: sqlite3.Row, weight: Decimal, now: int) -> None:
        seq, owner = post["seq"], post["author"]
        before = db.execute(
            "SELECT weight FROM votes WHERE post_seq = ? AND voter = ?", (seq, self.handle)
        ).fetchone()
        liked_before = before is not None and before["weight"] > 0
        if weight == 0:
            db.execute("DELETE FROM votes WHERE post_seq = ? AND voter = ?", (seq, self.handle))
        else:
            db.execute(
                """INSERT INTO votes (post_seq, voter, weight, created_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (post_seq, voter) DO UPDATE SET weight = excluded.weight""",
                (seq, self.handle, float(weight), now),
            )
        if owner == self.handle:
            return  # liking your own post counts as a like, and earns nothing
        if weight > 0 and not liked_before:
            self._notify(db, owner, "like", now, post_seq=seq)
        if weight <= 0 and liked_before:
            db.execute(
                "DELETE FROM notifications WHERE recipient = ? AND kind = 'like' AND actor = ?"
                " AND post_seq = ?",
                (owner, self.handle, seq),
            )
        accrual = db.execute(
            "SELECT seq, claimable_at FROM accruals WHERE post_seq = ? AND voter = ?", (seq, self.handle)
        ).fetchone()
        pending = accrual is not None and accrual["claimable_at"] > now
        economy = self._store.economy
        units = int((Decimal(economy.like_units) * weight / 100).to_integral_value(ROUND_DOWN))
        if weight > 0 and accrual is None and units > 0:
            claimable_at = now + economy.payout_delay_us
            accrual_seq = db.execute(
                """INSERT INTO accruals (post_seq, author, voter, units, earned_at, claimable_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (seq, owner, self.handle, units, now, claimable_at),
            ).lastrowid
            self._notify(
                db, owner, "reward", claimable_at, post_seq=seq, units=units, accrual_seq=accrual_seq
            )
        elif weight > 0 and accrual is not None and pending:
            db.execute("UPDATE accruals SET units = ? WHERE seq = ?", (units, accrual["seq"]))
            db.execute("UPDATE notifications SET units = ? WHERE accrual_seq = ?", (units, accrual["seq"]))
        elif weight <= 0 and accrual is not None and pending:
            self._cancel_accrual(db, accrual["seq"])

    @staticmethod
    def _cancel_accrual(db: sqlite3.Connection, accrual_seq: int) -> None:
        db.execute("DELETE FROM accruals WHERE seq = ?", (accrual_seq,))
        db.execute("DELETE FROM notifications WHERE accrual_seq = ?", (accrual_seq,))

    def repost(self, post: PostRef) -> Post:
        """Repost (boost) a post; reposting twice keeps one repost. Returns the post as reposted."""
        self.require(Capability.REPOST)
        pid = self.post_id(post)
        store = self._ready()
        with store.write() as db:
            now = store.now_us(db)
            row = self._visible_row(db, pid, now)
            added = db.execute(
                "INSERT OR IGNORE INTO reposts (post_seq, account, created_at) VALUES (?, ?, ?)",
                (row["seq"], self.handle, now),
            ).rowcount
            if added and row["author"] != self.handle:
                self._notify(db, row["author"], "repost", now, post_seq=row["seq"])
            me = db.execute("SELECT display_name FROM accounts WHERE handle = ?", (self.handle,)).fetchone()
            return post_from_row(self._row(db, pid, now), author(self.handle, me["display_name"]))

    # ---------------------------------------------------------------- notifications

    def notifications(self, *, limit: int | None = 20) -> Iterator[Notification]:
        """Replies, mentions, quotes, likes, reposts, follows, tips (kind ``"zap"``) and matured rewards."""
        self.require(Capability.NOTIFICATIONS)
        check_limit(limit)

        def fetch(cursor: PostCursor | None, size: int) -> Page[Notification, PostCursor]:
            store = self._ready()
            with store.read() as db:
                now = store.now_us(db)
                after = "AND (n.created_at, n.seq) < (:c_at, :c_seq)" if cursor else ""
                rows = db.execute(
                    f"""SELECT n.*, a.display_name AS actor_name FROM notifications n
                        LEFT JOIN posts p ON p.seq = n.post_seq
                        LEFT JOIN accounts a ON a.handle = n.actor
                        WHERE n.recipient = :me AND n.created_at <= :now
                          AND (n.post_seq IS NULL OR p.deleted_at IS NULL) {after}
                        ORDER BY n.created_at DESC, n.seq DESC LIMIT :n""",  # noqa: S608 - constant fragment
                    {
                        "me": self.handle,
                        "now": now,
                        "n": size,
                        "c_at": cursor[0] if cursor else 0,
                        "c_seq": cursor[1] if cursor else 0,
                    },
                ).fetchall()
                items = [self._notification(db, r, now) for r in rows]
            last = rows[-1] if len(rows) == size else None
            return Page(items, (last["created_at"], last["seq"]) if last is not None else None)

        return paginate(fetch, limit=limit, page_size=self.page_size)

    def _notification(self, db: sqlite3.Connection, row: sqlite3.Row, now: int) -> Notification:
        post = self._post_by_seq(db, row["post_seq"], now, allow_scheduled=True) if row["post_seq"] else None
        units = row["units"]
        return Notification(
            network=NETWORK,
            id=f"n{row['seq']}",
            kind=row["kind"],
            created_at=from_us(row["created_at"]),
            account=author(row["actor"], row["actor_name"]) if row["actor"] else None,
            post=post,
            amount=self._economy_amount(units) if units is not None else None,
            raw={"seq": row["seq"], "kind": row["kind"], "actor": row["actor"], "units": units},
        )

    def _notify(
        self,
        db: sqlite3.Connection,
        recipient: str,
        kind: str,
        at: int,
        *,
        post_seq: int | None = None,
        units: int | None = None,
        accrual_seq: int | None = None,
    ) -> None:
        db.execute(
            """INSERT INTO notifications (recipient, kind, actor, post_seq, units, accrual_seq, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (recipient, kind, self.handle, post_seq, units, accrual_seq, at),
        )

    # ---------------------------------------------------------------- communities

    def communities(self, query: str | None = None, *, limit: int | None = 20) -> Iterator[Community]:
        """Communities whose id, title or description contains ``query`` (all when ``None``), by id."""
        self.require(Capability.COMMUNITIES)
        check_limit(limit)
        needle = None if query is None else query.strip().casefold()

        def fetch(cursor: str | None, size: int) -> Page[Community, str]:
            store = self._ready()
            with store.read() as db:
                rows = db.execute(
                    COMMUNITY_SELECT
                    + """ WHERE (:q IS NULL OR instr(lower(c.id || ' ' || COALESCE(c.title, '') || ' '
                              || COALESCE(c.description, '')), :q) > 0)
                          AND c.id > :after ORDER BY c.id LIMIT :n""",
                    {"me": self.handle, "q": needle, "after": cursor or "", "n": size},
                ).fetchall()
            items = [community_from_row(r) for r in rows]
            return Page(items, rows[-1]["id"] if len(rows) == size else None)

        return paginate(fetch, limit=limit, page_size=self.page_size)

    def community(self, id: str) -> Community:
        self.require(Capability.COMMUNITIES)
        cid = self.community_id(id)
        store = self._ready()
        with store.read() as db:
            return self._community_row(db, cid)

    def join(self, community: CommunityRef) -> None:
        self.require(Capability.JOIN)
        cid = self.community_id(community)
        store = self._ready()
        with store.write() as db:
            self._community_row(db, cid)
            db.execute(
                "INSERT OR IGNORE INTO memberships (community, account, created_at) VALUES (?, ?, ?)",
                (cid, self.handle, store.now_us(db)),
            )

    def leave(self, community: CommunityRef) -> None:
        self.require(Capability.JOIN)
        cid = self.community_id(community)
        store = self._ready()
        with store.write() as db:
            self._community_row(db, cid)
            db.execute("DELETE FROM memberships WHERE community = ? AND account = ?", (cid, self.handle))

    # ---------------------------------------------------------------- rewards

    def rewards(self, post: PostRef) -> Reward:
        """What a post earned: like accruals (pending, claimable or paid) plus tips sent to it.

        ``status`` is "pending" while any accrual is pending, else "claimable"
        while any is unclaimed, else "paid" if it earned anything, else "none".
        ``payout_at`` is when the last pending accrual becomes claimable.
        """
        self.require(Capability.REWARDS)
        pid = self.post_id(post)
        store = self._ready()
        with store.read() as db:
            now = store.now_us(db)
            row = self._visible_row(db, pid, now)
            accruals = db.execute(
                "SELECT units, claimable_at, claimed_at FROM accruals WHERE post_seq = ?", (row["seq"],)
            ).fetchall()
            tips = db.execute(
                "SELECT sender, SUM(units) AS units FROM transfers WHERE post_seq = ?"
                " GROUP BY sender ORDER BY sender",
                (row["seq"],),
            ).fetchall()
        pending = sum(a["units"] for a in accruals if a["claimable_at"] > now)
        claimable = sum(a["units"] for a in accruals if a["claimable_at"] <= now and a["claimed_at"] is None)
        paid = sum(a["units"] for a in accruals if a["claimed_at"] is not None)
        tipped = sum(t["units"] for t in tips)
        earned = pending + claimable + paid
        status = "pending" if pending else "claimable" if claimable else "paid" if earned + tipped else "none"
        pending_times = [a["claimable_at"] for a in accruals if a["claimable_at"] > now]
        all_times = [a["claimable_at"] for a in accruals]
        payout = max(pending_times) if pending_times else max(all_times) if all_times else None
        parts: list[RewardPart] = []
        if earned:
            parts.append(
                RewardPart(role="author", account=row["author"], amounts=(self._economy_amount(earned),))
            )
        parts += [
            RewardPart(role="tipper", account=t["sender"], amounts=(self._economy_amount(t["units"]),))
            for t in tips
        ]
        total = earned + tipped
        return Reward(
            network=NETWORK,
            subject=row["id"],
            status=status,
            amounts=(self._economy_amount(total),) if total else (),
            payout_at=from_us(payout) if payout is not None else None,
            parts=tuple(parts),
            raw={
                "pending": str(self._economy_amount(pending)),
                "claimable": str(self._economy_amount(claimable)),
                "paid": str(self._economy_amount(paid)),
                "tips": str(self._economy_amount(tipped)),
            },
        )

    def pending_rewards(self, account: AccountRef | None = None) -> Reward:
        """What an account can claim now (``amounts``); ``status`` "claimable", or "pending" when
        rewards are still maturing (``payout_at`` = the next one), or "none"."""
        self.require(Capability.REWARDS)
        handle = self._handle_of(account)
        store = self._ready()
        with store.read() as db:
            now = store.now_us(db)
            self._require_account(db, handle)
            row = db.execute(
                """SELECT
                    COALESCE(SUM(CASE WHEN claimable_at <= :now AND claimed_at IS NULL
                        THEN units END), 0) AS ready,
                    COALESCE(SUM(CASE WHEN claimable_at > :now THEN units END), 0) AS waiting,
                    MIN(CASE WHEN claimable_at > :now THEN claimable_at END) AS next_at
                   FROM accruals WHERE author = :who""",
                {"now": now, "who": handle},
            ).fetchone()
            balance = self._balance_units(db, handle)
        ready, waiting = int(row["ready"]), int(row["waiting"])
        status = "claimable" if ready else "pending" if waiting else "none"
        return Reward(
            network=NETWORK,
            subject=handle,
            status=status,
            amounts=(self._economy_amount(ready),),
            payout_at=from_us(row["next_at"]) if row["next_at"] is not None else None,
            parts=(RewardPart(role="author", account=handle, amounts=(self._economy_amount(ready),)),),
            raw={
                "claimable": str(self._economy_amount(ready)),
                "pending": str(self._economy_amount(waiting)),
                "balance": str(self._economy_amount(balance)),
            },
        )

    def claim_rewards(self) -> Reward:
        """Move every claimable reward into the balance; returns what was claimed ("paid" or "none")."""
        self.require(Capability.CLAIM)
        store = self._ready()
        with store.write() as db:
            now = store.now_us(db)
            units = int(
                db.execute(
                    """SELECT COALESCE(SUM(units), 0) AS u FROM accruals
                       WHERE author = ? AND claimable_at <= ? AND claimed_at IS NULL""",
                    (self.handle, now),
                ).fetchone()["u"]
            )
            db.execute(
                "UPDATE accruals SET claimed_at = ?"
                " WHERE author = ? AND claimable_at <= ? AND claimed_at IS NULL",
                (now, self.handle, now),
            )
            db.execute("UPDATE accounts SET balance = balance + ? WHERE handle = ?", (units, self.handle))
            balance = self._balance_units(db, self.handle)
        claimed = self._economy_amount(units)
        return Reward(
            network=NETWORK,
            subject=self.handle,
            status="paid" if units else "none",
            amounts=(claimed,) if units else (),
            payout_at=from_us(now),
            parts=(RewardPart(role="claim", account=self.handle, amounts=(claimed,)),) if units else (),
            raw={"claimed": str(claimed), "balance": str(self._economy_amount(balance))},
        )

    def tip(self, to: AccountRef | PostRef, amount: Amount | str, memo: str = "") -> str:
        """Move ``amount`` from this account's balance to an account (or a post's author).

        A string ``to`` is a handle if such an account exists, else a post id.
        Returns the receipt id. More than the balance -> ``ContentRejected``.
        """
        self.require(Capability.TIP)
        value = Amount.parse(amount)
        if value.value <= 0:
            raise InvalidInput(f"a tip must be more than zero, got {value}", network=NETWORK)
        exponent = value.value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -AMOUNT_PLACES:
            raise InvalidInput(
                f"sandbox amounts have at most {AMOUNT_PLACES} decimal places, got {value}", network=NETWORK
            )
        if not isinstance(memo, str) or len(memo) > MAX_MEMO:
            raise InvalidInput(f"memo must be a string of at most {MAX_MEMO} characters", network=NETWORK)
        if not isinstance(to, (Post, Account, str)):
            raise InvalidInput(
                f"tip needs an account, a handle, a post or a post id, got {to!r}", network=NETWORK
            )
        store = self._ready()
        economy = store.economy
        if value.asset != economy.asset:
            raise InvalidInput(f"this sandbox pays in {economy.asset}, not {value.asset}", network=NETWORK)
        units = economy.units(value.value)
        with store.write() as db:
            now = store.now_us(db)
            recipient, post_seq = self._tip_target(db, to, now)
            if recipient == self.handle:
                raise InvalidInput("an account cannot tip itself", network=NETWORK)
            balance = self._balance_units(db, self.handle)
            if units > balance:
                raise ContentRejected(
                    f"tip of {value} is more than {self.handle}'s balance of {economy.amount(balance)}",
                    network=NETWORK,
                )
            receipt = f"tip-{secrets.token_hex(8)}"
            db.execute("UPDATE accounts SET balance = balance - ? WHERE handle = ?", (units, self.handle))
            db.execute("UPDATE accounts SET balance = balance + ? WHERE handle = ?", (units, recipient))
            db.execute(
                """INSERT INTO transfers (id, sender, recipient, units, memo, post_seq, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (receipt, self.handle, recipient, units, memo, post_seq, now),
            )
            self._notify(db, recipient, "zap", now, post_seq=post_seq, units=units)
            return receipt

    def _tip_target(
        self, db: sqlite3.Connection, to: AccountRef | PostRef, now: int
    ) -> tuple[str, int | None]:
        if isinstance(to, Post):
            row = self._visible_row(db, to.id, now)
            return row["author"], row["seq"]
        if isinstance(to, Account):
            handle = normalise_handle(to.handle)
            self._require_account(db, handle)
            return handle, None
        text = to.strip()
        try:
            handle = normalise_handle(text)
        except InvalidInput:
            handle = ""
        if handle and db.execute("SELECT 1 FROM accounts WHERE handle = ?", (handle,)).fetchone():
            return handle, None
        row = db.execute(
            f"SELECT * FROM posts p WHERE p.id = :id AND {VISIBLE}",  # noqa: S608 - constant fragment
            {"id": text, "now": now},
        ).fetchone()
        if row is None:
            raise NotFound(f"no account or post {text!r} in this sandbox", network=NETWORK)
        return row["author"], row["seq"]

    # ---------------------------------------------------------------- helpers

    @staticmethod
    def _seconds(seconds: float) -> timedelta:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
            raise InvalidInput(f"seconds must be a finite number, got {seconds!r}", network=NETWORK)
        return timedelta(seconds=seconds)

    def _economy_amount(self, units: int) -> Amount:
        return self._store.economy.amount(units)

    def _handle_of(self, account: AccountRef | None) -> str:
        if account is None:
            return self.handle
        return normalise_handle(self.account_ref(account))

    @staticmethod
    def _require_account(db: sqlite3.Connection, handle: str) -> None:
        if db.execute("SELECT 1 FROM accounts WHERE handle = ?", (handle,)).fetchone() is None:
            raise NotFound(f"no account {handle!r} in this sandbox", network=NETWORK)

    @staticmethod
    def _balance_units(db: sqlite3.Connection, handle: str) -> int:
        row = db.execute("SELECT balance FROM accounts WHERE handle = ?", (handle,)).fetchone()
        if row is None:
            raise NotFound(f"no account {handle!r} in this sandbox", network=NETWORK)
        return int(row["balance"])

    def _account_row(self, db: sqlite3.Connection, handle: str) -> Account:
        row = db.execute(
            ACCOUNT_SELECT + " WHERE a.handle = :h", {"h": handle, "now": self._store.now_us(db)}
        ).fetchone()
        if row is None:
            raise NotFound(f"no account {handle!r} in this sandbox", network=NETWORK)
        return account_from_row(row, str(self._economy_amount(row["balance"])))

    def _community_row(self, db: sqlite3.Connection, cid: str) -> Community:
        row = db.execute(COMMUNITY_SELECT + " WHERE c.id = :id", {"id": cid, "me": self.handle}).fetchone()
        if row is None:
            raise NotFound(f"no community {cid!r} in this sandbox", network=NETWORK)
        return community_from_row(row)

    def _row(
        self, db: sqlite3.Connection, post_id: str, now: int, *, allow_scheduled: bool = False
    ) -> sqlite3.Row:
        """A post that is not deleted; a scheduled one only for its author (``allow_scheduled``)."""
        row = db.execute(POST_SELECT + " WHERE p.id = :id", {"id": post_id, "now": now}).fetchone()
        if row is None or row["deleted_at"] is not None:
            raise NotFound(f"no post {post_id!r} in this sandbox", network=NETWORK)
        if row["created_at"] > now and not (allow_scheduled and row["author"] == self.handle):
            raise NotFound(f"no post {post_id!r} in this sandbox (yet)", network=NETWORK)
        found: sqlite3.Row = row
        return found

    def _visible_row(self, db: sqlite3.Connection, post_id: str, now: int) -> sqlite3.Row:
        return self._row(db, post_id, now)

    def _post_by_seq(
        self, db: sqlite3.Connection, seq: int, now: int, *, allow_scheduled: bool = False
    ) -> Post:
        row = db.execute(POST_SELECT + " WHERE p.seq = :seq", {"seq": seq, "now": now}).fetchone()
        if row is None or row["deleted_at"] is not None:
            raise NotFound("the post was deleted from this sandbox", network=NETWORK)
        if row["created_at"] > now and not allow_scheduled:
            raise NotFound("the post is scheduled for later", network=NETWORK)
        return post_from_row(row)

    def _post_pages(
        self,
        where: str,
        params: dict[str, Any],
        limit: int | None,
        check: Any = None,
    ) -> Iterator[Post]:
        """Visible posts matching ``where``, newest first, paged by (created_at, seq)."""

        def fetch(cursor: PostCursor | None, size: int) -> Page[Post, PostCursor]:
            store = self._ready()
            with store.read() as db:
                if check is not None and cursor is None:
                    check(db)
                after = "AND (p.created_at, p.seq) < (:c_at, :c_seq)" if cursor else ""
                rows = db.execute(
                    f"{POST_SELECT} WHERE {VISIBLE} AND ({where}) {after}"
                    " ORDER BY p.created_at DESC, p.seq DESC LIMIT :n",
                    {
                        **params,
                        "now": store.now_us(db),
                        "n": size,
                        "c_at": cursor[0] if cursor else 0,
                        "c_seq": cursor[1] if cursor else 0,
                    },
                ).fetchall()
            items = [post_from_row(r) for r in rows]
            last = rows[-1] if len(rows) == size else None
            return Page(items, (last["created_at"], last["seq"]) if last is not None else None)

        return paginate(fetch, limit=limit, page_size=self.page_size)
