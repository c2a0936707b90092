"""A content-warned text too long for one Hive post is split into a thread, every part tagged ``nsfw``.

Hive and Steem have no content-warning flag: front ends hide a post tagged
``nsfw``, and a draft with ``content_warning`` or ``sensitive=True`` must carry
that tag (else ``ContentRejected``). ``crosspost`` split a long one into
parts that kept the warning but not the tag, so every later part was refused
and such a text could not be posted on Hive at all (the plan refused it, and
told the caller to add the tag they had added). A later part of a marked
draft now keeps its ``nsfw`` tag.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from decentsocial import ContentRejected, Draft, crosspost
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer

#: About 126 kB: two Hive posts (64,000 bytes of body each) and a bit of a third.
LONG = "A long story\n\n" + " ".join(f"word{i}" for i in range(14_000))

MARKED = {
    "content warning": Draft(text=LONG, content_warning="graphic violence", tags=("nsfw", "fiction")),
    "sensitive": Draft(text=LONG, sensitive=True, tags=("nsfw",)),
}


def _comments(replay: ReplayServer) -> list[dict[str, Any]]:
    operations = [op for b in replay.broadcasts for op in b.transaction["operations"]]
    return [body for name, body in operations if name == "comment"]


@pytest.mark.parametrize("case", list(MARKED))
def test_every_part_of_a_marked_thread_is_tagged_nsfw(
    net: HiveNetwork, replay: ReplayServer, case: str
) -> None:
    draft = MARKED[case]
    planned = crosspost(draft, [net], dry_run=True)
    assert planned.ok, planned.outcomes[0].error
    parts = planned.outcomes[0].drafts
    assert len(parts) == 3
    assert all("nsfw" in part.all_tags for part in parts)
    assert replay.broadcasts == []

    outcome = crosspost(draft, [net]).outcomes[0]
    assert outcome.error is None, outcome.error
    comments = _comments(replay)
    assert len(comments) == len(outcome.posts) == 3
    for comment in comments:
        assert "nsfw" in json.loads(comment["json_metadata"])["tags"]
    first, *rest = comments
    assert first["parent_author"] == ""
    assert first["title"] == "A long story"
    for parent, reply in zip(comments[:-1], rest, strict=True):  # each later part replies to the one before
        assert (reply["parent_author"], reply["parent_permlink"]) == (parent["author"], parent["permlink"])
        assert reply["title"] == ""
    assert "".join(c["body"] for c in comments).replace(" ", "").count("word") == 14_000


def test_a_thread_of_an_unmarked_warning_is_refused_before_any_part(
    net: HiveNetwork, replay: ReplayServer
) -> None:
    draft = Draft(text=LONG, content_warning="graphic violence", tags=("fiction",))
    [planned] = crosspost(draft, [net], dry_run=True).outcomes
    assert isinstance(planned.error, ContentRejected)
    [outcome] = crosspost(draft, [net]).outcomes
    assert isinstance(outcome.error, ContentRejected)
    assert outcome.posts == ()
    assert replay.broadcasts == []
    assert len(net.signed) == 0
