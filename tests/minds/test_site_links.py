"""Links of posts, comments and channels on a self-hosted Minds engine (the contract server).

Every link was made on minds.com whatever ``base_url`` was: a post without a
``perma_url`` got ``https://www.minds.com/newsfeed/<guid>``, every comment its
post's minds.com page, every channel ``https://www.minds.com/<username>``. On a
self-hosted engine a reader following one (a crosspost report, a monitor alert)
landed on another site. And a post with a rich embed (link card) got the card's
target as its URL: the engine's ``perma_url`` is that link, any page the poster
chose. Now every link is on the connection's server, as the engine builds them
on its own ``site_url``: a post's page ``newsfeed/<guid>``, a comment's that page
focused on it (``?focusedCommentUrn=urn:comment:...``, as the engine's
notifications and the web app's share button link a comment), a channel's
``/<username>``; a card's link is one of the post's ``links``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.minds import MindsExperimentalWarning, MindsNetwork, MindsSettings
from tests.servers._process import ContractServer
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.servers.minds import minds_connect, minds_user


@pytest.fixture
def pair(minds_server: ContractServer) -> Iterator[tuple[Any, Any, dict[str, Any], dict[str, Any]]]:
    a, b = minds_user(minds_server), minds_user(minds_server)
    minds_server.control("subscribe", {"user": a["guid"], "to": b["guid"]})
    me, other = minds_connect(minds_server, a), minds_connect(minds_server, b)
    yield me, other, a, b
    me.close()
    other.close()


def page(server: ContractServer, guid: str) -> str:
    return f"{server.url}/newsfeed/{guid}"


def test_a_post_and_its_author_link_to_the_connections_server(
    minds_server: ContractServer, pair: Any
) -> None:
    me, other, a, _ = pair
    post = me.publish(ds.Draft(text="self-hosted hello"))
    assert post.url == page(minds_server, post.id)
    assert post.author.url == f"{minds_server.url}/{a['username']}"
    assert me.get_post(post.id).url == post.url
    assert next(me.posts(limit=1)).url == post.url
    assert next(me.timeline(limit=1)).url == post.url
    assert me.me().url == f"{minds_server.url}/{a['username']}"
    assert other.account(a["username"]).url == f"{minds_server.url}/{a['username']}"


def test_a_remind_and_a_quote_link_to_pages_on_the_server(minds_server: ContractServer, pair: Any) -> None:
    me, other, _, _ = pair
    original = other.publish(ds.Draft(text="worth sharing"))
    remind = me.repost(original)
    assert remind.url == page(minds_server, original.id)  # a remind shows the post it shares
    quote = me.publish(ds.Draft(text="my take", quote_of=original.id))
    assert quote.url == page(minds_server, quote.id)


def test_each_comment_links_to_its_post_focused_on_it(minds_server: ContractServer, pair: Any) -> None:
    me, other, _, b = pair
    post = me.publish(ds.Draft(text="comment on this"))
    first = other.reply(post, "first")
    second = me.reply(post, "second")
    links = []
    for made in (first, second):
        _, comment_guid = made.id.removeprefix("comment:").split(":")
        expected = (
            f"{page(minds_server, post.id)}?focusedCommentUrn=urn:comment:{post.id}:0:0:0:{comment_guid}"
        )
        assert made.url == expected
        assert me.get_post(made.id).url == expected
        links.append(made.url)
    assert links[0] != links[1]  # one link per comment, not its post's for all of them
    assert first.author.url == f"{minds_server.url}/{b['username']}"


def embed_post(server: ContractServer, user: dict[str, Any], link: str, message: str = "read this") -> str:
    """A post with a rich embed made by another app (the SDK sends none): its guid."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        token = client.post(
            "/api/v3/oauth/token",
            json={
                "grant_type": "password",
                "client_id": "mobile",
                "username": user["username"],
                "password": user["password"],
            },
        ).json()["access_token"]
        answer = client.put(
            "/api/v3/newsfeed/activity",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "message": message,
                "access_id": 2,
                "url": link,
                "title": "A story",
                "description": "about things",
                "thumbnail": "",
            },
        )
    answer.raise_for_status()
    guid: str = answer.json()["guid"]
    return guid


@pytest.mark.parametrize("link", ["https://news.example/story?id=1", "https://www.minds.com/newsfeed/1"])
def test_a_link_cards_target_is_a_link_of_the_post_not_its_url(
    minds_server: ContractServer, pair: Any, link: str
) -> None:
    me, _, a, _ = pair
    guid = embed_post(minds_server, a, link)
    for post in (me.get_post(guid), next(me.posts(limit=1)), next(me.timeline(limit=1))):
        assert post.id == guid
        assert post.url == page(minds_server, guid)
        assert post.links == (link,)


def test_a_link_card_of_script_is_no_link(minds_server: ContractServer, pair: Any) -> None:
    me, _, a, _ = pair
    guid = embed_post(minds_server, a, "javascript:alert(1)")
    post = me.get_post(guid)
    assert (post.url, post.links) == (page(minds_server, guid), ())


def test_a_card_link_also_in_the_text_is_listed_once(minds_server: ContractServer, pair: Any) -> None:
    me, _, a, _ = pair
    guid = embed_post(minds_server, a, "https://news.example/story", "see https://news.example/story")
    assert me.get_post(guid).links == ("https://news.example/story",)


@pytest.mark.parametrize(
    ("sent", "partition"),
    [
        ("0:0:0", "0:0:0"),
        ("1500000000000000005:0:0", "1500000000000000005:0:0"),
        ("0:0:0?x=1", "0:0:0"),
        ("../../x", "0:0:0"),
        (None, "0:0:0"),
        (7, "0:0:0"),
    ],
)
def test_a_comments_link_holds_only_a_partition_path_of_guids(sent: Any, partition: str) -> None:
    """The engine's ``partition_path`` goes into the link only when it is ``l1:l2:l3`` guids: a
    hostile one (a query, a path) gives the path of a comment on the post."""
    comment = {
        "guid": "905",
        "entity_guid": "901",
        "owner_guid": "7",
        "description": "hi",
        "time_created": "1764000000",
        "partition_path": sent,
    }

    def reply(r: Request) -> Reply:
        if r.path.endswith("/oauth/token"):
            return Reply(200, {"access_token": "tok", "refresh_token": "ref", "expires_in": 3600})
        return Reply(200, {"status": "success", "comments": [comment]})

    with scripted_server(reply) as server, warnings.catch_warnings():
        warnings.simplefilter("ignore", MindsExperimentalWarning)
        net = MindsNetwork(MindsSettings(base_url=server.url, username="brand", password="pw"))
        try:
            found = net.get_post("comment:901:905")
        finally:
            net.close()
    assert found.url == f"{server.url}/newsfeed/901?focusedCommentUrn=urn:comment:901:{partition}:905"
