"""A draft is kept as JSON (idempotency records, job stores): what JSON cannot hold is ``InvalidInput``.

Validation refuses an option value that is not JSON when the draft is built.
A copy made without validation (``model_copy``, ``with_text``) can still hold
one, or a lone surrogate: every backend that keys a publish says so with a
typed error naming the real cause, before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import Draft, InvalidInput
from decentsocial.idempotency import draft_digest
from decentsocial.text import lone_surrogate_at

HALF = "\ud83d"  # half of an emoji


@pytest.mark.parametrize("value", [object(), {"deep": [object()]}, lambda: 1])
def test_an_option_json_cannot_hold_is_refused_when_the_draft_is_built(value: Any) -> None:
    with pytest.raises(InvalidInput, match=r"^options must hold JSON values: Unable to serialize"):
        Draft(text="x", options={"custom": value})


@pytest.mark.parametrize("value", [{1, 2}, float("nan"), b"\xff\x00", ("a", 1), {"ar": "مرحبا"}])
def test_options_json_can_hold_are_kept(value: Any) -> None:
    draft = Draft(text="x", options={"custom": value})
    assert draft.options["custom"] == value or value != value  # NaN is never equal to itself
    assert len(draft_digest(draft)) == 64


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Any]:
    net = ds.connect("sandbox", path=str(tmp_path / "s.db"), account="alice", state_path=tmp_path / "st.db")
    yield net
    net.close()


@pytest.mark.parametrize(
    ("copy", "why"),
    [
        (
            Draft(text="x", idempotency_key="k").model_copy(update={"options": {"c": object()}}),
            "options must hold JSON",
        ),
        (
            Draft(text="x", idempotency_key="k").with_text("caf" + HALF),
            "text is not valid Unicode: a lone surrogate",
        ),
    ],
    ids=["object option", "lone surrogate"],
)
def test_a_keyed_publish_of_an_unvalidated_copy_is_invalid_input_and_writes_nothing(
    sandbox: Any, copy: Draft, why: str
) -> None:
    with pytest.raises(InvalidInput, match=f"cannot be kept as JSON: .*{why}") as caught:
        sandbox.publish(copy)
    assert caught.value.network == "sandbox"
    assert list(sandbox.timeline(limit=5)) == []


def test_threads_names_an_option_that_is_not_json_not_a_surrogate() -> None:
    threads = ds.connect("threads", access_token="t", user_id="123")  # check_draft makes no request
    try:
        with pytest.raises(InvalidInput, match="options must hold JSON values") as caught:
            threads.check_draft(Draft(text="x").model_copy(update={"options": {"c": object()}}))
        assert "surrogate" not in str(caught.value)
    finally:
        threads.close()


@pytest.mark.parametrize(
    ("text", "at"), [("", None), ("مرحبا 👋", None), (HALF, 0), ("ab" + HALF + "c", 2), ("👋\udc4b", 1)]
)
def test_lone_surrogate_at_finds_the_first_half_character(text: str, at: int | None) -> None:
    assert lone_surrogate_at(text) == at
