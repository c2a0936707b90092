"""The sandbox's contract-suite harness: two accounts on one sandbox database file.

The sandbox is embedded, so there is no server to start: ``me`` and
``other`` are two ``connect("sandbox", path=..., account=...)`` connections
to the same file, exactly as DESIGN §3 describes users sharing a sandbox.
Reads see writes at once (``immediate``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest

import decentsocial as ds
from tests.contract.harness import Harness, immediate

HARNESSES = ("sandbox",)


@pytest.fixture(scope="session")
def sandbox_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    path = tmp_path_factory.mktemp("sandbox") / "contract.db"
    me = ds.connect("sandbox", path=str(path), account="alice", display_name="Alice")
    other = ds.connect("sandbox", path=str(path), account="bob", display_name="Bob")
    try:
        me.me()
        other.me()  # both accounts exist before any case follows, mentions or tips them
        yield Harness(
            name="sandbox",
            # BaseNetwork declares ``name`` as a ClassVar, which mypy will not match to the
            # protocol's instance attribute; at run time it is a Network (isinstance passes).
            me=cast(ds.Network, me),
            other=cast(ds.Network, other),
            eventually=immediate,
            samples={"tip": "0.001 SAND"},
        )
    finally:
        other.close()
        me.close()
