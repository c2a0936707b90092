"""The behaviour every backend shares: one suite, run against each backend's harness.

Each case skips, with the reason, when the backend lacks the Capability it
needs, when the harness is read-only (``live=False``: recorded data, so the
case reads ``h.samples`` instead or skips read-after-write), or when the
harness names the case in ``skips``. Reads that follow writes go through
``h.eventually`` so servers that index asynchronously pass too. Cases keep
their footprint small: most backends talk to real servers.

Samples a harness may give: ``post``, ``account``, ``tag``, ``community``
(known objects for read-only backends) and ``tip`` (an amount string the
``me`` account can afford to tip, such as ``"0.001 SAND"``).

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
"""

from __future__ import annotations

from .engagement import *  # noqa: F403
from .lifecycle import *  # noqa: F403
from .listings import *  # noqa: F403
from .messaging import *  # noqa: F403
from .monitoring import *  # noqa: F403
from .publishing import *  # noqa: F403
