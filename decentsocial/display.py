"""Posts, accounts and rewards as compact HTML for Jupyter, with every value escaped.

A post's text, an account's bio and a server's words come from strangers:
rendered as they are, their markup or script would run in the analyst's
notebook. Everything here goes through :func:`html.escape`, and a link is
made only of an ``http(s)`` URL.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

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


def _link(url: str | None, label: str) -> str:
    if url and url.lower().startswith(("https://", "http://")):
        return f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{_e(label)}</a>'
    return _e(label)


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
    title = f"<b>{_e(_cut(post.title, 300))}</b><br>" if post.title else ""  # a stranger's: bounded too
    text = _e(_cut(post.text, 2000)).replace("\n", "<br>")
    return (
        f'<div style="{_CARD}"><div style="{_DIM}">{_link(post.author.url, "@" + post.author.handle)} · '
        f"{_e(post.network)} · {_link(post.url, post.created_at.strftime('%Y-%m-%d %H:%M UTC'))}</div>"
        f'<div dir="auto">{title}{text}</div><div style="{_DIM}">{counts}{reward}</div></div>'
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
    return (
        f'<div style="{_CARD}"><b dir="auto">{_e(name)}</b> '
        f'<span style="{_DIM}">{_link(account.url, "@" + account.handle)} · {_e(account.network)}</span>'
        f'{bio}<div style="{_DIM}">{counts}</div></div>'
    )


def reward_html(reward: Reward) -> str:
    """One line: status, amounts, payout time."""
    amounts = ", ".join(map(str, reward.amounts)) or "nothing"
    when = f" · pays out {reward.payout_at:%Y-%m-%d %H:%M} UTC" if reward.payout_at else ""
    return (
        f'<span style="{_DIM}">{_e(reward.network)} · {_e(reward.subject)}:</span> '
        f"<b>{_e(reward.status)}</b> {_e(amounts)}{_e(when)}"
    )
