"""The engine's answers to a comment delete it does not allow and a comment on a missing post.

From the engine's v1 comments controller (``Controllers/api/v1/comments.php``): a comment may be
deleted by its owner and by the owner of the post it is on (``force``); anyone else gets HTTP 200
``{"status": "error", "message": "You can not delete this comment"}``. A comment on a post that is
not there gets HTTP 200 ``{"status": "error", "message": "We could not find that post"}``. Both were
``ContentRejected`` (a 200 refusal of a write), as if the text were at fault: they are now
``PermissionDenied`` and ``NotFound``. The contract server answers as the engine does (it answered
403 and 404, and refused the post's owner).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from tests.minds.scripted import TOKEN, scripted_minds
from tests.servers._process import ContractServer
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.servers.minds import minds_connect, minds_user


@pytest.fixture
def three(minds_server: ContractServer) -> Iterator[tuple[Any, Any, Any]]:
    """(post author, commenter, stranger): three fresh accounts."""
    nets = [minds_connect(minds_server, minds_user(minds_server)) for _ in range(3)]
    yield nets[0], nets[1], nets[2]
    for net in nets:
        net.close()


def stats(server: ContractServer) -> dict[str, int]:
    result: dict[str, int] = server.control("stats")
    return result


def test_a_stranger_may_not_delete_a_comment_and_it_stays(three: tuple[Any, Any, Any]) -> None:
    author, commenter, stranger = three
    reply = commenter.reply(author.publish("a post"), "my comment")
    with pytest.raises(ds.PermissionDenied) as info:
        stranger.delete(reply)
    assert info.value.server_message == "You can not delete this comment"
    assert stranger.get_post(reply.id).text == "my comment"


def test_the_posts_owner_may_delete_anyones_comment_on_it(three: tuple[Any, Any, Any]) -> None:
    author, commenter, _ = three
    reply = commenter.reply(author.publish("moderated here"), "to be removed")
    author.delete(reply)
    with pytest.raises(ds.NotFound):
        commenter.get_post(reply.id)


def test_the_comments_owner_may_delete_it(three: tuple[Any, Any, Any]) -> None:
    author, commenter, _ = three
    reply = commenter.reply(author.publish("a post"), "mine to remove")
    commenter.delete(reply)
    with pytest.raises(ds.NotFound):
        author.get_post(reply.id)


def test_a_reply_to_a_deleted_post_is_not_found_and_makes_nothing(
    three: tuple[Any, Any, Any], minds_server: ContractServer
) -> None:
    author, commenter, _ = three
    post = author.publish("soon gone")
    author.delete(post)
    before = stats(minds_server)["comments"]
    with pytest.raises(ds.NotFound) as info:
        commenter.publish(ds.Draft(text="too late", reply_to=post.id, idempotency_key="late-reply"))
    assert info.value.server_message == "We could not find that post"
    assert stats(minds_server)["comments"] == before


def test_a_reply_to_a_post_never_made_is_not_found(three: tuple[Any, Any, Any]) -> None:
    _, commenter, _ = three
    with pytest.raises(ds.NotFound):
        commenter.reply("1999999999999999999", "to nothing")


@pytest.mark.parametrize(
    ("method", "message", "error"),
    [
        ("DELETE", "You can not delete this comment", ds.PermissionDenied),
        ("DELETE", "you don't have permission", ds.PermissionDenied),
        ("POST", "We could not find that post", ds.NotFound),
        ("POST", "You must enter a message", ds.ContentRejected),
    ],
)
def test_the_engines_200_refusals_of_comment_writes_are_typed(
    method: str, message: str, error: type[Exception]
) -> None:
    def answer(r: Request) -> Reply:
        if r.path.endswith("/oauth/token"):
            return TOKEN
        return Reply(200, {"status": "error", "message": message})

    with scripted_server(answer) as server:
        net = scripted_minds(server.url)
        act = (
            (lambda: net.delete("comment:1500000000000000011:1500000000000000012"))
            if method == "DELETE"
            else (lambda: net.reply("1500000000000000011", "hello"))
        )
        with pytest.raises(error) as info:
            act()
        assert type(info.value) is error
        net.close()
