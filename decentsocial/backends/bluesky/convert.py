"""AT Protocol JSON -> neutral models.

Works on the JSON the server sent (dicts), which is also what ``raw`` keeps:
``app.bsky.feed.defs#postView`` from the AppView, and plain
``app.bsky.feed.post`` records from the PDS.

Servers are strangers: every field is read leniently (``coerce``: a missing
or malformed field is ``None``), and the public converters are wrapped so
that whatever is left (a model refusing a value, nesting past the stack)
is ``NetworkUnavailable`` naming Bluesky, never a bare ``TypeError``.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Literal, TypeVar
from urllib.parse import quote as _quote

from pydantic import ValidationError

from ...coerce import (
    as_count,
    as_datetime,
    as_dict,
    as_exact_str,
    as_list,
    as_notification_kind,
    as_str,
    malformed,
)
from ...errors import InvalidInput
from ...models import Account, Engagement, Media, Notification, NotificationKind, Post, normalise_tags
from ...urls import web_link
from .ids import parse_at_uri, profile_url
from .richtext import facet_values

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "account_from_view",
    "notification_from_view",
    "notification_kind",
    "notification_subject",
    "post_from_record",
    "post_from_view",
]

NETWORK = "bluesky"
#: The reasons Bluesky names otherwise than the neutral kinds (a like or repost of one's repost).
_RENAMED_KINDS: dict[str, NotificationKind] = {"like-via-repost": "like", "repost-via-repost": "repost"}


def _guarded(what: str) -> Callable[[F], F]:
    """Whatever a converter cannot make of a payload becomes ``malformed`` (a typed error), chained."""

    def wrap(convert: F) -> F:
        @functools.wraps(convert)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return convert(*args, **kwargs)
            except (InvalidInput, ValidationError, ValueError, TypeError, LookupError, AttributeError) as exc:
                raise malformed(NETWORK, what) from exc
            except RecursionError:
                raise malformed(NETWORK, f"{what} (nested too deep)") from None

        return guarded  # type: ignore[return-value]

    return wrap


def quote_param(value: str) -> str:
    """One query-string value, percent-encoded."""
    return _quote(value, safe="")


def _text(value: Any) -> str | None:
    """Text from the server, exactly ``str`` (as validation leaves it), with any lone surrogate (half
    an emoji) replaced by U+FFFD."""
    text = as_exact_str(value)
    if text is None or text.isascii():
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


@_guarded("profile")
def account_from_view(view: Any, *, web_url: str) -> Account:
    """``app.bsky.actor.defs#profileView*`` -> Account (counts only in the detailed view)."""
    view = as_dict(view)
    did = _text(view.get("did"))
    if not did:
        raise malformed(NETWORK, "profile (no did)")
    handle = _text(view.get("handle")) or did
    labels = {as_str(as_dict(label).get("val")) for label in as_list(view.get("labels"))}
    return Account._trusted(  # every value as validation leaves it (tests/bluesky/test_trusted.py)
        {
            "network": NETWORK,
            "id": did,
            "handle": handle,
            "display_name": _text(view.get("displayName")) or None,
            "url": profile_url(web_url, handle),
            "bio": _text(view.get("description")) or None,
            "avatar_url": web_link(_text(view.get("avatar"))),  # a picture, not javascript: or data:
            "followers": as_count(view.get("followersCount")),
            "following": as_count(view.get("followsCount")),
            "posts_count": as_count(view.get("postsCount")),
            "created_at": as_datetime(view.get("createdAt")),
            "bot": True if "bot" in labels else None,
            "raw": _raw(view),
        }
    )


def _raw(view: Mapping[str, Any]) -> dict[str, Any]:
    """A view's own dict, as validation copies it (a JSON object: its keys are text)."""
    return dict(view)


def _media_from_embed_view(embed: Any) -> tuple[list[Media], list[str], str | None]:
    """(media, links, quoted post uri) from an embed view (what the AppView sends).

    Its URLs are web links or nothing (:func:`~decentsocial.urls.web_link`): an image or video at
    none is left out, as one without a URL is; so is a link card's ``javascript:`` or ``data:`` URI.
    """
    embed = as_dict(embed)
    kind = as_str(embed.get("$type")) or ""
    media: list[Media] = []
    links: list[str] = []
    quote: str | None = None
    if kind.startswith("app.bsky.embed.images"):
        for image in as_list(embed.get("images")):
            image = as_dict(image)
            url = web_link(_text(image.get("fullsize"))) or web_link(_text(image.get("thumb")))
            if url:
                media.append(_media("image", url, image, image.get("aspectRatio")))
    elif kind.startswith("app.bsky.embed.video"):
        url = web_link(_text(embed.get("playlist"))) or web_link(_text(embed.get("thumbnail")))
        if url:
            media.append(_media("video", url, embed, embed.get("aspectRatio")))
    elif kind.startswith("app.bsky.embed.external"):
        uri = web_link(_text(as_dict(embed.get("external")).get("uri")))  # a link card: web pages only
        if uri:
            links.append(uri)
    elif kind.startswith("app.bsky.embed.recordWithMedia"):
        inner_media, inner_links, _ = _media_from_embed_view(embed.get("media"))
        media += inner_media
        links += inner_links
        quote = _quoted_uri(embed.get("record"))
    elif kind.startswith("app.bsky.embed.record"):
        quote = _quoted_uri(embed)
    return media, links, quote


def _media(kind: Literal["image", "video"], url: str, item: Any, ratio: Any, mime_type: Any = None) -> Media:
    """One image or video: its alt text from ``item``, its size from an ``aspectRatio`` object."""
    size = as_dict(ratio)
    return Media(
        kind=kind,
        url=url,
        mime_type=_text(mime_type),
        alt_text=_text(as_dict(item).get("alt")) or None,
        width=as_count(size.get("width")),
        height=as_count(size.get("height")),
    )


def _quoted_uri(embed: Any) -> str | None:
    record = as_dict(as_dict(embed).get("record"))
    # A view nests the record view under "record"; a record embed holds a strongRef there.
    inner = as_dict(record.get("record"))
    if "uri" in inner:
        record = inner
    uri = _text(record.get("uri"))
    # A quoted feed, list or starter pack is no post: ``quote_of`` names posts only (it is liked,
    # replied to and read as one).
    return uri if uri and "/app.bsky.feed.post/" in uri else None


def _blob_cid(blob: Mapping[str, Any]) -> str | None:
    """A blob's CID as text, however the record came: JSON (``{"$link": …}``), decoded CBOR (the
    firehose's CAR blocks: the CID's bytes) or the legacy blob form (``cid``)."""
    ref = blob.get("ref")
    if isinstance(ref, bytes) and ref[:1] == b"\x01":  # a binary CIDv1: its base32 multibase text
        return "b" + base64.b32encode(ref).decode("ascii").lower().rstrip("=")
    return as_str(as_dict(ref).get("$link")) or as_str(blob.get("cid"))


def _blob_url(blob: Mapping[str, Any], *, did: str, blob_base: str) -> str | None:
    """Where the PDS serves a blob of ``did``'s repo (``None`` without a CID)."""
    cid = _blob_cid(blob)
    if not cid:
        return None
    return f"{blob_base}/xrpc/com.atproto.sync.getBlob?did={quote_param(did)}&cid={quote_param(cid)}"


def _media_from_record_embed(
    embed: Any, *, did: str, blob_base: str
) -> tuple[list[Media], list[str], str | None]:
    """(media, links, quoted uri) from the embed inside a record (blob refs, not URLs)."""
    embed = as_dict(embed)
    kind = as_str(embed.get("$type")) or ""
    media: list[Media] = []
    links: list[str] = []
    quote: str | None = None
    if kind == "app.bsky.embed.images":
        for image in as_list(embed.get("images")):
            image = as_dict(image)
            blob = as_dict(image.get("image"))
            url = _blob_url(blob, did=did, blob_base=blob_base)
            if url:
                media.append(_media("image", url, image, image.get("aspectRatio"), blob.get("mimeType")))
    elif kind == "app.bsky.embed.video":
        blob = as_dict(embed.get("video"))
        url = _blob_url(blob, did=did, blob_base=blob_base)
        if url:
            media.append(_media("video", url, embed, embed.get("aspectRatio"), blob.get("mimeType")))
    elif kind == "app.bsky.embed.external":
        uri = web_link(_text(as_dict(embed.get("external")).get("uri")))  # a link card: web pages only
        if uri:
            links.append(uri)
    elif kind == "app.bsky.embed.recordWithMedia":
        media, links, _ = _media_from_record_embed(embed.get("media"), did=did, blob_base=blob_base)
        quote = _quoted_uri(embed.get("record"))
    elif kind == "app.bsky.embed.record":
        quote = _quoted_uri(embed)
    return media, links, quote


def _content_warning(*label_lists: Any) -> str | None:
    values: dict[str, None] = {}
    for labels in label_lists:
        for label in as_list(labels):
            label = as_dict(label)
            value = _text(label.get("val"))
            if value and not value.startswith("!no-") and not label.get("neg"):
                values.setdefault(value, None)
    return ", ".join(values) or None


def _merge(*groups: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for item in group:
            seen.setdefault(item, None)
    return tuple(seen)


def _base_post(uri: str, record: Any, author: Account, *, web_url: str) -> dict[str, Any]:
    record = as_dict(record)
    text = _text(record.get("text")) or ""
    tags, mentions, links = facet_values(text, record.get("facets"))
    reply = as_dict(record.get("reply"))
    langs = as_list(record.get("langs"))
    created = as_datetime(record.get("createdAt")) or datetime.now(timezone.utc)
    rkey = parse_at_uri(uri, network=NETWORK, collection=None).rkey
    self_labels = as_dict(record.get("labels")).get("values")
    listed = _merge(tags, [t for t in map(_text, as_list(record.get("tags"))) if t])
    return {
        "network": NETWORK,
        "id": uri,
        "url": profile_url(web_url, author.handle, rkey),
        "author": author,
        "text": text,
        "created_at": created,
        "reply_to": _text(as_dict(reply.get("parent")).get("uri")),
        "root_id": _text(as_dict(reply.get("root")).get("uri")),
        "tags": normalise_tags(listed) if listed else (),  # as Post's validator normalises them
        "mentions": tuple(map(str.__str__, mentions)),
        "links": tuple(map(str.__str__, links)),
        "language": _text(langs[0]) if langs else None,
        "visibility": "public",
        "self_labels": self_labels,
    }


@_guarded("post view")
def post_from_view(
    view: Any,
    *,
    web_url: str,
    reposted_by: Account | None = None,
    authors: dict[str, Account] | None = None,
) -> Post:
    """``app.bsky.feed.defs#postView`` (AppView) -> Post with media, quote, counts and labels.

    ``authors`` caches the authors of one page by DID (a page is often one author's).
    """
    view = as_dict(view)
    author_view = as_dict(view.get("author"))
    did = as_str(author_view.get("did")) or ""
    author = authors.get(did) if authors is not None else None
    if author is None:
        author = account_from_view(author_view, web_url=web_url)
        if authors is not None:
            authors[did] = author
    record = as_dict(view.get("record"))
    uri = _text(view.get("uri"))
    if not uri:
        raise malformed(NETWORK, "post view (no uri)")
    fields = _base_post(uri, record, author, web_url=web_url)
    self_labels = fields.pop("self_labels")
    media, embed_links, quote = _media_from_embed_view(view.get("embed"))
    if quote is None:
        _, _, quote = _media_from_record_embed(record.get("embed"), did=author.id, blob_base="")
    fields["links"] = _merge(fields["links"], embed_links)
    fields["media"] = tuple(media)
    fields["quote_of"] = quote
    fields["content_warning"] = _content_warning(view.get("labels"), self_labels)
    fields["reposted_by"] = reposted_by
    fields["metrics"] = Engagement._trusted(
        {
            "likes": as_count(view.get("likeCount")),
            "reposts": as_count(view.get("repostCount")),
            "replies": as_count(view.get("replyCount")),
            "quotes": as_count(view.get("quoteCount")),
        }
    )
    fields["raw"] = _raw(view)
    # Built without validation: every value is what it would leave (exact ``str``, tuples, tags
    # normalised, ``timezone.utc`` times, ``raw`` a dict of the post's own); the post views of a
    # listing convert in about two thirds of the time. tests/bluesky/test_trusted.py holds the two equal.
    return Post._trusted(fields)


@_guarded("post record")
def post_from_record(
    uri: str, cid: str | None, record: Any, author: Account, *, web_url: str, blob_base: str
) -> Post:
    """A post record as stored in the repo (PDS) -> Post; counts are unknown there."""
    uri = _text(uri) or ""
    record = as_dict(record)
    fields = _base_post(uri, record, author, web_url=web_url)
    self_labels = fields.pop("self_labels")
    media, embed_links, quote = _media_from_record_embed(
        record.get("embed"), did=author.id, blob_base=blob_base
    )
    fields["links"] = _merge(fields["links"], embed_links)
    return Post(
        **fields,
        media=tuple(media),
        quote_of=quote,
        content_warning=_content_warning(self_labels),
        raw={"uri": uri, "cid": as_str(cid), "record": record},
    )


def notification_kind(reason: str) -> NotificationKind:
    """The neutral kind of a notification ``reason`` (likes and reposts via a repost count as such)."""
    return as_notification_kind(reason, _RENAMED_KINDS)


def notification_subject(item: Any) -> str | None:
    """The at-URI of the post a like or repost notification is about, ``None`` when none is named.

    ``reasonSubject`` names the liked (reposted) post, except for a like or
    repost made through one of our reposts (``like-via-repost``): there it
    names our repost record, and the post is the new record's ``subject``.
    """
    item = as_dict(item)
    named = [
        as_str(item.get("reasonSubject")),
        as_str(as_dict(as_dict(item.get("record")).get("subject")).get("uri")),
    ]
    for uri in named:
        if uri is None:
            continue
        try:
            parse_at_uri(uri, network=NETWORK)
        except InvalidInput:
            continue  # not a post (a repost record, a feed generator): not what was liked
        return uri
    return None


@_guarded("notification")
def notification_from_view(item: Any, *, web_url: str, blob_base: str, subject: Post | None) -> Notification:
    """``app.bsky.notification.listNotifications#notification`` -> Notification.

    For replies, mentions and quotes the post is the new post itself; for
    likes and reposts it is the post that was liked or reposted (``subject``).
    """
    item = as_dict(item)
    author = account_from_view(as_dict(item.get("author")), web_url=web_url)
    kind = notification_kind(as_str(item.get("reason")) or "")
    uri = _text(item.get("uri"))
    if not uri:
        raise malformed(NETWORK, "notification (no uri)")
    post: Post | None = subject
    record = as_dict(item.get("record"))
    if kind in ("reply", "mention", "quote") and record.get("$type") == "app.bsky.feed.post":
        post = post_from_record(
            uri, as_str(item.get("cid")), record, author, web_url=web_url, blob_base=blob_base
        )
    return Notification(
        network=NETWORK,
        id=uri,
        kind=kind,
        created_at=as_datetime(item.get("indexedAt"))
        or as_datetime(record.get("createdAt"))
        or datetime.now(timezone.utc),
        account=author,
        post=post,
        read=item.get("isRead") if isinstance(item.get("isRead"), bool) else None,
        raw=item,
    )
