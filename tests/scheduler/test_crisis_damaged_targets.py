"""A crisis record whose paused jobs or pinned statements are damaged is a typed error, not a crash.

``Crisis.active`` refuses it with ``ConfigurationError`` (as a record that
is not JSON), and ``Crisis.discard`` removes it, instead of ``end`` failing
half way with ``KeyError`` or ``AttributeError``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.lifecycle import Crisis
from decentsocial.scheduler import Scheduler

GOOD_TARGET = {
    "label": "brand-a",
    "network": "sandbox",
    "target": "sandbox:brand",
    "profile": "brand-a",
    "posts": ["1"],
    "pinned": "1",
}


def record(**changes: Any) -> str:
    fields = {"id": "c1", "statement": "s", "started_at": 0, "paused": [], "targets": [GOOD_TARGET]}
    return json.dumps({**fields, **changes})


@pytest.mark.parametrize(
    "damaged",
    [
        record(targets=[1]),
        record(targets=[{"pinned": "1"}]),
        record(targets=[{**GOOD_TARGET, "target": None}]),
        record(targets=[{**GOOD_TARGET, "pinned": 7}]),
        record(targets=[{**GOOD_TARGET, "label": ["x"]}]),
        record(targets=[{**GOOD_TARGET, "profile": 3}]),
        record(paused=[None]),
        record(paused="job"),
    ],
    ids=[
        "not-a-dict",
        "no-target",
        "target-none",
        "pinned-number",
        "label-list",
        "profile-number",
        "paused-none",
        "paused-text",
    ],
)
def test_a_damaged_entry_is_a_configuration_error_that_can_be_removed(sched: Scheduler, damaged: str) -> None:
    assert sched.store.swap_note("crisis", None, damaged)
    with pytest.raises(ds.ConfigurationError, match=r"Crisis\.discard"):
        Crisis.active(sched)
    assert Crisis.discard(sched) is True
    assert Crisis.active(sched) is None


def test_a_whole_record_still_reads(sched: Scheduler) -> None:
    assert sched.store.swap_note("crisis", None, record())
    found = Crisis.active(sched)
    assert found is not None
    assert found.record["targets"] == [GOOD_TARGET]
