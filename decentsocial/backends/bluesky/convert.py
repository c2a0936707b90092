"""AT Protocol JSON -> neutral models.

Works on the JSON the server sent (dicts), which is also what ``raw`` keeps:
``app.bsky.feed.defs#postView`` from the AppView, and plain
``app.bsky.feed.post`` records from the PDS.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from ...coerce import as_datetime, as_dict, as_int, as_notification_kind, as_str, malformed
from ...models import Account, Engagement, Media, Notification, NotificationKind, Post
from .ids import parse_at_uri
from .richtext import facet_values

__all__ = [
    "account_from_view",
    "notification_from_view",
    "notification_kind",
    "post_from_record",
    "post_from_view",
]

NETWORK = "bluesky"
#: The reasons Bluesky names otherwise than the neutral kinds (a like or repost of one's repost).
_RENAMED_KINDS: dict[str, NotificationKind] = {"like-via-repost": "like", "repost-via-repost": "repost"}


def account_from_view(view: dict[str, Any], *, web_url: str) -> Account:
    """``app.bsky.actor.defs#profileView*`` -> Account (counts only in the detailed view)."""
    did = str(view.get("did", ""))
    handle = str(view.get("handle", did))
    labels = {str(label.get("val")) for label in view.get("labels") or () if isinstance(label, dict)}
    return Account(
        network=NETWORK,
        id=did,
        handle=handle,
        display_name=view.get("displayName") or None,
        url=f"{web_url}/profile/{handle}",
        bio=view.get("description") or None,
        avatar_url=view.get("avatar") or None,
        followers=as_int(view.get("followersCount")),
        following=as_int(view.get("followsCount")),
        posts_count=as_int(view.get("postsCount")),
        created_at=as_datetime(view.get("createdAt")),
        bot=True if "bot" in labels else None,
        raw=view,
    )


def _media_from_embed_view(embed: dict[str, Any]) -> tuple[list[Media], list[str], str | None]:
    """(media, links, quoted post uri) from an embed view (what the AppView sends)."""
    kind = str(embed.get("$type", ""))
    media: list[Media] = []
    links: list[str] = []
    quote: str | None = None
    if kind.startswith("app.bsky.embed.images"):
        for image in embed.get("images") or ():
            url = image.get("fullsize") or image.get("thumb")
            if url:
                media.append(_media("image", str(url), image, image.get("aspectRatio")))
    elif kind.startswith("app.bsky.embed.video"):
        url = embed.get("playlist") or embed.get("thumbnail")
        if url:
            media.append(_media("video", str(url), embed, embed.get("aspectRatio")))
    elif kind.startswith("app.bsky.embed.external"):
        external = embed.get("external") or {}
        if external.get("uri"):
            links.append(str(external["uri"]))
    elif kind.startswith("app.bsky.embed.recordWithMedia"):
        inner_media, inner_links, _ = _media_from_embed_view(embed.get("media") or {})
        media += inner_media
        links += inner_links
        quote = _quoted_uri(embed.get("record") or {})
    elif kind.startswith("app.bsky.embed.record"):
        quote = _quoted_uri(embed)
    return media, links, quote


def _media(
    kind: Literal["image", "video"], url: str, item: dict[str, Any], ratio: Any, mime_type: Any = None
) -> Media:
    """One image or video: its alt text from ``item``, its size from an ``aspectRatio`` object."""
    size = as_dict(ratio)
    return Media(
        kind=kind,
        url=url,
        mime_type=as_str(mime_type),
        alt_text=as_str(item.get("alt")) or None,
        width=as_int(size.get("width")),
        height=as_int(size.get("height")),
    )


def _quoted_uri(embed: dict[str, Any]) -> str | None:
    record = embed.get("record") or {}
    # A view nests the record view under "record"; a record embed holds a strongRef there.
    if isinstance(record.get("record"), dict) and "uri" in record["record"]:
        record = record["record"]
    uri = record.get("uri")
    return str(uri) if uri else None


def _media_from_record_embed(
    embed: dict[str, Any], *, did: str, blob_base: str
) -> tuple[list[Media], list[str], str | None]:
    """(media, links, quoted uri) from the embed inside a record (blob refs, not URLs)."""
    kind = str(embed.get("$type", ""))
    media: list[Media] = []
    links: list[str] = []
    quote: str | None = None
    if kind == "app.bsky.embed.images":
        for image in embed.get("images") or ():
            blob = image.get("image") or {}
            cid = (blob.get("ref") or {}).get("$link")
            if cid:
                url = f"{blob_base}/xrpc/com.atproto.sync.getBlob?did={did}&cid={cid}"
                media.append(_media("image", url, image, image.get("aspectRatio"), blob.get("mimeType")))
    elif kind == "app.bsky.embed.external":
        external = embed.get("external") or {}
        if external.get("uri"):
            links.append(str(external["uri"]))
    elif kind == "app.bsky.embed.recordWithMedia":
        media, links, _ = _media_from_record_embed(embed.get("media") or {}, did=did, blob_base=blob_base)
        quote = _quoted_uri(embed.get("record") or {})
    elif kind == "app.bsky.embed.record":
        quote = _quoted_uri(embed)
    return media, links, quote


def _content_warning(*label_lists: Any) -> str | None:
    values: dict[str, None] = {}
    for labels in label_lists:
        for label in labels or ():
            value = label.get("val") if isinstance(label, dict) else None
            if isinstance(value, str) and value and not value.startswith("!no-"):
                if label.get("neg"):
                    continue
                values.setdefault(value, None)
    return ", ".join(values) or None


def _merge(*groups: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for item in group:
            seen.setdefault(item, None)
    return tuple(seen)


def _base_post(uri: str, record: dict[str, Any], author: Account, *, web_url: str) -> dict[str, Any]:
    text = str(record.get("text", ""))
    tags, mentions, links = facet_values(text, record.get("facets"))
    reply = record.get("reply") or {}
    langs = record.get("langs") or []
    created = as_datetime(record.get("createdAt")) or datetime.now(timezone.utc)
    rkey = parse_at_uri(uri, network=NETWORK, collection=None).rkey
    self_labels = (
        (record.get("labels") or {}).get("values") if isinstance(record.get("labels"), dict) else None
    )
    return {
        "network": NETWORK,
        "id": uri,
        "url": f"{web_url}/profile/{author.handle}/post/{rkey}",
        "author": author,
        "text": text,
        "created_at": created,
        "reply_to": (reply.get("parent") or {}).get("uri"),
        "root_id": (reply.get("root") or {}).get("uri"),
        "tags": _merge(tags, [str(t) for t in record.get("tags") or ()]),
        "mentions": tuple(mentions),
        "links": links,
        "language": str(langs[0]) if langs else None,
        "visibility": "public",
        "self_labels": self_labels,
    }


def post_from_view(
    view: dict[str, Any],
    *,
    web_url: str,
    reposted_by: Account | None = None,
    authors: dict[str, Account] | None = None,
) -> Post:
    """``app.bsky.feed.defs#postView`` (AppView) -> Post with media, quote, counts and labels.

    ``authors`` caches the authors of one page by DID (a page is often one author's).
    """
    author_view = view.get("author") or {}
    did = str(author_view.get("did", ""))
    author = authors.get(did) if authors is not None else None
    if author is None:
        author = account_from_view(author_view, web_url=web_url)
        if authors is not None:
            authors[did] = author
    record = view.get("record") or {}
    uri = as_str(view.get("uri"))
    if not uri:
        raise malformed(NETWORK, "post view (no uri)")
    fields = _base_post(uri, record, author, web_url=web_url)
    self_labels = fields.pop("self_labels")
    media, embed_links, quote = _media_from_embed_view(view["embed"]) if view.get("embed") else ([], [], None)
    if quote is None and isinstance(record.get("embed"), dict):
        _, _, quote = _media_from_record_embed(record["embed"], did=author.id, blob_base="")
    fields["links"] = _merge(fields["links"], embed_links)
    return Post(
        **fields,
        media=tuple(media),
        quote_of=quote,
        content_warning=_content_warning(view.get("labels"), self_labels),
        reposted_by=reposted_by,
        metrics=Engagement(
            likes=as_int(view.get("likeCount")),
            reposts=as_int(view.get("repostCount")),
            replies=as_int(view.get("replyCount")),
            quotes=as_int(view.get("quoteCount")),
        ),
        raw=view,
    )


def post_from_record(
    uri: str, cid: str | None, record: dict[str, Any], author: Account, *, web_url: str, blob_base: str
) -> Post:
    """A post record as stored in the repo (PDS) -> Post; counts are unknown there."""
    fields = _base_post(uri, record, author, web_url=web_url)
    self_labels = fields.pop("self_labels")
    media, embed_links, quote = (
        _media_from_record_embed(record["embed"], did=author.id, blob_base=blob_base)
        if isinstance(record.get("embed"), dict)
        else ([], [], None)
    )
    fields["links"] = _merge(fields["links"], embed_links)
    return Post(
        **fields,
        media=tuple(media),
        quote_of=quote,
        content_warning=_content_warning(self_labels),
        raw={"uri": uri, "cid": cid, "record": record},
    )


def notification_kind(reason: str) -> NotificationKind:
    """The neutral kind of a notification ``reason`` (likes and reposts via a repost count as such)."""
    return as_notification_kind(reason, _RENAMED_KINDS)


def notification_from_view(
    item: dict[str, Any], *, web_url: str, blob_base: str, subject: Post | None
) -> Notification:
    """``app.bsky.notification.listNotifications#notification`` -> Notification.

    For replies, mentions and quotes the post is the new post itself; for
    likes and reposts it is the post that was liked or reposted (``subject``).
    """
    author = account_from_view(item.get("author") or {}, web_url=web_url)
    kind = notification_kind(str(item.get("reason", "")))
    post: Post | None = subject
    record = item.get("record") or {}
    if kind in ("reply", "mention", "quote") and str(record.get("$type", "")) == "app.bsky.feed.post":
        post = post_from_record(
            str(item["uri"]), item.get("cid"), record, author, web_url=web_url, blob_base=blob_base
        )
    return Notification(
        network=NETWORK,
        id=str(item.get("uri", "")),
        kind=kind,
        created_at=as_datetime(item.get("indexedAt"))
        or as_datetime(record.get("createdAt"))
        or datetime.now(timezone.utc),
        account=author,
        post=post,
        read=item.get("isRead") if isinstance(item.get("isRead"), bool) else None,
        raw=item,
    )
