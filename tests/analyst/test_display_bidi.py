"""The Jupyter cards (``_repr_html_``) laid out as a browser lays them out: a stranger's handle, name or
post id, and a title, never reorder the rest of their line or the text below.

A browser runs the Unicode bidi algorithm over each block's paragraphs (a ``<div>``, or a ``<br>``),
with an isolate round each element that has ``dir`` or is ``<bdi>`` (HTML's ``unicode-bidi: isolate``),
and a block with ``dir="auto"`` takes the direction of its first letter. :func:`_lines` does that
with the system's FriBidi (tests/bidi_layout.py). Before, a hostile Mastodon server's handle holding
an override (U+202E) drew the card's `` · mastodon · 2026-…`` backwards, a display name's stray
isolate end (U+2069) let its override out of the ``<b dir="auto">`` round it, and a sandbox post's
English title set the direction of its Arabic text (its "!" drawn at the wrong end).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from unicodedata import bidirectional

import pytest

import decentsocial as ds

from ..bidi_layout import BIDI_CONTROLS, Layout, layout

_BLOCKS = frozenset({"div", "p"})
_VOID = frozenset({"br", "img", "hr", "wbr"})
_LRI, _RLI, _FSI, _PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_OPEN = {"ltr": _LRI, "rtl": _RLI, "auto": _FSI}


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[_Node | str] = field(default_factory=list)


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("div", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, dict(attrs))
        self.open[-1].children.append(node)
        if tag not in _VOID:
            self.open.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.open[-1].tag == tag:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def _isolating(node: _Node) -> str | None:
    """The isolate an inline element opens: ``<bdi>`` is ``dir="auto"`` unless it says otherwise."""
    given = node.attrs.get("dir")
    if given is None and node.tag == "bdi":
        given = "auto"
    return None if given is None else _OPEN.get(given.lower(), _FSI)


def _first_strong_rtl(node: _Node) -> bool:
    """HTML's ``dir="auto"``: whether its first letter is right to left, skipping the elements with a
    direction of their own (``<bdi>``, ``dir``); no letter at all is left to right."""
    for child in node.children:
        if isinstance(child, str):
            kinds = (bidirectional(char) for char in child)
            found = next((kind for kind in kinds if kind in ("L", "R", "AL")), None)
            if found is not None:
                return found != "L"
        elif _isolating(child) is None and _has_letter(child):
            return _first_strong_rtl(child)
    return False


def _has_letter(node: _Node) -> bool:
    return any(
        any(bidirectional(char) in ("L", "R", "AL") for char in child)
        if isinstance(child, str)
        else _isolating(child) is None and _has_letter(child)
        for child in node.children
    )


def _lines(page: str, visual: Layout) -> list[str]:
    """``page`` as drawn: each paragraph's characters left to right, without the invisible controls."""
    tree = _Tree()
    tree.feed(page)
    tree.close()
    drawn: list[str] = []

    def block(node: _Node, rtl: bool) -> None:
        given = (node.attrs.get("dir") or "").lower()
        rtl = _first_strong_rtl(node) if given == "auto" else {"rtl": True, "ltr": False}.get(given, rtl)
        paragraph: list[str] = []

        def flush() -> None:
            line = "".join(paragraph)
            paragraph.clear()
            if "".join(c for c in line if c not in BIDI_CONTROLS).strip():
                drawn.append(visual(line, rtl).strip())

        def inline(child: _Node | str) -> None:
            if isinstance(child, str):
                paragraph.append(child)
            elif child.tag in _BLOCKS:
                flush()
                block(child, rtl)
            elif child.tag == "br":
                flush()
            else:
                opening = _isolating(child)
                paragraph.append(opening or "")
                for grandchild in child.children:
                    inline(grandchild)
                paragraph.append(_PDI if opening else "")

        for child in node.children:
            inline(child)
        flush()

    block(tree.root, False)
    return drawn


@pytest.fixture
def visual() -> Layout:
    return layout()


def _hostile_post(**account: Any) -> ds.Post:
    """Post ``1`` as a hostile Mastodon server sends it, its author's fields replaced by ``account``."""
    pytest.importorskip("mastodon", reason="the Mastodon backend needs the mastodon extra")
    from tests.mastodon.test_hostile import net_for, status
    from tests.servers.mastodon_hostile import answer, hostile_server

    made = status("1")
    made["account"] = {**made["account"], **account}
    with hostile_server() as server:
        server.respond = lambda method, path: answer(made)
        net = net_for(server)
        try:
            return net.get_post("1")
        finally:
            net.close()


def _when(post: ds.Post) -> str:
    return post.created_at.strftime("%Y-%m-%d %H:%M UTC")


@pytest.mark.parametrize(
    "acct",
    [
        "\u202eevil",  # an override left open: the rest of the line drawn backwards
        "\u2068\u0645\u0631\u062d\u0628\u0627",  # an Arabic handle in an open isolate: the date drawn first
        "evil\u2069\u202e",  # a stray isolate end, then an override
    ],
)
def test_a_handle_never_reorders_the_post_cards_network_and_time(acct: str, visual: Layout) -> None:
    post = _hostile_post(acct=acct)
    header = _lines(post._repr_html_(), visual)[0]
    assert header.startswith("@"), header
    assert header.endswith(f" · mastodon · {_when(post)}"), header


def test_an_account_cards_name_and_handle_keep_to_themselves(visual: Layout) -> None:
    post = _hostile_post(acct="\u202eevil", display_name="\u2069\u202eEve")
    first = _lines(post.author._repr_html_(), visual)[0]
    assert first.endswith(" · mastodon"), first
    assert first.startswith("Eve @evil"), first


def test_a_reward_lines_subject_never_reorders_its_status_and_amounts(visual: Layout) -> None:
    reward = ds.Reward(
        network="hive",
        subject="alice/\u202epermlink",
        status="pending",
        amounts=(ds.Amount.parse("1.000 HBD"),),
    )
    (line,) = _lines(reward._repr_html_(), visual)
    assert line.endswith(": pending 1.000 HBD"), line


def test_an_arabic_text_under_an_english_title_reads_right_to_left(visual: Layout) -> None:
    arabic = "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645!"  # "Hello world!"
    with ds.connect("sandbox", path=":memory:") as net:
        post = net.publish(ds.Draft(text=arabic, title="Hello"))
    lines = _lines(post._repr_html_(), visual)
    assert lines[1] == "Hello"
    assert lines[2] == visual(arabic, True)  # as in a block of its own: its "!" at the left end
    assert lines[2].startswith("!"), lines[2]


def test_a_plain_post_card_is_drawn_as_before(visual: Layout) -> None:
    with ds.connect("sandbox", path=":memory:") as net:
        post = net.publish(ds.Draft(text="launch day\nsee you there", title="News"))
    assert _lines(post._repr_html_(), visual) == [
        f"@me · sandbox · {_when(post)}",
        "News",
        "launch day",
        "see you there",
        "0 likes · 0 reposts · 0 replies",
    ]
