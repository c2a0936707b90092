"""The contract suite on an in-memory sandbox, as a user testing with the kit builds one: ``me`` and
``other`` from ``as_account``, no file. The kit must not fail the sandbox for being in memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest

import decentsocial as ds
from decentsocial.testing import Harness
from decentsocial.testing.contract import *  # noqa: F403


@pytest.fixture
def harness() -> Iterator[Harness]:
    me = ds.connect("sandbox", account="alice", display_name="Alice")
    other = me.as_account("bob", display_name="Bob")
    try:
        yield Harness(
            name="sandbox",
            me=cast(ds.Network, me),
            other=cast(ds.Network, other),
            samples={"tip": "0.001 SAND"},
        )
    finally:
        other.close()
        me.close()
