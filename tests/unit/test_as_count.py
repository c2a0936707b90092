"""``coerce.as_count``: the one rule every backend reads counts by (a non-negative integer below 2**63,
else unknown), and ``coerce.not_asked_for``: the error for an answer about another object."""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial import NetworkUnavailable
from decentsocial.coerce import as_count, not_asked_for
from tests.hostile_counts import BAD_COUNTS, GOOD_COUNTS


@pytest.mark.parametrize("sent", BAD_COUNTS, ids=[repr(sent)[:20] for sent in BAD_COUNTS])
def test_a_bad_count_is_unknown(sent: Any) -> None:
    assert as_count(sent) is None


@pytest.mark.parametrize(("sent", "read"), GOOD_COUNTS, ids=[repr(sent)[:20] for sent, _ in GOOD_COUNTS])
def test_a_good_count_is_its_value_as_exactly_int(sent: Any, read: int) -> None:
    assert as_count(sent) == read
    assert type(as_count(sent)) is int


def test_an_int_subclass_reads_as_int() -> None:
    class Count(int):
        pass

    assert type(as_count(Count(3))) is int


def test_an_answer_for_another_object_names_both_clipped_and_is_not_retried() -> None:
    error = not_asked_for("mastodon", "status", "7", "8" * 500)
    assert isinstance(error, NetworkUnavailable)
    assert error.retryable is False
    assert "another status than asked for: asked '7', got '" in str(error)
    assert len(str(error)) < 300
    assert "got none" in str(not_asked_for("mastodon", "status", "7", None))
