"""A keyed publish whose answer was lost is looked up before it is sent again; a lookup whose listing
stopped before the server said there is nothing older (a cursor sent again, ``max_pages``, a
malformed page) cannot tell whether the post exists: it must raise, never publish a second time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.idempotency import may_have_happened
from tests.minds.scripted import TOKEN, scripted_minds
from tests.servers._process import ContractServer
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.servers.minds import minds_connect, minds_user

#: What the error says to do: the lookup runs again under the same key, or the caller checks.
ADVICE = "same idempotency_key"


def stats(server: ContractServer) -> dict[str, Any]:
    result: dict[str, Any] = server.control("stats")
    return result


@pytest.fixture
def pair(minds_server: ContractServer) -> Iterator[tuple[Any, Any]]:
    me = minds_connect(minds_server, minds_user(minds_server))
    other = minds_connect(minds_server, minds_user(minds_server))
    yield me, other
    me.close()
    other.close()


def test_a_reply_lookup_whose_cursor_repeats_does_not_reply_twice(
    pair: tuple[Any, Any], minds_server: ContractServer
) -> None:
    me, other = pair
    post = me.publish("a post to reply to")
    draft = ds.Draft(text="a keyed reply", reply_to=post.id, idempotency_key="reply-once")
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.publish(draft)  # made, but its answer was lost
    other.reply(post, "a later comment")  # the reply sought is behind it, on the second page
    me.page_size = 1
    before = stats(minds_server)["comments"]
    minds_server.control("faults", {"repeat_cursor": 50})
    try:
        with pytest.raises(ds.NetworkUnavailable, match=ADVICE) as info:
            me.publish(draft)  # the second page is the first again, under the same token
    finally:
        minds_server.control("faults", {"repeat_cursor": 0})
    assert may_have_happened(info.value)
    assert not info.value.retryable
    assert stats(minds_server)["comments"] == before  # not sent again
    # With a server that pages properly, the same key finds the reply made the first time.
    found = me.publish(draft)
    assert found.text == draft.text
    assert stats(minds_server)["comments"] == before
    texts = [c["description"] for c in me._comments(post.id)]
    assert texts.count(draft.text) == 1


def test_a_reply_lookup_past_max_pages_says_what_to_do(minds_server: ContractServer) -> None:
    user = minds_user(minds_server)
    me = minds_connect(minds_server, user, limits={"max_pages": 2})
    other = minds_connect(minds_server, minds_user(minds_server))
    try:
        post = me.publish("a busy post")
        draft = ds.Draft(text="keyed, then buried", reply_to=post.id, idempotency_key="buried")
        minds_server.control("faults", {"server_error_after_write": 1})
        with pytest.raises(ds.NetworkUnavailable):
            me.publish(draft)
        for n in range(3):
            other.reply(post, f"later {n}")
        me.page_size = 1
        before = stats(minds_server)["comments"]
        with pytest.raises(ds.NetworkUnavailable, match=ADVICE) as info:
            me.publish(draft)
        assert "max_pages" in str(info.value)  # why it stopped
        assert may_have_happened(info.value)
        assert stats(minds_server)["comments"] == before
    finally:
        me.close()
        other.close()


def test_a_post_lookup_whose_cursor_repeats_does_not_post_twice(
    pair: tuple[Any, Any], minds_server: ContractServer
) -> None:
    me, _ = pair
    draft = ds.Draft(text="a keyed post", idempotency_key="post-once")
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.publish(draft)
    me.publish("a later post")
    me.page_size = 1
    before = stats(minds_server)["activities"]
    minds_server.control("faults", {"repeat_cursor": 50})
    try:
        with pytest.raises(ds.NetworkUnavailable, match=ADVICE) as info:
            me.publish(draft)
    finally:
        minds_server.control("faults", {"repeat_cursor": 0})
    assert may_have_happened(info.value)
    assert stats(minds_server)["activities"] == before
    assert me.publish(draft).text == draft.text
    assert stats(minds_server)["activities"] == before
    assert [p.text for p in me.posts(limit=None)].count(draft.text) == 1


ME = Reply(200, {"status": "success", "channel": {"guid": "1500", "username": "brand"}})


def _retry_after_a_lost_reply(tmp_path: Path, page: dict[str, Any]) -> tuple[ds.NetworkUnavailable, int]:
    """A keyed reply to post 2000 whose answer was lost, published again while the server lists the
    post's comments as ``page``: the second attempt's error, and how many times the reply was sent."""

    def answer(r: Request) -> Reply:
        if r.path.endswith("/oauth/token"):
            return TOKEN
        if r.path.endswith("/channel/me"):
            return ME
        if r.method == "POST" and r.path == "/api/v1/comments/2000":
            return Reply(500, {"status": "error", "message": "Internal server error"})  # made, lost
        if r.method == "GET" and r.path == "/api/v1/comments/2000":
            return Reply(200, page)
        return Reply(404, {"status": "error", "message": "Endpoint not found"})

    with scripted_server(answer) as server:
        net = scripted_minds(server.url, attempts=2, state_path=tmp_path / "s.db")
        draft = ds.Draft(text="hello", reply_to="2000", idempotency_key="k1")
        with pytest.raises(ds.NetworkUnavailable):
            net.publish(draft)
        with pytest.raises(ds.NetworkUnavailable) as info:
            net.publish(draft)
        net.close()
    return info.value, server.count("POST", "/api/v1/comments/2000")


@pytest.mark.parametrize(
    "page",
    [
        {"status": "success"},  # no comments at all
        {"status": "success", "comments": {"0": "not a list"}, "load-previous": ""},
    ],
)
def test_a_malformed_comment_page_is_not_taken_for_no_reply(tmp_path: Path, page: dict[str, Any]) -> None:
    error, sent = _retry_after_a_lost_reply(tmp_path, page)
    assert ADVICE in str(error)
    assert may_have_happened(error)
    assert sent == 1  # never sent again


@pytest.mark.parametrize(
    ("owner", "sent"),
    [
        ({"owner_guid": "1500"}, 1),  # yours, unreadable: it may be the reply, so nothing is sent again
        ({"ownerObj": {"guid": "1500"}}, 1),
        ({}, 1),  # no owner named: it may be yours
        ({"owner_guid": "1600"}, 2),  # another's: not the reply; the listing ended, so it is sent again
    ],
)
def test_an_unreadable_comment_that_may_be_yours_is_not_taken_for_no_reply(
    tmp_path: Path, owner: dict[str, Any], sent: int
) -> None:
    page = {"status": "success", "comments": [{**owner, "description": "hello"}], "load-previous": ""}
    error, times = _retry_after_a_lost_reply(tmp_path, page)
    if sent == 1:
        assert ADVICE in str(error)
        assert "could not be read" in str(error)
    assert times == sent
