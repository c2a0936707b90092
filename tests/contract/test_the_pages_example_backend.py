"""The contract suite on a backend with only the capabilities of docs/backends.md's example (publish,
read, search), as its author would run it: every case passes or is skipped, saying why.

The suite once failed such a backend twice for what it does not declare: the publish case asked
``me()`` for the author's handle (``UnsupportedFeature: profile``), and ``edit`` on a network without
EDIT checked the post id before saying it cannot edit (the sandbox's ``InvalidInput`` for an id of
another shape), though every member says what it lacks before it looks at its arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

import decentsocial as ds
from decentsocial.network import Capability
from decentsocial.testing import Harness
from decentsocial.testing.contract import *  # noqa: F403

#: What the page's ``MyNetwork`` declares.
DECLARED = {Capability.PUBLISH, Capability.READ, Capability.SEARCH}


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    lacking = sorted(c.value for c in set(Capability) - DECLARED)
    path = str(tmp_path / "mynet.db")
    me = ds.connect("sandbox", path=path, account="alice", unsupported=lacking)
    other = ds.connect("sandbox", path=path, account="bob", unsupported=lacking)
    try:
        assert me.capabilities == DECLARED
        yield Harness(name="sandbox", me=cast(ds.Network, me), other=cast(ds.Network, other))
    finally:
        other.close()
        me.close()


def test_edit_says_it_is_missing_before_reading_its_arguments(harness: Harness) -> None:
    """An id the network would refuse is no reason to hide that it cannot edit at all."""
    with pytest.raises(ds.UnsupportedFeature, match="edit"):
        harness.me.edit("not-an-id-of-this-network", "new text")
    with pytest.raises(ds.InvalidInput):  # a replacement still checks the id: it deletes that post
        harness.me.edit("not-an-id-of-this-network", "new text", replace=True)
