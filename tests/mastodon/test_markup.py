"""The one-pass HTML reader gives what a full HTML parser's tree gives, on real and random content.

The oracle is BeautifulSoup's tree (``html.parser``) walked the way the
converter read it before: paragraphs and blocks as blank lines, ``<br>`` a
newline, list items lines, comments dropped, ``quote-inline`` skipped,
plain links' hrefs collected. Checked on every recorded Mastodon 4.x status
and on random markup (nesting, unclosed and stray tags, entities, Arabic).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decentsocial.backends.mastodon.convert import html_to_text, to_post
from decentsocial.backends.mastodon.markup import read_content
from tests.mastodon.cassettes import recorded_statuses

bs4 = pytest.importorskip("bs4", reason="BeautifulSoup (the oracle) comes with the test extra")

_BLOCKS = {"p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}
_BREAKS = re.compile(r"[ \t]*\x00[\x00\s]*")


def oracle(markup: str) -> tuple[str, tuple[str, ...]]:
    soup = bs4.BeautifulSoup(markup, "html.parser")
    out: list[str] = []
    links: dict[str, None] = {}
    end = object()
    stack: list[tuple[Iterator[Any], str | None]] = [(iter(soup.children), None)]
    while stack:
        child: Any = next(stack[-1][0], end)
        if child is end:
            closer = stack.pop()[1]
            if closer is not None:
                out.append(closer)
            continue
        if isinstance(child, bs4.element.NavigableString):
            if not isinstance(child, (bs4.element.Comment, bs4.element.Declaration, bs4.element.Doctype)):
                out.append(str(child))
            continue
        classes = child.get("class") or ()
        if child.name == "br":
            out.append("\n")
        elif "quote-inline" in classes:
            continue
        elif child.name in _BLOCKS:
            out.append("\x00")
            stack.append((iter(child.children), "\x00"))
        elif child.name == "li":
            out.append("\n")
            stack.append((iter(child.children), None))
        else:
            href = child.get("href")
            if (
                child.name == "a"
                and isinstance(href, str)
                and not ({"mention", "hashtag", "u-url"} & set(classes))
            ):
                links.setdefault(href, None)
            stack.append((iter(child.children), None))
    return _BREAKS.sub("\n\n", "".join(out)).strip("\n\x00 "), tuple(links)


def test_every_recorded_status_reads_as_the_parser_reads_it() -> None:
    contents = [
        s["content"] for s in recorded_statuses() if isinstance(s.get("content"), str) and s["content"]
    ]
    assert len(contents) > 100
    for content in contents:
        assert read_content(content) == oracle(content), content


_TAGS = ["p", "br", "a", "span", "div", "li", "ul", "blockquote", "b", "i", "pre", "code"]
_ATTRS = [
    "",
    ' class="invisible"',
    ' class="mention hashtag"',
    ' class="quote-inline"',
    ' href="https://example.com/a?b=1&amp;c=2"',
    " href='https://x.example/ي'",
    ' class="u-url mention" href="https://m.example/@bob"',
    " HREF=https://up.example/",
]
_TEXT = [
    "مرحبا بكم",
    "hello",
    " ",
    "\n",
    "&amp;",
    "&lt;b&gt;",
    "&#x1F600;",
    "#تسويق",
    "a < b",
    "x>y",
    "שלום",
    "\t",
]


@st.composite
def markup(draw: st.DrawFn) -> str:
    pieces: list[str] = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.integers(0, 5))
        if kind <= 1:
            pieces.append(draw(st.sampled_from(_TEXT)))
        elif kind <= 3:
            tag = draw(st.sampled_from(_TAGS))
            slash = "/" if draw(st.booleans()) and tag == "br" else ""
            pieces.append(f"<{tag}{draw(st.sampled_from(_ATTRS))}{slash}>")
        elif kind == 4:
            pieces.append(f"</{draw(st.sampled_from(_TAGS))}>")
        else:
            pieces.append(draw(st.sampled_from(["<!-- note -->", "<!DOCTYPE html>", "<P>", "</P>", "<Br>"])))
    return "".join(pieces)


def _spaces(read: tuple[str, tuple[str, ...]]) -> tuple[str, tuple[str, ...]]:
    """Runs of spaces and tabs as one space: where a tree keeps a blank text node whole or not differs."""
    text = re.sub(r"[ \t\f\r]+", " ", read[0])
    return re.sub(r" ?\n ?", "\n", text).strip(), read[1]


@given(markup())
@settings(max_examples=400, deadline=None)
def test_random_markup_reads_as_the_parser_reads_it(sample: str) -> None:
    assert _spaces(read_content(sample)) == _spaces(oracle(sample))


def test_deep_nesting_costs_no_recursion() -> None:
    deep = "<span>" * 50_000 + "مرحبا" + "</span>" * 50_000
    assert html_to_text(deep) == "مرحبا"


def test_a_status_keeps_its_raw_payload_without_a_copy_when_it_is_plain_json() -> None:
    status = next(s for s in recorded_statuses() if s.get("reblog") is None)
    post = to_post(status)
    assert post.raw == status
