"""Answers to Threads writes that say the write did not happen as asked are not taken for success.

A delete or a hidden reply answered HTTP 200 ``{"success": false}`` did nothing, and a delete whose
``deleted_id`` names another post is an answer about another post: before, both returned normally, so a
bot retracting a post was told it was gone. A repost read back as another post (``GET /{repost}``
answering post B) was returned as the repost, so ``delete()`` of it would take B, one of your own posts.
On a scripted loopback server; the documented answers (``{"success": true, "deleted_id": <asked>}``)
are still success.
"""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.threads import scripted

ASKED = "17841400000000555"
OTHER = "17841400000000999"


def delete_answered(body: dict[str, Any]) -> Any:
    """``delete(ASKED)`` on a server answering the DELETE with ``body``."""
    return scripted.read(lambda r: Reply(200, body), lambda net: net.delete(ASKED))


@pytest.mark.parametrize("body", [{"success": False}, {"success": "false"}])
def test_a_delete_answered_success_false_is_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ds.ContentRejected, match="did not delete"):
        delete_answered(body)


def test_a_delete_of_another_post_is_refused() -> None:
    with pytest.raises(ds.NetworkUnavailable, match="another post than asked for"):
        delete_answered({"success": True, "deleted_id": OTHER})


@pytest.mark.parametrize("body", [{"success": True, "deleted_id": ASKED}, {"success": True}, {}])
def test_a_delete_answered_as_documented_is_done(body: dict[str, Any]) -> None:
    assert delete_answered(body) is None


@pytest.mark.parametrize("hide", [True, False])
def test_hiding_a_reply_answered_success_false_is_refused(hide: bool) -> None:
    def call(net: Any) -> None:
        (net.hide_reply if hide else net.unhide_reply)(ASKED)

    with pytest.raises(ds.ContentRejected, match=r"did not (un)?hide"):
        scripted.read(lambda r: Reply(200, {"success": False}), call)
    assert scripted.read(lambda r: Reply(200, {"success": True}), call) is None


def test_a_repost_read_back_as_another_post_is_refused() -> None:
    mine = {"id": OTHER, "media_type": "TEXT_POST", "text": "my own post", "username": "brand"}

    def answer(r: Request) -> Reply:
        if r.path.endswith("/1/threads"):
            return Reply(200, {"data": []})  # no earlier repost of it
        if r.method == "POST" and r.path.endswith("/repost"):
            return Reply(200, {"id": "17841400000000777"})
        return Reply(200, mine)  # GET /{the repost}: another post

    with scripted_server(answer) as server:
        net = scripted.reader(server.url)
        with pytest.raises(ds.NetworkUnavailable, match="another post than asked for"):
            net.repost(ASKED)
        net.close()
