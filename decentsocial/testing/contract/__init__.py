"""The behaviour every backend shares: one suite, run against each backend's harness.

Each case skips, with the reason, when the backend lacks the Capability it
needs, when the harness is read-only (``live=False``: recorded data, so the
case reads ``h.samples`` instead or skips read-after-write), or when the
harness names the case in ``skips``. Reads that follow writes go through
``h.eventually`` so servers that index asynchronously pass too. Cases keep
their footprint small: most backends talk to real servers.

Samples a harness may give: ``post``, ``account``, ``tag``, ``community``
(known objects for read-only backends) and ``tip`` (an amount string the
``me`` account can afford to tip, such as ``"0.001 SAND"``; a live harness
whose backend declares ``TIP`` must give it).

A backend, built in or third-party, runs the suite by giving a ``harness``
fixture that returns a :class:`~decentsocial.testing.Harness` and importing
the cases into one of its test modules::

    # tests/test_contract.py of a backend package
    import pytest
    from decentsocial.testing import Harness
    from decentsocial.testing.contract import *  # noqa: F403

    @pytest.fixture
    def harness() -> Harness:
        return Harness(name="mynet", me=..., other=...)

The star import also brings two autouse fixtures: ``contract_skips`` (the
harness's ``skips``) and ``contract_state_dir`` (idempotency records in a
temporary folder, never the developer's own state store).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Not test modules, so pytest leaves their asserts alone unless told: a failing check would be a bare
# ``AssertionError`` that does not say which value broke the contract. Registered before they load.
pytest.register_assert_rewrite(
    *(
        f"{__name__}.{module}"
        for module in (
            "checks",
            "declarations",
            "engagement",
            "lifecycle",
            "listings",
            "messaging",
            "monitoring",
            "publishing",
        )
    )
)

from .declarations import *  # noqa: E402, F403
from .engagement import *  # noqa: E402, F403
from .lifecycle import *  # noqa: E402, F403
from .listings import *  # noqa: E402, F403
from .messaging import *  # noqa: E402, F403
from .monitoring import *  # noqa: E402, F403
from .publishing import *  # noqa: E402, F403


@pytest.fixture(autouse=True)
def contract_skips(request: pytest.FixtureRequest) -> None:
    """Skip a case the harness names in ``skips``, with its reason (in any module importing the cases)."""
    if "harness" not in request.fixturenames:
        return
    h = request.getfixturevalue("harness")
    reason = h.skips.get(getattr(request.node, "originalname", request.node.name))
    if reason:
        pytest.skip(f"{h.name}: {reason}")


@pytest.fixture(scope="module", autouse=True)
def contract_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keys the cases use are recorded in a folder of this run: the default store is the user's own."""
    before = os.environ.get("DECENTSOCIAL_STATE_DIR")
    os.environ["DECENTSOCIAL_STATE_DIR"] = str(tmp_path_factory.mktemp("decentsocial-state"))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("DECENTSOCIAL_STATE_DIR", None)
        else:
            os.environ["DECENTSOCIAL_STATE_DIR"] = before
