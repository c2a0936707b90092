"""Minds comments as the engine exports them, and deleted by the identifier the engine takes.

The engine's ``Core/Comments/Comment.php`` exports a comment's guid as ``_guid`` and puts its LUID
(``Core/Luid.php``: base64 of the components' JSON) in ``guid`` and ``luid``; its v1 comments
controller deletes by LUID (``Manager::getByLuid``, which given digits looks only among legacy
comments). The backend required a digit ``guid``, so every comment a real engine sent was malformed
(a reply raised, ``get_post`` of a comment found nothing), and it deleted by the digit guid, which the
engine does not find. The contract server now exports and deletes as the engine does.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.minds import convert
from tests.minds.scripted import TOKEN, scripted_minds
from tests.servers._process import ContractServer
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.servers.minds import minds_connect, minds_user


@pytest.fixture
def pair(minds_server: ContractServer) -> Iterator[tuple[Any, Any, dict[str, Any]]]:
    a, b = minds_user(minds_server), minds_user(minds_server)
    me, other = minds_connect(minds_server, a), minds_connect(minds_server, b)
    yield me, other, a
    me.close()
    other.close()


@contextmanager
def session(server: ContractServer, user: dict[str, Any]) -> Iterator[httpx.Client]:
    """A plain HTTP client signed in as ``user`` on the contract server."""
    form = {"grant_type": "password", "client_id": "mobile", **{k: user[k] for k in ("username", "password")}}
    with httpx.Client(base_url=server.url) as client:
        token = client.post("/api/v3/oauth/token", json=form).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def comment_count(server: ContractServer) -> int:
    stats: dict[str, Any] = server.control("stats")
    return int(stats["comments"])


def test_the_contract_server_exports_a_comment_as_the_engine_does(
    pair: Any, minds_server: ContractServer
) -> None:
    me, _, user = pair
    post = me.publish("a post")
    with session(minds_server, user) as client:
        made = client.post(f"/api/v1/comments/{post.id}", json={"comment": "hi"}).json()["comment"]
        listed = client.get(f"/api/v1/comments/{post.id}").json()["comments"]
    assert listed == [made]
    assert made["_guid"].isdigit()
    assert made["entity_guid"] == post.id
    assert made["guid"] == made["luid"]
    assert not made["guid"].isdigit()
    assert json.loads(base64.b64decode(made["luid"], validate=True)) == {
        "_type": "comment",
        "child_path": f"{made['_guid']}:0:0",
        "entity_guid": post.id,
        "guid": made["_guid"],
        "parent_path": "0:0:0",
        "partition_path": "0:0:0",
    }
    assert made["description"] == made["body"] == "hi"


def test_a_reply_reads_back_and_deletes_on_an_engine_shaped_server(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, _ = pair
    post = other.publish("comment on this")
    before = comment_count(minds_server)
    reply = me.reply(post, "engine-shaped")
    entity, guid = convert.split_comment(reply.id)
    assert (entity, guid) == (post.id, reply.raw["_guid"])
    assert reply.url == (
        f"{minds_server.url}/newsfeed/{post.id}?focusedCommentUrn=urn:comment:{post.id}:0:0:0:{guid}"
    )
    assert convert.comment_luid(entity, guid) == reply.raw["luid"]  # byte for byte the engine's
    assert me.get_post(reply.id) == reply
    me.delete(reply.id)  # an id string: the LUID is built from it
    assert comment_count(minds_server) == before
    with pytest.raises(ds.NotFound):
        me.get_post(reply.id)


def test_a_comment_post_is_deleted_and_a_lost_delete_answer_is_success(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, _ = pair
    post = other.publish("a post")
    reply = me.reply(post, "gone soon")
    minds_server.control("faults", {"server_error_after_write": 1})
    me.delete(reply)  # the first answer was lost; the repeat finds it gone
    with pytest.raises(ds.NotFound):
        me.get_post(reply.id)


def test_a_comment_is_not_found_by_its_digits_alone(pair: Any, minds_server: ContractServer) -> None:
    """What the backend sent before: the engine looks digits up among legacy comments only, so the
    comment stays (and the caller was told ``NotFound``)."""
    me, other, user = pair
    post = other.publish("a post")
    reply = me.reply(post, "still here")
    with session(minds_server, user) as client:
        answer = client.delete(f"/api/v1/comments/{reply.raw['_guid']}").json()
        encoded = client.delete(f"/api/v1/comments/{reply.raw['luid'].replace('=', '%3D')}").json()
    assert answer == encoded == {"status": "error", "message": "Comment not found"}
    assert me.get_post(reply.id).text == "still here"


def test_a_lost_reply_is_found_among_engine_shaped_comments(pair: Any, minds_server: ContractServer) -> None:
    me, other, _ = pair
    post = other.publish("a post")
    before = comment_count(minds_server)
    minds_server.control("faults", {"server_error_after_write": 1})
    draft = ds.Draft(text="once only", reply_to=post.id, idempotency_key="engine-shape-reply")
    with pytest.raises(ds.NetworkUnavailable):
        me.publish(draft)
    found = me.publish(draft)
    assert found.text == "once only"
    assert found.id.startswith(f"comment:{post.id}:")
    assert comment_count(minds_server) == before + 1


#: A comment as the engine before ``Core/Comments`` exported it (``Entities/Comment.php`` of
#: github.com/Minds/minds): a digit ``guid`` and the post's guid as ``parent_guid``.
OLD_COMMENT = {
    "guid": "905",
    "type": "comment",
    "parent_guid": "901",
    "owner_guid": "9",
    "ownerObj": {"guid": "9", "username": "old"},
    "description": "from an older engine",
    "time_created": "1500000000",
}


def test_an_older_engines_comment_is_read() -> None:
    found = convert.comment(OLD_COMMENT, site="https://minds.example")
    assert found.id == "comment:901:905"
    assert found.url == "https://minds.example/newsfeed/901?focusedCommentUrn=urn:comment:901:0:0:0:905"


def test_get_post_finds_an_engine_shaped_comment_and_deletes_by_luid() -> None:
    """On a scripted server: the listing sends the engine's shape (``guid`` a LUID), and the delete's
    path holds the LUID as the engine takes it (``=`` not percent-encoded)."""
    luid = convert.comment_luid("901", "1500000000000000905")
    comment = {
        **OLD_COMMENT,
        "guid": luid,
        "luid": luid,
        "_guid": "1500000000000000905",
        "entity_guid": "901",
        "partition_path": "0:0:0",
    }
    del comment["parent_guid"]
    paths: list[str] = []

    def answer(r: Request) -> Reply:
        if r.path == "/api/v3/oauth/token":
            return TOKEN
        if r.method == "DELETE":
            paths.append(r.path)  # as sent: http.server does not decode it
            return Reply(200, {"status": "success"})
        return Reply(200, {"status": "success", "comments": [comment], "load-previous": ""})

    with scripted_server(answer) as server:
        net = scripted_minds(server.url)
        assert net.get_post("comment:901:1500000000000000905").text == "from an older engine"
        net.delete("comment:901:1500000000000000905")
        net.close()
    assert luid.endswith("=")
    assert paths == [f"/api/v1/comments/{luid}"]
