"""Edits on the Minds contract server: ``POST /api/v3/newsfeed/activity/:guid`` (a comment: ``POST
/api/v1/comments/update/:luid``), the owner only."""

from __future__ import annotations

import pytest

import decentsocial as ds
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user


def test_edit_an_activity_in_place(minds_server: ContractServer) -> None:
    a, b = minds_user(minds_server), minds_user(minds_server)
    me, other = minds_connect(minds_server, a), minds_connect(minds_server, b)
    try:
        post = me.publish("first version #launch")
        assert post.edited_at is None
        edited = me.edit(post, ds.Draft(text="نسخة ثانية second version #update", content_warning="cw"))
        assert edited.id == post.id
        assert edited.text == "نسخة ثانية second version #update"
        assert edited.tags == ("update",)
        assert edited.content_warning == "nsfw"  # Minds marks a warning as nsfw
        assert edited.edited_at is not None
        assert other.get_post(post.id).text == edited.text
        theirs = other.publish("bob's activity")
        with pytest.raises(ds.PermissionDenied):
            me.edit(theirs, "taken over")
        assert me.get_post(theirs.id).text == "bob's activity"
        reply = me.reply(theirs, "a comment")
        edited_reply = me.edit(reply, "an edited comment")  # POST /api/v1/comments/update/:luid
        assert (edited_reply.id, edited_reply.text) == (reply.id, "an edited comment")
        assert edited_reply.edited_at is not None
        with pytest.raises(ds.PermissionDenied):
            other.edit(reply, "not theirs to edit")
        with pytest.raises(ds.UnsupportedFeature, match="pin"):
            me.pin(post)
    finally:
        me.close()
        other.close()
