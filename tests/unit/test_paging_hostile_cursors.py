"""Paging against a server whose cursors are huge (refused past ``MAX_CURSOR``, remembered by digest up
to it), and with a ``limit`` that is a numpy integer."""

from __future__ import annotations

import tracemalloc

import pytest

import decentsocial as ds
from decentsocial.paging import MAX_CURSOR, Page, check_limit, paginate

MiB = 1024 * 1024


def test_a_cursor_of_a_megabyte_is_refused_before_it_is_sent_back() -> None:
    calls: list[str | None] = []

    def fetch(cursor: str | None, size: int) -> Page[int, str]:
        calls.append(cursor)
        return Page([len(calls)], "x" * MiB)

    listing = paginate(fetch, limit=None, page_size=1, max_pages=50, network="hostile")
    assert next(listing) == 1  # the page that came with it is kept
    with pytest.raises(ds.NetworkUnavailable, match="page cursor of 1,048,578 characters") as caught:
        next(listing)
    assert caught.value.network == "hostile"
    assert calls == [None]


def test_cursors_up_to_the_cap_are_remembered_by_digest() -> None:
    """1,024 cursors of 8 KiB each would be 8 MiB kept; their digests are 16 bytes each."""
    pages = 1200

    def fetch(cursor: str | None, size: int) -> Page[int, str]:
        number = 0 if cursor is None else int(cursor[:6]) + 1
        return Page([number], f"{number:06d}" + "x" * (MAX_CURSOR - 8))  # its repr: the cap

    tracemalloc.start()
    try:
        assert sum(1 for _ in paginate(fetch, limit=pages, page_size=1)) == pages
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * MiB


def test_a_long_cursor_sent_again_is_still_a_loop() -> None:
    big = "c" * (MAX_CURSOR - 3)
    calls: list[str | None] = []

    def fetch(cursor: str | None, size: int) -> Page[int, str]:
        calls.append(cursor)
        return Page([len(calls)], big + ("a" if len(calls) % 2 else "b"))  # a, b, a: round again

    with pytest.raises(ds.NetworkUnavailable, match="same page cursor"):
        list(paginate(fetch, limit=None, page_size=1, max_pages=50))
    assert len(calls) == 3


@pytest.mark.parametrize("cursors", [[(1, "a"), (2, "b"), (1, "a")], [{"k": 1}, {"k": 2}, {"k": 1}]])
def test_tuple_and_unhashable_cursors_coming_round_are_a_loop(cursors: list[object]) -> None:
    calls: list[object] = []

    def fetch(cursor: object, size: int) -> Page[int, object]:
        calls.append(cursor)
        return Page([len(calls)], cursors[len(calls) - 1])

    with pytest.raises(ds.NetworkUnavailable, match="same page cursor"):
        list(paginate(fetch, limit=None, page_size=1, max_pages=50))
    assert len(calls) == 3


def test_a_numpy_integer_limit_is_an_integer() -> None:
    np = pytest.importorskip("numpy")

    def fetch(cursor: int | None, size: int) -> Page[int, int]:
        start = cursor or 0
        return Page(list(range(start, start + size)), start + size)

    assert list(paginate(fetch, limit=np.int64(7), page_size=5)) == list(range(7))
    assert check_limit(np.uint8(3)) == 3
    assert type(check_limit(np.int32(3))) is int


@pytest.mark.parametrize("make", ["bool", "float", "zero", "negative"])
def test_numpy_values_that_are_no_positive_integer_are_refused(make: str) -> None:
    np = pytest.importorskip("numpy")
    value = {"bool": np.True_, "float": np.float64(3.0), "zero": np.int64(0), "negative": np.int64(-2)}[make]
    with pytest.raises(ds.InvalidInput, match="limit"):
        check_limit(value)
