"""Rich text: hashtags, mentions and links as Bluesky facets with UTF-8 byte offsets.

Offsets come from :func:`decentsocial.text.entities`, which counts bytes of
the UTF-8 encoding (what the AT Protocol specifies), so Arabic, CJK and
emoji with ZWJ sequences or skin tones land exactly on their spans.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ...coerce import as_dict, as_int, as_list, as_str
from ...text import entities, grapheme_len, mentions, mentions_before, utf8_len
from ...urls import web_link
from .ids import HANDLE_RE

__all__ = [
    "MAX_GRAPHEMES",
    "MAX_TAG_GRAPHEMES",
    "MAX_TEXT_BYTES",
    "build_facets",
    "facet_values",
    "post_length",
    "text_with_mentions",
]

#: app.bsky.feed.post's text: at most 300 graphemes and 3,000 UTF-8 bytes.
MAX_GRAPHEMES = 300
MAX_TEXT_BYTES = 3000
#: app.bsky.richtext.facet#tag allows 64 graphemes (640 bytes) without the '#'.
MAX_TAG_GRAPHEMES = 64
MAX_TAG_BYTES = 640


def post_length(text: str) -> int:
    """Both limits of a post's text as one count: its graphemes, or a tenth of its UTF-8 bytes
    (rounded up) when that is more. Within 300 by this count is within both limits, so a thread
    split with it gives parts Bluesky takes (emoji sequences of 25 bytes included)."""
    return max(grapheme_len(text), -(-utf8_len(text) * MAX_GRAPHEMES // MAX_TEXT_BYTES))


def is_bluesky_handle(handle: str) -> bool:
    """A Bluesky mention names a domain handle; ``@user``, ``@user@host`` or ``@3.50`` is left as text."""
    return HANDLE_RE.match(handle) is not None


def text_with_mentions(text: str, wanted: Iterable[str]) -> str:
    """``text`` with ``@handle`` put first for each wanted handle it does not mention yet.

    A Bluesky mention is a facet over the text's own ``@handle`` (it has no
    mention without text), so ``Draft.mentions`` are written into the text
    as Mastodon's backend does, rather than dropped. A right-to-left text
    stays right to left (see :func:`~decentsocial.text.mentions_before`).
    """
    present = {handle.lower() for handle in mentions(text)}
    missing: list[str] = []
    for handle in wanted:
        clean = handle.strip().lstrip("@")
        if clean and clean.lower() not in present:
            missing.append(clean)
            present.add(clean.lower())
    return mentions_before(text, missing)


def mentions_room(text: str, wanted: Sequence[str]) -> int:
    """What is left of the limit (``post_length``) for ``text`` once ``wanted`` mentions are written into
    it (``text_with_mentions``): a thread's parts are sized by it, so its first part still fits."""
    return MAX_GRAPHEMES - max(0, post_length(text_with_mentions(text, wanted)) - post_length(text))


def build_facets(text: str, resolve_handle: Callable[[str], str]) -> list[dict[str, Any]]:
    """Facets for every link, Bluesky mention and hashtag in ``text``.

    ``resolve_handle`` turns a handle into a DID (through the PDS); it raises
    when the handle does not resolve, so a post never goes out with a broken mention.
    """
    facets: list[dict[str, Any]] = []
    for entity in entities(text):
        feature: dict[str, Any]
        if entity.kind == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": entity.value}
        elif entity.kind == "tag":
            # As written (Bluesky's app keeps the case), in NFC: "cafe" + U+0301 typed on a Mac is
            # indexed as the "café" everyone else's facets hold. The text itself is left as written.
            tag = unicodedata.normalize("NFC", entity.value)
            if grapheme_len(tag) > MAX_TAG_GRAPHEMES or len(tag.encode()) > MAX_TAG_BYTES:
                continue
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": tag}
        else:
            if not is_bluesky_handle(entity.value):
                continue
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": resolve_handle(entity.value)}
        facets.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": entity.byte_start, "byteEnd": entity.byte_end},
                "features": [feature],
            }
        )
    return facets


def facet_values(text: str, facets: Any) -> tuple[list[str], list[str], list[str]]:
    """(tags, mention handles, links) named by a post's facets.

    A mention's handle is the text the facet covers (without '@'): the
    record itself holds only the DID. A link is a web link or none
    (:func:`~decentsocial.urls.web_link`): a post's author writes its facets.
    """
    tags: list[str] = []
    mentions: list[str] = []
    links: list[str] = []
    raw = text.encode("utf-8", errors="replace")
    for facet in as_list(facets):
        facet = as_dict(facet)
        index = as_dict(facet.get("index"))
        start, end = as_int(index.get("byteStart")), as_int(index.get("byteEnd"))
        for feature in as_list(facet.get("features")):
            feature = as_dict(feature)
            kind = as_str(feature.get("$type")) or ""
            tag, uri = as_str(feature.get("tag")), as_str(feature.get("uri"))
            if kind.endswith("#tag") and tag:
                tags.append(tag)
            elif kind.endswith("#link"):
                link = web_link(uri)  # the author's own: a javascript: or file: "link" is none
                if link:
                    links.append(link)
            elif kind.endswith("#mention") and start is not None and end is not None:
                # A negative offset would count from the text's end: another span's text, not this one's.
                span = raw[start:end] if 0 <= start <= end else b""
                covered = span.decode("utf-8", errors="replace").lstrip("@＠")
                named = covered or as_str(feature.get("did"))
                if named:  # neither text nor a DID names nobody: no empty mention
                    mentions.append(named)
    return tags, mentions, links
