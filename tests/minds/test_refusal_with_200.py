"""Refusals the Minds engine sends with HTTP 200 (``Factory::response(['status' => 'error'])``).

``GET /api/v1/newsfeed/single/:guid`` answers a missing or deleted post so, without a message, and
one the session may not read with a permission message: neither is content Minds refused.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.minds import MindsExperimentalWarning
from tests.minds.scripted import TOKEN, scripted_minds
from tests.servers._process import ContractServer
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.servers.minds import minds_connect, minds_user


@pytest.fixture
def me(minds_server: ContractServer) -> Iterator[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MindsExperimentalWarning)
        net = minds_connect(minds_server, minds_user(minds_server))
    yield net
    net.close()


def test_a_deleted_post_read_by_id_is_not_found(me: Any) -> None:
    post = me.publish("gone soon 👋 وداعا")
    me.delete(post)
    with pytest.raises(ds.NotFound):
        me.get_post(post.id)


def test_a_post_never_made_read_by_id_is_not_found(me: Any) -> None:
    with pytest.raises(ds.NotFound):
        me.get_post("999999999999999999")


def test_an_unknown_channel_is_not_found(me: Any) -> None:
    with pytest.raises(ds.NotFound):
        me.account("nobody_here_at_all")
    with pytest.raises(ds.NotFound):
        list(me.posts("nobody_here_at_all"))


@pytest.mark.parametrize(
    ("method", "body", "error"),
    [
        (
            "GET",
            {"status": "error", "message": "You do not have permission to view this post"},
            ds.PermissionDenied,
        ),
        ("GET", {"status": "error", "message": "The user could not be found"}, ds.NotFound),
        ("GET", {"status": "error"}, ds.NotFound),
        ("PUT", {"status": "error", "message": "Sorry, your post was refused"}, ds.ContentRejected),
    ],
)
def test_a_refusal_with_a_200_is_typed_by_what_it_says(
    method: str, body: dict[str, Any], error: type[Exception]
) -> None:
    def answer(r: Request) -> Reply:
        return TOKEN if r.path.endswith("/oauth/token") else Reply(200, body)

    with scripted_server(answer) as server:
        net = scripted_minds(server.url)
        with pytest.raises(error) as info:
            net.get_post("123") if method == "GET" else net.publish("hello")
        assert type(info.value) is error
        net.close()
