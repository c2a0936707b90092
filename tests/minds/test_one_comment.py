"""A Minds comment read in one request, however old: ``GET /api/v1/comments/:post/:comment/:path``.

The engine's v1 comments controller (``Controllers/api/v1/comments.php``) answers a second path segment
(the comment's guid) with that one comment (``Manager::get`` -> ``Repository::get``, by post,
partition path and guid): ``{"status": "success", "comments": [it]}``, or ``"comments": []`` when it
is not there. The backend read the post's comments page by page instead, so a comment behind
``max_pages`` pages of newer ones was never found (``NetworkUnavailable``), every read of an older one
cost a request per page, and a keyed reply retried after many newer comments failed.

On a post from before the engine's comments migration, ``Repository::get`` answers the legacy table's
newest comment whatever guid is asked: an answer naming only other comments sends the backend to the
listing, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import decentsocial as ds
from tests.minds.scripted import TOKEN, scripted_minds
from tests.servers._process import ContractServer
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.servers.minds import minds_connect, minds_user


def requests(server: ContractServer) -> int:
    stats: dict[str, Any] = server.control("stats")
    return int(stats["requests"])


def comment_count(server: ContractServer) -> int:
    stats: dict[str, Any] = server.control("stats")
    return int(stats["comments"])


@pytest.fixture
def pair(minds_server: ContractServer) -> Iterator[tuple[Any, Any, dict[str, Any]]]:
    a, b = minds_user(minds_server), minds_user(minds_server)
    me = minds_connect(minds_server, a, limits={"max_pages": 2})
    other = minds_connect(minds_server, b)
    me.page_size = 2  # two pages of two: four comments is all a listing may read
    yield me, other, a
    me.close()
    other.close()


def get(server: ContractServer, user: dict[str, Any], path: str) -> dict[str, Any]:
    """``GET path`` on the contract server, sent as written (no ``:`` encoded), signed in as ``user``."""
    form = {"grant_type": "password", "client_id": "mobile", **{k: user[k] for k in ("username", "password")}}
    with httpx.Client(base_url=server.url) as client:
        token = client.post("/api/v3/oauth/token", json=form).json()["access_token"]
        answer = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def test_the_contract_server_answers_one_comment_as_the_engine_does(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, user = pair
    post = me.publish("a post")
    reply = other.reply(post, "the one")
    guid = reply.raw["_guid"]
    listed = get(minds_server, user, f"/api/v1/comments/{post.id}")["comments"]
    one = get(minds_server, user, f"/api/v1/comments/{post.id}/{guid}/0:0:0")
    assert one == {"status": "success", "comments": listed}  # the same export as the listing's
    assert get(minds_server, user, f"/api/v1/comments/{post.id}/{guid}")["comments"] == listed  # 0:0:0
    for missing in (
        f"/api/v1/comments/{post.id}/1/0:0:0",  # no such comment: a 200, no comment, no error
        f"/api/v1/comments/1/{guid}/0:0:0",  # on another post
        f"/api/v1/comments/{post.id}/{guid}/{guid}:0:0",  # in another thread
        f"/api/v1/comments/{post.id}/{guid}/0%3A0%3A0",  # the router does not decode: no path
    ):
        assert get(minds_server, user, missing) == {"status": "success", "comments": []}, missing


def test_a_comment_behind_more_pages_than_max_pages_is_found_in_one_request(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, _ = pair
    post = other.publish("a busy post")
    oldest = other.reply(post, "the first word")
    for n in range(6):
        other.reply(post, f"later {n}")
    me.login()  # signed in: what follows counts only the reads
    before = requests(minds_server)
    found = me.get_post(oldest.id)
    assert (found.id, found.text) == (oldest.id, "the first word")
    assert found == oldest
    assert requests(minds_server) - before == 1
    with pytest.raises(ds.NotFound):
        me.get_post(f"comment:{post.id}:1")  # not there: the engine says so, no listing read
    assert requests(minds_server) - before == 2


def test_a_keyed_reply_asked_for_again_after_many_newer_comments_is_the_same_reply(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, _ = pair
    post = other.publish("a post that gets busy")
    draft = ds.Draft(text="my one reply", reply_to=post.id, idempotency_key="one-reply-long-ago")
    first = me.publish(draft)
    for n in range(6):
        other.reply(post, f"after it {n}")
    made = comment_count(minds_server)
    assert me.publish(draft) == first  # read back by its id, however far back it is
    assert comment_count(minds_server) == made


def test_a_lost_keyed_reply_is_still_found_by_the_lookup(pair: Any, minds_server: ContractServer) -> None:
    me, other, _ = pair
    post = other.publish("a post")
    draft = ds.Draft(text="lost answer", reply_to=post.id, idempotency_key="lost-then-found")
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.publish(draft)  # made, but the answer was lost
    other.reply(post, "after it")
    made = comment_count(minds_server)
    found = me.publish(draft)
    assert found.text == "lost answer"
    assert comment_count(minds_server) == made  # found among the comments, not made again
    assert me.get_post(found.id) == found


COMMENT = {
    "_guid": "905",
    "entity_guid": "901",
    "description": "counted",
    "owner_guid": "9",
    "time_created": 1764000000,
    "thumbs:up:count": 3,
    "replies_count": 2,
}


def test_one_comment_is_asked_for_with_its_path_as_is_and_carries_its_counts() -> None:
    def answer(r: Request) -> Reply:
        if r.path.endswith("/oauth/token"):
            return TOKEN
        return Reply(200, {"status": "success", "comments": [COMMENT]})

    with scripted_server(answer) as server:
        net = scripted_minds(server.url)
        found = net.get_post("comment:901:905")
        net.close()
    assert [r.path for r in server.requests[1:]] == ["/api/v1/comments/901/905/0:0:0"]
    assert (found.metrics.likes, found.metrics.replies) == (3, 2)


def test_another_comment_in_the_answer_sends_the_backend_to_the_listing() -> None:
    """A post from before the engine's comments migration: ``Repository::get`` answers the newest legacy
    comment, whatever guid is asked; the comment asked for is found among the listed ones."""
    newest = {**COMMENT, "_guid": "999", "description": "newest"}
    older = {**COMMENT, "_guid": "905", "description": "asked for"}

    def answer(r: Request) -> Reply:
        if r.path.endswith("/oauth/token"):
            return TOKEN
        if r.path.count("/") > 4:  # the one-comment call
            return Reply(200, {"status": "success", "comments": [newest]})
        if r.query.get("token"):
            return Reply(200, {"status": "success", "comments": [older], "load-previous": ""})
        return Reply(200, {"status": "success", "comments": [newest], "load-previous": "b2xkZXI="})

    with scripted_server(answer) as server:
        net = scripted_minds(server.url)
        assert net.get_post("comment:901:905").text == "asked for"
        assert net.get_post("comment:901:999").text == "newest"  # the answer's own: no listing
        net.close()
    assert server.count("GET", "/api/v1/comments/901") == 2


def test_an_empty_answer_is_not_found_without_a_listing() -> None:
    def answer(r: Request) -> Reply:
        if r.path.endswith("/oauth/token"):
            return TOKEN
        if r.path.count("/") > 4:
            return Reply(200, {"status": "success", "comments": []})
        return Reply(200, {"status": "success", "comments": [COMMENT], "load-previous": ""})

    with scripted_server(answer) as server:
        net = scripted_minds(server.url)
        with pytest.raises(ds.NotFound):
            net.get_post("comment:901:905")
        net.close()
    assert server.count("GET", "/api/v1/comments/901") == 0
