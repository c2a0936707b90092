"""A post's URL and a Minds server's ``perma_url``, on a scripted loopback server.

An activity's ``perma_url`` became ``Post.url`` whatever it was: ``javascript:alert(1)``, a
``data:`` or ``file:`` URL, text with no host. A bot or a notebook showing the post as a link
would run it or open a local file. Then only an http(s) URL with a host was kept; but even that
was no page of the post: the engine's ``perma_url`` is its rich embed's link (``setURL`` of the
``url`` a poster sends), any page of any host. ``Post.url`` is the post's page on the
connection's server now, whatever ``perma_url`` holds, and a ``perma_url`` that is a web page
is one of the post's ``links`` (after the text's, once), as a Mastodon preview card's is. The
same for a remind's original.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.minds import MindsExperimentalWarning, MindsNetwork, MindsSettings
from tests.hostile_urls import HOSTILE_URLS
from tests.servers._scripted_http import Reply, Request, scripted_server

TOKEN = Reply(200, {"access_token": "tok", "refresh_token": "ref", "expires_in": 3600})
OWNER = {"guid": "7", "username": "someone"}
NOT_WEB = [*HOSTILE_URLS, "//www.minds.com/newsfeed/901", "/newsfeed/901"]


def read(answer: Any, call: Any) -> tuple[str, Any]:
    """The scripted server's address, and what ``call`` gives on a connection to it."""

    def reply(r: Request) -> Reply:
        return TOKEN if r.path.endswith("/oauth/token") else answer(r)

    with scripted_server(reply) as server, warnings.catch_warnings():
        warnings.simplefilter("ignore", MindsExperimentalWarning)
        net = MindsNetwork(
            MindsSettings(base_url=server.url, username="brand", password="pw"),
            retry=ds.RetryPolicy(attempts=1, sleep=lambda seconds: None),
        )
        try:
            return server.url, call(net)
        finally:
            net.close()


def posts_with(url: Any) -> tuple[str, tuple[ds.Post, ds.Post, ds.Post]]:
    """The server's address; the activity 901 with ``perma_url`` ``url``, read alone and in a feed,
    and reminded by 902."""
    activity = {
        "guid": "901",
        "message": "fine",
        "time_created": "1764000000",
        "ownerObj": OWNER,
        "perma_url": url,
    }
    remind = {
        "guid": "902",
        "message": "",
        "time_created": "1764000000",
        "ownerObj": OWNER,
        "remind_object": activity,
    }

    def answer(r: Request) -> Reply:
        if r.path.startswith("/api/v1/newsfeed/single/"):
            return Reply(200, {"status": "success", "activity": activity})
        return Reply(200, {"status": "success", "activity": [activity, remind]})

    site, (single, (listed, reminded)) = read(
        answer, lambda net: (net.get_post("901"), list(net.timeline(limit=2)))
    )
    assert reminded.reposted_by is not None  # the remind is read as the post it shares
    return site, (single, listed, reminded)


@pytest.mark.parametrize("url", NOT_WEB)
def test_a_perma_url_that_is_no_web_page_is_no_link_and_the_post_has_its_page(url: str) -> None:
    site, posts = posts_with(url)
    for post in posts:
        assert post.url == f"{site}/newsfeed/901"
        assert post.links == ()
        assert post.text == "fine"  # the post is kept, whole


@pytest.mark.parametrize(
    "url",
    [
        "https://www.minds.com/newsfeed/901",
        "http://minds.example:8080/p/901?x=1#y",
        "HTTPS://WWW.MINDS.COM/x",
        "https://phishing.example/login",
    ],
)
def test_a_web_perma_url_is_a_link_of_the_post_never_its_url(url: str) -> None:
    site, posts = posts_with(url)
    for post in posts:
        assert post.url == f"{site}/newsfeed/901"
        assert post.links == (url,)
