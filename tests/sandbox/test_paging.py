"""Keyset paging: any page size gives the same listing as one big page, ties in time included.

The sandbox pages by ``(created_at, seq)`` (timelines by ``(time, kind,
row)``) from the cursor down an index; these tests pin that the condition
is exact at the boundaries: posts made at one frozen instant, reposts at
the same instant as posts, deleted and scheduled posts, several authors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from decentsocial import Draft
from decentsocial.backends.sandbox import SandboxNetwork


def _listing(net: SandboxNetwork, size: int, read: Callable[[SandboxNetwork], Iterator[Any]]) -> list[Any]:
    vars(net)["page_size"] = size  # this connection only (the class keeps its default)
    try:
        return list(read(net))
    finally:
        del vars(net)["page_size"]


def _busy_sandbox(alice: SandboxNetwork, bob: SandboxNetwork, carol: SandboxNetwork) -> None:
    alice.follow("bob")
    for round_ in range(3):
        made = []
        for i in range(4):  # several posts per instant: the cursor's time has neighbours
            made.append(alice.publish(f"alice {round_}.{i} @bob"))
            made.append(bob.publish(f"bob {round_}.{i} @alice"))
            carol.publish(f"carol {round_}.{i} @alice")
        bob.repost(made[0])
        bob.repost(carol.publish(f"carol boosted {round_}"))
        carol.like(made[1])
        bob.delete(made[3])
        if round_ == 1:
            alice.advance_time(1)
    alice.publish(Draft(text="later", scheduled_at=alice.current_time().replace(year=2100)))


@pytest.mark.parametrize(
    "read",
    [
        lambda net: (
            (p.id, p.reposted_by.handle if p.reposted_by else None) for p in net.timeline(limit=None)
        ),
        lambda net: (p.id for p in net.posts(limit=None)),
        lambda net: (p.id for p in net.posts("bob", limit=None)),
        lambda net: (p.id for p in net.search("@alice", limit=None)),
        lambda net: ((n.kind, n.id, n.post.id if n.post else None) for n in net.notifications(limit=None)),
    ],
    ids=["timeline", "own posts", "bob's posts", "search", "notifications"],
)
def test_every_page_size_gives_the_same_listing(
    alice: SandboxNetwork,
    bob: SandboxNetwork,
    carol: SandboxNetwork,
    read: Callable[[SandboxNetwork], Iterator[Any]],
) -> None:
    _busy_sandbox(alice, bob, carol)
    whole = _listing(alice, 1000, read)
    assert len(whole) >= 8
    assert len(set(whole)) == len(whole)
    for size in (1, 2, 3, 5, 7):
        assert _listing(alice, size, read) == whole, size
