"""The repo records this backend writes (posts, likes, reposts, follows), built without any I/O.

The network module does the lookups and uploads (mention DIDs, reply and
quote targets, image blobs) and hands their results to these functions.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ...coerce import as_dict, as_str, malformed, not_asked_for
from ...errors import InvalidInput
from ...models import Draft
from .ids import POST, AtUri, is_cid, parse_at_uri
from .media import PreparedImage

__all__ = [
    "PROFILE",
    "SELF_LABELS",
    "external_embed",
    "images_embed",
    "now",
    "post_record",
    "record_about",
    "record_parts",
    "reply_ref",
    "self_labels",
    "strong_ref",
    "subject_record",
    "with_pinned",
    "written_parts",
]

#: Self-labels a post may carry (com.atproto.label.defs#selfLabels on app.bsky.feed.post).
SELF_LABELS = ("sexual", "nudity", "porn", "graphic-media")


def now() -> str:
    """The current time as the AT Protocol writes ``createdAt`` (UTC, milliseconds, 'Z')."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def lang_tag(language: str) -> str:
    """A draft's language as a BCP-47 tag: ``ar_SA`` (the form ``locale`` gives) is ``ar-SA``."""
    return language.strip().replace("_", "-")


def subject_record(collection: str, subject: Any) -> dict[str, Any]:
    """A like, repost (subject: a post's strong ref) or follow (subject: a DID) record."""
    return {"$type": collection, "subject": subject, "createdAt": now()}


def self_labels(draft: Draft) -> list[str]:
    """The draft's content warning as a self-label: a known label as is, anything else ``graphic-media``."""
    warning = (draft.content_warning or "").strip().lower()
    if warning in SELF_LABELS:
        return [warning]
    if warning or draft.sensitive:
        return ["graphic-media"]
    return []


def reply_ref(parent_ref: dict[str, str], parent: dict[str, Any]) -> dict[str, Any]:
    """A reply's ``{root, parent}``: the root is the parent's root, or the parent when it is one.

    The parent is someone's record, written without validation maybe: a
    ``reply.root`` that is not a strong ref to a post (an at-URI of a post and
    a CID: the PDS refuses any other) is ignored, and the parent stands as the root.
    """
    root = as_dict(as_dict(parent.get("reply")).get("root"))
    uri, cid = as_str(root.get("uri")) or "", as_str(root.get("cid"))
    if not (_is_post_uri(uri) and is_cid(cid)):
        uri, cid = parent_ref["uri"], parent_ref["cid"]
    return {"root": {"uri": uri, "cid": cid}, "parent": parent_ref}


def _is_post_uri(uri: str) -> bool:
    try:
        parse_at_uri(uri)
    except InvalidInput:
        return False
    return uri.startswith("at://") and uri == uri.strip()


def images_embed(images: list[PreparedImage], blobs: list[dict[str, Any]]) -> dict[str, Any]:
    """``app.bsky.embed.images``: each uploaded blob with its image's alt text and aspect ratio."""
    items = []
    for image, blob in zip(images, blobs, strict=True):
        item: dict[str, Any] = {"alt": image.alt, "image": blob}
        if image.width and image.height:
            item["aspectRatio"] = {"width": image.width, "height": image.height}
        items.append(item)
    return {"$type": "app.bsky.embed.images", "images": items}


def external_embed(draft: Draft, thumb: dict[str, Any] | None) -> dict[str, Any]:
    """The link card of ``draft.link`` (``thumb``: its uploaded thumbnail blob)."""
    assert draft.link is not None
    external: dict[str, Any] = {
        "uri": draft.link.url,
        "title": draft.link.title or "",
        "description": draft.link.description or "",
    }
    if thumb is not None:
        external["thumb"] = thumb
    return {"$type": "app.bsky.embed.external", "external": external}


def post_record(
    draft: Draft,
    *,
    facets: list[dict[str, Any]],
    reply: dict[str, Any] | None,
    quote: dict[str, str] | None,
    media: dict[str, Any] | None,
) -> dict[str, Any]:
    """The ``app.bsky.feed.post`` record for ``draft``.

    ``tags`` holds the draft's extra tags only: hashtags in the text are
    facets already, and the lexicon allows 8 extra tags.
    """
    record: dict[str, Any] = {"$type": POST, "text": draft.text, "createdAt": now()}
    if facets:
        record["facets"] = facets
    if reply is not None:
        record["reply"] = reply
    if draft.language:
        record["langs"] = [lang_tag(draft.language)]
    if draft.tags:
        record["tags"] = list(draft.tags)
    labels = self_labels(draft)
    if labels:
        record["labels"] = {
            "$type": "com.atproto.label.defs#selfLabels",
            "values": [{"val": v} for v in labels],
        }
    if quote is not None:
        record_embed = {"$type": "app.bsky.embed.record", "record": quote}
        record["embed"] = (
            {"$type": "app.bsky.embed.recordWithMedia", "record": record_embed, "media": media}
            if media is not None
            else record_embed
        )
    elif media is not None:
        record["embed"] = media
    return record


#: The profile record (one per account, key ``self``); ``pinnedPost`` is a strong ref to one post.
PROFILE = "app.bsky.actor.profile"


def with_pinned(profile: dict[str, Any] | None, ref: dict[str, str] | None) -> dict[str, Any] | None:
    """The profile record pinning ``ref`` (``None``: none), other fields kept; ``None`` if unchanged."""
    value: dict[str, Any] = dict(profile) if profile is not None else {"$type": PROFILE}
    current = value.get("pinnedPost")
    current_uri = current.get("uri") if isinstance(current, dict) else None
    if ref is None:
        if current is None:
            return None
        del value["pinnedPost"]
        return value
    if current_uri == ref["uri"]:
        return None
    value["pinnedPost"] = ref
    return value


def record_parts(found: dict[str, Any], what: str = "record") -> tuple[str, str, dict[str, Any]]:
    """(uri, cid, value) of a ``getRecord``/``createRecord`` answer; ``malformed`` without a uri."""
    uri = as_str(found.get("uri"))
    if not uri:
        raise malformed("bluesky", f"{what} (no uri)")
    return uri, as_str(found.get("cid")) or "", dict(as_dict(found.get("value")))


def record_about(found: dict[str, Any], target: AtUri, what: str = "record") -> dict[str, Any]:
    """``found`` (a ``getRecord``/``createRecord`` answer) when its uri names ``target``, else the
    malformed-answer error: kept, another record's cid and text would stand for ``target``."""
    try:
        named: AtUri | None = parse_at_uri(as_str(found.get("uri")) or "", collection=None)
    except InvalidInput:
        named = None
    if named != target:
        raise not_asked_for("bluesky", what, str(target), found.get("uri"))
    return found


def written_parts(found: dict[str, Any], target: AtUri, what: str) -> tuple[str, str, dict[str, Any]]:
    """(uri, cid, value) of a ``createRecord``/``getRecord`` answer about ``target``, a record this
    account writes: malformed when it names another record or its cid is no CID, which kept would
    make the post returned (and its later likes, replies, deletes) name a record never written."""
    uri, cid, value = record_parts(record_about(found, target, what), what)
    if not is_cid(cid):
        raise malformed("bluesky", f"{what} (its cid is missing or no CID)")
    return uri, cid, value


def strong_ref(found: dict[str, Any], target: AtUri) -> dict[str, str]:
    """``{uri, cid}`` of the post ``target`` from its record or view (checked to be that post): the
    uri as asked, by DID (an AppView may name the repo by handle, which no like, repost or reply may
    hold: the AppView would not count it), and malformed when the cid is missing or no CID (the PDS
    would refuse the record with it)."""
    cid = as_str(found.get("cid"))
    if not is_cid(cid):
        raise malformed("bluesky", "post reference (its cid is missing or no CID)")
    return {"uri": str(target), "cid": cid}
