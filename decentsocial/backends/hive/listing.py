"""Bridge lists paged from the last item of the page before (``start_author``/``start_permlink``,
``last_id``, ``last``).

Hivemind starts each page *after* that item. A node that starts it *with* that
item (condenser_api's convention, a caching proxy, a hostile node) gave one
item fewer than asked on each later page: the listing's de-duplication dropped
the repeat, and a listing with a limit ended one short (its last page asked for
the one item still due and got only the repeat). Once a node is seen to repeat,
each later page asks for one more, and the repeat is dropped here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from ...models import Post
from ...paging import Page

__all__ = ["StartAfter", "post_cursor"]

T = TypeVar("T")
C = TypeVar("C")


class StartAfter(Generic[T, C]):
    """The page fetch of one listing (for :func:`~decentsocial.paging.paginate`): ``fetch(cursor, n)``
    asks the node for ``n`` items, ``cursor_of`` gives an item's cursor, ``most`` is the largest page."""

    __slots__ = ("cursor_of", "fetch", "most", "repeats")

    def __init__(
        self, fetch: Callable[[C | None, int], Sequence[T]], cursor_of: Callable[[T], C], most: int
    ) -> None:
        self.fetch = fetch
        self.cursor_of = cursor_of
        self.most = most
        self.repeats = False  # whether this node starts a page with the cursor's own item

    def __call__(self, cursor: C | None, size: int) -> Page[T, C]:
        """Up to ``size`` items after ``cursor``, and the next page's cursor: the last item's when the
        node sent as many as asked, else None (the end)."""
        fetch = self.fetch
        ask = min(size + 1, self.most) if cursor is not None and self.repeats else size
        items = fetch(cursor, ask)
        if cursor is not None and not self.repeats and items and self.cursor_of(items[0]) == cursor:
            self.repeats = True
            if len(items) >= ask and ask < self.most:  # a full page, one short: asked again for one more
                ask += 1
                items = fetch(cursor, ask)
        full = len(items) >= ask
        if self.repeats and cursor is not None and items and self.cursor_of(items[0]) == cursor:
            items = items[1:]
        return Page(items, self.cursor_of(items[-1]) if full and items else None)


def post_cursor(post: Post) -> tuple[str, str]:
    """The ``start_author``, ``start_permlink`` of the page after ``post``."""
    author, _, permlink = post.id.partition("/")
    return author, permlink
