"""Text the way each network measures it: graphemes, Mastodon's URL-weighted count,
UTF-8 byte offsets, and the hashtags, mentions and links inside a text.

Right-to-left scripts (Arabic, Hebrew), CJK and emoji with ZWJ sequences and
skin tones are all counted as a reader sees them: one grapheme per symbol.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import regex

__all__ = [
    "Entity",
    "entities",
    "grapheme_len",
    "graphemes",
    "hashtags",
    "links",
    "mastodon_len",
    "mentions",
    "split_text",
    "truncate",
    "url_weighted_len",
    "utf8_len",
]

_GRAPHEME = regex.compile(r"\X")
# A hashtag: '#' after start/space/punctuation, then letters/digits/marks/underscore in any script,
# at least one letter (so "#123" or "#" alone is not a tag).
_HASHTAG = regex.compile(
    r"(?:(?<=^)|(?<=[\s(\[{\"'.,;:!?؟،]))[#＃](?P<tag>[\p{L}\p{M}\p{N}_]*\p{L}[\p{L}\p{M}\p{N}_]*)"
)
# A mention: @user or @user@domain (Mastodon) or @handle.domain (Bluesky).
_MENTION = regex.compile(
    r"(?:(?<=^)|(?<=[\s(\[{\"'.,;:!?]))@(?P<handle>[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)
_URL = regex.compile(r"https?://[^\s<>\"'\u200f\u200e]+", regex.IGNORECASE)
_ATOM = regex.compile(r"\s*\S+")
_TRAILING = ".,;:!?)]}'\"،؟"


@dataclass(frozen=True)
class Entity:
    """A hashtag, mention or link found in a text, with character and UTF-8 byte spans."""

    kind: Literal["tag", "mention", "link"]
    value: str  # tag without '#', handle without '@', or the URL
    start: int  # character offsets in the text
    end: int
    byte_start: int  # UTF-8 byte offsets (Bluesky facets)
    byte_end: int


def graphemes(text: str) -> list[str]:
    """The user-perceived characters (extended grapheme clusters) of ``text``, in order."""
    return list(_GRAPHEME.findall(text))


def grapheme_len(text: str) -> int:
    """User-perceived characters (extended grapheme clusters): Bluesky's 300."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def mastodon_len(text: str, url_length: int = 23, *, content_warning: str = "") -> int:
    """A status's length as Mastodon counts it (its ``StatusLengthValidator``): the one rule.

    The content warning and the text are joined and counted in grapheme
    clusters (an emoji with a skin tone or a flag is one character), after
    every link in the text is replaced by ``url_length`` characters and
    every remote mention ``@user@domain`` by ``@user``. Links and mentions
    are found as :func:`entities` finds them, so a mention inside a URL is
    part of the URL, counted once.
    """
    parts: list[str] = [content_warning]
    start = 0
    for entity in entities(text):
        if entity.kind == "link":
            parts += [text[start : entity.start], "x" * url_length]
        elif entity.kind == "mention" and "@" in entity.value:
            parts += [text[start : entity.start], "@" + entity.value.split("@")[0]]
        else:
            continue
        start = entity.end
    parts.append(text[start:])
    return grapheme_len("".join(parts))


#: The former name of :func:`mastodon_len` (which counted code points and could count a
#: mention inside a URL twice); kept so existing callers get Mastodon's real count.
url_weighted_len = mastodon_len


def _strip_trailing(url: str) -> str:
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def entities(text: str) -> list[Entity]:
    """Every link, mention and hashtag in ``text``, in order, not overlapping."""
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []

    def add(kind: Literal["tag", "mention", "link"], value: str, start: int, end: int) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append(Entity(kind, value, start, end, _byte_offset(text, start), _byte_offset(text, end)))

    for m in _URL.finditer(text):
        url = _strip_trailing(m.group())
        add("link", url, m.start(), m.start() + len(url))
    for m in _MENTION.finditer(text):
        handle = m["handle"].rstrip(".-")
        add("mention", handle, m.start(), m.start() + 1 + len(handle))
    for m in _HASHTAG.finditer(text):
        add("tag", m["tag"], m.start(), m.end())
    found.sort(key=lambda e: e.start)
    return found


def hashtags(text: str) -> tuple[str, ...]:
    """Hashtags in ``text``: lower-case, without ``#``, first occurrence order."""
    seen: dict[str, None] = {}
    for e in entities(text):
        if e.kind == "tag":
            seen.setdefault(e.value.lower(), None)
    return tuple(seen)


def mentions(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for e in entities(text):
        if e.kind == "mention":
            seen.setdefault(e.value, None)
    return tuple(seen)


def links(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for e in entities(text):
        if e.kind == "link":
            seen.setdefault(e.value, None)
    return tuple(seen)


def truncate(
    text: str, limit: int, *, measure: Callable[[str], int] = grapheme_len, ellipsis: str = "…"
) -> str:
    """Cut ``text`` to at most ``limit`` by ``measure``, on a grapheme boundary."""
    if measure(text) <= limit:
        return text
    clusters = [m.group() for m in _GRAPHEME.finditer(text)]
    lo, hi = 0, len(clusters)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure("".join(clusters[:mid]) + ellipsis) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return "".join(clusters[:lo]).rstrip() + ellipsis


def split_text(
    text: str,
    limit: int,
    *,
    measure: Callable[[str], int] = grapheme_len,
    numbering: bool = True,
) -> list[str]:
    """Split ``text`` into parts that each fit ``limit``, for a thread.

    Breaks between words (a word longer than a part is cut on a grapheme
    boundary), so links, mentions and hashtags stay whole. With ``numbering`` each part
    ends with `` (i/n)``.
    """
    if limit < 10:
        raise ValueError("limit too small to split into a thread")
    if measure(text) <= limit:
        return [text]
    suffix_room = len(" (99/99)") if numbering else 0
    budget = limit - suffix_room
    words = _atoms(text)
    parts: list[str] = []
    current = ""
    for atom in words:
        candidate = current + atom
        if measure(candidate.strip()) <= budget:
            current = candidate
            continue
        if current.strip():
            parts.append(current.strip())
        current = atom.lstrip()
        while measure(current) > budget:  # a single atom longer than a whole part
            head = truncate(current, budget, measure=measure, ellipsis="")
            parts.append(head)
            current = current[len(head) :].lstrip()
    if current.strip():
        parts.append(current.strip())
    if numbering and len(parts) > 1:
        n = len(parts)
        parts = [f"{p} ({i}/{n})" for i, p in enumerate(parts, 1)]
    return parts


def _atoms(text: str) -> list[str]:
    """Words with their leading whitespace; entities stay whole because they contain no spaces."""
    return [m.group() for m in _ATOM.finditer(text)]
