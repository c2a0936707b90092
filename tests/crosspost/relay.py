"""A small in-process network like a Nostr relay: each author sets a post's ``created_at``.

The sandbox stamps posts with its own clock; a relay takes whatever time the
author signs (a post dated 2100, or year 1). ``search`` returns the posts
held whose text has every word of the query, newest first, page by page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from decentsocial.base import BaseNetwork
from decentsocial.models import Account, Post
from decentsocial.network import Capability
from decentsocial.paging import Page
from decentsocial.settings import NetworkSettings


class Relay(BaseNetwork[NetworkSettings]):
    """Posts in memory, searched by words; the author chooses each post's time."""

    name = "relay"
    capabilities = frozenset({Capability.SEARCH, Capability.TAG_SEARCH})

    def __init__(self) -> None:
        super().__init__()
        self.held: list[Post] = []

    @property
    def identity(self) -> str:
        return "local"

    def add(self, post_id: str, text: str, at: datetime) -> Post:
        """A post by ``someone``, dated ``at`` (whatever its author claims)."""
        author = Account(network=self.name, id="someone", handle="someone")
        post = Post(network=self.name, id=post_id, author=author, text=text, created_at=at)
        self.held.append(post)
        return post

    def _search_page(self, query: str, cursor: Any, size: int) -> Page[Post, Any]:
        words = query.casefold().split()
        hits = sorted(
            (p for p in self.held if all(w in p.text.casefold() for w in words)),
            key=lambda p: p.created_at,
            reverse=True,
        )
        start = cursor or 0
        end = start + size
        return Page(hits[start:end], end if end < len(hits) else None)
