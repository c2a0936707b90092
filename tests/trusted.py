"""Checks for models built without validation (``_trusted``): each must be what validation builds.

A converter that builds models with :meth:`~decentsocial.models.Post._trusted`
promises the very state ``model_validate`` would leave: the same fields in the
same order, the same fields set, and equal values of the very same types
(``str`` not a subclass, tuples not lists, the same ``timezone.utc``).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from pydantic import BaseModel

__all__ = ["as_validation_builds", "same"]


def same(ours: Any, validated: Any, where: str = "") -> None:
    """``ours`` and ``validated`` hold the same values of the same types, all the way down."""
    assert type(ours) is type(validated), (where, type(ours), type(validated))
    if isinstance(ours, BaseModel):
        assert list(ours.__dict__) == list(validated.__dict__), where
        assert ours.model_fields_set == validated.model_fields_set, where
        assert ours.__pydantic_extra__ == validated.__pydantic_extra__, where
        assert ours.__pydantic_private__ == validated.__pydantic_private__, where
        for name, value in ours.__dict__.items():
            same(value, validated.__dict__[name], f"{where}.{name}")
    elif isinstance(ours, (tuple, list)):
        assert len(ours) == len(validated), where
        for i, (a, b) in enumerate(zip(ours, validated, strict=True)):
            same(a, b, f"{where}[{i}]")
    elif isinstance(ours, dict):
        assert list(ours) == list(validated), where
        for key, value in ours.items():
            same(value, validated[key], f"{where}[{key!r}]")
    elif isinstance(ours, datetime):
        assert ours == validated, where
        assert ours.tzinfo is validated.tzinfo, where
    elif isinstance(ours, float) and math.isnan(ours):
        assert math.isnan(validated), where
    else:
        assert ours == validated, (where, ours, validated)


def as_validation_builds(model: BaseModel, where: str = "") -> None:
    """``model`` and each model inside it are what ``model_validate`` makes of their set fields."""
    validated = type(model).model_validate({name: model.__dict__[name] for name in model.model_fields_set})
    same(model, validated, where or type(model).__name__)
    for name, value in model.__dict__.items():
        for i, inner in enumerate(value if isinstance(value, tuple) else (value,)):
            if isinstance(inner, BaseModel):
                as_validation_builds(inner, f"{where}.{name}[{i}]")
