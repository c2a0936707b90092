"""Who wrote a Minds post, and the channel URLs made of usernames, on a scripted loopback server.

- An activity or comment whose answer names no owner (no ``ownerObj``, no ``owner_guid``: the
  engine always sends them) was written by an account with an empty id and handle, one author
  for all of them. It is a malformed answer now (``NetworkUnavailable``), as a ``channel/me``
  without a guid is; a feed page holding one fails as a page holding a guid-less activity does.
- An ``ownerObj`` without a guid made the author's id its username, though the activity's
  ``owner_guid`` named the channel's guid: the guid is the id now.
- A username holding ``/``, ``?``, ``#``, ``..``, a space or non-ASCII letters went into
  ``Account.url`` as it was: an invalid URL, or one naming another page
  (``<server>/x/../../api``, ``<server>/..``). It is one percent-encoded path segment now, and a
  username that is ``.`` or ``..`` (a dot-segment however it is encoded) gives no URL.
"""

from __future__ import annotations

import time
import warnings
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest

import decentsocial as ds
from decentsocial.backends.minds import MindsExperimentalWarning, MindsNetwork, MindsSettings
from tests.servers._scripted_http import Reply, Request, scripted_server

TOKEN = Reply(200, {"access_token": "tok", "refresh_token": "ref", "expires_in": 3600})
OWNER = {"guid": "7", "username": "someone"}
GOOD = {"guid": "901", "message": "fine", "time_created": "1764000000", "ownerObj": OWNER}
OWNERLESS = {"guid": "902", "message": "whose?", "time_created": "1764000000"}
HOSTILE_NAMES = ["x/../../api", "q?x=1", "h#frag", "a b", "ünï", "50%", "%2E%2E", ".", ".."]


def read(answer: Any, call: Any, **settings: Any) -> Any:
    def reply(r: Request) -> Reply:
        return TOKEN if r.path.endswith("/oauth/token") else answer(r)

    with scripted_server(reply) as server, warnings.catch_warnings():
        warnings.simplefilter("ignore", MindsExperimentalWarning)
        net = MindsNetwork(
            MindsSettings(base_url=server.url, username="brand", password="pw", **settings),
            retry=ds.RetryPolicy(attempts=1, sleep=lambda seconds: None),
        )
        try:
            return call(net)
        finally:
            net.close()


@pytest.mark.parametrize(
    "ownerless",
    [
        OWNERLESS,
        {**OWNERLESS, "ownerObj": {}},
        {**OWNERLESS, "ownerObj": {"name": "No One"}, "owner_guid": ""},
    ],
    ids=["no-owner", "empty-ownerObj", "nameless-ownerObj"],
)
def test_an_activity_naming_no_owner_is_malformed(ownerless: dict[str, Any]) -> None:
    def answer(r: Request) -> Reply:
        if r.path.startswith("/api/v1/newsfeed/single/"):
            return Reply(200, {"status": "success", "activity": ownerless})
        return Reply(200, {"status": "success", "activity": [GOOD, ownerless]})

    for call in (lambda net: net.get_post("902"), lambda net: list(net.timeline(limit=None))):
        with pytest.raises(ds.NetworkUnavailable, match="malformed post without its owner") as caught:
            read(answer, call)
        assert caught.value.retryable is False


def test_a_comment_naming_no_owner_is_malformed() -> None:
    comment = {"guid": "11", "entity_guid": "901", "description": "hi", "time_created": "1764000000"}
    answer = Reply(200, {"status": "success", "comments": [comment], "load-next": ""})
    with pytest.raises(ds.NetworkUnavailable, match="malformed post without its owner"):
        read(lambda r: answer, lambda net: net.get_post("comment:901:11"))


def test_a_publish_answered_without_its_owner_is_found_again_under_its_key_not_sent_twice(
    tmp_path: Any,
) -> None:
    """The post was made: the error says it may have been, and the same key finds it."""
    made = {"guid": "950", "message": "hello", "time_created": str(int(time.time()))}
    sent: list[Request] = []

    def answer(r: Request) -> Reply:
        if r.method == "PUT":
            sent.append(r)
            return Reply(200, {"status": "success", **made})  # the activity, without its owner
        if r.path.endswith("/channel/me"):
            return Reply(200, {"status": "success", "channel": OWNER})
        if r.path.startswith("/api/v1/newsfeed/single/"):
            return Reply(200, {"status": "success", "activity": {**made, "ownerObj": OWNER}})
        return Reply(200, {"status": "success", "activity": [{**made, "ownerObj": OWNER}]})

    def twice(net: MindsNetwork) -> tuple[ds.NetworkUnavailable, ds.Post]:
        draft = ds.Draft(text="hello", idempotency_key="k1")
        with pytest.raises(ds.NetworkUnavailable, match="malformed post without its owner") as first:
            net.publish(draft)
        return first.value, net.publish(draft)

    error, post = read(answer, twice, state_path=tmp_path / "state.db")
    assert error.sent is True
    assert (post.id, post.author.id) == ("950", "7")
    assert len(sent) == 1  # never sent again


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        ({"owner_guid": "7"}, ("7", "7")),
        ({"owner_guid": "7", "ownerObj": {"username": "someone"}}, ("7", "someone")),
        ({"ownerObj": {"username": "someone"}}, ("someone", "someone")),
        ({"owner_guid": "8", "ownerObj": OWNER}, ("7", "someone")),
    ],
    ids=["owner_guid", "ownerObj-without-guid", "username-only", "ownerObj-first"],
)
def test_an_owner_is_named_by_what_identifies_it(owner: dict[str, Any], expected: tuple[str, str]) -> None:
    activity = {"guid": "903", "message": "x", "time_created": "1764000000", **owner}
    post = read(
        lambda r: Reply(200, {"status": "success", "activity": activity}), lambda net: net.get_post("903")
    )
    assert (post.author.id, post.author.handle) == expected


def assert_channel_url(url: str | None, username: str) -> None:
    if username in (".", ".."):  # a dot-segment names this folder or the one above, however encoded
        assert url is None
        return
    assert url is not None
    parts = urlsplit(url)
    # On the connection's server (the scripted one on this machine), as every link of its posts is.
    assert (parts.scheme, parts.hostname, parts.query, parts.fragment) == ("http", "127.0.0.1", "", "")
    assert parts.path == "/" + quote(username, safe="")  # one segment: no "/", "?" or "#" left
    assert unquote(parts.path[1:]) == username
    assert url.isascii()
    assert " " not in url


@pytest.mark.parametrize("username", HOSTILE_NAMES)
def test_usernames_go_into_channel_urls_as_one_encoded_path_segment(username: str) -> None:
    channel = {"guid": "7", "username": username}
    activity = {**GOOD, "ownerObj": channel}

    def answer(r: Request) -> Reply:
        if r.path.startswith("/api/v1/channel/"):
            return Reply(200, {"status": "success", "channel": channel})
        if r.path.startswith("/api/v1/newsfeed/single/"):
            return Reply(200, {"status": "success", "activity": activity})
        return Reply(200, {"status": "success", "activity": [activity]})

    me, author, listed, by_guid = read(
        answer,
        lambda net: (
            net.me(),
            net.get_post("901").author,
            next(net.timeline(limit=1)).author,
            net.account("7"),
        ),
    )
    for account in (me, author, listed, by_guid):
        assert account.handle == username  # the name itself is kept as sent
        assert_channel_url(account.url, username)


def test_a_username_holding_a_lone_surrogate_gives_no_url() -> None:
    """Valid JSON (``"\\ud800"``) that no URL can carry: no channel page has that name."""
    channel = {"guid": "7", "username": "half\ud800"}

    def answer(r: Request) -> Reply:
        if r.path.startswith("/api/v1/channel/"):
            return Reply(200, {"status": "success", "channel": channel})
        return Reply(200, {"status": "success", "activity": {**GOOD, "ownerObj": channel}})

    me, author = read(answer, lambda net: (net.me(), net.get_post("901").author))
    assert (me.handle, me.url, author.handle, author.url) == (channel["username"], None) * 2
