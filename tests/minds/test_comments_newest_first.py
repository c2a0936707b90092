"""Minds comments as the engine pages them: newest page first, older pages by ``load-previous``.

The engine's v1 comments controller (``Controllers/api/v1/comments.php``) lists a post's newest
comments first (``descending`` is its default), each page oldest first within it, and gives the page
before it by a paging token in ``load-previous`` (sent back as ``token``); it sends no ``load-next``.
The backend read only the first page, so on a busy post ``get_post`` of an older comment was
``NotFound`` and a keyed reply whose answer was lost was published a second time.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import decentsocial as ds
from tests.minds.scripted import TOKEN, scripted_minds
from tests.servers._process import ContractServer
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.servers.minds import minds_connect, minds_user


def stats(server: ContractServer) -> dict[str, Any]:
    result: dict[str, Any] = server.control("stats")
    return result


@pytest.fixture
def pair(minds_server: ContractServer) -> Iterator[tuple[Any, Any, dict[str, Any]]]:
    a, b = minds_user(minds_server), minds_user(minds_server)
    me, other = minds_connect(minds_server, a), minds_connect(minds_server, b)
    yield me, other, a
    me.close()
    other.close()


def comments_of(server: ContractServer, user: dict[str, Any], entity: str, **params: str) -> dict[str, Any]:
    """``GET /api/v1/comments/:entity`` on the contract server, as a plain HTTP client sends it."""
    form = {"grant_type": "password", "client_id": "mobile", **{k: user[k] for k in ("username", "password")}}
    with httpx.Client(base_url=server.url) as client:
        token = client.post("/api/v3/oauth/token", json=form).json()["access_token"]
        answer = client.get(
            f"/api/v1/comments/{entity}", params=params, headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def test_the_contract_server_pages_comments_as_the_engine_does(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, user = pair
    post = me.publish("a busy post")
    made = [other.reply(post, f"comment {n}").id.rsplit(":", 1)[1] for n in range(7)]
    first = comments_of(minds_server, user, post.id)
    assert "load-next" not in first
    assert [c["_guid"] for c in first["comments"]] == made[2:]  # the newest 5, oldest first within
    older = comments_of(minds_server, user, post.id, token=first["load-previous"])
    assert [c["_guid"] for c in older["comments"]] == made[:2]
    assert older["load-previous"] == ""
    ascending = comments_of(minds_server, user, post.id, descending="false", limit="3")
    assert [c["_guid"] for c in ascending["comments"]] == made[:3]
    after = comments_of(minds_server, user, post.id, descending="false", token=ascending["load-previous"])
    assert [c["_guid"] for c in after["comments"]] == made[3:]
    from_offset = comments_of(minds_server, user, post.id, offset=made[3], limit="2")
    assert [c["_guid"] for c in from_offset["comments"]] == made[2:4]  # include_offset: true by default
    past_offset = comments_of(minds_server, user, post.id, offset=made[3], include_offset="false", limit="2")
    assert [c["_guid"] for c in past_offset["comments"]] == made[1:3]
    assert comments_of(minds_server, user, post.id, token="bm90IGpzb24=")["comments"] == []


def test_get_post_finds_a_comment_behind_pages_of_newer_ones(pair: Any) -> None:
    me, other, _ = pair
    post = me.publish("many comments")
    oldest = other.reply(post, "the first word")
    for n in range(6):
        other.reply(post, f"later {n}")
    me.page_size = 2
    assert me.get_post(oldest.id).text == "the first word"
    with pytest.raises(ds.NotFound):
        me.get_post(f"comment:{post.id}:1")  # every page is read, then it is not there


def test_a_lost_reply_behind_newer_comments_is_found_not_repeated(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, _ = pair
    post = other.publish("a post that gets busy")
    draft = ds.Draft(text="my one reply", reply_to=post.id, idempotency_key="reply-behind-a-page")
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.publish(draft)  # made, but the answer was lost
    for n in range(5):
        other.reply(post, f"after it {n}")
    me.page_size = 2  # the reply is now three pages back
    before = stats(minds_server)["comments"]
    found = me.publish(draft)
    assert found.text == "my one reply"
    assert stats(minds_server)["comments"] == before  # found, not commented a second time
    assert me.get_post(found.id).id == found.id


def test_the_lookup_reads_back_only_to_when_the_attempt_started(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, _ = pair
    post = other.publish("an old, busy post")
    me.me()  # the channel is known: the lookup below asks only for comments
    minds_server.control("clock", {"advance": -3600})
    for n in range(6):
        other.reply(post, f"an hour ago {n}")
    minds_server.control("clock", {"advance": 3600})
    draft = ds.Draft(text="new reply", reply_to=post.id, idempotency_key="reply-on-old-post")
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.publish(draft)
    me.page_size = 2
    before = stats(minds_server)["requests"]
    assert me.publish(draft).text == "new reply"
    # One page for the lookup (its second comment is older than the attempt: that ends it), one for
    # reading the comment found back; reading every page would take four, then one.
    assert stats(minds_server)["requests"] - before == 2


def test_a_server_with_new_comments_on_every_page_ends_at_max_pages() -> None:
    guids = itertools.count(100)

    def answer(r: Request) -> Reply:
        if r.path.endswith("/oauth/token"):
            return TOKEN
        n = next(guids)
        comment = {"guid": str(n), "entity_guid": "1", "description": "x", "owner_guid": "9"}
        return Reply(200, {"comments": [comment], "load-previous": f"token-{n}"})

    with scripted_server(answer) as server:
        net = scripted_minds(server.url, limits={"max_pages": 5})
        with pytest.raises(ds.NetworkUnavailable, match="max_pages"):
            net.get_post("comment:1:5")
        net.close()
    # The one-comment call answered another comment (as on a post from before the engine's comments
    # migration), so the comments were listed.
    assert server.count("GET", "/api/v1/comments/1/5/0:0:0") == 1
    assert server.count("GET", "/api/v1/comments/1") == 5
    assert all(r.query.get("token") for r in server.requests[3:])  # each older page asked by its token


def test_deleting_a_comment_that_is_not_there(pair: Any, minds_server: ContractServer) -> None:
    """The engine answers 200 ``{"status": "error", "message": "Comment not found"}``: ``NotFound`` on a
    first attempt, and the first attempt's success when a delete whose answer was lost is repeated."""
    me, other, _ = pair
    post = other.publish("a post")
    with pytest.raises(ds.NotFound):
        me.delete(f"comment:{post.id}:1")
    comment = me.reply(post, "gone soon")
    minds_server.control("faults", {"server_error_after_write": 1})
    me.delete(comment)  # the first answer was lost; the repeat finds it gone
    with pytest.raises(ds.NotFound):
        me.get_post(comment.id)
