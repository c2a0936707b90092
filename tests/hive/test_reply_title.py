"""A Hive/Steem reply has no title: a ``Draft.title`` for one is refused, never silently dropped.

hived takes a title on a reply's ``comment`` operation, but the documented
practice (condenser, the developer portal: "left blank for comments") is an
empty one and no front end shows it; the backend sent ``""`` and returned a
post without the title the caller gave, on publish, on edit and in the dry run.
"""

from __future__ import annotations

import pytest

from decentsocial import ContentRejected, Draft, crosspost
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer

PARENT = "steemit/firstpost"


def test_a_reply_with_a_title_is_refused_before_signing(net: HiveNetwork, replay: ReplayServer) -> None:
    with pytest.raises(ContentRejected, match="reply has no title"):
        net.publish(Draft(text="Thanks!", title="My answer", reply_to=PARENT))
    assert replay.broadcasts == []
    assert len(net.signed) == 0


def test_the_dry_run_refuses_a_reply_title(net: HiveNetwork) -> None:
    draft = Draft(text="Thanks!", title="My answer", reply_to=PARENT)
    with pytest.raises(ContentRejected, match="reply has no title"):
        net.check_draft(draft)
    [planned] = crosspost(draft, [net], dry_run=True).outcomes
    assert isinstance(planned.error, ContentRejected)


def test_editing_a_reply_with_a_title_is_refused(net: HiveNetwork, replay: ReplayServer) -> None:
    reply = net.publish(Draft(text="Thanks!", reply_to=PARENT))
    replay.clear()
    signed = len(net.signed)
    with pytest.raises(ContentRejected, match="reply has no title"):
        net.edit(reply, Draft(text="Thanks a lot!", title="Edited title"))
    assert replay.broadcasts == []
    assert len(net.signed) == signed


def test_a_reply_without_a_title_or_with_a_blank_one_goes_out(net: HiveNetwork, replay: ReplayServer) -> None:
    reply = net.publish(Draft(text="Thanks!", title="  ", reply_to=PARENT))
    [(name, comment)] = replay.broadcasts[0].transaction["operations"]
    assert (name, comment["title"], comment["parent_author"]) == ("comment", "", "steemit")
    edited = net.edit(reply, Draft(text="Thanks a lot!"))
    assert edited.text == "Thanks a lot!"
    assert edited.title is None
