"""Mastodon API JSON -> neutral models.

Works on plain JSON dicts (as recorded from a server) and on Mastodon.py's
entities (dict subclasses whose dates are already ``datetime``), so the same
code is proven on real Mastodon 4.x recordings and used against live servers.
Imports no network library.

Whatever a server sends, a converter returns a model or raises the typed
"malformed answer" error (``NetworkUnavailable``): fields of the wrong type
read as missing (``coerce``), and only what a model cannot do without (an
id, an author, a date) makes an object malformed. A page of a listing skips
a malformed object with a log line and keeps the others (:func:`convert_each`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any, Literal, TypeVar

from ...coerce import (
    as_count,
    as_datetime,
    as_dict,
    as_exact_str,
    as_list,
    as_notification_kind,
    as_str,
    malformed,
    not_asked_for,
)
from ...errors import DecentSocialError
from ...models import (
    Account,
    Engagement,
    Media,
    Notification,
    NotificationKind,
    Post,
    Visibility,
    normalise_tags,
)
from ...urls import host_key, web_link
from .markup import read_content

__all__ = [
    "NETWORK",
    "VISIBILITY_FROM_MASTODON",
    "VISIBILITY_TO_MASTODON",
    "convert_each",
    "html_to_text",
    "status_key",
    "status_url",
    "to_account",
    "to_asked_account",
    "to_asked_post",
    "to_json_safe",
    "to_notification",
    "to_post",
    "to_scheduled_post",
]

NETWORK = "mastodon"

log = logging.getLogger("decentsocial.mastodon")
T = TypeVar("T")

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


# ---------------------------------------------------------------- text


def html_to_text(html: Any) -> str:
    """Mastodon's HTML ``content`` as plain text.

    Paragraphs become blank-line separated, ``<br>`` a newline, links their
    visible text with the hidden parts Mastodon splits off put back (so a URL
    reads whole), entities decoded. The inline "RE: <link>" fallback Mastodon
    adds to quote posts is dropped: the quote is in the status's own field.
    """
    return _read_content(html)[0]


def _read_content(html: Any) -> tuple[str, tuple[str, ...]]:
    """Plain text and the hrefs of plain links (not mentions or hashtags), in one parse."""
    html = as_str(html)
    if not html:
        return "", ()
    if "<" not in html and "&" not in html:
        return html.strip(), ()
    return read_content(html)


# ---------------------------------------------------------------- helpers


_SCALARS = frozenset({str, int, float, bool})


def _checked(what: str, convert: Callable[..., T], data: Any, **kwargs: Any) -> T:
    """``convert(data)`` with any slip on a malformed answer raised as the typed malformed error."""
    if type(data) is not dict and not isinstance(data, Mapping):  # a dict: no ABC check
        raise malformed(NETWORK, f"{what} (not a JSON object)")
    try:
        return convert(data, **kwargs)
    except DecentSocialError:
        raise
    except (LookupError, TypeError, ValueError, AttributeError, RecursionError, OverflowError) as exc:
        # ValueError covers the models' validation errors.
        raise malformed(NETWORK, f"{what} ({type(exc).__name__})") from exc


def convert_each(items: Any, convert: Callable[[Any], T], what: str = "read a page") -> list[T]:
    """Every item of a page converted; a malformed one is skipped with a log line, the rest kept."""
    converted: list[T] = []
    for item in items if isinstance(items, Iterable) and not isinstance(items, (str, bytes, Mapping)) else ():
        try:
            converted.append(convert(item))
        except DecentSocialError as exc:
            ident = as_str(item.get("id")) if isinstance(item, Mapping) else None
            log.warning("%s: skipping a malformed item (id %s): %s", what, (ident or "?")[:64], exc.message)
    return converted


def _id(data: Mapping[str, Any], what: str) -> str:
    """The id an object cannot do without (a string or a number)."""
    value = as_str(data.get("id"))
    if not value:
        raise malformed(NETWORK, f"{what} (no id)")
    return value


def _text(value: Any) -> str | None:
    """Text, or ``None`` for a missing, empty or non-text value."""
    return as_str(value) or None


def _exact(value: Any) -> str | None:
    """:func:`_text` as exactly ``str`` (a subclass copied), as validation leaves it."""
    return as_exact_str(value) or None


def _utc(when: datetime) -> bool:
    """Whether ``when`` is what validation leaves of it (a ``datetime`` in ``timezone.utc``)."""
    return type(when) is datetime and when.tzinfo is timezone.utc


def _required_date(data: Mapping[str, Any], key: str, what: str) -> datetime:
    """The date a converter cannot do without; a typed malformed-answer error when it is missing."""
    when = as_datetime(data.get(key))
    if when is None:
        raise malformed(NETWORK, f"{what} (no {key})")
    return when


def to_json_safe(value: Any) -> Any:
    """``value`` itself when it is a plain ``dict`` (as JSON parses; no copy); else a JSON copy.

    Mastodon.py turns dates into ``datetime`` and wraps every object in a
    dict subclass, so its answers are copied into JSON; ``raw`` keeps JSON.
    """
    return value if type(value) is dict else _json_copy(value)


def _json_copy(value: Any) -> Any:
    if value is None or type(value) in _SCALARS:
        return value
    if isinstance(value, str):  # Mastodon.py's id type is a str subclass
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_copy(v) for v in value]
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
    return _checked("account", _to_account, data, keep_raw=keep_raw)


#: The fields ``_to_account`` reads: a post's author with the same values is the same ``Account``.
_ACCOUNT_FIELDS = (
    "id",
    "acct",
    "username",
    "display_name",
    "url",
    "note",
    "avatar",
    "followers_count",
    "following_count",
    "statuses_count",
    "created_at",
    "bot",
)


def _to_account(data: Mapping[str, Any], *, keep_raw: bool) -> Account:
    if not keep_raw:  # a post's author: every status of a page repeats it, so convert each once
        values = tuple(map(data.get, _ACCOUNT_FIELDS))
        try:
            return _author(values)
        except TypeError:  # a value that cannot be a key (a list, say): convert this one directly
            pass
    return _new_account(data, keep_raw=keep_raw)


@lru_cache(maxsize=256)
def _author(values: tuple[Any, ...]) -> Account:
    """The ``Account`` for these field values (frozen, so one object serves every post)."""
    return _new_account(dict(zip(_ACCOUNT_FIELDS, values, strict=True)), keep_raw=False)


def _new_account(data: Mapping[str, Any], *, keep_raw: bool) -> Account:
    ident = _id(data, "account")
    bot = data.get("bot")
    return Account(
        network=NETWORK,
        id=ident,
        handle=_text(data.get("acct")) or _text(data.get("username")) or ident,
        display_name=_text(data.get("display_name")),
        # A profile page and a picture a reader may open (not javascript:, data:, file:…), else None.
        url=web_link(data.get("url")),
        bio=_bio(data.get("note")),
        avatar_url=web_link(data.get("avatar")),
        followers=as_count(data.get("followers_count")),
        following=as_count(data.get("following_count")),
        posts_count=as_count(data.get("statuses_count")),
        created_at=as_datetime(data.get("created_at")),
        bot=bot if isinstance(bot, bool) else None,
        raw=to_json_safe(data) if keep_raw else None,
    )


def _bio(note: Any) -> str | None:
    """An account's note as text: read once per distinct note (every status repeats its author's)."""
    return _bio_text(note) if isinstance(note, str) else html_to_text(note) or None


@lru_cache(maxsize=512)
def _bio_text(note: str) -> str | None:
    return html_to_text(note) or None


# ---------------------------------------------------------------- statuses

#: The fields ``_to_post`` sets (the others keep their defaults, unset, as validation leaves them).
_POST_GIVEN = frozenset(Post.model_fields) - {"title", "root_id", "community", "reposted_by", "reward"}
#: The models built here without validation, each from every field in its order.
_build_post = Post._builder(_POST_GIVEN)
_build_engagement = Engagement._builder(frozenset({"likes", "reposts", "replies", "quotes"}))
_build_media = Media._builder(frozenset({"kind", "url", "alt_text", "width", "height"}))
#: The key types of a ``raw`` built without validation.
_TEXT_ONLY = frozenset({str})

_MEDIA_KINDS: dict[str, Literal["image", "video", "gif", "audio", "other"]] = {
    "image": "image",
    "gifv": "gif",
    "video": "video",
    "audio": "audio",
}


def _media(item: Any) -> Media | None:
    """An attachment at the first of its URLs that is a web link; ``None`` (left out) if none is."""
    if not isinstance(item, Mapping):
        return None
    url = web_link(item.get("url")) or web_link(item.get("remote_url")) or web_link(item.get("preview_url"))
    if not url:
        return None
    original = as_dict(as_dict(item.get("meta")).get("original"))
    kind = item.get("type")
    return _build_media(
        {
            "kind": _MEDIA_KINDS.get(kind, "other") if isinstance(kind, str) else "other",
            "path": None,
            "data": None,
            "url": url,
            "mime_type": None,
            "alt_text": _exact(item.get("description")),
            "width": as_count(original.get("width")),
            "height": as_count(original.get("height")),
        }
    )


def _quoted_id(status: Mapping[str, Any]) -> str | None:
    quote = status.get("quote")
    if isinstance(quote, Mapping):
        quoted = quote.get("quoted_status")
        if isinstance(quoted, Mapping) and as_str(quoted.get("id")):
            return as_exact_str(quoted.get("id"))
        if as_str(quote.get("quoted_status_id")):  # a shallow quote (nested quotes)
            return as_exact_str(quote.get("quoted_status_id"))
    return _exact(status.get("quote_id"))  # Fedibird / Akkoma


def _tags(status: Mapping[str, Any]) -> tuple[str, ...]:
    """The status's hashtags, normalised as ``Post`` validation normalises them."""
    tags = tuple(name for t in as_list(status.get("tags")) if (name := _exact(as_dict(t).get("name"))))
    return normalise_tags(tags) if tags else ()


def _links(status: Mapping[str, Any], from_content: tuple[str, ...]) -> tuple[str, ...]:
    """Plain links in the content, then the preview card's URL: web links only (an ``href`` of
    ``javascript:``, ``data:`` or ``file:`` is no link a reader may follow), as other networks' are."""
    found = dict.fromkeys(link for link in map(web_link, from_content) if link) if from_content else {}
    card_url = web_link(as_dict(status.get("card")).get("url"))
    if card_url:
        found.setdefault(card_url, None)
    return tuple(found)


def status_key(post: Post) -> tuple[str, str | None]:
    """What a listing tells statuses apart by: the status, and for a boost its booster (a status, its
    boosts and two accounts' boosts of it are each listed), so a status a server lists twice (in one
    page, or again on the next) comes out once."""
    return post.id, post.reposted_by.id if post.reposted_by is not None else None


def status_url(status: Mapping[str, Any]) -> str | None:
    """A status's web page: its ``url``, else its ``uri`` (the ActivityPub id, a page too on Mastodon),
    each only if it is a web link (not ``javascript:``, ``data:``, ``file:``, a ``tag:`` URI…)."""
    return web_link(status.get("url")) or web_link(status.get("uri"))


def to_post(data: Mapping[str, Any], *, keep_raw: bool = True) -> Post:
    """A Mastodon ``Status`` as a ``Post``.

    A reblog describes the boosted status, with ``reposted_by`` naming the
    booster; ``raw`` keeps the whole wrapper (its ``id`` is the reblog's own).
    Tags, mentions and media come from the status's own fields, not from
    re-parsing the text.
    """
    return _checked("status", _to_post, data, keep_raw=keep_raw)


def _to_post(data: Mapping[str, Any], *, keep_raw: bool) -> Post:
    inner = data.get("reblog")
    if inner is not None and isinstance(inner, Mapping):
        boosted = to_post(inner, keep_raw=False)
        return boosted.model_copy(
            update={
                "reposted_by": to_account(data.get("account"), keep_raw=False),  # type: ignore[arg-type]
                "raw": to_json_safe(data) if keep_raw else None,
            }
        )
    ident = as_exact_str(_id(data, "status"))
    visibility = data.get("visibility")
    media = tuple(
        m for m in (_media(item) for item in as_list(data.get("media_attachments"))) if m is not None
    )
    created = _required_date(data, "created_at", "status")
    if as_str(data.get("content")):
        text, content_links = _read_content(data.get("content"))
    else:  # a status just deleted (its source ``text`` comes back instead of ``content``)
        text, content_links = as_exact_str(data.get("text")) or "", ()
    # The values in the order of Post's fields, each as validation leaves it (exact ``str``,
    # tuples, tags normalised): the post is built without validation, which took a fifth of
    # the conversion. tests/mastodon/test_trusted.py holds the two equal.
    fields: dict[str, Any] = {
        "network": NETWORK,
        "id": ident,
        "url": status_url(data),
        "author": to_account(data.get("account"), keep_raw=False),  # type: ignore[arg-type]
        "text": text,
        "title": None,
        "created_at": created,
        "edited_at": as_datetime(data.get("edited_at")),
        "reply_to": as_exact_str(data.get("in_reply_to_id")),
        "root_id": None,
        "quote_of": _quoted_id(data),
        "tags": _tags(data),
        "mentions": tuple(
            acct for m in as_list(data.get("mentions")) if (acct := _exact(as_dict(m).get("acct")))
        ),
        "links": _links(data, content_links),
        "media": media,
        "community": None,
        "language": _exact(data.get("language")),
        "content_warning": _exact(data.get("spoiler_text")),
        "visibility": VISIBILITY_FROM_MASTODON.get(visibility) if isinstance(visibility, str) else None,
        "reposted_by": None,
        "metrics": _build_engagement(
            {
                "likes": as_count(data.get("favourites_count")),
                "reposts": as_count(data.get("reblogs_count")),
                "replies": as_count(data.get("replies_count")),
                "quotes": as_count(data.get("quotes_count")),
                "views": None,
                "shares": None,
            }
        ),
        "reward": None,
        "raw": to_json_safe(data) if keep_raw else None,
    }
    raw = fields["raw"]
    if _utc(created) and (fields["edited_at"] is None or _utc(fields["edited_at"])):
        if raw is None:
            return _build_post(fields)
        if _TEXT_ONLY.issuperset(map(type, raw)):  # keys as JSON's: the post's own dict, as validated
            fields["raw"] = dict(raw) if raw is data else raw
            return _build_post(fields)
    # A time of a datetime subclass, or keys that are not text (a caller's own mapping): validated.
    return Post(**{name: fields[name] for name in _POST_GIVEN})


def to_asked_post(data: Any, asked: str) -> Post:
    """:func:`to_post` of ``GET /statuses/:id``'s answer, which must be the status asked for.

    Ids compare as strings (a server may send numbers); a boost's own id is its wrapper's.
    """
    answered = as_str(data.get("id")) if isinstance(data, Mapping) else None
    if answered != asked:
        raise not_asked_for(NETWORK, "status", asked, answered)
    return to_post(data)


def to_asked_account(data: Any, acct: str) -> Account:
    """:func:`to_account` of an account lookup's answer, which must be the account asked for.

    Usernames compare without case; a domain only when both name one (``user@this.server`` is
    answered with the local ``user``), and as IDNA (a server answers ``bücher.example`` in
    punycode). An answer that names no one is taken as it comes.
    """
    account = to_account(data)
    answered = _text(as_dict(data).get("acct")) or _text(as_dict(data).get("username"))
    if answered is None:
        return account
    user, _, domain = acct.partition("@")
    got_user, _, got_domain = answered.partition("@")
    other_domain = bool(domain and got_domain) and host_key(got_domain) != host_key(domain)
    if got_user.lower() != user.lower() or other_domain:
        raise not_asked_for(NETWORK, "account", acct, answered)
    return account


def to_scheduled_post(data: Mapping[str, Any], *, author: Account) -> Post:
    """A ``ScheduledStatus`` as a ``Post``: not a status yet, so the Post names it, dated when it will appear.

    ``id`` is the scheduled status's id (``delete()`` cancels it) and
    ``raw["scheduled_status"]`` the server's answer.
    """
    return _checked("scheduled status", _to_scheduled_post, data, author=author)


def _to_scheduled_post(data: Mapping[str, Any], *, author: Account) -> Post:
    params = as_dict(data.get("params"))
    when = _required_date(data, "scheduled_at", "scheduled status")
    visibility = params.get("visibility")
    return Post(
        network=NETWORK,
        id=_id(data, "scheduled status"),
        author=author,
        text=as_str(params.get("text")) or "",
        created_at=when,
        reply_to=as_str(params.get("in_reply_to_id")),
        language=_text(params.get("language")),
        content_warning=_text(params.get("spoiler_text")),
        visibility=VISIBILITY_FROM_MASTODON.get(visibility) if isinstance(visibility, str) else None,
        raw={"scheduled_status": to_json_safe(data)},
    )


# ---------------------------------------------------------------- notifications


def notification_kind(data: Mapping[str, Any], me_id: str | None = None) -> NotificationKind:
    """Mastodon's ``type`` as a neutral kind; a mention that answers one of my posts is a reply."""
    kind = as_notification_kind(as_str(data.get("type")) or "", _RENAMED_KINDS)
    status = data.get("status")
    if kind == "mention" and isinstance(status, Mapping) and status.get("in_reply_to_id") is not None:
        parent_author = as_str(status.get("in_reply_to_account_id"))
        if me_id is None or parent_author is None or parent_author == me_id:
            return "reply"
    return kind


def to_notification(data: Mapping[str, Any], *, me_id: str | None = None) -> Notification:
    """A Mastodon ``Notification`` (any type) as a ``Notification``.

    A post or account it names that is malformed is left out (``None``), not the whole notification.
    """
    return _checked("notification", _to_notification, data, me_id=me_id)


def _to_notification(data: Mapping[str, Any], *, me_id: str | None) -> Notification:
    status = data.get("status")
    account = data.get("account")
    created = _required_date(data, "created_at", "notification")
    return Notification(
        network=NETWORK,
        id=_id(data, "notification"),
        kind=notification_kind(data, me_id),
        created_at=created,
        account=_or_none(to_account, account, keep_raw=False) if isinstance(account, Mapping) else None,
        post=_or_none(to_post, status, keep_raw=False) if isinstance(status, Mapping) else None,
        read=None,
        raw=to_json_safe(data),
    )


def _or_none(convert: Callable[..., T], data: Any, **kwargs: Any) -> T | None:
    try:
        return convert(data, **kwargs)
    except DecentSocialError as exc:
        log.warning("leaving out a malformed part of a notification: %s", exc.message)
        return None
