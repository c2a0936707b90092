"""Mastodon API JSON -> neutral models.

Works on plain JSON dicts (as recorded from a server) and on Mastodon.py's
entities (dict subclasses whose dates are already ``datetime``), so the same
code is proven on real Mastodon 4.x recordings and used against live servers.
Imports no network library.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any, Literal

from bs4 import BeautifulSoup
from bs4.element import Comment, NavigableString, Tag

from ...coerce import as_datetime, as_dict, as_int, as_notification_kind, as_str, malformed
from ...models import (
    Account,
    Engagement,
    Media,
    Notification,
    NotificationKind,
    Post,
    Visibility,
)

__all__ = [
    "NETWORK",
    "VISIBILITY_FROM_MASTODON",
    "VISIBILITY_TO_MASTODON",
    "html_to_text",
    "to_account",
    "to_json_safe",
    "to_notification",
    "to_post",
    "to_scheduled_post",
]

NETWORK = "mastodon"

#: Mastodon's visibility names <-> the neutral ones ("private" is followers-only).
VISIBILITY_FROM_MASTODON: dict[str, Visibility] = {
    "public": "public",
    "unlisted": "unlisted",
    "private": "followers",
    "direct": "direct",
}
VISIBILITY_TO_MASTODON: dict[str, str] = {v: k for k, v in VISIBILITY_FROM_MASTODON.items()}

#: The notification types Mastodon names otherwise than the neutral kinds.
_RENAMED_KINDS: dict[str, NotificationKind] = {"favourite": "like", "reblog": "repost"}

_BLOCKS = frozenset({"p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})
_BREAK = "\x00"  # marks a paragraph boundary while walking the tree
_BREAKS = re.compile(r"[ \t]*\x00[\x00\s]*")


# ---------------------------------------------------------------- text


def html_to_text(html: str | None) -> str:
    """Mastodon's HTML ``content`` as plain text.

    Paragraphs become blank-line separated, ``<br>`` a newline, links their
    visible text with the hidden parts Mastodon splits off put back (so a URL
    reads whole), entities decoded. The inline "RE: <link>" fallback Mastodon
    adds to quote posts is dropped: the quote is in the status's own field.
    """
    return _read_content(html)[0]


def _read_content(html: str | None) -> tuple[str, tuple[str, ...]]:
    """Plain text and the hrefs of plain links (not mentions or hashtags), in one parse."""
    if not html:
        return "", ()
    if "<" not in html and "&" not in html:
        return html.strip(), ()
    soup = BeautifulSoup(html, "html.parser")
    parts: list[str] = []
    links: dict[str, None] = {}
    _walk(soup, parts, links)
    text = _BREAKS.sub("\n\n", "".join(parts))
    return text.strip("\n\x00 "), tuple(links)


def _walk(node: Tag, out: list[str], links: dict[str, None]) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, Comment):
                out.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        classes = child.get("class") or ()
        if name == "br":
            out.append("\n")
        elif "quote-inline" in classes:
            continue
        elif name in _BLOCKS:
            out.append(_BREAK)
            _walk(child, out, links)
            out.append(_BREAK)
        elif name == "li":
            out.append("\n")
            _walk(child, out, links)
        else:
            if name == "a":
                href = child.get("href")
                if isinstance(href, str) and not ({"mention", "hashtag", "u-url"} & set(classes)):
                    links.setdefault(href, None)
            _walk(child, out, links)


# ---------------------------------------------------------------- helpers


_SCALARS = frozenset({str, int, float, bool})


def _required_date(data: Mapping[str, Any], key: str, what: str) -> datetime:
    """The date a converter cannot do without; a typed malformed-answer error when it is missing."""
    when = as_datetime(data.get(key))
    if when is None:
        raise malformed(NETWORK, f"{what} (no {key})")
    return when


def to_json_safe(value: Any) -> Any:
    """A JSON-compatible copy (Mastodon.py turns dates into ``datetime``; ``raw`` keeps JSON)."""
    if value is None or type(value) in _SCALARS:
        return value
    if isinstance(value, str):  # Mastodon.py's id type is a str subclass
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_safe(v) for v in value]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------- accounts


def to_account(data: Mapping[str, Any], *, keep_raw: bool = True) -> Account:
    """A Mastodon ``Account`` entity as an ``Account`` (handle is ``acct``: ``user`` or ``user@domain``)."""
    return Account(
        network=NETWORK,
        id=str(data["id"]),
        handle=str(data.get("acct") or data.get("username") or data["id"]),
        display_name=data.get("display_name") or None,
        url=as_str(data.get("url")),
        bio=html_to_text(data.get("note")) or None,
        avatar_url=as_str(data.get("avatar")),
        followers=as_int(data.get("followers_count")),
        following=as_int(data.get("following_count")),
        posts_count=as_int(data.get("statuses_count")),
        created_at=as_datetime(data.get("created_at")),
        bot=data.get("bot") if isinstance(data.get("bot"), bool) else None,
        raw=to_json_safe(data) if keep_raw else None,
    )


# ---------------------------------------------------------------- statuses

_MEDIA_KINDS: dict[str, Literal["image", "video", "gif", "audio", "other"]] = {
    "image": "image",
    "gifv": "gif",
    "video": "video",
    "audio": "audio",
}


def _media(item: Mapping[str, Any]) -> Media | None:
    url = item.get("url") or item.get("remote_url") or item.get("preview_url")
    if not url:
        return None
    meta = item.get("meta") or {}
    original = meta.get("original") or {} if isinstance(meta, Mapping) else {}
    return Media(
        kind=_MEDIA_KINDS.get(str(item.get("type")), "other"),
        url=str(url),
        alt_text=item.get("description") or None,
        width=as_int(original.get("width")) if isinstance(original, Mapping) else None,
        height=as_int(original.get("height")) if isinstance(original, Mapping) else None,
    )


def _quoted_id(status: Mapping[str, Any]) -> str | None:
    quote = status.get("quote")
    if isinstance(quote, Mapping):
        quoted = quote.get("quoted_status")
        if isinstance(quoted, Mapping) and quoted.get("id") is not None:
            return str(quoted["id"])
        if quote.get("quoted_status_id") is not None:  # a shallow quote (nested quotes)
            return str(quote["quoted_status_id"])
    if status.get("quote_id") is not None:  # Fedibird / Akkoma
        return str(status["quote_id"])
    return None


def _links(status: Mapping[str, Any], from_content: tuple[str, ...]) -> tuple[str, ...]:
    """Plain links in the content, then the preview card's URL."""
    found = dict.fromkeys(from_content)
    card = status.get("card")
    if isinstance(card, Mapping) and card.get("url"):
        found.setdefault(str(card["url"]), None)
    return tuple(found)


def to_post(data: Mapping[str, Any], *, keep_raw: bool = True) -> Post:
    """A Mastodon ``Status`` as a ``Post``.

    A reblog describes the boosted status, with ``reposted_by`` naming the
    booster; ``raw`` keeps the whole wrapper (its ``id`` is the reblog's own).
    Tags, mentions and media come from the status's own fields, not from
    re-parsing the text.
    """
    inner = data.get("reblog")
    if isinstance(inner, Mapping):
        boosted = to_post(inner, keep_raw=False)
        return boosted.model_copy(
            update={
                "reposted_by": to_account(data["account"], keep_raw=False),
                "raw": to_json_safe(data) if keep_raw else None,
            }
        )
    visibility = VISIBILITY_FROM_MASTODON.get(str(data.get("visibility")))
    media = tuple(m for m in (_media(item) for item in data.get("media_attachments") or ()) if m is not None)
    created = _required_date(data, "created_at", "status")
    if data.get("content"):
        text, content_links = _read_content(data.get("content"))
    else:  # a status just deleted (its source ``text`` comes back instead of ``content``)
        text, content_links = str(data.get("text") or ""), ()
    return Post(
        network=NETWORK,
        id=str(data["id"]),
        url=as_str(data.get("url") or data.get("uri")),
        author=to_account(data["account"], keep_raw=False),
        text=text,
        created_at=created,
        edited_at=as_datetime(data.get("edited_at")),
        reply_to=as_str(data.get("in_reply_to_id")),
        quote_of=_quoted_id(data),
        tags=tuple(str(t["name"]) for t in data.get("tags") or () if t.get("name")),
        mentions=tuple(str(m["acct"]) for m in data.get("mentions") or () if m.get("acct")),
        links=_links(data, content_links),
        media=media,
        language=data.get("language") or None,
        content_warning=data.get("spoiler_text") or None,
        visibility=visibility,
        metrics=Engagement(
            likes=as_int(data.get("favourites_count")),
            reposts=as_int(data.get("reblogs_count")),
            replies=as_int(data.get("replies_count")),
            quotes=as_int(data.get("quotes_count")),
        ),
        raw=to_json_safe(data) if keep_raw else None,
    )


def to_scheduled_post(data: Mapping[str, Any], *, author: Account) -> Post:
    """A ``ScheduledStatus`` as a ``Post``: not a status yet, so the Post names it, dated when it will appear.

    ``id`` is the scheduled status's id (``delete()`` cancels it) and
    ``raw["scheduled_status"]`` the server's answer.
    """
    params = as_dict(data.get("params"))
    when = _required_date(data, "scheduled_at", "scheduled status")
    return Post(
        network=NETWORK,
        id=str(data["id"]),
        author=author,
        text=as_str(params.get("text")) or "",
        created_at=when,
        reply_to=as_str(params.get("in_reply_to_id")),
        language=as_str(params.get("language")),
        content_warning=as_str(params.get("spoiler_text")) or None,
        visibility=VISIBILITY_FROM_MASTODON.get(str(params.get("visibility"))),
        raw={"scheduled_status": to_json_safe(data)},
    )


# ---------------------------------------------------------------- notifications


def notification_kind(data: Mapping[str, Any], me_id: str | None = None) -> NotificationKind:
    """Mastodon's ``type`` as a neutral kind; a mention that answers one of my posts is a reply."""
    kind = as_notification_kind(str(data.get("type")), _RENAMED_KINDS)
    status = data.get("status")
    if kind == "mention" and isinstance(status, Mapping) and status.get("in_reply_to_id") is not None:
        parent_author = status.get("in_reply_to_account_id")
        if me_id is None or parent_author is None or str(parent_author) == me_id:
            return "reply"
    return kind


def to_notification(data: Mapping[str, Any], *, me_id: str | None = None) -> Notification:
    """A Mastodon ``Notification`` (any type) as a ``Notification``."""
    status = data.get("status")
    account = data.get("account")
    created = _required_date(data, "created_at", "notification")
    return Notification(
        network=NETWORK,
        id=str(data["id"]),
        kind=notification_kind(data, me_id),
        created_at=created,
        account=to_account(account, keep_raw=False) if isinstance(account, Mapping) else None,
        post=to_post(status, keep_raw=False) if isinstance(status, Mapping) else None,
        read=None,
        raw=to_json_safe(data),
    )
