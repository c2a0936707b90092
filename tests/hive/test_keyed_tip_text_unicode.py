"""A keyed tip whose memo or recipient holds a lone surrogate is ``InvalidInput``, and nothing is sent.

The key's fingerprint (whom, how much, the memo) was hashed from the text
encoded as UTF-8 before the memo or the recipient was checked: such a tip
with an ``idempotency_key`` raised ``UnicodeEncodeError`` (an untyped crash,
outside ``DecentSocialError``), where the same tip without a key was
``InvalidInput``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from decentsocial import InvalidInput

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection


@pytest.mark.parametrize(
    ("to", "memo"),
    [("steemit", "half an emoji \ud83d"), ("steem\udfffit", "thanks")],
    ids=["memo", "recipient"],
)
def test_a_keyed_tip_with_a_lone_surrogate_is_invalid_input(
    replay: ReplayServer, tmp_path: Path, to: str, memo: str
) -> None:
    net = hive_connection("hive", replay, "alice", state_path=tmp_path / "state.db")
    try:
        with pytest.raises(InvalidInput):
            net.tip(to, "0.001 HBD", memo=memo, idempotency_key="tip-surrogate")
        # Asked again: the same refusal, not "a tip with this key is under way" (nothing was sent).
        with pytest.raises(InvalidInput):
            net.tip(to, "0.001 HBD", memo=memo, idempotency_key="tip-surrogate")
    finally:
        net.close()
    assert replay.broadcasts == []
    assert len(net.signed) == 0
