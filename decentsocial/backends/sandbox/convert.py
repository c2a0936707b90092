"""SQL fragments shared by the sandbox's queries, and database rows turned into models.

Every fragment here is a constant: values always travel as bound
parameters, never inside the SQL text.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ...models import Account, Community, Engagement, Media, Post
from .transport import NETWORK, from_us

__all__ = [
    "ACCOUNT_SELECT",
    "COMMUNITY_SELECT",
    "POST_SELECT",
    "VISIBLE",
    "account_from_row",
    "account_url",
    "author",
    "community_from_row",
    "media_from_json",
    "media_to_json",
    "post_from_row",
    "post_url",
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


def post_url(post_id: str) -> str:
    return f"sandbox://posts/{post_id}"


def account_url(handle: str) -> str:
    return f"sandbox://accounts/{handle}"


def author(handle: str, display_name: str | None) -> Account:
    """The short account shown on a post (counts come from ``account()``)."""
    return Account(
        network=NETWORK, id=handle, handle=handle, display_name=display_name, url=account_url(handle)
    )


def media_to_json(media: tuple[Media, ...]) -> str:
    return json.dumps([item.model_dump_json(exclude_none=True) for item in media])


def media_from_json(text: str) -> tuple[Media, ...]:
    return tuple(Media.model_validate_json(item) for item in json.loads(text))


def post_from_row(row: sqlite3.Row, reposted_by: Account | None = None) -> Post:
    extra: dict[str, Any] = json.loads(row["extra"])
    return Post(
        network=NETWORK,
        id=row["id"],
        url=post_url(row["id"]),
        author=author(row["author"], row["author_name"]),
        text=row["text"],
        title=row["title"],
        created_at=from_us(row["created_at"]),
        reply_to=row["reply_to"],
        root_id=row["root_id"],
        quote_of=row["quote_of"],
        tags=tuple(json.loads(row["tags"])),
        mentions=tuple(json.loads(row["mentions"])),
        links=tuple(json.loads(row["links"])),
        media=media_from_json(row["media"]),
        community=row["community"],
        language=row["language"],
        content_warning=row["content_warning"],
        visibility=row["visibility"],
        reposted_by=reposted_by,
        metrics=Engagement(
            likes=row["n_likes"],
            reposts=row["n_reposts"],
            replies=row["n_replies"],
            quotes=row["n_quotes"],
        ),
        raw={"seq": row["seq"], "author": row["author"], "created_at_us": row["created_at"], **extra},
    )


def account_from_row(row: sqlite3.Row, balance: str) -> Account:
    return Account(
        network=NETWORK,
        id=row["handle"],
        handle=row["handle"],
        display_name=row["display_name"],
        url=account_url(row["handle"]),
        bio=row["bio"],
        followers=row["n_followers"],
        following=row["n_following"],
        posts_count=row["n_posts"],
        created_at=from_us(row["created_at"]),
        bot=False,
        raw={"handle": row["handle"], "balance": balance},
    )


def community_from_row(row: sqlite3.Row) -> Community:
    return Community(
        network=NETWORK,
        id=row["id"],
        name=row["id"],
        title=row["title"],
        description=row["description"],
        members=row["n_members"],
        url=f"sandbox://communities/{row['id']}",
        raw={"id": row["id"], "joined": bool(row["joined"])},
    )
