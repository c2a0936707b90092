"""A lone surrogate in a set or frozenset inside a draft is refused when the draft is built (review 14 #7).

``_check_strings`` walked tuples, lists and mappings but not sets, so
``Draft(options={"x": {"\\ud800"}})`` was built and only failed later, when
its JSON was written (an idempotency digest, a scheduled job).
"""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from decentsocial import Draft, InvalidInput
from decentsocial.idempotency import draft_digest

HALF = "\ud83d"  # half of an emoji


@pytest.mark.parametrize(
    "options",
    [
        {"labels": {HALF}},
        {"labels": frozenset({"ok", "caf" + HALF})},
        {"nested": [{"deep": {HALF}}]},
        {"nested": ({"x": frozenset({("tuple in a set", HALF)})},)},
    ],
    ids=["set", "frozenset", "set in a list", "tuple in a frozenset"],
)
def test_a_lone_surrogate_in_a_set_is_invalid_input_at_creation(options: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match=r"^options is not valid Unicode"):
        Draft(text="نص", options=options)


def test_sets_of_good_text_are_accepted_and_digested() -> None:
    draft = Draft(text="نص", options={"labels": {"مصر", "👩🏽‍💻"}, "frozen": frozenset({"a"})})
    assert draft_digest(draft)


def test_a_set_draft_never_reaches_a_backend(tmp_path: Any) -> None:
    net = ds.connect("sandbox", path=tmp_path / "s.db", account="alice")
    try:
        with pytest.raises(InvalidInput):
            net.publish(Draft(text="x", options={"labels": {HALF}}))
        assert list(net.posts(limit=None)) == []
    finally:
        net.close()
