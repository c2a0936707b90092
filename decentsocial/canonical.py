"""One JSON text per draft, whatever order its ``options`` were given in.

An idempotency key stands for one draft, and a scheduled job's key for one
plan: a retry must be recognised as the same content. A draft's JSON keeps
the fields in the model's order, but ``options`` (a dict, and any dict inside
it) in the order the caller built it: ``{"a": 1, "b": 2}`` and
``{"b": 2, "a": 1}`` are the same options. :func:`canonical_json` writes them
with their keys sorted at every level, and only them, so a draft whose
options are empty or already sorted has the very JSON (and digest) earlier
versions gave it.
"""

from __future__ import annotations

import json
from typing import Any

from .models import Draft

__all__ = ["canonical_json", "sorted_keys"]


def canonical_json(draft: Draft) -> str:
    """The draft's JSON with the keys of ``options`` sorted at every level (the rest as the model writes it).

    A ``ValueError`` (pydantic's serialization error) for a draft JSON cannot hold, as
    ``model_dump_json`` raises.
    """
    if not draft.options:
        return draft.model_dump_json()
    # The options as the model writes them (bytes as base64, a NaN as null…), read back as plain JSON.
    written = json.loads(draft.model_dump_json(include={"options"}))["options"]
    return draft.model_copy(update={"options": sorted_keys(written)}).model_dump_json()


def sorted_keys(value: Any) -> Any:
    """``value`` (plain JSON data) with the keys of every dict in it sorted."""
    if isinstance(value, dict):
        return {key: sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [sorted_keys(item) for item in value]
    return value
