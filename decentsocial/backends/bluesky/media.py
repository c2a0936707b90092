"""Images for Bluesky: checked before any upload (count, size, type) and measured for the aspect ratio.

Bluesky shows at most 4 images a post; each blob may be at most 1,000,000
bytes (``app.bsky.embed.images``). The width and height come from the
``Media`` when given, otherwise from the image header (PNG, JPEG, GIF, WebP),
so the app can lay the image out before loading it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ...errors import ContentRejected
from ...models import Media
from .settings import MAX_IMAGE_BYTES

__all__ = ["MAX_IMAGES", "MAX_IMAGE_BYTES", "PreparedImage", "prepare_images", "sniff"]

MAX_IMAGES = 4
MAX_ALT_GRAPHEMES = 10_000  # the lexicon has no limit on alt; the app allows 2,000, be lenient


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
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ("image/webp", *_webp_size(data))
    if data[:2] == b"\xff\xd8":
        return ("image/jpeg", *_jpeg_size(data))
    return None, None, None


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


def prepare_images(
    media: tuple[Media, ...], *, network: str, max_bytes: int = MAX_IMAGE_BYTES
) -> list[PreparedImage]:
    """Read and check every image before anything is uploaded; ``ContentRejected`` names the problem."""
    if len(media) > MAX_IMAGES:
        raise ContentRejected(
            f"{len(media)} images attached, over Bluesky's limit of {MAX_IMAGES}", network=network
        )
    prepared: list[PreparedImage] = []
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
        data = item.read_bytes()
        if not data:
            raise ContentRejected(f"image {number} is empty", network=network)
        if len(data) > max_bytes:
            raise ContentRejected(
                f"image {number} is {len(data):,} bytes, over Bluesky's limit of {max_bytes:,} bytes",
                network=network,
            )
        sniffed, width, height = sniff(data)
        mime = item.mime_type or sniffed
        if mime is None or not mime.startswith("image/"):
            raise ContentRejected(
                f"image {number} is not a PNG, JPEG, GIF or WebP image (give Media.mime_type)",
                network=network,
            )
        width = item.width or width
        height = item.height or height
        prepared.append(PreparedImage(data, mime, item.alt_text or "", width, height))
    return prepared
