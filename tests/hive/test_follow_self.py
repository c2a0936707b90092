"""Following (or unfollowing) one's own account is refused before signing.

Hivemind drops such a ``follow`` custom_json ("can't follow self") without a
word, so the call used to report success for a broadcast that did nothing.
"""

from __future__ import annotations

import pytest

from decentsocial import InvalidInput
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer


@pytest.mark.parametrize("verb", ["follow", "unfollow"])
@pytest.mark.parametrize("me", ["alice", "@alice"])
def test_an_account_cannot_follow_itself(net: HiveNetwork, replay: ReplayServer, verb: str, me: str) -> None:
    with pytest.raises(InvalidInput, match="cannot follow or unfollow itself"):
        getattr(net, verb)(me)
    assert replay.requests == []
    assert len(net.signed) == 0
