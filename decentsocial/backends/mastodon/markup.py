"""Mastodon's HTML ``content`` as plain text: one regular-expression pass, no parse tree.

Status HTML is a small, sanitised language (paragraphs, line breaks, links
with hidden parts, spans); whatever else a server sends is read the same
forgiving way a browser would: unknown tags are transparent, an end tag closes
the nearest open element of its name (one with no open element is ignored),
comments vanish, ``<script>``/``<style>`` content is text, entities are
decoded, and nesting depth costs nothing (no recursion). Pure functions.

The time is linear in the markup, whatever a server sends: no pattern can
scan past a ``<`` it did not start at (so a failed match costs at most the
distance to the next ``<``), a tag's name and attributes cannot overlap
(no backtracking between them), and the open elements are counted by name
so a stray end tag or a blank chunk costs O(1).
"""

from __future__ import annotations

import html
import re

__all__ = ["read_content"]

_BLOCKS = frozenset({"p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})
_VOID = frozenset(
    {"br", "img", "hr", "input", "meta", "link", "area", "base", "col", "embed", "source", "wbr"}
)
_RAW = frozenset({"script", "style"})
_PRESERVE = frozenset({"pre", "textarea"})
_SPACES = " \n\t\f\r"
_NOT_LINKS = frozenset({"mention", "hashtag", "u-url"})
_BREAK = "\x00"  # marks a paragraph boundary while reading
_BREAKS = re.compile(r"\x00[\x00\s]*")
#: A comment, a tag (start or end, with its attributes), or a ``<!…>``/``<?…>`` declaration. The
#: attributes start with a space or ``/`` (which a name cannot hold), and nothing but a comment
#: runs over a ``<``: see the module docstring.
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(/?)([A-Za-z][^\s/<>]*)((?:[\s/](?:[^<>\"']|\"[^\"<]*\"|'[^'<]*')*)?)>"
    r"|<[!?][^<>]*>",
    re.DOTALL,
)
#: ``<tag … />``: a slash of its own at the end (not the end of an unquoted value like ``href=a/``).
_SELF_CLOSING = re.compile(r"""(?:^|[\s"'])/\s*$""")
_ATTRIBUTE = re.compile(r"""([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")


def _attributes(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if "=" not in text and "href" not in text.lower():
        return found
    for m in _ATTRIBUTE.finditer(text):
        name, value = m.group(1).lower(), m.group(2) or ""
        if name in ("class", "href"):  # a repeated attribute: the last one counts
            if value[:1] in ("'", '"'):
                value = value[1:-1]
            found[name] = html.unescape(value)
    return found


def read_content(markup: str) -> tuple[str, tuple[str, ...]]:
    """Plain text and the hrefs of plain links (not mentions or hashtags), in one pass.

    Paragraphs become blank-line separated, ``<br>`` a newline, a list item
    a line, links their visible text (the parts Mastodon hides are text too,
    so a URL reads whole); the inline "RE: <link>" fallback of a quote post
    (class ``quote-inline``) is dropped.
    """
    out: list[str] = []
    links: dict[str, None] = {}
    #: Open elements: (name, closer, skipping) — ``skipping`` while inside a ``quote-inline``.
    open_: list[tuple[str, str | None, bool]] = []
    opened: dict[str, int] = {}  # open elements by name: a stray end tag is found out in O(1)
    skipping = False
    pos = 0
    markup = markup.replace(_BREAK, "\ufffd")  # a NUL is not a paragraph break (as for ``&#0;``)
    size = len(markup)
    while pos < size:
        m = _TOKEN.search(markup, pos)
        end = size if m is None else m.start()
        if end > pos and not skipping:
            text = html.unescape(markup[pos:end])
            if not text.strip(_SPACES) and not any(opened.get(n) for n in _PRESERVE):
                text = (
                    "\n" if "\n" in text else " "
                )  # blank between tags: one space or line, as parsers keep it
            out.append(text)
        if m is None:
            break
        pos = m.end()
        name = m.group(2)
        if name is None:  # a comment or a declaration
            continue
        name = name.lower()
        if m.group(1):  # an end tag: close up to the nearest open element of that name
            for depth in range(len(open_) - 1, -1, -1) if opened.get(name) else ():
                if open_[depth][0] == name:  # found: the scan is paid for by the elements it closes
                    for gone, _, _ in open_[depth:]:
                        opened[gone] -= 1
                    out.extend(closer for _, closer, _ in reversed(open_[depth:]) if closer is not None)
                    skipping = open_[depth][2]
                    del open_[depth:]
                    break
            continue
        attributes = _attributes(m.group(3))
        if name in _RAW:  # text up to the matching end tag, as a browser reads it
            close = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(markup, pos)
            stop = size if close is None else close.start()
            if not skipping:
                out.append(markup[pos:stop])
            pos = size if close is None else close.end()
            continue
        if name == "br":
            if not skipping:
                out.append("\n")
            continue
        classes = attributes.get("class", "").split()
        closer: str | None = None
        was_skipping = skipping
        if "quote-inline" in classes:
            skipping = True
        elif not skipping:
            if name in _BLOCKS:
                out.append(_BREAK)
                closer = _BREAK
            elif name == "li":
                out.append("\n")
            elif name == "a":
                href = attributes.get("href")
                if href is not None and not _NOT_LINKS.intersection(classes):
                    links.setdefault(href, None)
        if name in _VOID or _SELF_CLOSING.search(m.group(3)):
            skipping = was_skipping
            continue
        open_.append((name, closer, was_skipping))
        opened[name] = opened.get(name, 0) + 1
    out.extend(closer for _, closer, _ in reversed(open_) if closer is not None)
    # Spaces before a break go by str.rstrip: a regex taking them would retry at every space of a run.
    segments = "".join(out).split(_BREAK)
    text = _BREAKS.sub("\n\n", _BREAK.join([*(s.rstrip(" \t") for s in segments[:-1]), segments[-1]]))
    return text.strip("\n\x00 "), tuple(links)
