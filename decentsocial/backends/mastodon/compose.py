"""Drafts -> what Mastodon accepts: the status text, limits read from the instance, media types.

Everything here runs before any write, so bad input fails with a typed
error and nothing is uploaded or posted.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ...coerce import as_dict, as_int
from ...errors import ContentRejected, InvalidInput
from ...media_types import sniff_type
from ...models import Draft, Media
from ...text import grapheme_len, hashtags, links, mastodon_len, mentions, mentions_before, normalise_tag
from .convert import NETWORK, VISIBILITY_TO_MASTODON

__all__ = [
    "MAX_UPLOAD_BYTES",
    "InstanceLimits",
    "check_length",
    "check_limits",
    "check_mention",
    "check_static",
    "check_supported",
    "compose_text",
    "handle_key",
    "header_key",
    "known_mime",
    "mastodon_visibility",
    "media_mime",
    "poll_params",
    "status_length",
    "status_params",
    "told_mime",
    "upload_limit",
]

#: Mastodon refuses a scheduled_at less than this far ahead.
MIN_SCHEDULE_AHEAD = timedelta(minutes=5)
#: The largest attachment taken when the instance does not say: more than any default (Mastodon's
#: are 16 MiB for images, 99 MiB for video), so only a file no server takes is refused unasked.
MAX_UPLOAD_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class InstanceLimits:
    """What the instance says it accepts (Mastodon's defaults where it says nothing)."""

    max_characters: int = 500
    url_length: int = 23
    max_media: int = 4
    poll_max_options: int = 4
    poll_max_option_chars: int = 50
    poll_min_expiration: int = 300
    poll_max_expiration: int = 2_629_746
    #: The larger of the image and video size limits: what the server takes, whatever the kind.
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    #: ``image_size_limit``: a still image's (JPEG, PNG, WebP…); the larger limit where not said.
    image_upload_bytes: int = MAX_UPLOAD_BYTES
    #: The longest alt text (Mastodon counts characters, i.e. code points).
    description_limit: int = 1500
    #: ``supported_mime_types`` (lower case): the only types the instance takes; ``None`` where it
    #: does not say (then no type is refused before the upload).
    supported_mime_types: frozenset[str] | None = None

    @classmethod
    def from_instance(cls, instance: Mapping[str, Any]) -> InstanceLimits:
        """Read v2 (or v1) ``configuration``; Pleroma/Akkoma's ``max_toot_chars``/``poll_limits`` too."""
        instance = as_dict(instance)
        config = instance.get("configuration")
        statuses = _section(config, "statuses")
        media = _section(config, "media_attachments")
        polls = _section(config, "polls") or _section(instance, "poll_limits")
        default = cls()

        def pick(section: Mapping[str, Any], key: str, fallback: int) -> int:
            value = as_int(section.get(key))
            return value if value is not None and value > 0 else fallback

        max_chars = pick(statuses, "max_characters", 0) or pick(
            instance, "max_toot_chars", default.max_characters
        )
        largest = max(pick(media, "image_size_limit", 0), pick(media, "video_size_limit", 0))
        largest = largest or default.max_upload_bytes
        return cls(
            max_characters=max_chars,
            url_length=pick(statuses, "characters_reserved_per_url", default.url_length),
            max_media=pick(statuses, "max_media_attachments", 0)
            or pick(media, "max_media_attachments", default.max_media),
            poll_max_options=pick(polls, "max_options", default.poll_max_options),
            poll_max_option_chars=pick(polls, "max_characters_per_option", 0)
            or pick(polls, "max_option_chars", default.poll_max_option_chars),
            poll_min_expiration=pick(polls, "min_expiration", default.poll_min_expiration),
            poll_max_expiration=pick(polls, "max_expiration", default.poll_max_expiration),
            max_upload_bytes=largest,
            image_upload_bytes=pick(media, "image_size_limit", largest),
            description_limit=pick(media, "description_limit", default.description_limit),
            supported_mime_types=_mime_types(media.get("supported_mime_types")),
        )


def _mime_types(value: Any) -> frozenset[str] | None:
    """The announced types, lower case; ``None`` for no list (or an empty or malformed one)."""
    if not isinstance(value, list):
        return None
    types = frozenset(_essence(item) for item in value if isinstance(item, str) and item.strip())
    return types or None


def _essence(mime: str) -> str:
    """``mime`` without parameters, lower case: ``Image/JPEG; q=1`` is ``image/jpeg`` (RFC 9110)."""
    return mime.partition(";")[0].strip().lower()


def _section(parent: Any, key: str) -> Mapping[str, Any]:
    return as_dict(as_dict(parent).get(key))


def handle_key(handle: str, local_domain: str | None = None) -> str:
    """``handle`` as one account: lowercased, no ``@``, and no domain when it is the instance's own.

    ``bob@remote.example`` and a local ``bob`` are two accounts: only ``bob@<local_domain>``
    and ``bob`` are one.
    """
    clean = handle.strip().lstrip("@").lower()
    user, _, domain = clean.partition("@")
    return user if domain and local_domain and domain == local_domain.lower() else clean


def compose_text(draft: Draft, *, reply_to_handle: str | None = None, local_domain: str | None = None) -> str:
    """The status text: a title as first paragraph, missing mentions first, missing tags and link last
    (the link card's URL unless it is one of the text's links, not merely a piece of one).

    Mastodon makes mentions, hashtags and the link card from the text itself,
    so what the draft carries in fields is written into the text. A mention
    counts as present only for the same account (see :func:`handle_key`).
    A right-to-left text stays right to left (see
    :func:`~decentsocial.text.mentions_before`).
    """
    body = draft.text.strip()
    if draft.title:
        body = f"{draft.title.strip()}\n\n{body}" if body else draft.title.strip()
    present_mentions = {handle_key(m, local_domain) for m in mentions(body)}
    wanted = list(draft.mentions)
    if reply_to_handle:
        wanted.insert(0, reply_to_handle)
    missing = []
    for handle in wanted:
        clean = handle.strip().lstrip("@")
        key = handle_key(clean, local_domain)
        if clean and key not in present_mentions:
            missing.append(clean)
            present_mentions.add(key)
    body = mentions_before(body, missing)
    present_tags = set(hashtags(body))
    extra_tags = [f"#{t}" for t in draft.all_tags if t not in present_tags]
    if extra_tags:
        body = f"{body}\n\n{' '.join(extra_tags)}" if body else " ".join(extra_tags)
    # A link of the text's own, not a piece of one: ".../launch" is not in ".../launch-2026".
    if draft.link is not None and draft.link.url not in links(body):
        body = f"{body}\n\n{draft.link.url}" if body else draft.link.url
    return body


def status_length(text: str, content_warning: str | None, url_length: int) -> int:
    """Mastodon's count of a whole status (:func:`decentsocial.text.mastodon_len`, the one rule)."""
    return mastodon_len(text, url_length, content_warning=content_warning or "")


def mastodon_visibility(value: str | None) -> str | None:
    """The neutral visibility as Mastodon's word ("followers" -> "private")."""
    if value is None:
        return None
    try:
        return VISIBILITY_TO_MASTODON[value]
    except KeyError:
        known = ", ".join(sorted(VISIBILITY_TO_MASTODON))
        raise InvalidInput(f"unknown visibility {value!r}; one of: {known}", network=NETWORK) from None


def known_mime(media: Media, data: bytes | None = None) -> str | None:
    """The attachment's MIME type: :func:`told_mime`, else guessed from the file name; ``None`` while
    unknown (a file not read yet whose name says nothing).

    The name is a fallback only: ``flyer.pdf`` holding a PNG is a PNG once its bytes are read (the
    type declared on the upload is what Mastodon checks), while planning, which reads no file, has
    nothing better than the name to measure it by.
    """
    told = told_mime(media, data)
    if told is None and media.path is not None:
        told, _ = mimetypes.guess_type(media.path.name)
    return told


def told_mime(media: Media, data: bytes | None = None) -> str | None:
    """The type known for sure: ``Media.mime_type``, else what ``data`` (else ``Media.data``) is
    sniffed as (:func:`~decentsocial.media_types.sniff_type`); ``None`` for bytes it cannot tell, or
    none read yet."""
    if media.mime_type:
        return media.mime_type
    data = media.data if data is None else data
    return None if data is None else sniff_type(data)


def check_supported(number: int, media: Media, limits: InstanceLimits, data: bytes | None = None) -> None:
    """Attachment ``number`` of a type the instance does not list in ``supported_mime_types`` is
    refused before any upload (Mastodon would refuse the upload with a 422).

    Only a type that is known counts (:func:`told_mime`): ``Media.mime_type``, or what the bytes
    (``data`` once a file is read, else ``Media.data``) are sniffed as. A file's name is no proof of
    its type (``flyer.pdf`` may hold a PNG), and an instance that lists no types is left to decide.
    """
    if limits.supported_mime_types is None:
        return
    mime = told_mime(media, data)
    if mime is not None and _essence(mime) not in limits.supported_mime_types:
        raise ContentRejected(
            f"attachment {number} is of type {mime[:60]!r}, which this server does not take "
            "(see supported_mime_types in its instance document)",
            network=NETWORK,
        )


def media_mime(media: Media, data: bytes) -> str:
    """The attachment's MIME type (:func:`known_mime`); one that cannot be told is refused."""
    mime = known_mime(media, data)
    if mime is None:
        raise ContentRejected("cannot tell the media's type; set Media.mime_type", network=NETWORK)
    return mime


def upload_limit(media: Media, limits: InstanceLimits, data: bytes | None = None) -> tuple[int, str]:
    """The most bytes the instance takes for this attachment, and what it is called.

    Mastodon measures an upload by its type: a still image by ``image_size_limit`` (16 MiB by
    default), a video, audio or an animated GIF (which it turns into a video) by ``video_size_limit``
    (99 MiB). A type known for sure (:func:`told_mime`: ``Media.mime_type``, or what the bytes,
    ``data`` once a file is read, are) decides, as it is the type the upload declares, whatever the
    file is called or ``kind`` says: ``photo.mp4`` holding a PNG is an image, ``clip.png`` holding an
    MP4 a video. Otherwise the name is only a guess: a ``kind="image"`` whose name says a still
    image has the image limit (planning measures a file by it, unread), anything else the larger one.
    """
    told = told_mime(media, data)
    if told is not None:
        still = _still_image(told)
    else:
        still = media.kind == "image" and _still_image(known_mime(media) or "")
    return (limits.image_upload_bytes, "image ") if still else (limits.max_upload_bytes, "")


def _still_image(mime: str) -> bool:
    """Whether Mastodon measures ``mime`` by its image limit: an ``image/*`` other than GIF."""
    essence = _essence(mime)
    return essence.startswith("image/") and essence != "image/gif"


def check_static(draft: Draft, *, now: datetime | None = None) -> None:
    """Checks that need no server: visibility, media sources, poll with media, tags, mentions and the
    schedule time."""
    mastodon_visibility(draft.visibility)
    for item in draft.media:
        if not item.has_bytes:
            raise ContentRejected(
                "Mastodon uploads media from bytes; this Media has only a URL", network=NETWORK
            )
    if draft.poll is not None and draft.media:
        raise ContentRejected("Mastodon does not allow a poll and media in one post", network=NETWORK)
    for tag in draft.tags:  # written into the text as "#tag", which Mastodon must read back as this tag
        read = hashtags(f"#{tag}")
        if read != (normalise_tag(tag),):
            raise ContentRejected(
                f"the tag {tag!r} cannot be a Mastodon hashtag (letters, digits and _, at least one letter):"
                f" written as #{tag} it would tag {f'#{read[0]}' if read else 'nothing'}",
                network=NETWORK,
            )
    for handle in draft.mentions:  # written into the text as "@handle": it must name one account there
        check_mention(handle)
    if draft.scheduled_at is not None:
        now = now or datetime.now(timezone.utc)
        if draft.scheduled_at < now + MIN_SCHEDULE_AHEAD:
            raise ContentRejected(
                "scheduled_at must be at least 5 minutes in the future (Mastodon's rule)", network=NETWORK
            )


#: A local account's name (Mastodon's ``/\A[a-z0-9_]+\z/i``): no dot, so a Bluesky handle is none.
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_]+")
#: A Nostr key (NIP-19 ``npub1…``, ``nprofile1…``): letters and digits like a name, but no account here.
_NOSTR_KEY = re.compile(r"n(?:pub|profile)1[02-9ac-hj-np-z]{6,}", re.IGNORECASE)


def check_mention(handle: str) -> None:
    """``ContentRejected`` for a ``Draft.mentions`` entry that names no Mastodon account: one that is not
    ``user`` (a local account) or ``user@domain`` as the status text reads it, such as a Bluesky handle
    (``alice.bsky.social``) or a Nostr key. Written into the status it would stay text, notifying nobody,
    while the post went out as if the mention had been made (Bluesky refuses such an entry too)."""
    clean = handle.strip().lstrip("@")
    if not clean:  # nothing to write (compose_text leaves it out)
        return
    user, at, domain = clean.partition("@")
    if at:  # another server's account (or this one's, named with its domain): the server resolves it
        named = bool(user.strip()) and bool(domain.strip())
    else:
        named = _LOCAL_NAME.fullmatch(user) is not None and _NOSTR_KEY.fullmatch(user) is None
    if not named:
        raise ContentRejected(
            f"Draft.mentions holds {handle[:100]!r}, which names no Mastodon account: write @user for a "
            "local account or @user@domain for any other (a Bluesky handle or a Nostr key mentions nobody "
            "here)",
            network=NETWORK,
        )


def check_length(draft: Draft, text: str, limits: InstanceLimits) -> None:
    """The whole status (``text`` as composed, and the content warning) against the instance's limit."""
    length = status_length(text, draft.content_warning, limits.url_length)
    if length > limits.max_characters:
        raise ContentRejected(
            f"text is {length} characters, over this server's limit of {limits.max_characters}"
            f" (URLs count as {limits.url_length}, the content warning counts too)",
            network=NETWORK,
        )


def check_limits(draft: Draft, limits: InstanceLimits) -> None:
    """Attachments (how many, each file's size known without reading it, each known type) and poll
    against the instance's own numbers."""
    if len(draft.media) > limits.max_media:
        raise ContentRejected(
            f"{len(draft.media)} attachments, over this server's limit of {limits.max_media}", network=NETWORK
        )
    for number, media in enumerate(draft.media, 1):
        described = len(media.alt_text or "")
        if described > limits.description_limit:
            raise ContentRejected(
                f"an attachment's alt text is {described} characters, over this server's limit of "
                f"{limits.description_limit}",
                network=NETWORK,
            )
        size = media.byte_size(network=NETWORK)
        if size == 0:
            raise ContentRejected("media is empty", network=NETWORK)
        if media.data is not None:  # as publishing refuses it; a file's bytes are sniffed once read
            media_mime(media, media.data)
        check_supported(number, media, limits)
        cap, which = upload_limit(media, limits)
        if size is not None and size > cap:
            raise ContentRejected(
                f"an attachment of {size:,} bytes, over this server's {which}limit of {cap:,}",
                network=NETWORK,
            )
    poll = draft.poll
    if poll is None:
        return
    if len(poll.options) > limits.poll_max_options:
        raise ContentRejected(
            f"a poll with {len(poll.options)} options, over this server's limit of {limits.poll_max_options}",
            network=NETWORK,
        )
    for option in poll.options:
        if not option.strip():
            raise ContentRejected("a poll option is empty", network=NETWORK)
        length = grapheme_len(option)
        if length > limits.poll_max_option_chars:
            raise ContentRejected(
                f"poll option {option[:20]!r}… is {length} characters, over this server's limit of "
                f"{limits.poll_max_option_chars}",
                network=NETWORK,
            )
    if len({option.strip() for option in poll.options}) < len(poll.options):
        raise ContentRejected("a poll has the same option twice (Mastodon refuses that)", network=NETWORK)
    if not limits.poll_min_expiration <= poll.expires_in <= limits.poll_max_expiration:
        raise ContentRejected(
            f"poll expires_in {poll.expires_in}s is outside this server's range "
            f"{limits.poll_min_expiration}–{limits.poll_max_expiration}s",
            network=NETWORK,
        )


def poll_params(draft: Draft) -> dict[str, Any] | None:
    """The draft's poll as Mastodon takes it (a post's and an edit's), ``None`` without one."""
    p = draft.poll
    if p is None:
        return None
    return {
        "options": list(p.options),
        "expires_in": p.expires_in,
        "multiple": p.multiple,
        "hide_totals": p.hide_totals,
    }


def header_key(key: str) -> str:
    """``key`` as an ``Idempotency-Key`` header value: as it is when it is plain printable ASCII, else
    a digest of its UTF-8 (a header carries no Arabic or emoji, nor a line break), always the same."""
    if key.isascii() and key.isprintable() and key == key.strip():
        return key
    return "decentsocial-utf8-" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def status_params(draft: Draft, media_ids: list[str], idempotency_key: str) -> dict[str, Any]:
    """The keyword arguments of ``POST /api/v1/statuses`` (besides the text) for a checked draft."""
    poll = poll_params(draft)
    params: dict[str, Any] = {
        "in_reply_to_id": draft.reply_to,
        "media_ids": media_ids or None,
        "sensitive": draft.sensitive or None,
        "visibility": mastodon_visibility(draft.visibility),
        "spoiler_text": draft.content_warning or None,
        "language": draft.language,
        "idempotency_key": header_key(idempotency_key),
        "poll": poll,
        "scheduled_at": draft.scheduled_at,
    }
    if draft.quote_of is not None:
        params["quoted_status_id"] = draft.quote_of
    return params
