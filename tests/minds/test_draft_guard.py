"""Why Minds keeps its ``draft_digest`` guard after review 14 #7 (sets are now checked at creation).

Draft validation refuses every lone surrogate, sets included, but a copy
made without validation (``with_text``, ``model_copy``) can still hold one,
and an option value JSON cannot hold (an ``object()``) put in by such a
copy: both reach ``check_draft``, which must say ``InvalidInput``
before any request (the server below is never contacted).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import Draft, InvalidInput

HALF = "\udce9"  # what os.fsdecode makes of a Latin-1 byte: a lone surrogate


@pytest.fixture
def minds() -> Iterator[Any]:
    from decentsocial.backends.minds import MindsExperimentalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MindsExperimentalWarning)
        net = ds.connect("minds", base_url="http://127.0.0.1:9", username="a", password="b")
    yield net
    net.close()


def test_a_set_with_a_lone_surrogate_never_reaches_minds() -> None:
    with pytest.raises(InvalidInput, match=r"^options is not valid Unicode"):
        Draft(text="x", options={"nsfw_labels": {HALF}})


@pytest.mark.parametrize(
    "draft",
    [
        Draft(text="good").with_text("caf" + HALF),
        Draft(text="good").model_copy(update={"idempotency_key": "k" + HALF}),
        Draft(text="good").model_copy(update={"options": {"custom": object()}}),
    ],
    ids=["with_text", "model_copy", "not JSON"],
)
def test_what_validation_cannot_see_is_invalid_input_before_any_request(minds: Any, draft: Draft) -> None:
    with pytest.raises(InvalidInput, match="cannot be kept as JSON"):
        minds.check_draft(draft)
