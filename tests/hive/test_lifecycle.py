"""Edits on Hive and Steem are ``comment`` operations on the same permlink, signed and checked with wax.

And ``ds.retract`` on a post the chain will not delete (net positive votes)
edits it to the retraction notice instead, reporting it as edited.
"""

from __future__ import annotations

import json

import pytest

import decentsocial as ds
from decentsocial import Account, Draft, PermissionDenied
from decentsocial.backends.hive import HiveNetwork
from decentsocial.lifecycle import RETRACTION_NOTICE

from ..servers._jsonrpc_replay import ReplayServer
from .test_writes import assert_signed_by, ops_of

REFUSED = "Assert Exception:comment.net_rshares <= 0: Cannot delete a comment with net positive votes."


def test_edit_is_a_comment_on_the_same_permlink(net: HiveNetwork, replay: ReplayServer) -> None:
    post = net.publish(Draft(text="Launch day\n\nFirst version #web3", tags=("news",)))
    replay.clear()
    edited = net.edit(post, Draft(text="Second version: تحديث #web3 #update"))
    [trx] = [b.transaction for b in replay.broadcasts]
    [(name, comment)] = ops_of(trx)
    author, permlink = post.id.split("/")
    assert name == "comment"
    assert (comment["author"], comment["permlink"]) == (author, permlink)
    assert (comment["parent_author"], comment["parent_permlink"]) == ("", "news")  # category kept
    assert comment["title"] == "Launch day"  # no title in the draft: the post keeps its own
    assert comment["body"] == "Second version: تحديث #web3 #update"
    assert json.loads(comment["json_metadata"])["tags"] == ["news", "web3", "update"]
    assert_signed_by(net, trx, "posting")
    assert edited.id == post.id
    assert edited.edited_at is not None
    assert edited.text.startswith("Second version")


def test_edit_a_reply_keeps_its_parent(net: HiveNetwork, replay: ReplayServer) -> None:
    reply = net.publish(Draft(text="a reply with a typo", reply_to="steemit/firstpost"))
    replay.clear()
    net.edit(reply, "a reply without")
    [(_, comment)] = ops_of(replay.broadcasts[0].transaction)
    assert (comment["parent_author"], comment["parent_permlink"]) == ("steemit", "firstpost")
    assert comment["title"] == ""
    assert comment["body"] == "a reply without"


def test_edit_someone_elses_post_is_refused_before_signing(net: HiveNetwork, replay: ReplayServer) -> None:
    mine = net.publish(Draft(text="Mine\n\nbody", tags=("news",)))
    bob = Account(network=net.name, id="bob", handle="bob")
    theirs = mine.model_copy(update={"id": "bob/their-post", "author": bob})
    replay.clear()
    with pytest.raises(PermissionDenied):
        net.edit(theirs, "taken over")
    # Hive pins only in communities (tests/hive/test_pins.py); Steem not at all.
    with pytest.raises(
        PermissionDenied if net.name == "hive" else ds.UnsupportedFeature, match="no profile pins"
    ):
        net.pin(mine)
    assert replay.broadcasts == []


def test_retract_edits_what_the_chain_will_not_delete(net: HiveNetwork, replay: ReplayServer) -> None:
    result = ds.crosspost(Draft(text="A post that went wrong\n\nbody", tags=("news",)), [net])
    post = result.outcomes[0].posts[0]
    replay.clear()
    replay.refuse["delete_comment"] = REFUSED
    done = ds.retract(result)
    assert done.ok
    [outcome] = done.outcomes
    assert outcome.deleted == ()
    assert outcome.edited == (post.id,)
    [trx] = [b.transaction for b in replay.broadcasts]  # the refused delete was not accepted
    [(name, comment)] = ops_of(trx)
    assert name == "comment"
    assert comment["permlink"] == post.id.split("/")[1]
    assert comment["body"] == RETRACTION_NOTICE
    assert comment["title"] == "A post that went wrong"
    assert_signed_by(net, trx, "posting")
