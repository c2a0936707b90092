"""A reply stays editable after the post it answers is deleted.

``edit()`` keeps the ``@author`` a reply starts with; it used to read the
parent to learn that author, so once the parent was deleted (or hidden)
every edit of the reply failed with ``NotFound`` naming the parent, on any
connection that had not read the parent before. The author now comes from
the reply's own status (``in_reply_to_account_id`` among its mentions).
"""

from __future__ import annotations

import pytest

pytest.importorskip("mastodon")

import decentsocial as ds
from tests.servers.mastodon import MastodonServer


def orphaned_reply(server: MastodonServer) -> str:
    """The id of bob's reply to a post of alice's that alice has since deleted."""
    alice, bob = server.connect("alice"), server.connect("bob")
    parent = alice.publish(ds.Draft(text="a post soon deleted"))
    reply = bob.publish(ds.Draft(text="a reply", reply_to=parent.id))
    alice.delete(parent)
    alice.close()
    bob.close()
    return reply.id


def test_a_reply_to_a_deleted_post_is_edited_with_its_mention(mastodon_server: MastodonServer) -> None:
    reply_id = orphaned_reply(mastodon_server)
    bob = mastodon_server.connect("bob")  # a later run: the parent was never read here
    edited = bob.edit(reply_id, "a reply, edited")
    assert edited.text == "@alice a reply, edited"
    assert edited.mentions == ("alice",)
    bob.close()


def test_a_reply_known_only_by_its_fields_is_edited_too(mastodon_server: MastodonServer) -> None:
    reply_id = orphaned_reply(mastodon_server)
    bob = mastodon_server.connect("bob")
    bare = bob.get_post(reply_id).model_copy(update={"raw": None})  # a Post kept without its raw answer
    edited = bob.edit(bare, "@alice edited from a stored Post")
    assert edited.text == "@alice edited from a stored Post"
    bob.close()
