"""``account="@alice"`` (or with spaces around it) is the account alice, for writes too.

The setting was checked with the "@" and spaces taken off, then used as it
was given: operations were signed for "@alice" (a name hived refuses), the
account's own posts were "another's" (delete and edit refused), and its
idempotency records were apart from alice's (one key, two tips).
"""

from __future__ import annotations

import uuid

import pytest

from decentsocial import connect
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection, public_key_for, wif_for
from .oracle import wax_check

FORMS = ["@alice", " alice ", "@alice\n"]


def as_given(replay: ReplayServer, account: str) -> HiveNetwork:
    """alice's connection (her keys, the replay node) with ``account`` as the setting names her."""
    net = connect(
        "hive",
        account=account,
        posting_key=wif_for("alice", "posting"),
        active_key=wif_for("alice", "active"),
        nodes=[replay.url],
        retry={"attempts": 1},
        timeout=5,
    )
    assert isinstance(net, HiveNetwork)
    return net


@pytest.mark.parametrize("form", FORMS)
def test_writes_are_signed_for_the_account_itself(replay: ReplayServer, form: str) -> None:
    pytest.importorskip("beem")  # signs
    net = as_given(replay, form)
    try:
        net.vote("steemit/firstpost", 50)
        net.delete("alice/my-old-post")  # its own post, not another's
    finally:
        net.close()
    operations = [op for b in replay.broadcasts for op in b.transaction["operations"]]
    assert operations == [
        ["vote", {"voter": "alice", "author": "steemit", "permlink": "firstpost", "weight": 5000}],
        ["delete_comment", {"author": "alice", "permlink": "my-old-post"}],
    ]
    posting = public_key_for("alice", "posting")
    for broadcast in replay.broadcasts:  # valid as hived checks it, signed by alice's posting key
        assert wax_check(broadcast.transaction, net.chain.chain_id).keys == [posting]


@pytest.mark.parametrize("form", FORMS)
def test_one_key_is_one_tip_whichever_form_names_the_account(replay: ReplayServer, form: str) -> None:
    pytest.importorskip("beem")  # signs
    key = f"tip-{uuid.uuid4()}"
    plain = hive_connection("hive", replay, "alice")
    other = as_given(replay, form)
    try:
        receipt = plain.tip("steemit", "0.001 HBD", idempotency_key=key)
        again = other.tip("steemit", "0.001 HBD", idempotency_key=key)
    finally:
        plain.close()
        other.close()
    assert len(replay.broadcasts) == 1  # one transfer: the key's record is alice's, whichever form
    assert again == receipt
    assert other.identity == plain.identity == "alice"
