"""Lazy pagination shared by every backend.

A backend describes one page fetch; :func:`paginate` turns it into an
iterator that looks like a plain loop (like stripe's ``auto_paging_iter``):
it asks for at most ``limit`` items, never holds more than one page, and
stops exactly at ``limit`` (``None`` pages to the end).
"""

from __future__ import annotations

import hashlib
import itertools
import numbers
import operator
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import InvalidInput, NetworkUnavailable

__all__ = ["MAX_CURSOR", "Page", "check_limit", "cursor_digest", "paginate"]

#: How many of the latest cursors a listing remembers to spot a server sending one again (a longer
#: loop is stopped by ``max_pages``): a bound, so iterating a million items keeps memory flat. Each is
#: kept as a 16-byte digest, never as sent: a server's cursors may be megabytes each.
RECENT_CURSORS = 1024
#: The longest cursor (its ``repr``) a listing sends back. Real ones are a few hundred characters; a
#: server's cursor of megabytes would be a request httpx cannot send (its address stops at 65,536).
MAX_CURSOR = 8192
#: How many of the latest item keys a keyed listing remembers (whole pages, oldest dropped first), so
#: that a server sending earlier pages again with fresh cursors cannot repeat an item (a longer
#: cycle is stopped by ``max_pages``): about 1.5 MiB at most, however long the listing.
RECENT_KEYS = 5_000

T = TypeVar("T")
C = TypeVar("C")


@dataclass(frozen=True)
class Page(Generic[T, C]):
    """One page of results and the cursor for the next page (``None`` at the end)."""

    items: Sequence[T]
    next_cursor: C | None


def check_limit(limit: int | None) -> int | None:
    """Validate a ``limit`` argument before any I/O; a numpy integer (a frame's count) reads as an ``int``."""
    if limit is None:
        return None
    if not isinstance(limit, int) or isinstance(limit, bool):
        number = _integer(limit)
        if number is None:
            raise InvalidInput(f"limit must be a positive integer or None, got {limit!r}")
        limit = number
    if limit < 1:
        raise InvalidInput(f"limit must be at least 1 (or None for all), got {limit}")
    return limit


def _integer(value: object) -> int | None:
    """``value`` as an ``int`` if it is an integer of another type (``numpy.int64``); a bool is not.

    ``numbers.Integral``, not ``__index__`` alone: older numpy gives its bool an ``__index__``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return operator.index(value)


def paginate(
    fetch: Callable[[C | None, int], Page[T, C]],
    *,
    limit: int | None,
    page_size: int,
    key: Callable[[T], Hashable] | None = None,
    max_pages: int | None = None,
    network: str | None = None,
) -> Iterator[T]:
    """Iterate ``fetch(cursor, size)`` pages lazily, stopping exactly at ``limit``.

    ``key``, when given, drops items already seen on earlier pages (the last
    :data:`RECENT_KEYS` keys): for networks whose cursors overlap (Nostr's
    ``until``, Hive's start post), and against a server that sends earlier
    pages again. A page that brings nothing new ends the listing.
    ``limit`` is validated now, so bad input fails before the first request.

    A hostile or broken server cannot make a listing page for ever: a
    cursor it has already given (the same page again) and more than
    ``max_pages`` pages are ``NetworkUnavailable`` naming ``network``.
    """
    checked = check_limit(limit)
    if page_size < 1:
        raise InvalidInput(f"page_size must be at least 1, got {page_size}")
    return _pages(fetch, checked, page_size, key, max_pages, network)


def _pages(
    fetch: Callable[[C | None, int], Page[T, C]],
    limit: int | None,
    page_size: int,
    key: Callable[[T], Hashable] | None,
    max_pages: int | None,
    network: str | None,
) -> Iterator[T]:
    remaining = limit
    cursor: C | None = None
    seen: set[Hashable] = set()  # the keys of the pages in ``window``
    window: deque[tuple[Hashable, ...]] = deque()  # each recent page's new keys, oldest first
    cursors: dict[bytes, None] = {}  # the most recent cursors' digests, oldest first
    pages = 0
    while remaining is None or remaining > 0:
        pages += 1
        if max_pages is not None and pages > max_pages:
            raise NetworkUnavailable(
                f"a listing ran past {max_pages} pages (the max_pages limit)", network=network
            )
        size = page_size if remaining is None else min(page_size, remaining)
        page = fetch(cursor, size)
        items = page.items
        if key is not None:
            keys = list(map(key, items))
            new_keys = set(keys)
            if len(new_keys) != len(keys) or not new_keys.isdisjoint(seen):
                # Some item came before (on an earlier page or this one): keep the first of each.
                kept: list[T] = []
                new_keys = set()
                for item, k in zip(items, keys, strict=True):
                    if k not in seen and k not in new_keys:
                        new_keys.add(k)
                        kept.append(item)
                items = kept
            seen |= new_keys
            window.append(tuple(new_keys))
            while len(seen) > RECENT_KEYS and len(window) > 1:  # memory stays flat however long
                seen.difference_update(window.popleft())
        fresh = len(items)
        if remaining is not None and fresh >= remaining:
            yield from itertools.islice(items, remaining)
            return
        yield from items  # a page at a time, not an item at a time: no per-item bookkeeping
        if remaining is not None:
            remaining -= fresh
        if page.next_cursor is None or not page.items:
            return
        marker = cursor_digest(page.next_cursor, network)
        came_round = marker in cursors and page.next_cursor != cursor  # an older cursor again: a loop
        if key is not None and fresh == 0 and not came_round:
            return  # nothing new: the same page again, or earlier pages again under fresh cursors
        if came_round or page.next_cursor == cursor:
            raise NetworkUnavailable("the server gave the same page cursor twice", network=network)
        cursors[marker] = None
        if len(cursors) > RECENT_CURSORS:  # memory stays flat however long the listing
            del cursors[next(iter(cursors))]
        cursor = page.next_cursor


def cursor_digest(cursor: object, network: str | None) -> bytes:
    """The 16 bytes a listing remembers ``cursor`` by (of its ``repr``: text, numbers and tuples of them,
    as backends' cursors are, each have their own), not the cursor a server made as long as it liked.

    A cursor past :data:`MAX_CURSOR`, or with text no request can carry (a lone surrogate, valid
    JSON as ``"\\ud800"``), is a malformed answer (``NetworkUnavailable`` naming ``network``), refused
    before it is sent back: sent, it would fail as the caller's ``InvalidInput``.
    """
    text = repr(cursor)
    if len(text) > MAX_CURSOR:
        raise NetworkUnavailable(
            f"the server gave a page cursor of {len(text):,} characters"
            f" (at most {MAX_CURSOR:,} are sent back)",
            network=network,
        )
    if not _sendable(cursor):
        raise NetworkUnavailable(
            "the server gave a page cursor that is not valid Unicode (a lone surrogate): it cannot be"
            " sent back",
            network=network,
        )
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _sendable(cursor: object) -> bool:
    """Whether the text of ``cursor`` (a string, or a tuple holding strings) has a UTF-8 form."""
    for part in cursor if isinstance(cursor, tuple) else (cursor,):
        if isinstance(part, str) and not part.isascii():
            try:
                part.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True
