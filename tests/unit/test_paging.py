"""The one pagination helper: lazy, exact limits, None pages to the end."""

from __future__ import annotations

import pytest

import decentsocial as ds
from decentsocial.paging import RECENT_KEYS, Page, paginate

ITEMS = list(range(23))


class Source:
    """A cursor-paged list that records every request it answers."""

    def __init__(self, items: list[int], overlap: int = 0) -> None:
        self.items = items
        self.overlap = overlap
        self.calls: list[tuple[int | None, int]] = []

    def fetch(self, cursor: int | None, size: int) -> Page[int, int]:
        self.calls.append((cursor, size))
        start = cursor or 0
        chunk = self.items[start : start + size]
        end = start + len(chunk)
        return Page(chunk, end - self.overlap if end < len(self.items) else None)


@pytest.mark.parametrize(("limit", "expected_calls"), [(1, 1), (5, 1), (6, 2), (10, 2), (None, 5)])
def test_stops_exactly_at_limit(limit: int | None, expected_calls: int) -> None:
    src = Source(ITEMS)
    got = list(paginate(src.fetch, limit=limit, page_size=5))
    assert got == ITEMS[: limit if limit is not None else len(ITEMS)]
    assert len(src.calls) == expected_calls
    assert all(size <= 5 for _, size in src.calls)


def test_is_lazy() -> None:
    src = Source(ITEMS)
    it = paginate(src.fetch, limit=None, page_size=5)
    assert src.calls == []
    next(it)
    assert len(src.calls) == 1


def test_last_page_asks_only_for_what_is_left() -> None:
    src = Source(ITEMS)
    list(paginate(src.fetch, limit=7, page_size=5))
    assert [size for _, size in src.calls] == [5, 2]


@pytest.mark.parametrize("limit", [0, -1, 1.5, "3", True])
def test_bad_limit_fails_before_any_fetch(limit: object) -> None:
    src = Source(ITEMS)
    with pytest.raises(ds.InvalidInput, match="limit"):
        paginate(src.fetch, limit=limit, page_size=5)  # type: ignore[arg-type]
    assert src.calls == []


def test_overlapping_cursors_are_deduplicated() -> None:
    src = Source(ITEMS, overlap=1)  # each page repeats the previous page's last item
    got = list(paginate(src.fetch, limit=None, page_size=5, key=lambda x: x))
    assert got == ITEMS


def test_empty_source() -> None:
    assert list(paginate(Source([]).fetch, limit=None, page_size=5)) == []


def test_pages_that_come_round_again_with_fresh_cursors_give_each_item_once_and_end() -> None:
    calls: list[int | None] = []

    def fetch(cursor: int | None, size: int) -> Page[int, int]:
        calls.append(cursor)
        first = 0 if len(calls) % 2 else 100  # pages A, B, A, B… each with a new cursor
        return Page(list(range(first, first + size)), len(calls))

    got = list(paginate(fetch, limit=None, page_size=100, key=lambda x: x, max_pages=50))
    assert got == list(range(200))
    assert len(calls) == 3  # the third page (A again) brought nothing new: the end


def test_keys_are_remembered_within_a_bound() -> None:
    """A listing remembers the latest RECENT_KEYS keys, not all of them: memory stays flat."""
    total = RECENT_KEYS + 300

    def fetch(cursor: int | None, size: int) -> Page[int, int]:
        start = cursor or 0
        ids = [(start + i) % total for i in range(size)]  # every id once, then the first ones again
        return Page(ids, start + size)

    got = list(paginate(fetch, limit=total + 100, page_size=100, key=lambda x: x))
    assert got[:total] == list(range(total))
    assert got[total:] == list(range(100))  # forgotten long ago: a bound, not a record of all
