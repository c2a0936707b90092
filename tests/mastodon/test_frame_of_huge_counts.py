"""``to_dataframe`` of a timeline whose server sends counts past 2**53 next to counts it leaves out.

The counts are valid (below 2**63, so the converter keeps them); the frame must hold them exactly
and must not fail, where a missing count beside them once made pandas go through floats.
"""

from __future__ import annotations

import pytest

import decentsocial as ds
from tests.mastodon.server_fixtures import hostile  # noqa: F401 - the server fixture
from tests.servers.mastodon_hostile import HostileServer, answer

from .test_hostile import net_for, status

pytest.importorskip("pandas", reason="the pandas extra is not installed")


def test_counts_past_2_53_beside_missing_ones_are_exact(server: HostileServer) -> None:
    big, top = 2**53 + 1, 2**63 - 1
    first, second, third = status("1"), status("2"), status("3")
    first["favourites_count"], first["reblogs_count"] = big, top
    second.pop("favourites_count", None)
    second.pop("reblogs_count", None)
    third["content"] = "<p>مرحبا بالعالم</p>"
    third["favourites_count"] = 0

    def respond(method: str, path: str) -> bytes:
        return answer([first, second, third])

    server.respond = respond
    net = net_for(server)
    frame = ds.to_dataframe(net.timeline(limit=None))
    assert str(frame["likes"].dtype) == str(frame["reposts"].dtype) == "Int64"
    assert frame["likes"].tolist()[0] == big  # not 2**53, as a float column has it
    assert frame["reposts"].tolist()[0] == top  # not a TypeError losing the frame
    assert frame["likes"].isna().tolist() == [False, True, False]
    assert frame["likes"].tolist()[2] == 0
    assert frame["text"].tolist()[2] == "مرحبا بالعالم"


def test_a_count_no_int64_holds_is_missing_in_the_frame() -> None:
    """A Post built by hand may hold any int; the frame cannot, and says it does not know."""
    author = ds.Account(network="hive", id="alice", handle="alice")
    post = ds.Post(
        network="hive",
        id="alice/p",
        author=author,
        text="x",
        created_at="2026-11-26T12:00:00Z",
        metrics=ds.Engagement(likes=2**64, views=-(2**63)),
    )
    frame = ds.to_dataframe([post])
    assert frame["likes"].isna().tolist() == [True]
    assert frame["views"].tolist() == [-(2**63)]
