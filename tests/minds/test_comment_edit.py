"""Editing a Minds comment (a reply) in place: ``POST /api/v1/comments/update/:luid`` with ``comment``.

The engine's v1 comments controller (``Controllers/api/v1/comments.php``) edits a comment named by its
LUID, its owner only (else a 200 ``{"status": "error", "message": "This comment can not be edited"}``),
and answers ``{"status": "success"}`` with no comment, also when its save failed (the failure is
dropped). The backend declared ``EDIT`` but refused every comment with ``UnsupportedFeature``; it now
edits the text, reads the comment back and refuses an edit the engine did not keep.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import decentsocial as ds
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user


@pytest.fixture
def pair(minds_server: ContractServer) -> Iterator[tuple[Any, Any, dict[str, Any], dict[str, Any]]]:
    a, b = minds_user(minds_server), minds_user(minds_server)
    me, other = minds_connect(minds_server, a), minds_connect(minds_server, b)
    yield me, other, a, b
    me.close()
    other.close()


def post_as(server: ContractServer, user: dict[str, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    """``POST path`` (sent as written) with a JSON ``body`` on the contract server, as ``user``."""
    form = {"grant_type": "password", "client_id": "mobile", **{k: user[k] for k in ("username", "password")}}
    with httpx.Client(base_url=server.url) as client:
        token = client.post("/api/v3/oauth/token", json=form).json()["access_token"]
        answer = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    result: dict[str, Any] = answer.json()
    return result


def test_the_contract_server_edits_a_comment_as_the_engine_does(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, a, b = pair
    post = other.publish("a post")
    reply = me.reply(post, "first words")
    luid = reply.raw["luid"]
    path = f"/api/v1/comments/update/{luid}"
    assert post_as(minds_server, a, path, {"comment": "second words"}) == {"status": "success"}  # no comment
    refused = {"status": "error", "message": "This comment can not be edited"}
    assert post_as(minds_server, b, path, {"comment": "taken over"}) == refused  # not the owner
    encoded = path.replace("=", "%3D")  # the router does not decode: no LUID
    assert post_as(minds_server, a, encoded, {"comment": "x"}) == refused
    assert post_as(minds_server, a, path, {"comment": ""}) == {
        "status": "error",
        "message": "You must enter a message",
    }
    shown = me.get_post(reply.id)
    assert shown.text == "second words"
    assert shown.raw["edited"] is True


def test_a_reply_is_edited_in_place(pair: Any, minds_server: ContractServer) -> None:
    me, other, _, _ = pair
    post = other.publish("a post")
    reply = me.reply(post, "with a typo")
    assert reply.edited_at is None
    edited = me.edit(reply.id, "without a typo #fixed")  # by id: read first, in one request
    assert (edited.id, edited.url, edited.reply_to) == (reply.id, reply.url, post.id)
    assert edited.text == "without a typo #fixed"
    assert edited.edited_at is not None
    assert other.get_post(reply.id).text == "without a typo #fixed"
    assert other.get_post(post.id).metrics.replies == 1  # still one comment: edited, not made again


def test_a_comment_edit_is_text_only_and_refused_before_it_is_sent(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, _, _ = pair
    post = other.publish("a post")
    reply = me.reply(post, "plain")
    for draft in (
        ds.Draft(text="tagged", tags=("x",)),
        ds.Draft(text="flagged", sensitive=True),
        ds.Draft(text="warned", content_warning="cw"),
        ds.Draft(text="nsfw", options={"nsfw": [3]}),
    ):
        with pytest.raises(ds.InvalidInput, match="text only"):
            me.edit(reply, draft)
    with pytest.raises(ds.PermissionDenied):
        other.edit(reply, "not theirs")
    assert me.get_post(reply.id).text == "plain"


def test_an_edit_the_engine_did_not_keep_is_refused_not_returned_as_done(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, _, _ = pair
    post = other.publish("a post")
    reply = me.reply(post, "as it was")
    minds_server.control("faults", {"comment_edit_not_saved": 1})
    with pytest.raises(ds.ContentRejected, match="kept the comment as it was"):
        me.edit(reply, "as it should be")
    assert me.get_post(reply.id).text == "as it was"
    assert me.edit(reply, "as it should be").text == "as it should be"  # sent again: kept this time


def test_a_comment_edit_whose_answer_was_lost_is_sent_again(pair: Any, minds_server: ContractServer) -> None:
    me, other, _, _ = pair
    post = other.publish("a post")
    reply = me.reply(post, "before")
    minds_server.control("faults", {"server_error_after_write": 1})
    assert me.edit(reply, "after").text == "after"  # the same text twice changes nothing
    assert other.get_post(reply.id).text == "after"


def test_editing_a_comment_that_is_gone_is_not_found(pair: Any, minds_server: ContractServer) -> None:
    """The engine refuses it as it refuses someone else's ("This comment can not be edited"): the
    backend reads it then, and a comment that is not there is ``NotFound``, not ``ContentRejected``."""
    me, other, _, _ = pair
    post = other.publish("a post")
    reply = me.reply(post, "soon gone")
    me.delete(reply)
    with pytest.raises(ds.NotFound):
        me.edit(reply, "too late")
