"""Two accounts on one server, one cursor file: a post one of them yielded does not come again after a
restart through the other.

Both connections see the post; the first to take it yields it and records it,
and the other's copy is dropped as seen. A caller who stops right after the
post (``--count 1``, a ``break``) stops before the other's copy is taken, so
only the first connection's cursor has it: the restart yielded it again
through the second.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork


@pytest.fixture
def accounts(tmp_path: Path) -> Iterator[tuple[SandboxNetwork, SandboxNetwork, SandboxNetwork]]:
    """Two brand accounts and a fan on one sandbox file."""
    nets = [ds.connect("sandbox", path=tmp_path / "s.db", account=a) for a in ("brand", "support", "fan")]
    yield nets[0], nets[1], nets[2]
    for net in nets:
        net.close()


def test_a_post_yielded_before_a_restart_is_not_yielded_again_by_the_other_account(
    accounts: tuple[SandboxNetwork, SandboxNetwork, SandboxNetwork], tmp_path: Path
) -> None:
    brand, support, fan = accounts
    cursor = tmp_path / "monitor.json"
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    first = fan.publish("acme launch day")
    run = ds.monitor([brand, support], ["acme"], cursor=cursor, since=since, max_polls=1)
    assert next(run).id == first.id
    run.close()  # the caller stops at the first post, as `decentsocial monitor --count 1` does
    second = fan.publish("acme works for me")
    again = [p.id for p in ds.monitor([brand, support], ["acme"], cursor=cursor, since=since, max_polls=1)]
    assert again == [second.id]
    # And the order of the connections does not matter.
    third = fan.publish("acme again")
    swapped = [p.id for p in ds.monitor([support, brand], ["acme"], cursor=cursor, since=since, max_polls=1)]
    assert swapped == [third.id]


def test_each_account_still_yields_what_only_it_sees_after_a_restart(
    accounts: tuple[SandboxNetwork, SandboxNetwork, SandboxNetwork], tmp_path: Path
) -> None:
    brand, _, fan = accounts
    cursor = tmp_path / "monitor.json"
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    # Each connection on a file of its own sees other posts: one network name, two servers.
    other = ds.connect("sandbox", path=tmp_path / "other.db", account="support")
    other_fan = ds.connect("sandbox", path=tmp_path / "other.db", account="fan")
    try:
        here = fan.publish("acme here")
        there = other_fan.publish("acme there")
        got = [p.id for p in ds.monitor([brand, other], ["acme"], cursor=cursor, since=since, max_polls=1)]
        assert sorted(got) == sorted([here.id, there.id])
        later = other_fan.publish("acme later there")
        again = [p.id for p in ds.monitor([brand, other], ["acme"], cursor=cursor, since=since, max_polls=1)]
        assert again == [later.id]
    finally:
        other.close()
        other_fan.close()
