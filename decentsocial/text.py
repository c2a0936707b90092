"""Text the way each network measures it: graphemes, Mastodon's URL-weighted count,
UTF-8 byte offsets, and the hashtags, mentions and links inside a text.

Right-to-left scripts (Arabic, Hebrew), CJK and emoji with ZWJ sequences and
skin tones are all counted as a reader sees them: one grapheme per symbol.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from unicodedata import normalize

import regex

__all__ = [
    "Entity",
    "entities",
    "entity_values",
    "grapheme_len",
    "graphemes",
    "has_right_to_left",
    "hashtags",
    "is_blank",
    "links",
    "lone_surrogate_at",
    "mastodon_len",
    "mentions",
    "mentions_before",
    "normalise_tag",
    "nul_at",
    "reads_right_to_left",
    "split_text",
    "tag_spellings",
    "truncate",
    "url_weighted_len",
    "utf8_len",
    "without_bidi_controls",
]

_GRAPHEME = regex.compile(r"\X")
# Characters that can join a neighbour into one grapheme (Unicode's grapheme cluster rules:
# CR LF, Hangul jamo, extenders and ZWJ, spacing marks, prepend, flags). A text without any is
# one grapheme per code point, so it is counted without segmenting.
_JOINING = regex.compile(
    r"[\r\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}\p{GCB=Prepend}\p{GCB=Regional_Indicator}"
    r"\p{GCB=L}\p{GCB=V}\p{GCB=T}]"
)
# A hashtag: '#' not after a word character, '/', ')' or '=' (Mastodon's rule: so after a space,
# any punctuation such as Arabic '؛' or '«', or a bidi mark such as RLM, but not in "C#" or a
# URL), then letters/digits/marks/underscore in any script, at least one letter (so "#123" or
# "#" alone is not a tag). ZWNJ and '·' join word characters inside a tag, as in Mastodon: Persian
# words hold ZWNJ ("#کتاب‌خوانی" is one tag), Catalan ones '·'; a tag never ends with one.
_HASHTAG = regex.compile(
    r"(?<![\w/)=])[#＃]"
    r"(?P<tag>[\p{L}\p{M}\p{N}_]*\p{L}[\p{L}\p{M}\p{N}_]*(?:[\u00b7\u200c]+[\p{L}\p{M}\p{N}_]+)*)"
)
# A mention: @user or @user@domain (Mastodon) or @handle.domain (Bluesky), '@' not after a word
# character, '/' or '=' (Mastodon's rule: an e-mail address is no mention, '،@user' is one). The
# domain may be in any script (IDN, "@user@مثال.مصر"), as in Mastodon.
_MENTION = regex.compile(
    r"(?<![\w/=])@(?P<handle>[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?(?:@[\w-]+(?:\.[\w-]+)+)?)"
)
# A link ends at whitespace, double quotes and angle brackets (guillemets too: Arabic and French quote
# with them) and at an invisible mark no URL holds: bidi marks, embeddings and isolates (LRM, RLM, ALM,
# U+202A-U+202E, U+2066-U+2069), a zero-width space, a BOM. ZWNJ, ZWJ and the soft hyphen stay: Persian
# words (and so their URLs) hold ZWNJ. An apostrophe stays in a path ("/wiki/Ender's_Game", as Bluesky
# and Mastodon read it) but ends the host ("https://example.com's page"): see ``_link``.
_URL = regex.compile(
    r"https?://[^\s<>\"«»\u200b\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff]+", regex.IGNORECASE
)
# The host and port of a URL _URL matched: up to its path, query or fragment.
_AUTHORITY = regex.compile(r"https?://[^/?#]*", regex.IGNORECASE)
# A space a combining mark or joiner follows is one grapheme with it (" \u0301", a diacritic shown
# alone): part of a word, never a gap between words where a thread's part may end. A line break or
# a tab (a control) joins nothing: a mark after it is a grapheme of its own.
_JOINED_SPACE = (
    r"(?:(?![\p{GCB=Control}\p{GCB=CR}\p{GCB=LF}])\s(?=[\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}]))"
)
_JOINED = regex.compile(_JOINED_SPACE)
# What ``str.strip`` removes (the separators U+001C-U+001F too), but no joined space.
_GAP = regex.compile(rf"(?:(?!{_JOINED_SPACE})[\s\x1c-\x1f])+")
_ATOM = regex.compile(r"\s*\S+")
_ATOM_JOINED = regex.compile(rf"(?:(?!{_JOINED_SPACE})\s)*(?:\S|{_JOINED_SPACE})+")
# Closing punctuation after a link, in Latin, Arabic (، ؟ ؛ ۔) and CJK (full stop, comma, brackets)
# text, is the sentence's, not the link's.
_TRAILING = ".,;:!?)]}'\"،؟؛۔…’”。、，．！？：；）」』】》〉"


@dataclass(frozen=True)
class Entity:
    """A hashtag, mention or link found in a text, with character and UTF-8 byte spans."""

    kind: Literal["tag", "mention", "link"]
    value: str  # tag without '#', handle without '@', or the URL
    start: int  # character offsets in the text
    end: int
    byte_start: int  # UTF-8 byte offsets (Bluesky facets)
    byte_end: int


# A character a reader sees: not whitespace (what ``str.strip`` removes: White_Space and the
# separators U+001C-U+001F) and not an invisible format character (category Cf: ZWSP, BOM,
# LRM/RLM, ALM, bidi embeddings and isolates, word joiner, soft hyphen...), except the Cf
# characters that are drawn as signs (Arabic number and end-of-ayah signs: prepended
# concatenation marks).
_SHOWN = regex.compile(r"[^\p{White_Space}\x1c-\x1f\p{Cf}]|\p{Prepended_Concatenation_Mark}")


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: it is empty once whitespace and invisible format characters
    (Unicode category Cf: zero-width space, BOM, LRM/RLM, the Arabic letter mark, bidi isolates)
    are removed. A right-to-left template whose variable came out empty (``"\u200f" + name``) is
    blank."""
    return _SHOWN.search(text) is None


def lone_surrogate_at(text: str) -> int | None:
    """Where ``text`` holds half of a surrogate pair on its own (half an emoji, from cutting UTF-16
    data or ``os.fsdecode`` of a bad file name), or ``None``. Such text has no UTF-8 form, so no
    network, file or URL can carry it: callers refuse it with their own typed error, before any I/O."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def nul_at(text: str) -> int | None:
    """Where ``text`` holds a NUL character (U+0000), or ``None``. The servers that keep text in
    PostgreSQL (Mastodon, Bluesky's AppView, Hive's hivemind) refuse it, and only when the post is
    sent; it comes from a UTF-16 file without a byte-order mark read as UTF-8 (every other byte a NUL).
    PostgreSQL stores every other control character, and tab and newline are text: callers refuse
    only this one, with their own typed error, before any I/O."""
    at = text.find("\0")
    return None if at < 0 else at


def graphemes(text: str) -> list[str]:
    """The user-perceived characters (extended grapheme clusters) of ``text``, in order."""
    return list(_GRAPHEME.findall(text))


#: Texts up to this long have their grapheme count remembered (see ``_remembered_count``).
_REMEMBERED = 2_000


def grapheme_len(text: str) -> int:
    """User-perceived characters (extended grapheme clusters): Bluesky's 300."""
    if text.isascii():
        return len(text) - text.count("\r\n")
    if len(text) <= _REMEMBERED:
        return _remembered_count(text)
    return _count_graphemes(text)


def _count_graphemes(text: str) -> int:
    """The count of a text that is not ASCII."""
    if _JOINING.search(text) is None:
        return len(text)
    return len(_GRAPHEME.findall(text))


#: A post's text is measured once, however many networks check it (a crosspost's targets, a
#: draft's checks and its split); only short texts are kept, so the cache stays small.
_remembered_count = lru_cache(maxsize=256)(_count_graphemes)


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


def _link(url: str) -> str:
    """The link in what ``_URL`` matched: an apostrophe in the host ends it (a possessive, no host
    holds one), and closing punctuation after it is the sentence's."""
    authority = _AUTHORITY.match(url)
    if authority is not None:
        cut = min((i for i in (authority.group().find(q) for q in "'’") if i >= 0), default=-1)
        if cut >= 0:
            url = url[:cut]
    return _strip_trailing(url)


def _strip_trailing(url: str) -> str:
    """``url`` without the sentence's closing punctuation; a ``)`` closing an ``(`` of the URL stays.

    The end moves back one index at a time, the parentheses counted once: a link followed by a
    stranger's 100,000 ``)`` or ``.`` took seconds when each step sliced and counted the URL anew.
    """
    end = len(url)
    opens, closes = url.count("("), url.count(")")
    while end and url[end - 1] in _TRAILING:
        if url[end - 1] == ")":
            if opens >= closes:
                break
            closes -= 1
        end -= 1
    return url[:end]


def entities(text: str) -> list[Entity]:
    """Every link, mention and hashtag in ``text``, in order, not overlapping."""
    return list(_scan(text))


#: A span taken by an entity: start, end, kind and value.
_Span = tuple[int, int, Literal["tag", "mention", "link"], str]


@lru_cache(maxsize=128)
def _scan(text: str) -> tuple[Entity, ...]:
    """The one scan of a text: ``entities``, ``hashtags``, ``mentions`` and ``links`` share it.

    Linear in the text: links, then mentions, then hashtags are merged with
    the spans taken so far (a kind's matches come in order and never overlap
    each other), and byte offsets are counted once, left to right. Inserting
    each span into a sorted list moved all the spans after it: seconds for a
    note of 100,000 interleaved mentions and hashtags.
    """
    link_spans: list[_Span] = []
    for m in _URL.finditer(text):
        url = _link(m.group())
        # "https://..." (a placeholder) names no host: no link (Bluesky refuses a post linking it).
        if url.partition("//")[2][:1] not in ("", "/"):
            link_spans.append((m.start(), m.start() + len(url), "link", url))
    mention_spans: list[_Span] = []
    for m in _MENTION.finditer(text):
        handle = m["handle"].rstrip(".-")
        mention_spans.append((m.start(), m.start() + 1 + len(handle), "mention", handle))
    tag_spans: list[_Span] = [(m.start(), m.end(), "tag", m["tag"]) for m in _HASHTAG.finditer(text)]
    spans = _merged(_merged(link_spans, mention_spans), tag_spans)
    found: list[Entity] = []
    char, byte = 0, 0
    # A server's or relay's text may hold a lone surrogate (valid JSON: "\ud83d"); it is read, never
    # published (drafts refuse it), so it counts as the 3 bytes Python would give it, not a crash.
    for start, end, kind, value in spans:
        byte_start = byte + len(text[char:start].encode("utf-8", "surrogatepass"))
        byte = byte_start + len(text[start:end].encode("utf-8", "surrogatepass"))
        char = end
        found.append(Entity(kind, value, start, end, byte_start, byte))
    return tuple(found)


def _merged(taken: list[_Span], offered: list[_Span]) -> list[_Span]:
    """``taken`` with each span of ``offered`` that overlaps none of them, in order of start.

    Both lists are sorted by start and neither overlaps itself, so one pass
    over each does: a span of ``taken`` wins every overlap.
    """
    merged: list[_Span] = []
    i = 0
    for candidate in offered:
        start, end = candidate[0], candidate[1]
        while i < len(taken) and taken[i][1] <= start:
            merged.append(taken[i])
            i += 1
        if i == len(taken) or taken[i][0] >= end:
            merged.append(candidate)
    merged += taken[i:]
    return merged


@lru_cache(maxsize=128)
def entity_values(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``(hashtags(text), mentions(text), links(text))``: one pass over the text's scan, remembered.

    A text checked and published by several networks (a crosspost) is not gone
    through again for each, and a converter needing all three scans once. A
    text without ``#``, ``＃``, ``@`` or ``:`` has no hashtag, mention or link
    (each starts with one, a link's scheme ends with ``:``), so it is not
    scanned at all.
    """
    if "#" not in text and "@" not in text and ":" not in text and "＃" not in text:
        return (), (), ()
    found: dict[str, dict[str, None]] = {"tag": {}, "mention": {}, "link": {}}
    for e in _scan(text):
        found[e.kind].setdefault(normalise_tag(e.value) if e.kind == "tag" else e.value, None)
    return tuple(found["tag"]), tuple(found["mention"]), tuple(found["link"])


def hashtags(text: str) -> tuple[str, ...]:
    """Hashtags in ``text``: :func:`normalise_tag` ed, without ``#``, first occurrence order."""
    return entity_values(text)[0]


def normalise_tag(tag: str) -> str:
    """A hashtag (without ``#``) as the SDK keeps, compares and sends it: NFC, lower-case.

    Text that reads the same is one tag: "#café" composed or decomposed ("e" + U+0301, as macOS
    types it), an Arabic letter's shadda and fatha in either order, Hangul as syllables or as jamo
    are canonically equivalent, and NFC gives them the same code points. NFC, not NFKC (Mastodon's
    lookup form): NFKC changes what a reader sees, and would send "ㅋㅋ" as conjoining jamo no other
    client sends. Lower-case as ``str.lower`` (JavaScript's ``toLowerCase``): NIP-24 wants ``t``
    tags lower-case, hivemind lower-cases Hive's, Mastodon finds a tag whatever its case. NFC again
    after it: lower-casing "Ϊ" + U+0301 gives a pair NFC composes, so normalising twice changes nothing.
    """
    if tag.isascii():
        return tag.lower()
    return normalize("NFC", normalize("NFC", tag).lower())


def tag_spellings(tag: str) -> tuple[str, ...]:
    """:func:`normalise_tag` of ``tag``, then its decomposed (NFD) spelling when that differs.

    For a server that compares tags byte for byte (a Nostr relay's ``#t`` filter): a client on
    macOS may have sent "cafe" + U+0301, Hangul as jamo, where this SDK sends "café", "한국".
    """
    key = normalise_tag(tag)
    return tuple(dict.fromkeys((key, normalize("NFD", key))))


def mentions(text: str) -> tuple[str, ...]:
    """Mentioned handles in ``text``, without ``@``, first occurrence order."""
    return entity_values(text)[1]


def links(text: str) -> tuple[str, ...]:
    """Links in ``text``, first occurrence order."""
    return entity_values(text)[2]


def truncate(
    text: str, limit: int, *, measure: Callable[[str], int] = grapheme_len, ellipsis: str = "…"
) -> str:
    """Cut ``text`` to at most ``limit`` by ``measure``, on a grapheme boundary.

    The result always fits: when even ``ellipsis`` does not (a limit of 0), the text is cut without it.
    """
    if limit < 0:
        raise ValueError(f"limit must be at least 0, got {limit}")
    if measure(text) <= limit:
        return text
    if measure(ellipsis) > limit:
        ellipsis = ""
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
    over: bool = False,
) -> list[str]:
    """Split ``text`` into parts that each fit ``limit``, for a thread.

    Breaks between words (a word longer than a part is cut on a grapheme
    boundary), so links, mentions and hashtags stay whole (and a cut makes none: an
    ``@`` or ``#`` after a letter begins no part, unless an entity before it fills
    the whole part). With ``numbering`` each part
    ends with `` (i/n)``, room for it kept in every part (more room when ``n``
    has more digits); in a text holding right-to-left letters the ``(i/n)`` is
    a left-to-right isolate (LRI ... PDI, see ``_counter``), so it is drawn at
    the end of the line, not inside the last run of the other direction.
    ``over``: the caller already measured ``text`` over
    ``limit``, so it is not measured again. Linear in the text: each word is
    measured once and each part checked once with ``measure``. What shows
    nothing (whitespace, bidi marks: :func:`is_blank`) makes no part of its
    own, so a blank text over the limit is one empty part (a post's media
    then goes out without it), never an empty list. A bidi isolate or
    embedding a boundary cuts is closed at the end of its part and opened
    again at the start of the next (room kept for both).
    """
    if limit < 10:
        raise ValueError("limit too small to split into a thread")
    if not over and measure(text) <= limit:
        return [text]
    words = _atoms(text)
    isolated = has_right_to_left(text)
    room = measure(_counter(99, 99, isolated)) if numbering else 0
    bidi = _BIDI_CONTROL.search(text) is not None
    extra = 0  # room for the bidi controls each part repeats or closes
    while True:
        parts = _pack(words, limit - room - extra, measure, whole=True) or [""]
        if bidi:
            parts = _balanced(text, parts)
            excess = max(measure(p) for p in parts) - (limit - room)
            if excess > 0:
                extra += excess
                continue
        n = len(parts)
        if not numbering or n < 2:
            return parts
        needed = measure(_counter(n, n, isolated))
        if needed <= room:
            return [p + _counter(i, n, isolated) for i, p in enumerate(parts, 1)]
        room = needed  # 100 parts or more: the numbers need more room, so the parts less


#: A strong right-to-left character (UAX #9 classes R and AL: Hebrew, Arabic, Syriac, Thaana, NKo...,
#: RLM and ALM too): a text without one has no run the other way for a part's numbering to join.
_RIGHT_TO_LEFT = regex.compile(r"[\p{Bidi_Class=R}\p{Bidi_Class=AL}]")
_LRI = "\u2066"
_RLM, _LRM = "\u200f", "\u200e"
#: What decides a paragraph's direction (UAX #9 P2): a strong character (classes L, R, AL), skipping
#: what an isolate holds (from LRI, RLI or FSI to its PDI, or to the paragraph's end).
_DIRECTION_MARK = regex.compile(
    r"[\p{Bidi_Class=L}\p{Bidi_Class=R}\p{Bidi_Class=AL}\u2066-\u2069\n\r\x1c-\x1e\x85\u2029]"
)


def reads_right_to_left(text: str) -> bool:
    """Whether ``text``'s first strong character (UAX #9 rules P2/P3, isolates skipped) is right-to-left.

    An app that gives a post the direction of its first strong letter (HTML ``dir="auto"``,
    Mastodon's and Bluesky's web apps, most mobile clients) lays it out right to left then. The
    whole text is read, as ``dir="auto"`` reads a post: a first line of digits alone decides nothing.
    """
    depth = 0  # isolates open
    for found in _DIRECTION_MARK.finditer(text):
        char = found.group()
        if char in _ISOLATES:
            depth += 1
        elif char == _PDI:
            depth = max(0, depth - 1)  # a PDI no isolate opened closes nothing
        elif char in _PARAGRAPH_ENDS:
            depth = 0
        elif depth == 0:
            return _RIGHT_TO_LEFT.match(char) is not None
    return False


def has_right_to_left(text: str) -> bool:
    """Whether ``text`` holds a strong right-to-left character (UAX #9 classes R and AL): only such a
    text needs laying out (a plot label) or its numbering isolated (a thread's parts)."""
    return _RIGHT_TO_LEFT.search(text) is not None


def without_bidi_controls(text: str) -> str:
    """``text`` without bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): in a
    stranger's one-line value (a handle, a label), one left open reorders whatever is drawn after it."""
    return _BIDI_CONTROL.sub("", text)


def mentions_before(text: str, handles: Sequence[str]) -> str:
    """``text`` after ``@handle`` for each of ``handles`` (written as given, without ``@``), space-separated.

    A right-to-left text (:func:`reads_right_to_left`) stays right to left: a Latin ``@handle`` in
    front of an Arabic post was its first strong character, and apps laid the whole post out left to
    right. Such a text now begins with RIGHT-TO-LEFT MARK (U+200F), so its first strong character is
    right-to-left, and each ``@`` has LEFT-TO-RIGHT MARK (U+200E) before it, so it is drawn with its
    handle: without it, an ``@`` between the mark and a Latin letter took the paragraph's direction
    and was drawn after the handle (``alice@``, and ``alice @bob@`` for two). The marks are no word
    characters, so our and Mastodon's mention patterns still read each mention (a Bluesky mention is
    the facet written over ``@handle``). Any other text comes back exactly as before:
    ``@alice @bob text``.
    """
    if not handles:
        return text
    if not reads_right_to_left(text):
        return " ".join(f"@{handle}" for handle in handles) + (f" {text}" if text else "")
    return _RLM + " ".join(f"{_LRM}@{handle}" for handle in handles) + f" {text}"


def _counter(i: int, n: int, isolated: bool) -> str:
    """The numbering a part ends with: `` (i/n)``, or `` LRI (i/n) PDI`` (``isolated``) after text
    holding right-to-left letters.

    Bare, the numbers and brackets join the last run of text before them (UAX #9): an Arabic part
    ending with a link or a Latin hashtag showed its ``(1/3)`` beside the link, in the middle of the
    line, and a part read left to right showed it beside the Arabic words. Isolated, it is one
    neutral character at the end of the paragraph, so it is drawn at the line's end (the left of a
    right-to-left line, the right of a left-to-right one), whichever direction the reader's app gives it.
    """
    return f" {_LRI}({i}/{n}){_PDI}" if isolated else f" ({i}/{n})"


#: Bidi embeddings and overrides (closed by PDF) and isolates (closed by PDI), UAX #9; each paragraph
#: end closes all that are open.
_EMBEDDINGS = "\u202a\u202b\u202d\u202e"
_ISOLATES = "\u2066\u2067\u2068"
_PDF, _PDI = "\u202c", "\u2069"
_PARAGRAPH_ENDS = "\n\r\x1c\x1d\x1e\x85\u2029"
_BIDI_CONTROL = regex.compile(r"[\u202a-\u202e\u2066-\u2069]")
_PARAGRAPH_END = regex.compile(f"[{_PARAGRAPH_ENDS}]")


def _still_open(text: str, stack: tuple[str, ...]) -> tuple[str, ...]:
    """The embeddings and isolates open after ``text``, given those open before it (UAX #9's pairing)."""
    if _BIDI_CONTROL.search(text) is None and (not stack or _PARAGRAPH_END.search(text) is None):
        return stack
    opened = list(stack)
    for char in text:
        if char in _ISOLATES or char in _EMBEDDINGS:
            opened.append(char)
        elif char == _PDI and any(c in _ISOLATES for c in opened):
            while opened.pop() not in _ISOLATES:  # closes the embeddings inside the isolate too
                pass
        elif char == _PDF and opened and opened[-1] in _EMBEDDINGS:
            opened.pop()
        elif char in _PARAGRAPH_ENDS:
            opened.clear()
    return tuple(opened)


def _balanced(text: str, parts: list[str]) -> list[str]:
    """``parts`` (in order, each a piece of ``text``) with the bidi embeddings and isolates cut by
    a part boundary closed at its end and opened again at the next part's start: a part never
    leaves one open (its numbering, and whatever a reader's app shows after it, would be
    drawn inside it) nor closes one it did not open."""
    balanced: list[str] = []
    stack: tuple[str, ...] = ()
    at = 0
    for part in parts:
        start = text.find(part, at)
        if start < 0:  # not a piece of the text (never with _pack's parts): left as it is
            balanced.append(part)
            continue
        stack = _still_open(text[at:start], stack)  # the whitespace (or blank part) dropped between
        opening = "".join(stack)
        at = start + len(part)
        stack = _still_open(part, stack)
        closing = "".join(_PDI if c in _ISOLATES else _PDF for c in reversed(stack))
        balanced.append(opening + part + closing)
    return balanced


def _pack(words: list[str], budget: int, measure: Callable[[str], int], *, whole: bool = False) -> list[str]:
    """Words into parts of at most ``budget``: sizes added word by word, each part then checked.

    Adding sizes is exact for the counters here (words hold no spaces, so no
    link or grapheme spans two); if a part measures over anyway, the whole
    text is packed again measuring every candidate part (slow, but exact).
    """
    if budget < 1:
        raise ValueError("limit too small for the numbering of so many parts")
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for atom in words:
        piece = atom if current else _unpadded(atom)
        width = measure(piece)
        if size + width <= budget:
            current.append(piece)
            size += width
            continue
        if current:
            parts.append("".join(current))
        rest = _unpadded(atom)
        size = width if not current else measure(rest)
        if size > budget:  # a single atom longer than a whole part
            heads, rest = _cut_word(rest, budget, measure, whole=whole)
            parts += heads
            size = measure(rest)
        current = [rest] if rest else []
    if current:
        parts.append("".join(current))
    parts = [_trimmed(p) for p in parts if not is_blank(p)]
    if all(measure(p) <= budget for p in parts):
        return parts
    return _pack_exact(words, budget, measure, whole=whole)


def _pack_exact(
    words: list[str], budget: int, measure: Callable[[str], int], *, whole: bool = False
) -> list[str]:
    """``_pack`` measuring every candidate part whole: for a counter whose sizes do not add up."""
    parts: list[str] = []
    current = ""
    for atom in words:
        candidate = current + atom
        if measure(_trimmed(candidate)) <= budget:
            current = candidate
            continue
        if not is_blank(current):
            parts.append(_trimmed(current))
        current = _unpadded(atom)
        if measure(current) > budget:  # a single atom longer than a whole part
            heads, current = _cut_word(current, budget, measure, whole=whole)
            parts += heads
    if not is_blank(current):
        parts.append(_trimmed(current))
    return parts


def _cut_word(
    word: str, budget: int, measure: Callable[[str], int], *, whole: bool = False
) -> tuple[list[str], str]:
    """A word longer than a part cut into whole parts on grapheme boundaries, and what is left.

    Each part is :func:`truncate` of a window only a little longer than a part
    (grown while the whole window fits), never of the rest of the word: the
    cost grows with the word, not with its square. A cut never falls inside a
    link, mention or hashtag (a link cut in two is broken in both parts): the
    part ends before it instead. Nor does it make one the text does not have
    (see ``_made_entity``). ``ValueError`` when one grapheme alone is over
    ``budget``, or (with ``whole``) one such entity; without ``whole`` it is cut.
    """
    heads: list[str] = []
    found = _scan(word)
    starts = [e.start for e in found]
    taken = set(starts)
    start = 0
    window = 4 * budget
    while start < len(word):
        piece = word[start : start + window]
        head = truncate(piece, budget, measure=measure, ellipsis="")
        if len(head) == len(piece):  # the whole window fits
            if start + window >= len(word):
                break  # the rest fits: it begins the next part
            window *= 2  # a part may be longer than the window (Mastodon's links count 23)
            continue
        if not head:
            raise ValueError(f"one character is over the limit of {budget}")
        end = start + len(head)
        across = _across(found, starts, end)
        if across is not None and (whole or across.start > start):  # the cut falls inside it
            if across.start <= start:
                what = {"link": "a link", "mention": "a mention", "tag": "a hashtag"}[across.kind]
                raise ValueError(f"{what} is longer than one part of a thread holds ({budget}); shorten it")
            end = across.start
        elif end not in taken and _made_entity(word, end):
            back = end - len(_GRAPHEME.findall(head)[-1])  # what kept it from being one goes along
            across = _across(found, starts, back)
            back = back if across is None else across.start  # ... not cutting an entity before it
            if back > start:  # else the part is that one grapheme (or entity): nothing to move
                end = back
        head = word[start:end]
        heads.append(head)
        start += len(head)
        gap = _GAP.match(word, start)
        if gap is not None:
            start = gap.end()
    return heads, word[start:]


def _across(found: tuple[Entity, ...], starts: list[int], cut: int) -> Entity | None:
    """The entity of ``found`` (``starts``: their starts) that a cut at ``cut`` falls inside, if any."""
    i = bisect_left(starts, cut) - 1  # the last entity starting before the cut
    return found[i] if i >= 0 and found[i].end > cut else None


def _made_entity(word: str, cut: int) -> bool:
    """Whether a part starting at ``cut`` inside ``word`` would begin with a mention or hashtag.

    An ``@`` or ``#`` where the word has no entity follows a letter, ``/``, ``)`` or ``=``
    (``_MENTION``, ``_HASHTAG``): an e-mail address "support@acme.jp", "東京#観光" in text without spaces.
    At the start of a part nothing comes before it, so it would be one: a mention Bluesky resolves
    (or fails the part on) and Mastodon notifies, or a tag the text never had.
    """
    if word[cut : cut + 1] not in ("@", "#", "＃"):
        return False
    rest = word[cut:]
    return _MENTION.match(rest) is not None or _HASHTAG.match(rest) is not None


def _unpadded(text: str) -> str:
    """``text`` without the spaces before its first word (a space a mark joins stays: see ``_GAP``)."""
    gap = _GAP.match(text)
    return text if gap is None else text[gap.end() :]


def _trimmed(text: str) -> str:
    """``text`` without the spaces around it; a space a mark joins stays (``str.strip`` cut it off)."""
    return _unpadded(text).rstrip()


def _atoms(text: str) -> list[str]:
    """Words with their leading whitespace; entities stay whole because they contain no spaces (a
    space a mark joins, see ``_JOINED_SPACE``, is the word's)."""
    atom = _ATOM_JOINED if _JOINED.search(text) is not None else _ATOM  # the simple one is 4 times faster
    return [m.group() for m in atom.finditer(text)]
