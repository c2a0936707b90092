"""Images for Bluesky: checked before any upload (count, size, type) and measured for the aspect ratio.

Bluesky shows at most 4 images a post; each blob may be at most 1,000,000
bytes (``app.bsky.embed.images``). The width and height come from the
``Media`` when it gives both, otherwise from the image header (PNG, JPEG, GIF, WebP;
not AVIF or HEIC, whose size lies deep in the file), so the app can lay the image out
before loading it. The lexicon sets no limit
on an image's alt text, so none is checked here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from ...coerce import as_dict, as_str, malformed
from ...errors import ContentRejected, NetworkUnavailable
from ...media_types import SNIFFED_IMAGE_TYPES
from ...media_types import image_type as sniff_type
from ...models import Draft, Media
from .ids import blob_cid
from .settings import MAX_IMAGE_BYTES

__all__ = [
    "MAX_IMAGES",
    "MAX_IMAGE_BYTES",
    "SNIFFED_TYPES",
    "PreparedImage",
    "check_images",
    "check_media",
    "checked_blob",
    "prepare_images",
    "prepare_media",
    "sniff",
    "sniff_type",
]

MAX_IMAGES = 4

#: The types :func:`sniff` tells from an image's first bytes. Declared as ``Media.mime_type``, one
#: is checked against the bytes: the PDS stores a blob as the type it finds in them, and a PDF or a
#: text file labelled ``image/png`` (or ``image/avif``) is no image (stored as a document, or under
#: the type declared and shown as a broken image).
SNIFFED_TYPES = SNIFFED_IMAGE_TYPES
#: What the types of :data:`SNIFFED_TYPES` are called in an error.
_SNIFFED_NAMES = "a PNG, JPEG, GIF, WebP, AVIF or HEIC/HEIF image"


@dataclass(frozen=True)
class PreparedImage:
    """An image read and checked before any upload, so a bad one in a draft stops it before any I/O."""

    data: bytes
    mime_type: str
    alt: str
    width: int | None
    height: int | None


def sniff(data: bytes) -> tuple[str | None, int | None, int | None]:
    """(mime type, width, height) read from an image's first bytes; ``None`` where unknown."""
    mime = sniff_type(data)
    if mime == "image/png":
        width, height = struct.unpack(">II", data[16:24])
        return mime, width, height
    if mime == "image/gif":
        width, height = struct.unpack("<HH", data[6:10])
        return mime, width, height
    if mime == "image/webp":
        return (mime, *_webp_size(data))
    if mime == "image/jpeg":
        return (mime, *_jpeg_size(data))
    return mime, None, None  # AVIF and HEIC are not measured


def _webp_size(data: bytes) -> tuple[int | None, int | None]:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None, None


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None, None


def check_images(media: tuple[Media, ...], *, network: str, max_bytes: int = MAX_IMAGE_BYTES) -> None:
    """The checks of :func:`prepare_images` that read no file: count, kind, bytes given, type, size.

    A file's size comes from ``stat``; a ``mime_type`` given (or sniffed from
    ``data``) must be an image, and one of :data:`SNIFFED_TYPES` must be what
    ``data`` holds. So planning (``check_draft``) refuses what publishing
    would; a file is not read here (it may be written only before its post
    goes out), so a file that cannot be read, or whose bytes are not the type
    given, is found when it is read.
    """
    if len(media) > MAX_IMAGES:
        raise ContentRejected(
            f"{len(media)} images attached, over Bluesky's limit of {MAX_IMAGES}", network=network
        )
    for number, item in enumerate(media, 1):
        if item.kind not in ("image", "gif"):
            raise ContentRejected(
                f"attachment {number} is a {item.kind}; this backend uploads images only", network=network
            )
        if not item.has_bytes:
            raise ContentRejected(
                f"image {number} has only a URL; Bluesky uploads the bytes (give Media(path=…) or data=…)",
                network=network,
            )
        _check_size(number, item.byte_size(network=network), max_bytes, network)
        if item.mime_type is not None or item.data is not None:  # a file's own type is known once read
            _checked_mime(number, item.mime_type, item.data, network)


def _check_size(number: int, size: int | None, max_bytes: int, network: str) -> None:
    if size == 0:
        raise ContentRejected(f"image {number} is empty", network=network)
    if size is not None and size > max_bytes:
        raise ContentRejected(
            f"image {number} is {size:,} bytes, over Bluesky's limit of {max_bytes:,} bytes", network=network
        )


def _checked_mime(number: int, declared: str | None, data: bytes | None, network: str) -> str:
    """The type to upload image ``number`` as: its bytes' own (as the PDS will find it), else the
    ``image/*`` type declared. ``data`` is ``None`` for a file not read yet: only the declared type
    is checked then. A declared type of :data:`SNIFFED_TYPES` (PNG, JPEG, GIF, WebP, AVIF, HEIC…)
    whose bytes are none of these is refused: the PDS would store a document (refused as no image
    after the upload, each time it is retried) or a file no one can view."""
    sniffed = None if data is None else sniff_type(data)
    mime = declared or sniffed
    if mime is None or not mime.lower().startswith("image/"):  # a MIME type is case-insensitive
        raise ContentRejected(
            f"image {number} is not a PNG, JPEG, GIF or WebP image, nor an AVIF or HEIC one "
            "(give Media.mime_type)",
            network=network,
        )
    if data is not None and sniffed is None and mime.lower() in SNIFFED_TYPES:
        raise ContentRejected(
            f"image {number} is labelled {mime[:60]!r} but its bytes are not {_SNIFFED_NAMES}",
            network=network,
        )
    return sniffed or mime


def prepare_images(
    media: tuple[Media, ...], *, network: str, max_bytes: int = MAX_IMAGE_BYTES
) -> list[PreparedImage]:
    """Read and check every image before anything is uploaded; ``ContentRejected`` names the problem.

    Each file is read once, after :func:`check_images`, and never past ``max_bytes + 1`` bytes.
    """
    check_images(media, network=network, max_bytes=max_bytes)
    prepared: list[PreparedImage] = []
    for number, item in enumerate(media, 1):
        data = item.read_bytes(max_bytes, network=network)
        _check_size(number, len(data), max_bytes, network)  # the file may have changed since
        mime = _checked_mime(number, item.mime_type, data, network)
        _, width, height = sniff(data)
        if (item.width or 0) > 0 and (item.height or 0) > 0:  # a pair: one given and one sniffed is no ratio
            width, height = item.width, item.height
        prepared.append(PreparedImage(data, mime, item.alt_text or "", width, height))
    return prepared


def checked_blob(answer: dict[str, Any], image: PreparedImage, *, network: str) -> dict[str, Any]:
    """The blob ``uploadBlob`` answered for ``image``, malformed unless it names the bytes sent (their
    CID and size) stored as an image: put in the post, another blob would show something else than
    was uploaded, and one without a CID would show nothing while the publish seemed to succeed.

    Bytes of a declared type :func:`sniff` cannot check (``image/tiff``…) that the PDS found to be no
    image (a PDF, a video) are ``ContentRejected``: retrying would upload them and be refused again."""
    blob = answer.get("blob")
    if not isinstance(blob, dict):
        raise NetworkUnavailable("upload image: the server answered without a blob", network=network)
    cid = as_str(as_dict(blob.get("ref")).get("$link"))
    size, mime = blob.get("size"), as_str(blob.get("mimeType")) or ""
    if cid != blob_cid(image.data) or type(size) is not int or size != len(image.data):
        raise malformed(network, "uploadBlob answer (a blob of other bytes than the image sent)")
    if not mime.startswith("image/"):  # the PDS names the type it sniffed, which may differ from ours
        if sniff_type(image.data) is None:  # bytes not checked here: the PDS read them as no image
            raise ContentRejected(
                f"the server stored an image labelled {image.mime_type[:60]!r} as {mime[:60]!r}: "
                "its bytes are not an image of that type",
                network=network,
            )
        raise malformed(network, f"uploadBlob answer (the image was stored as {mime[:60]!r})")
    return dict(blob)


def check_media(draft: Draft, *, network: str, max_bytes: int = MAX_IMAGE_BYTES) -> None:
    """Everything :func:`prepare_media` checks that reads no file: what ``check_draft`` runs."""
    _check_link(draft, network)
    check_images(draft.media, network=network, max_bytes=max_bytes)
    if draft.link is not None and draft.link.thumbnail is not None:
        check_images((draft.link.thumbnail,), network=network, max_bytes=max_bytes)


def prepare_media(
    draft: Draft, *, network: str, max_bytes: int = MAX_IMAGE_BYTES
) -> tuple[list[PreparedImage], PreparedImage | None]:
    """The draft's images and link-card thumbnail, read and checked before any request."""
    _check_link(draft, network)
    images = prepare_images(draft.media, network=network, max_bytes=max_bytes)
    thumbnail = None if draft.link is None else draft.link.thumbnail
    if thumbnail is None:
        return images, None
    return images, prepare_images((thumbnail,), network=network, max_bytes=max_bytes)[0]


def _check_link(draft: Draft, network: str) -> None:
    # a scheme is case-insensitive (RFC 3986): HTTPS://… is a web link too
    if draft.link is not None and not draft.link.url[:8].lower().startswith(("http://", "https://")):
        scheme = draft.link.url.partition(":")[0] if ":" in draft.link.url[:40] else ""
        shown = repr(scheme[:40]) if scheme.isascii() and scheme.isalnum() else "none"  # never the URL:
        raise ContentRejected(  # it may hold a user name and password
            f"link card URL must be http(s), its scheme is {shown}", network=network
        )
    if draft.link is not None and draft.media:  # a post has one embed: the card would be dropped
        raise ContentRejected(
            "a Bluesky post shows images or a link card, not both: put the link in the text, "
            "or publish the card without images",
            network=network,
        )
