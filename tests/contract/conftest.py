"""Parametrize the contract suite over every backend harness in tests/servers.

The harness's ``skips`` are honoured by the suite itself (``contract_skips``), as for a third-party backend.
"""

from __future__ import annotations

import importlib

import pytest

from ..conftest import server_modules
from .harness import Harness


def _harness_names() -> list[str]:
    names: list[str] = []
    for stem in server_modules():
        module = importlib.import_module(f"tests.servers.{stem}")
        names.extend(getattr(module, "HARNESSES", ()))
    # The sandbox first: it is the reference every backend is held to.
    return sorted(names, key=lambda n: (n != "sandbox", n))


#: Backend defects the suite finds, by case and harness: each case fails there until its backend is fixed
#: (strict: one that passes says the defect is gone, and the entry must go).
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}


@pytest.fixture(params=_harness_names())
def harness(request: pytest.FixtureRequest) -> Harness:
    reason = KNOWN_DEFECTS.get((getattr(request.node, "originalname", request.node.name), request.param))
    if reason:
        request.applymarker(
            pytest.mark.xfail(raises=AssertionError, strict=True, reason=f"{request.param}: {reason}")
        )
    h: Harness = request.getfixturevalue(f"{request.param}_harness")
    return h
