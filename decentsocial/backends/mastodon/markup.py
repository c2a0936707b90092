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
#: What a tag without attributes has of them.
_NONE: dict[str, str] = {}
_ATTRIBUTE = re.compile(r"""([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")


def _attributes(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if "=" not in text and "href" not in text.lower():
        return found
    for name, value in _ATTRIBUTE.findall(text):  # (an attribute without a value gives "")
        name = name.lower()
        if name == "class" or name == "href":  # a repeated attribute: the last one counts
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
    append = out.append
    links: dict[str, None] = {}
    #: Open elements: (name, closer, skipping) — ``skipping`` while inside a ``quote-inline``.
    open_: list[tuple[str, str | None, bool]] = []
    opened: dict[str, int] = {}  # open elements by name: a stray end tag is found out in O(1)
    skipping = False
    pos = 0
    markup = markup.replace(_BREAK, "\ufffd")  # a NUL is not a paragraph break (as for ``&#0;``)
    size = len(markup)
    scanning = True
    while scanning:  # one scan of the tokens, started again after a ``<script>``'s raw text
        scanning = False
        for m in _TOKEN.finditer(markup, pos):
            start, end = m.span()
            if start > pos and not skipping:
                text = markup[pos:start]
                if "&" in text:
                    text = html.unescape(text)
                if not text.strip(_SPACES) and not (opened.get("pre") or opened.get("textarea")):
                    text = (
                        "\n" if "\n" in text else " "
                    )  # blank between tags: one space or line, as parsers keep it
                append(text)
            pos = end
            slash, name, attrs = m.groups()
            if name is None:  # a comment or a declaration
                continue
            name = name.lower()
            if slash:  # an end tag: close up to the nearest open element of that name
                if open_ and open_[-1][0] == name:  # the innermost one, as in well-formed markup
                    _, ends, skipping = open_.pop()
                    opened[name] -= 1
                    if ends is not None:
                        append(ends)
                    continue
                for depth in range(len(open_) - 1, -1, -1) if opened.get(name) else ():
                    if open_[depth][0] == name:  # found: the scan is paid for by the elements it closes
                        for gone, _, _ in open_[depth:]:
                            opened[gone] -= 1
                        out.extend(closer for _, closer, _ in reversed(open_[depth:]) if closer is not None)
                        skipping = open_[depth][2]
                        del open_[depth:]
                        break
                continue
            if name in _RAW:  # text up to the matching end tag, as a browser reads it
                close = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(markup, pos)
                stop = size if close is None else close.start()
                if not skipping:
                    append(markup[pos:stop])
                pos = size if close is None else close.end()
                scanning = True
                break
            if name == "br":
                if not skipping:
                    append("\n")
                continue
            if attrs:
                attributes = _attributes(attrs)
                classes = attributes.get("class", "").split()
                self_closing = _SELF_CLOSING.search(attrs) is not None
            else:  # ``<p>``, ``<span>``: most tags have no attributes
                attributes, classes, self_closing = _NONE, [], False
            closer: str | None = None
            was_skipping = skipping
            if "quote-inline" in classes:
                skipping = True
            elif not skipping:
                if name in _BLOCKS:
                    append(_BREAK)
                    closer = _BREAK
                elif name == "li":
                    append("\n")
                elif name == "a":
                    href = attributes.get("href")
                    if href is not None and not _NOT_LINKS.intersection(classes):
                        links.setdefault(href, None)
            if self_closing or name in _VOID:
                skipping = was_skipping
                continue
            open_.append((name, closer, was_skipping))
            opened[name] = opened.get(name, 0) + 1
    if pos < size and not skipping:  # the text after the last tag
        text = html.unescape(markup[pos:])
        if not text.strip(_SPACES) and not (opened.get("pre") or opened.get("textarea")):
            text = "\n" if "\n" in text else " "
        append(text)
    out.extend(closer for _, closer, _ in reversed(open_) if closer is not None)
    joined = "".join(out)
    if _BREAK in joined:
        # Spaces before a break go by str.rstrip: a regex taking them would retry at every space of a run.
        segments = joined.split(_BREAK)
        last = segments.pop()
        segments = [s.rstrip(" \t") for s in segments]
        segments.append(last)
        joined = _BREAKS.sub("\n\n", _BREAK.join(segments))
    return joined.strip("\n\x00 "), tuple(links)
