"""The URLs a Threads server hands out, and the author no answer named, on a scripted loopback server.

- A post's ``permalink`` became ``Post.url`` whatever it was: ``javascript:alert(1)``, a ``data:`` or
  ``file:`` URL, text with no host. A bot or a notebook showing the post as a link would run it or
  open a local file. Only an http(s) URL with a host is kept now; anything else is no URL (``None``),
  as a post without a permalink has none: the post itself is whole. The same for the profile
  picture (``Account.avatar_url``), a post's media (an item without a web URL is left out, as one
  without a URL is) and its link attachment (left out of ``Post.links``).
- ``posts(author)`` of the author of a post whose answer named none (handle ``[hidden]``) read
  ``GET /me`` and then asked Threads for the posts of a user called "[hidden]"; ``account("[hidden]")``
  looked that user up. Both are ``InvalidInput`` now, before any request.
"""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork
from tests.hostile_urls import HOSTILE_URLS
from tests.servers._scripted_http import Reply, Request, Scripted, scripted_server
from tests.threads.scripted import read, reader

WHEN = "2026-12-05T15:00:00+0000"
GOOD = "https://www.threads.net/@alice/post/C0ffee"
NOT_WEB = [*HOSTILE_URLS, "//example.com/post", "/@alice/post/C0ffee"]


def a_post(url: Any) -> dict[str, Any]:
    return {
        "id": "901",
        "text": "hi",
        "timestamp": WHEN,
        "username": "alice",
        "permalink": url,
        "media_type": "IMAGE",
        "media_url": url,
        "link_attachment_url": url,
    }


@pytest.mark.parametrize("url", NOT_WEB)
def test_a_server_url_that_is_no_web_page_is_no_url(url: str) -> None:
    post = a_post(url)

    def answer(r: Request) -> Reply:
        if r.path.endswith("/me"):
            return Reply(200, {"id": "1", "username": "brand", "threads_profile_picture_url": url})
        if r.path.endswith("/profile_lookup"):
            return Reply(200, {"username": "alice", "profile_picture_url": url})
        return Reply(200, {"data": [post]} if r.path.endswith("/threads") else post)

    single, listed, me, alice = read(
        answer, lambda net: (net.get_post("901"), next(net.posts(limit=1)), net.me(), net.account("alice"))
    )
    for found in (single, listed):
        assert found.id == "901"  # the post is kept, whole but for the URL
        assert found.url is None
        assert found.media == ()
        assert url not in found.links
    assert (me.handle, me.avatar_url) == ("brand", None)
    assert (alice.handle, alice.avatar_url) == ("alice", None)


@pytest.mark.parametrize("url", [GOOD, "http://threads.example:8080/p/1?x=1#y", "HTTPS://Www.Threads.net/@a"])
def test_a_web_url_is_kept_as_sent(url: str) -> None:
    post = a_post(url)

    def answer(r: Request) -> Reply:
        if r.path.endswith("/me"):
            return Reply(200, {"id": "1", "username": "brand", "threads_profile_picture_url": url})
        return Reply(200, post)

    found, me = read(answer, lambda net: (net.get_post("901"), net.me()))
    assert found.url == url
    assert [m.url for m in found.media] == [url]
    assert url in found.links
    assert me.avatar_url == url


HIDDEN_REPLY = {"id": "802", "text": "me too", "timestamp": WHEN, "replied_to": {"id": "77"}}


def hidden_author_and_server(call: Any) -> tuple[Any, Scripted]:
    """``call(net, author)`` for the author of a post whose answer named none; the requests it made."""

    def answer(r: Request) -> Reply:
        if r.path.endswith("/me"):
            return Reply(200, {"id": "1", "username": "brand"})
        if r.path.endswith("/profile_lookup"):
            return Reply(200, {"username": "[hidden]"})
        return Reply(200, {"data": [HIDDEN_REPLY]} if r.path.endswith("/threads") else HIDDEN_REPLY)

    with scripted_server(answer) as server:
        net = reader(server.url)
        try:
            author = net.get_post("802").author
            assert author.handle == "[hidden]"
            server.requests.clear()
            return call(net, author), server
        finally:
            net.close()


@pytest.mark.parametrize(
    "call",
    [
        lambda net, author: net.posts(author),
        lambda net, author: net.posts(author.handle),
        lambda net, author: net.posts("@[hidden]"),
        lambda net, author: net.posts(author.id),
        lambda net, author: net.account(author.handle),
        lambda net, author: net.account(author.id),
    ],
    ids=["posts-account", "posts-handle", "posts-at-handle", "posts-id", "account-handle", "account-id"],
)
def test_the_author_no_answer_named_is_refused_before_any_request(call: Any) -> None:
    def refused(net: ThreadsNetwork, author: ds.Account) -> ds.InvalidInput:
        with pytest.raises(ds.InvalidInput, match=r"\[hidden\].*no profile") as caught:
            next(iter(call(net, author)))
        return caught.value

    error, server = hidden_author_and_server(refused)
    assert error.network == "threads"
    assert server.requests == []  # not GET /me, not a lookup of a user called "[hidden]"


def test_follow_and_messages_of_that_author_stay_unsupported_without_a_request() -> None:
    def calls(net: ThreadsNetwork, author: ds.Account) -> list[type[Exception]]:
        raised: list[type[Exception]] = []
        for call in (net.follow, net.unfollow, lambda a: net.send_message(a, "hi"), net.pinned):
            with pytest.raises(ds.DecentSocialError) as caught:
                next(iter(call(author) or ()))
            raised.append(type(caught.value))
        return raised

    raised, server = hidden_author_and_server(calls)
    assert all(issubclass(kind, ds.UnsupportedFeature) for kind in raised)
    assert server.requests == []
