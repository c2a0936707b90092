"""Liking again, or unliking a post never liked, changes nothing: it is no error.

The protocol promises both (``Network.like``/``unlike``). hived refuses a
vote that leaves things as they are (the same weight again; weight 0 where
the account has no vote) and steemd words it its own way: that came back as
``ContentRejected``. The replay node refuses with the chains' own messages.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from decentsocial import ContentRejected
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer

POST = "bob/a-post"
HIVED_SAME = (
    "Assert Exception:itr->vote_percent != o.weight: "
    "Your current vote on this comment is identical to this vote."
)
STEEMD_SAME = "Assert Exception:itr->vote_percent != o.weight: You have already voted in a similar way."
NO_VOTE = "Assert Exception:o.weight != 0: Vote weight cannot be 0."

ACTS: dict[str, tuple[str, Callable[[HiveNetwork], None]]] = {
    "like again (hived)": (HIVED_SAME, lambda net: net.like(POST)),
    "like again (steemd)": (STEEMD_SAME, lambda net: net.like(POST)),
    "the same vote again": (HIVED_SAME, lambda net: net.vote(POST, 50)),
    "unlike a post never liked": (NO_VOTE, lambda net: net.unlike(POST)),
    "vote 0 with no vote": (NO_VOTE, lambda net: net.vote(POST, 0)),
}


@pytest.mark.parametrize("case", list(ACTS))
def test_a_vote_the_chain_already_holds_is_done(net: HiveNetwork, replay: ReplayServer, case: str) -> None:
    refusal, act = ACTS[case]
    replay.refuse["vote"] = refusal
    act(net)  # no error
    assert replay.broadcasts == []  # the node took nothing: there was nothing to take
    assert net.signed[-1].json["operations"][0][0] == "vote"


def test_other_vote_refusals_still_raise(net: HiveNetwork, replay: ReplayServer) -> None:
    replay.refuse["vote"] = (
        "Assert Exception:itr->num_changes < HIVE_MAX_VOTE_CHANGES: "
        "Voter has used the maximum number of vote changes on this comment."
    )
    with pytest.raises(ContentRejected, match="maximum number of vote changes"):
        net.like(POST)
