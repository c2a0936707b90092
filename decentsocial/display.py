"""Posts, accounts and rewards as compact HTML for Jupyter, with every value escaped.

A post's text, an account's bio and a server's words come from strangers:
rendered as they are, their markup or script would run in the analyst's
notebook. Everything here goes through :func:`html.escape`, and a link is
made only of an ``http(s)`` URL. Their direction is theirs alone: a handle,
a name or a post id is isolated (``<bdi>``, without the bidi controls that
could break out of it), and a title and a text are each a block of their own
direction, so right-to-left script or a stray override never reorders the
network, the time or the counts beside it.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from .text import without_bidi_controls

if TYPE_CHECKING:
    from .models import Account, Post, Reward

__all__ = ["account_html", "post_html", "reward_html"]

#: A card wraps a word longer than its width (a long link) instead of running past its border.
_CARD = (
    "border:1px solid #ccc;border-radius:6px;padding:6px 10px;margin:2px 0;max-width:46em;"
    "overflow-wrap:anywhere"
)
_DIM = "color:#666;font-size:90%"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _isolated(value: object) -> str:
    """A stranger's one-line value (a handle, a name, a post id) escaped and isolated: laid out in its own
    direction, it never pulls the network or the time beside it into its own (HTML's ``<bdi>``).

    Its bidi embeddings, overrides and isolates are dropped, as :func:`decentsocial.terminal.printable`
    drops them: one left open (U+202E) reorders the rest of the line, and a stray close (U+2069) ends the
    isolate round the value. Marks (LRM, RLM) stay: they open nothing."""
    return f"<bdi>{_e(without_bidi_controls(str(value)))}</bdi>"


def _link(url: str | None, label: str) -> str:
    """``label`` (HTML, escaped by the caller) as a link to ``url`` if that is an ``http(s)`` URL."""
    if url and url.lower().startswith(("https://", "http://")):
        return f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{label}</a>'
    return label


def _count(value: int | None, word: str) -> str:
    return f"{'–' if value is None else value} {word}"


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[:most] + "…"


def post_html(post: Post) -> str:
    """A card: author, time, network, the text (escaped, line breaks kept), engagement, reward."""
    m = post.metrics
    counts = " · ".join(
        [_count(m.likes, "likes"), _count(m.reposts, "reposts"), _count(m.replies, "replies")]
    )
    reward = (
        f" · {_e(post.reward.status)} {_e(', '.join(map(str, post.reward.amounts)))}" if post.reward else ""
    )
    # The title a block of its own: in one block with the text, an English title set the direction of an
    # Arabic text (``dir="auto"`` looks at the first letter), its ending "!" drawn on the wrong side.
    title = (  # a stranger's: bounded too
        f'<div dir="auto"><b>{_e(_cut(post.title, 300))}</b></div>' if post.title else ""
    )
    text = _e(_cut(post.text, 2000)).replace("\n", "<br>")
    author = _link(post.author.url, "@" + _isolated(post.author.handle))
    when = _link(post.url, _e(post.created_at.strftime("%Y-%m-%d %H:%M UTC")))
    return (
        f'<div style="{_CARD}"><div style="{_DIM}">{author} · {_e(post.network)} · {when}</div>'
        f'{title}<div dir="auto">{text}</div><div style="{_DIM}">{counts}{reward}</div></div>'
    )


def account_html(account: Account) -> str:
    """A card: name, handle, network, bio, counts."""
    name = account.display_name or account.handle
    bio = f'<div dir="auto">{_e(account.bio[:500])}</div>' if account.bio else ""
    counts = " · ".join(
        [
            _count(account.followers, "followers"),
            _count(account.following, "following"),
            _count(account.posts_count, "posts"),
        ]
    )
    handle = _link(account.url, "@" + _isolated(account.handle))
    return (
        f'<div style="{_CARD}"><b>{_isolated(name)}</b> '
        f'<span style="{_DIM}">{handle} · {_e(account.network)}</span>'
        f'{bio}<div style="{_DIM}">{counts}</div></div>'
    )


def reward_html(reward: Reward) -> str:
    """One line: status, amounts, payout time."""
    amounts = ", ".join(map(str, reward.amounts)) or "nothing"
    when = f" · pays out {reward.payout_at:%Y-%m-%d %H:%M} UTC" if reward.payout_at else ""
    return (
        f'<span style="{_DIM}">{_e(reward.network)} · {_isolated(reward.subject)}:</span> '
        f"<b>{_e(reward.status)}</b> {_e(amounts)}{_e(when)}"
    )
