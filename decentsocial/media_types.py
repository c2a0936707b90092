"""A media file's type told by its first bytes: the one sniffer every backend uses.

A file's name is no proof of its type (``flyer.pdf`` may hold a PNG, ``photo.mp4`` a JPEG): the
servers read the bytes, so the backends do too. :func:`image_type` tells the images Bluesky's PDS
takes; :func:`sniff_type` tells those and the other types an upload is measured or refused by
(MP4/QuickTime video, MPEG-4 audio, PDF).
"""

from __future__ import annotations

__all__ = ["SNIFFED_IMAGE_TYPES", "image_type", "sniff_type"]

#: The ISO-BMFF images (AVIF, HEIC/HEIF) by the major brand of their ``ftyp`` box, named as the
#: PDS names them (it reads the major brand only: any other, ``isom`` or ``mp42``, is a video).
_ISO_IMAGE_BRANDS = {
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"hevc": "image/heic-sequence",
    b"hevx": "image/heic-sequence",
    b"mif1": "image/heif",
    b"msf1": "image/heif-sequence",
}
#: The types :func:`image_type` tells from an image's first bytes.
SNIFFED_IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", *_ISO_IMAGE_BRANDS.values()}
)
#: ISO-BMFF brands that are not MP4 video (any other brand, ``isom``, ``mp42``, ``avc1``…, is).
_ISO_OTHER_BRANDS = {b"qt  ": "video/quicktime", b"M4A ": "audio/mp4", b"M4B ": "audio/mp4"}


def image_type(data: bytes) -> str | None:
    """The image type (one of :data:`SNIFFED_IMAGE_TYPES`) of ``data``'s first bytes, without measuring it."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:2] == b"\xff\xd8":
        return "image/jpeg"
    return _iso_image_type(data)


def sniff_type(data: bytes) -> str | None:
    """The type ``data``'s first bytes tell: an image (:func:`image_type`), an MP4 or QuickTime video,
    MPEG-4 audio or a PDF; ``None`` for bytes none of these start as."""
    found = image_type(data)
    if found is not None:
        return found
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if len(data) >= 12 and data[4:8] == b"ftyp":  # an ISO-BMFF file that is no image: a video, or audio
        return _ISO_OTHER_BRANDS.get(data[8:12], "video/mp4")
    return None


def _iso_image_type(data: bytes) -> str | None:
    """An AVIF or HEIC/HEIF image's type, by its leading ``ftyp`` box (size, ``ftyp``, major brand,
    minor version, compatible brands). A generic HEIF (``mif1``/``msf1``) is AVIF when its compatible
    brands say so; a video (``isom``, ``mp42``, ``qt``…) or any other box is no image here."""
    if len(data) < 12 or data[4:8] != b"ftyp":
        return None
    major = data[8:12]
    mime = _ISO_IMAGE_BRANDS.get(major)
    if major in (b"mif1", b"msf1"):
        end = min(int.from_bytes(data[:4], "big"), len(data), 256)  # the box's end (a short one: none)
        compatible = {data[i : i + 4] for i in range(16, end - 3, 4)}
        if compatible & {b"avif", b"avis"}:
            return "image/avif"
    return mime
