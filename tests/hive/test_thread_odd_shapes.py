"""A discussion whose replies, communities and images come in odd shapes reads as before.

``thread()`` skips building a reply list for a post that names none, and the
converter reads a post's community and images only when the node sent them
(the cost of a 37-post discussion's conversion). Each shape a node may send
there (no key, null, 0, "", a string or an object where a list belongs, items
that are no post ids, ids the answer lacks, ids seen before) must still give
the same posts in the same depth-first order, each what validation builds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from decentsocial.backends.hive import HiveNetwork
from tests.trusted import as_validation_builds


def _post(permlink: str, depth: int, **fields: Any) -> dict[str, Any]:
    return {
        "author": "alice",
        "permlink": permlink,
        "depth": depth,
        "parent_author": "" if depth == 0 else "alice",
        "parent_permlink": "hive-1" if depth == 0 else "root",
        "category": "hive-1",
        "title": "Root" if depth == 0 else "",
        "body": f"**{permlink}** says <b>hi</b>",
        "created": "2024-01-02T03:04:05",
        "updated": "2024-01-02T03:04:05",
        "payout_at": "2024-01-09T03:04:05",
        "is_paidout": True,
        "author_payout_value": "0.000 HBD",
        "curator_payout_value": "0.000 HBD",
        "pending_payout_value": "0.000 HBD",
        "author_reputation": 25.0,
        "url": f"/hive-1/@alice/root#@alice/{permlink}" if depth else "/hive-1/@alice/root",
        **fields,
    }


DISCUSSION: dict[str, Any] = {
    "alice/root": _post(
        "root",
        0,
        community="hive-1",
        json_metadata={"image": None, "tags": ["hive-1"]},
        replies=["alice/r1", 7, None, ["alice/r3"], "alice/r2", "alice/missing", "alice/r1", "alice/r5"],
    ),
    "alice/r1": _post("r1", 1, community=None, json_metadata={"image": "https://img.example/a.png"}),
    "alice/r2": _post(
        "r2",
        1,
        community=5,
        json_metadata={"image": ["ftp://no", "http://img.example/b"]},
        replies="alice/r3",
    ),
    "alice/r3": _post("r3", 2, community="", replies=0),  # named only where no list belongs: never read
    "alice/r5": _post("r5", 1, replies={"alice/r3": True}, json_metadata="not json"),
    "alice/r4": _post("r4", 2, replies=["alice/r2", "alice/r4"], json_metadata={"image": 3}),
}
DISCUSSION["alice/r1"]["replies"] = ["alice/r4", ""]


def _answering(answer: Any) -> Callable[..., Any]:
    """A node's ``_call`` that answers ``answer``, read as the caller reads a node's answer."""
    return lambda method, params, read=None: answer if read is None else read(answer)


@pytest.mark.parametrize("replies", [None, 0, "", [], False, "alice/r1", {"alice/r1": 1}])
def test_a_root_that_names_no_reply_list_is_the_thread_alone(hive: HiveNetwork, replies: Any) -> None:
    answer = {"alice/root": _post("root", 0, replies=replies), "alice/r1": _post("r1", 1)}
    if replies is None:
        del answer["alice/root"]["replies"]
    hive._call = _answering(answer)  # type: ignore[method-assign]
    thread = hive.thread("alice/root")
    assert [p.id for p in thread] == ["alice/root"]
    as_validation_builds(thread[0])


def test_odd_replies_communities_and_images_give_the_same_thread(hive: HiveNetwork) -> None:
    hive._call = _answering(DISCUSSION)  # type: ignore[method-assign]
    thread = hive.thread("alice/root")
    # depth-first in reply order; non-ids, missing ids and ids seen before skipped
    assert [p.id for p in thread] == ["alice/root", "alice/r1", "alice/r4", "alice/r2", "alice/r5"]
    assert [p.community for p in thread] == ["hive-1", None, None, "5", None]
    assert [[m.url for m in p.media] for p in thread] == [
        [],
        ["https://img.example/a.png"],
        [],
        ["http://img.example/b"],
        [],
    ]
    assert all(p.text == f"{p.id.split('/')[1]} says hi" for p in thread)
    for post in thread:
        as_validation_builds(post)
