"""Parametrize the contract suite over every backend harness in tests/servers."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from .harness import Harness

_SERVERS = Path(__file__).parent.parent / "servers"


def _harness_names() -> list[str]:
    names: list[str] = []
    for path in sorted(_SERVERS.glob("*.py")):
        if path.name.startswith("_"):
            continue
        module = importlib.import_module(f"tests.servers.{path.stem}")
        names.extend(getattr(module, "HARNESSES", ()))
    # The sandbox first: it is the reference every backend is held to.
    return sorted(names, key=lambda n: (n != "sandbox", n))


@pytest.fixture(params=_harness_names())
def harness(request: pytest.FixtureRequest) -> Harness:
    h: Harness = request.getfixturevalue(f"{request.param}_harness")
    reason = h.skips.get(request.node.originalname)
    if reason:
        pytest.skip(f"{h.name}: {reason}")
    return h
