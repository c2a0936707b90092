"""The sandbox's attachments: checked against its limits while planning, read and typed when posted.

A file's type is what its bytes tell (:func:`~decentsocial.media_types.sniff_type`), as Mastodon
and Bluesky upload it: a JPEG named ``photo.gif`` is a JPEG, a PDF named ``flyer.png`` a PDF. The
name is the fallback for bytes that tell nothing; a type given as ``Media.mime_type`` is kept as
given, as Mastodon sends it.
"""

from __future__ import annotations

import mimetypes

from ... import errors
from ...media_types import sniff_type
from ...models import Draft, Media
from .settings import NETWORK

__all__ = ["MAX_MEDIA", "MAX_MEDIA_BYTES", "check_media", "media_type", "read_media"]

#: At most this many attachments per post, each at most ``MAX_MEDIA_BYTES``.
MAX_MEDIA = 4
MAX_MEDIA_BYTES = 10 * 1024 * 1024


def check_media(draft: Draft) -> None:
    """How many attachments, and each one's size by ``len`` or ``stat``: no file is read here."""
    if len(draft.media) > MAX_MEDIA:
        raise errors.ContentRejected(
            f"{len(draft.media)} attachments, over the sandbox's limit of {MAX_MEDIA}", network=NETWORK
        )
    for number, item in enumerate(draft.media, 1):
        size = item.byte_size(network=NETWORK)
        if size is not None and size > MAX_MEDIA_BYTES:
            raise errors.ContentRejected(
                f"attachment {number} is {size:,} bytes, "
                f"over the sandbox's limit of {MAX_MEDIA_BYTES:,} bytes",
                network=NETWORK,
            )


def media_type(item: Media, data: bytes) -> str | None:
    """``item``'s type: ``Media.mime_type`` as given, else what ``data`` is, else the file name's guess."""
    if item.mime_type:
        return item.mime_type
    told = sniff_type(data)
    if told is None and item.path is not None:
        told = mimetypes.guess_type(item.path.name)[0]
    return told


def read_media(media: tuple[Media, ...]) -> tuple[Media, ...]:
    """Files are read now (a missing or too big file fails before anything is written) and kept as bytes.

    Like the networks that upload, the sandbox keeps the bytes when it has
    them, with the type they tell; a URL given too is kept beside them, and a
    URL alone is kept as it is.
    """
    kept: list[Media] = []
    for item in media:
        if not item.has_bytes:
            kept.append(item)
            continue
        data = item.read_bytes(MAX_MEDIA_BYTES, network=NETWORK)  # a file's size is checked first
        kept.append(item.model_copy(update={"path": None, "data": data, "mime_type": media_type(item, data)}))
    return tuple(kept)
