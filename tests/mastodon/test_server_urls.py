"""The URLs a Mastodon server hands out, read from the recorded Mastodon 4.x statuses.

A status's ``url`` (else its ``uri``) became ``Post.url``, an account's ``url`` and ``avatar``
``Account.url`` and ``avatar_url``, an attachment's ``url`` (else ``remote_url``, else
``preview_url``) a ``Media.url``, the preview card's ``url`` and every ``href`` of the content's
plain links ``Post.links``, whatever they were: ``javascript:alert(1)``, a ``data:`` or ``file:``
URL, text with no host. A bot or a notebook showing them as links would run script or open a local
file. Only an http(s) URL with a host is kept now; anything else is taken as missing (the next
URL of the list is used, else ``None``; an attachment with none is left out, as one without a URL
is). The post itself is whole, and a recorded URL comes out exactly as it was.
"""

from __future__ import annotations

import copy
import html
from typing import Any

import pytest

from decentsocial import Post
from decentsocial.backends.mastodon.convert import to_account, to_notification, to_post
from decentsocial.backends.mastodon.messages import to_message
from tests.hostile_urls import HOSTILE_URLS, MORE_HOSTILE_URLS

from .cassettes import exchanges, is_status, recorded_statuses

NOT_WEB = [
    *HOSTILE_URLS,
    *MORE_HOSTILE_URLS,
    "tag:example.com,2017:objectId=1:objectType=Status",
    "//example.com/@alice/1",
    "/@alice/1",
]
KEPT = [
    "https://mastodon.social/@alice/113",
    "http://localhost:3000/@alice/113?x=1#y",
    "HTTPS://Mastodon.Social/@alice",
    "https://bücher.example/@ä/1",
]


def _recorded(name: str, pred: Any) -> dict[str, Any]:
    """A fresh copy of the first recorded status of cassette ``name`` that ``pred`` accepts."""
    for exchange in exchanges(name):
        for item in exchange.body if isinstance(exchange.body, list) else [exchange.body]:
            if is_status(item) and pred(item):
                return copy.deepcopy(item)
    raise AssertionError(f"no matching status in {name}")


def with_media() -> dict[str, Any]:
    return _recorded("test_media_post_multiple.yaml", lambda s: s["media_attachments"])


def with_card() -> dict[str, Any]:
    return _recorded("test_status_card.yaml", lambda s: s.get("card"))


def test_every_recorded_url_comes_out_as_sent() -> None:
    statuses = recorded_statuses()
    media = 0
    for status in statuses:
        post = to_post(status)
        shown = status["reblog"] or status
        assert post.url == (shown["url"] or shown["uri"])
        assert (post.author.url, post.author.avatar_url) == (
            shown["account"]["url"],
            shown["account"]["avatar"],
        )
        assert [m.url for m in post.media] == [a["url"] for a in shown["media_attachments"]]
        media += len(post.media)
        if shown.get("card"):
            assert shown["card"]["url"] in post.links
        account = to_account(status["account"])
        assert (account.url, account.avatar_url) == (status["account"]["url"], status["account"]["avatar"])
    assert len(statuses) > 150
    assert media > 0


@pytest.mark.parametrize("url", NOT_WEB)
def test_a_status_url_that_is_no_web_page_is_no_url(url: str) -> None:
    status = with_media()
    status["url"] = url
    post = to_post(status)
    assert post.url == status["uri"]  # taken as missing: the ActivityPub id, a web page too, as before
    status["uri"] = url
    post = to_post(status)
    assert post.url is None
    assert (post.id, post.text, len(post.media)) == (status["id"], "LOL check this out", 2)  # whole
    assert Post.model_validate(post.model_dump()) == post


@pytest.mark.parametrize("url", NOT_WEB)
def test_an_account_url_or_avatar_that_is_no_web_page_is_none(url: str) -> None:
    status = with_media()
    status["account"]["url"] = url
    status["account"]["avatar"] = url
    for account in (to_account(status["account"]), to_post(status).author):
        assert (account.url, account.avatar_url) == (None, None)
        assert account.handle == status["account"]["acct"]
    notification = {
        "id": "9",
        "type": "favourite",
        "created_at": status["created_at"],
        "account": status["account"],
    }
    assert to_notification(notification).account.avatar_url is None  # type: ignore[union-attr]


@pytest.mark.parametrize("url", NOT_WEB)
def test_an_attachment_at_no_web_url_is_left_out(url: str) -> None:
    status = with_media()
    first, second = status["media_attachments"]
    kept = second["url"]
    first.update(url=url, remote_url=url, preview_url=url)
    second["url"] = url  # its preview, a web link, is taken instead, as when it has no url
    post = to_post(status)
    assert [m.url for m in post.media] == [second["preview_url"]]
    assert kept != second["preview_url"]


@pytest.mark.parametrize("url", NOT_WEB)
def test_a_card_or_content_link_that_is_no_web_page_is_no_link(url: str) -> None:
    status = with_card()
    status["card"]["url"] = url
    assert to_post(status).links == to_post({**status, "card": None}).links  # as if it had no card
    status["content"] = f'<p>see <a href="{html.escape(url)}">this</a> and <a href="{KEPT[0]}">that</a></p>'
    post = to_post(status)
    assert post.links == (KEPT[0],)
    assert post.text == "see this and that"


@pytest.mark.parametrize("url", KEPT)
def test_a_web_url_is_kept_as_sent(url: str) -> None:
    status = with_media()
    status["url"] = url
    status["account"].update(url=url, avatar=url)
    status["media_attachments"][0]["url"] = url
    status["card"] = {"url": url}
    post = to_post(status)
    assert post.url == url
    assert (post.author.url, post.author.avatar_url) == (url, url)
    assert post.media[0].url == url
    assert post.links == (url,)


@pytest.mark.parametrize("url", NOT_WEB)
def test_a_message_recipient_url_that_is_no_web_page_is_none(url: str) -> None:
    status = with_media()
    status["visibility"] = "direct"
    status["mentions"] = [{"id": "5", "acct": "bob", "username": "bob", "url": url}]
    message = to_message({"id": "1", "accounts": [], "last_status": status})
    assert [(a.handle, a.url) for a in message.recipients] == [("bob", None)]
