"""The sandbox's SQL for accounts, posts, feeds, notifications and communities.

The sandbox plays the server, so the rules a server applies live here, in
the statements of one transaction: who is notified of a reply, what a
scheduled post hides, how feeds page. Every function takes the open
:class:`~.transport.Tx` and the sandbox time ``now`` of that transaction,
and returns rows for ``convert``; the economy's statements are in
``ledger``. Every SQL fragment is a constant: values always travel as bound
parameters, never inside the SQL text.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from ...errors import ContentRejected, InvalidInput, NotFound
from ...models import Draft, Media
from .convert import Record, fold, from_us, media_to_json
from .settings import NETWORK
from .transport import Tx

__all__ = [
    "ACCOUNT_SELECT",
    "COMMUNITY_SELECT",
    "POST_SELECT",
    "VISIBLE",
    "NewPost",
    "account_row",
    "check_post_id",
    "community_row",
    "is_post_id",
    "keyed_post",
    "notify",
    "post_by_seq",
    "post_row",
    "publish",
    "require_account",
    "stream_rows",
    "stream_start",
    "unrepost",
]

#: A post with its author's display name and its engagement counts; needs ``:now``.
POST_SELECT = """
SELECT p.*, a.display_name AS author_name,
    (SELECT COUNT(*) FROM votes v WHERE v.post_seq = p.seq AND v.weight > 0) AS n_likes,
    (SELECT COUNT(*) FROM reposts r WHERE r.post_seq = p.seq) AS n_reposts,
    (SELECT COUNT(*) FROM posts c
        WHERE c.reply_to = p.id AND c.deleted_at IS NULL AND c.created_at <= :now) AS n_replies,
    (SELECT COUNT(*) FROM posts q
        WHERE q.quote_of = p.id AND q.deleted_at IS NULL AND q.created_at <= :now) AS n_quotes
FROM posts p JOIN accounts a ON a.handle = p.author
"""

#: Not deleted, and not a scheduled post whose time has not come.
VISIBLE = "p.deleted_at IS NULL AND p.created_at <= :now"

#: Keyset paging, newest first: posts before the cursor ``(:c_at, :c_seq)`` and not after ``:now``.
#: ``:top`` is ``min(:now, :c_at)``: one upper bound on ``created_at``, so SQLite walks an index
#: ``(…, created_at, seq)`` from the cursor down as a range and stops after ``LIMIT`` rows; the
#: second clause only sorts out the rows that share the cursor's time. (A row value
#: ``(created_at, seq) < (…)`` is not used as a range, so every page re-read the rows above it.)
BEFORE = "p.created_at <= :top AND (p.created_at < :c_at OR p.seq < :c_seq)"

#: An account with its counts; needs ``:now``.
ACCOUNT_SELECT = """
SELECT a.*,
    (SELECT COUNT(*) FROM follows f WHERE f.followee = a.handle) AS n_followers,
    (SELECT COUNT(*) FROM follows f WHERE f.follower = a.handle) AS n_following,
    (SELECT COUNT(*) FROM posts p
        WHERE p.author = a.handle AND p.deleted_at IS NULL AND p.created_at <= :now) AS n_posts
FROM accounts a
"""

#: A community with its member count and whether ``:me`` is a member.
COMMUNITY_SELECT = """
SELECT c.*,
    (SELECT COUNT(*) FROM memberships m WHERE m.community = c.id) AS n_members,
    EXISTS (SELECT 1 FROM memberships m WHERE m.community = c.id AND m.account = :me) AS joined
FROM communities c
"""

#: A row number past every row: a cursor "before" it includes every row of its time.
_ALL_ROWS = 2**62

#: A page of posts from ``POST_SELECT``: cursor ``(created_at, seq)`` of the last post seen.
PostCursor = tuple[int, int]
#: A page of a timeline: ``(time, kind, order)`` of the last entry seen (kind 1 is a repost).
FeedCursor = tuple[int, int, int]

# ---------------------------------------------------------------- accounts


def account_exists(tx: Tx, handle: str) -> bool:
    """Whether ``handle`` has an account in this sandbox."""
    return tx.one("SELECT 1 FROM accounts WHERE handle = ?", (handle,)) is not None


def require_account(tx: Tx, handle: str) -> None:
    """``NotFound`` unless ``handle`` has an account."""
    if not account_exists(tx, handle):
        raise NotFound(f"no account {handle!r} in this sandbox", network=NETWORK)


def account_row(tx: Tx, handle: str, now: int) -> Record:
    """``handle``'s row of ``ACCOUNT_SELECT``; ``NotFound`` if there is none."""
    row = tx.one(ACCOUNT_SELECT + " WHERE a.handle = :h", {"h": handle, "now": now})
    if row is None:
        raise NotFound(f"no account {handle!r} in this sandbox", network=NETWORK)
    return row


def display_name(tx: Tx, handle: str) -> str | None:
    """The display name of an existing account."""
    row = tx.one("SELECT display_name FROM accounts WHERE handle = ?", (handle,))
    return None if row is None else row["display_name"]


def follow(tx: Tx, follower: str, followee: str, now: int) -> None:
    """``follower`` follows ``followee`` (who is notified the first time); following twice is one follow."""
    require_account(tx, followee)
    added = tx.run(
        "INSERT OR IGNORE INTO follows (follower, followee, created_at) VALUES (?, ?, ?)",
        (follower, followee, now),
    )
    if added:
        notify(tx, followee, "follow", follower, now)


def unfollow(tx: Tx, follower: str, followee: str) -> None:
    """Stop following; not following already is fine."""
    require_account(tx, followee)
    tx.run("DELETE FROM follows WHERE follower = ? AND followee = ?", (follower, followee))


# ---------------------------------------------------------------- posts

#: A post's id: 16 lower-case hex digits, as :func:`publish` makes them (``secrets.token_hex(8)``).
#: No post of a sandbox has another, so nothing else is looked up.
_POST_ID = re.compile(r"[0-9a-f]{16}")


def is_post_id(text: str) -> bool:
    """Whether ``text`` has the form of a sandbox post id (no I/O: not whether such a post exists)."""
    return _POST_ID.fullmatch(text) is not None


def check_post_id(post_id: str) -> str:
    """``post_id`` if it has the form of a sandbox post id; ``InvalidInput`` otherwise (no I/O)."""
    if not is_post_id(post_id):
        raise InvalidInput(
            f"{post_id[:100]!r} is not a sandbox post id (16 lower-case hex digits)", network=NETWORK
        )
    return post_id


def post_row(tx: Tx, post_id: str, now: int, *, scheduled_for: str | None = None) -> Record:
    """A post that is not deleted; one scheduled for later only for its author ``scheduled_for``."""
    row = tx.one(POST_SELECT + " WHERE p.id = :id", {"id": post_id, "now": now})
    if row is None or row["deleted_at"] is not None:
        raise NotFound(f"no post {post_id!r} in this sandbox", network=NETWORK)
    if row["created_at"] > now and row["author"] != scheduled_for:
        raise NotFound(f"no post {post_id!r} in this sandbox (yet)", network=NETWORK)
    return row


def post_by_seq(tx: Tx, seq: int, now: int, *, allow_scheduled: bool = False) -> Record:
    """A post by its row number (idempotency keys and notifications keep that)."""
    row = tx.one(POST_SELECT + " WHERE p.seq = :seq", {"seq": seq, "now": now})
    if row is None or row["deleted_at"] is not None:
        raise NotFound("the post was deleted from this sandbox", network=NETWORK)
    if row["created_at"] > now and not allow_scheduled:
        raise NotFound("the post is scheduled for later", network=NETWORK)
    return row


@dataclass(frozen=True)
class NewPost:
    """A checked draft and what the ``posts`` table keeps beside its own fields."""

    draft: Draft
    tags: tuple[str, ...]
    #: Mentioned handles, normalised; those with an account are notified.
    mentions: tuple[str, ...]
    links: tuple[str, ...]
    #: Attachments with their bytes (files already read).
    media: tuple[Media, ...]
    #: Poll, link card, beneficiaries…: kept as JSON and returned in ``Post.raw``.
    extra: dict[str, Any]
    #: ``None`` publishes now; a time is a scheduled post, refused unless it is later than now.
    scheduled_at: int | None
    #: ``None`` when the key is absent or not honoured (``unsupported=["idempotent_publish"]``).
    idempotency_key: str | None
    #: The draft's fingerprint (``idempotency.draft_digest``): one key stands for one draft.
    digest: str | None = None
    #: The fingerprints older versions kept for this draft (``idempotency.draft_digests``): a key
    #: stored with one of them is this draft's too.
    legacy: tuple[str, ...] = ()

    def content(self, visibility: str) -> tuple[Any, ...]:
        """The values of the post's content columns, in this order: text, folded, title, tags, mentions,
        links, media, language, content_warning, visibility (``visibility`` when the draft sets none).

        Publishing stores them and an edit rewrites them: one list, so neither can miss a column.
        """
        d = self.draft
        return (
            d.text,
            fold(d.text),
            d.title,
            json.dumps(self.tags),
            json.dumps(self.mentions),
            json.dumps(self.links),
            media_to_json(self.media),
            d.language,
            d.content_warning,
            d.visibility or visibility,
        )


def keyed_post(
    tx: Tx, author: str, key: str, digest: str | None, now: int, legacy: tuple[str, ...] = ()
) -> Record | None:
    """The post ``author`` stored under ``key`` (one scheduled for later too: it is their own), or ``None``.

    ``InvalidInput`` when the key was used for another draft (``digest``, or a ``legacy`` digest an
    older version stored for the same draft); keys stored before digests were kept match any.
    """
    seen = _key_row(tx, author, key)
    if seen is None:
        return None
    if seen["digest"] is not None and seen["digest"] != digest and seen["digest"] not in legacy:
        raise InvalidInput(
            "this idempotency_key was already used with different content; use a new key", network=NETWORK
        )
    return post_by_seq(tx, seen["post_seq"], now, allow_scheduled=True)


def key_used(tx: Tx, author: str, key: str) -> bool:
    """Whether ``author`` stored a post under ``key`` (``keyed_post`` gives it, checking the draft)."""
    return _key_row(tx, author, key) is not None


def _key_row(tx: Tx, author: str, key: str) -> Record | None:
    return tx.one("SELECT post_seq, digest FROM idempotency WHERE account = ? AND key = ?", (author, key))


def publish(tx: Tx, author: str, new: NewPost, now: int) -> Record:
    """Store ``new`` by ``author`` and notify its parent's and quoted author and those mentioned.

    The same ``idempotency_key`` (per author) returns the post first stored with it; the key
    used for another draft is ``InvalidInput`` (keys stored before digests were kept match any).
    """
    key = new.idempotency_key
    if key is not None:
        earlier = keyed_post(tx, author, key, new.digest, now, new.legacy)
        if earlier is not None:
            return earlier
    created, extra = now, dict(new.extra)
    if new.scheduled_at is not None:
        created = new.scheduled_at
        if created <= now:
            raise InvalidInput(
                f"scheduled_at must be after the sandbox's current time {from_us(now).isoformat()}",
                network=NETWORK,
            )
        extra["scheduled"] = True
    d = new.draft
    root_id: str | None = None
    community = d.community
    parent_author: str | None = None
    if d.reply_to is not None:
        parent = post_row(tx, d.reply_to, now)
        root_id = parent["root_id"] or parent["id"]
        parent_author = parent["author"]
        community = community or parent["community"]
    quoted_author = None if d.quote_of is None else post_row(tx, d.quote_of, now)["author"]
    if community is not None and not tx.one("SELECT 1 FROM communities WHERE id = ?", (community,)):
        raise NotFound(f"no community {community!r} in this sandbox", network=NETWORK)
    post_id = secrets.token_hex(8)
    seq = tx.insert(
        """INSERT INTO posts (id, author, created_at, reply_to, root_id, quote_of, community,
            text, folded, title, tags, mentions, links, media, language, content_warning, visibility,
            extra)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            post_id,
            author,
            created,
            d.reply_to,
            root_id,
            d.quote_of,
            community,
            *new.content("public"),
            json.dumps(extra),
        ),
    )
    tx.many("INSERT INTO post_tags (tag, post_seq) VALUES (?, ?)", [(t, seq) for t in new.tags])
    if key is not None:
        tx.run(
            "INSERT INTO idempotency (account, key, post_seq, digest) VALUES (?, ?, ?, ?)",
            (author, key, seq, new.digest),
        )
    told: set[str] = {author}
    for handle, kind in ((parent_author, "reply"), (quoted_author, "quote")):
        if handle is not None and handle not in told:
            notify(tx, handle, kind, author, created, post_seq=seq)
            told.add(handle)
    for handle in new.mentions:
        if handle not in told and account_exists(tx, handle):
            notify(tx, handle, "mention", author, created, post_seq=seq)
            told.add(handle)
    return new_post_row(tx, seq)


#: A post just stored, read back by its row number: it has no likes, reposts, replies or quotes
#: yet, so no ``COUNT`` subqueries (``POST_SELECT``'s cost on every publish).
_NEW_POST = """
SELECT p.*, a.display_name AS author_name, 0 AS n_likes, 0 AS n_reposts, 0 AS n_replies, 0 AS n_quotes
FROM posts p JOIN accounts a ON a.handle = p.author WHERE p.seq = ?
"""


def new_post_row(tx: Tx, seq: int) -> Record:
    """The row of the post stored as ``seq`` in this transaction, shaped as ``POST_SELECT``'s."""
    row = tx.one(_NEW_POST, (seq,))
    if row is None:  # pragma: no cover - inserted in this same transaction
        raise NotFound("the post just stored is gone from this sandbox", network=NETWORK)
    return row


def delete(tx: Tx, seq: int, now: int) -> None:
    """Mark a post deleted (its row stays, so notifications about it can be hidden)."""
    tx.run("UPDATE posts SET deleted_at = ? WHERE seq = ?", (now, seq))


def repost(tx: Tx, post: Record, account: str, now: int) -> None:
    """``account`` reposts ``post`` (its author is notified the first time); twice is one repost."""
    added = tx.run(
        "INSERT OR IGNORE INTO reposts (post_seq, account, created_at) VALUES (?, ?, ?)",
        (post["seq"], account, now),
    )
    if added and post["author"] != account:
        notify(tx, post["author"], "repost", account, now, post_seq=post["seq"])


def unrepost(tx: Tx, post: Record, account: str) -> None:
    """Undo ``account``'s repost of ``post`` (and its notification); one not reposted is left as it is."""
    if tx.run("DELETE FROM reposts WHERE post_seq = ? AND account = ?", (post["seq"], account)):
        tx.run(
            """DELETE FROM notifications
               WHERE recipient = ? AND kind = 'repost' AND actor = ? AND post_seq = ?""",
            (post["author"], account, post["seq"]),
        )


# ---------------------------------------------------------------- reading


def post_page(
    tx: Tx, where: str, params: dict[str, Any], now: int, cursor: PostCursor | None, size: int
) -> list[Record]:
    """Visible posts matching ``where`` (a constant fragment), newest first, after ``cursor``."""
    c_at, c_seq = cursor if cursor else (now, _ALL_ROWS)
    return tx.all(
        f"{POST_SELECT} WHERE p.deleted_at IS NULL AND {BEFORE} AND ({where})"
        " ORDER BY p.created_at DESC, p.seq DESC LIMIT :n",
        {**params, "now": now, "n": size, "top": min(now, c_at), "c_at": c_at, "c_seq": c_seq},
    )


def search_filter(words: list[tuple[bool, str]]) -> tuple[str, dict[str, Any]]:
    """The ``where`` of a search where every word must match: ``(is_tag, word)`` pairs.

    A tag matches a hashtag of the post; other words are found in the
    case-folded text (give them case-folded).
    """
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for i, (is_tag, word) in enumerate(words):
        if is_tag:
            clauses.append(f"EXISTS (SELECT 1 FROM post_tags t WHERE t.post_seq = p.seq AND t.tag = :w{i})")  # noqa: S608
        else:
            clauses.append(f"instr(p.folded, :w{i}) > 0")
        params[f"w{i}"] = word
    return " AND ".join(clauses), params


#: ``post_page`` filters: an author's posts, and a community's top-level posts.
BY_AUTHOR = "p.author = :who"
IN_COMMUNITY = "p.community = :cid AND p.reply_to IS NULL"


def timeline_page(tx: Tx, me: str, now: int, cursor: FeedCursor | None, size: int) -> list[Record]:
    """Posts and reposts by ``me`` and the accounts ``me`` follows, newest first, after ``cursor``.

    Each row is a ``POST_SELECT`` row plus ``f_at``, ``f_kind``, ``f_ord``
    (its cursor) and ``f_reposter``/``f_reposter_name`` for a repost.
    """
    # The feed's order is (time, kind, row) descending, a repost (kind 1) before a post at one
    # time. Each person's posts and reposts are paged on their own index from the cursor down
    # (the ``BEFORE`` range), at most ``:n`` rows each, and only those are merged: a page costs
    # the same at any depth (``author IN (…) ORDER BY`` would sort every older row each time).
    c_at, c_kind, c_ord = cursor if cursor else (now, 1, _ALL_ROWS)
    post_seq = _ALL_ROWS if c_kind == 1 else c_ord  # posts at the cursor's time: all, or those before it
    repost_seq = c_ord if c_kind == 1 else 0  # reposts at that time: those before it, or none
    sql = f"""
        WITH people AS (
            SELECT :me AS handle UNION SELECT followee FROM follows WHERE follower = :me
        ), own AS (
            SELECT p.seq AS post_seq, p.created_at AS at, 0 AS kind, p.seq AS ord, NULL AS reposter
                FROM people JOIN posts p ON p.seq IN (
                    SELECT p.seq FROM posts p
                    WHERE p.author = people.handle AND p.deleted_at IS NULL AND {BEFORE}
                    ORDER BY p.created_at DESC, p.seq DESC LIMIT :n)
        ), shared AS (
            SELECT r.post_seq, r.created_at AS at, 1 AS kind, r.seq AS ord, r.account AS reposter
                FROM people JOIN reposts r ON r.seq IN (
                    SELECT r.seq FROM reposts r JOIN posts p ON p.seq = r.post_seq
                    WHERE r.account = people.handle AND {VISIBLE}
                        AND r.created_at <= :top AND (r.created_at < :c_at OR r.seq < :r_seq)
                    ORDER BY r.created_at DESC, r.seq DESC LIMIT :n)
        ), feed AS (
            SELECT * FROM own UNION ALL SELECT * FROM shared
            ORDER BY at DESC, kind DESC, ord DESC LIMIT :n
        )
        SELECT f.at AS f_at, f.kind AS f_kind, f.ord AS f_ord, f.reposter AS f_reposter,
            ra.display_name AS f_reposter_name, x.*
        FROM feed f
        JOIN ({POST_SELECT}) x ON x.seq = f.post_seq
        LEFT JOIN accounts ra ON ra.handle = f.reposter
        ORDER BY f.at DESC, f.kind DESC, f.ord DESC
    """  # noqa: S608 - constant fragments; values are bound parameters
    return tx.all(
        sql,
        {
            "me": me,
            "now": now,
            "n": size,
            "top": min(now, c_at),
            "c_at": c_at,
            "c_seq": post_seq,
            "r_seq": repost_seq,
        },
    )


def thread_rows(tx: Tx, root: str, now: int) -> list[Record]:
    """Every post of the thread under ``root`` (deleted ones too, to keep its shape), oldest first."""
    return tx.all(
        POST_SELECT + " WHERE (p.id = :root OR p.root_id = :root) AND p.created_at <= :now"
        " ORDER BY p.created_at, p.seq",
        {"root": root, "now": now},
    )


def last_seq(tx: Tx) -> int:
    """The row number of the newest post stored (0 for none): where a stream starts."""
    row = tx.one("SELECT COALESCE(MAX(seq), 0) AS m FROM posts")
    return 0 if row is None else int(row["m"])


#: Where a stream stands: the newest row it has looked at, and ``(time, row)`` up to which it has
#: delivered the posts stored by then that went live later (scheduled posts).
StreamCursor = tuple[int, tuple[int, int]]


def stream_start(tx: Tx, now: int) -> StreamCursor:
    """A stream starting now: nothing stored so far, nothing visible so far."""
    return last_seq(tx), (now, _ALL_ROWS)


def stream_rows(
    tx: Tx, cursor: StreamCursor, now: int, *, home_of: str | None, tag: str | None, limit: int = 100
) -> tuple[list[Record], StreamCursor]:
    """The posts a stream at ``cursor`` delivers now, each exactly once, and the cursor after them.

    Two kinds: posts stored before the cursor's row whose time has come since
    (a scheduled post goes out when it goes live), oldest first; then posts
    stored after it that are visible now, in the order they were stored (a
    scheduled one among them waits for its time, as the first kind).
    ``home_of``: only posts by that account and the accounts it follows;
    ``tag``: only posts with that hashtag.
    """
    last, (live_at, live_seq) = cursor
    clauses = [VISIBLE]
    if home_of is not None:
        clauses.append("(p.author = :me OR p.author IN (SELECT followee FROM follows WHERE follower = :me))")
    if tag is not None:
        clauses.append("EXISTS (SELECT 1 FROM post_tags t WHERE t.post_seq = p.seq AND t.tag = :tag)")
    where = " AND ".join(clauses)
    params = {"now": now, "last": last, "me": home_of, "tag": tag, "at": live_at, "seq": live_seq, "n": limit}
    went_live = tx.all(
        POST_SELECT + " WHERE " + where + " AND p.seq <= :last"
        " AND p.created_at >= :at AND (p.created_at > :at OR p.seq > :seq)"  # a range on (created_at, seq)
        " ORDER BY p.created_at, p.seq LIMIT :n",
        params,
    )
    if len(went_live) == limit:  # more to come: the newly stored wait for the next call
        end = went_live[-1]
        return went_live, (last, (end["created_at"], end["seq"]))
    top = last_seq(tx)
    stored = tx.all(
        POST_SELECT + " WHERE " + where + " AND p.seq > :last AND p.seq <= :top ORDER BY p.seq LIMIT :n",
        {**params, "top": top},
    )
    seen = stored[-1]["seq"] if len(stored) == limit else top
    return went_live + stored, (seen, max((live_at, live_seq), (now, _ALL_ROWS)))


# ---------------------------------------------------------------- notifications


def notify(
    tx: Tx,
    recipient: str,
    kind: str,
    actor: str,
    at: int,
    *,
    post_seq: int | None = None,
    units: int | None = None,
    accrual_seq: int | None = None,
) -> None:
    """Tell ``recipient`` that ``actor`` did ``kind``; it shows from time ``at``."""
    tx.run(
        """INSERT INTO notifications (recipient, kind, actor, post_seq, units, accrual_seq, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (recipient, kind, actor, post_seq, units, accrual_seq, at),
    )


def notification_page(
    tx: Tx, me: str, now: int, cursor: PostCursor | None, size: int
) -> list[tuple[Record, Record | None]]:
    """``me``'s notifications that have come, newest first, each with the post it is about."""
    c_at, c_seq = cursor if cursor else (now, _ALL_ROWS)
    rows = tx.all(
        """SELECT n.*, a.display_name AS actor_name FROM notifications n
            LEFT JOIN posts p ON p.seq = n.post_seq
            LEFT JOIN accounts a ON a.handle = n.actor
            WHERE n.recipient = :me AND (n.post_seq IS NULL OR p.deleted_at IS NULL)
              AND n.created_at <= :top AND (n.created_at < :c_at OR n.seq < :c_seq)
            ORDER BY n.created_at DESC, n.seq DESC LIMIT :n""",
        {"me": me, "n": size, "top": min(now, c_at), "c_at": c_at, "c_seq": c_seq},
    )
    return [
        (row, post_by_seq(tx, row["post_seq"], now, allow_scheduled=True) if row["post_seq"] else None)
        for row in rows
    ]


# ---------------------------------------------------------------- communities


def community_row(tx: Tx, cid: str, me: str) -> Record:
    """A row of ``COMMUNITY_SELECT`` (``joined`` is ``me``'s membership); ``NotFound`` if none."""
    row = tx.one(COMMUNITY_SELECT + " WHERE c.id = :id", {"id": cid, "me": me})
    if row is None:
        raise NotFound(f"no community {cid!r} in this sandbox", network=NETWORK)
    return row


def community_page(tx: Tx, me: str, needle: str | None, after: str | None, size: int) -> list[Record]:
    """Communities whose id, title or description contains ``needle`` (all for ``None``), by id."""
    return tx.all(
        COMMUNITY_SELECT
        + """ WHERE (:q IS NULL OR instr(casefold(c.id || ' ' || COALESCE(c.title, '') || ' '
                  || COALESCE(c.description, '')), :q) > 0)
              AND c.id > :after ORDER BY c.id LIMIT :n""",
        {"me": me, "q": needle, "after": after or "", "n": size},
    )


def create_community(
    tx: Tx, cid: str, title: str | None, description: str | None, now: int, me: str
) -> Record:
    """A new community; ``ContentRejected`` if the id is taken."""
    if tx.one("SELECT 1 FROM communities WHERE id = ?", (cid,)):
        raise ContentRejected(f"community {cid!r} already exists", network=NETWORK)
    tx.run(
        "INSERT INTO communities (id, title, description, created_at) VALUES (?, ?, ?, ?)",
        (cid, title, description, now),
    )
    return community_row(tx, cid, me)


def join(tx: Tx, cid: str, account: str, now: int) -> None:
    """``account`` joins an existing community; joining twice is one membership."""
    community_row(tx, cid, account)
    tx.run(
        "INSERT OR IGNORE INTO memberships (community, account, created_at) VALUES (?, ?, ?)",
        (cid, account, now),
    )


def leave(tx: Tx, cid: str, account: str) -> None:
    """``account`` leaves an existing community; not being a member is fine."""
    community_row(tx, cid, account)
    tx.run("DELETE FROM memberships WHERE community = ? AND account = ?", (cid, account))
