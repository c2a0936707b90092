"""A record in the idempotency store that is not a JSON object (a damaged or hand-edited file) is a
``ConfigurationError`` naming its key, whoever reads it; the key stays claimed, nothing is sent."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from decentsocial import ConfigurationError
from decentsocial.state import StateStore


@pytest.mark.parametrize("data", ["not json", "[1, 2]", '"text"', "null", "[" * 100_000])
@pytest.mark.parametrize(
    "read",
    [
        lambda store: store.claim("s", "k", "d"),
        lambda store: store.get("s", "k"),
        lambda store: store.items("s"),
        lambda store: store.take_lease("s", "k", "another owner", 2.0, 1.0),
    ],
    ids=["claim", "get", "items", "take_lease"],
)
def test_a_record_that_is_no_json_object_is_a_configuration_error(
    tmp_path: Path, data: str, read: Callable[[StateStore], Any]
) -> None:
    # Before: a bare JSONDecodeError or RecursionError, or a list or a string handed to its caller
    # (base.publish then failed on ``earlier.get`` with an AttributeError).
    path = tmp_path / "state.db"
    store = StateStore.open(path)
    store.put("s", "k", "d", {})
    with sqlite3.connect(path) as db:
        db.execute("UPDATE records SET data = ? WHERE scope = 's' AND key = 'k'", (data,))
    with pytest.raises(ConfigurationError, match="'k' this version cannot read"):
        read(store)
    assert store.get("s", "other") is None  # the store still answers for every other key
