"""The URLs a Bluesky AppView or PDS hands out, read from the post views the reference AppView recorded.

A profile's ``avatar`` became ``Account.avatar_url``, an image's ``fullsize`` (else ``thumb``) and a
video's ``playlist`` (else ``thumbnail``) a ``Media.url``, and a link card's ``uri`` and a link
facet's ``uri`` ``Post.links``, whatever they were: ``javascript:alert(1)``, a ``data:`` or
``file:`` URL, text with no host. A link card and a facet are the post's author's to write, in the
record itself. A bot or a notebook showing them as links would run script or open a local file.
Only an http(s) URL with a host is kept now; anything else is taken as missing (the next URL is
used, else ``None``; an image or video at none is left out, as one without a URL is). The post
itself is whole, and a recorded URL comes out exactly as it was.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from decentsocial.backends.bluesky.convert import account_from_view, post_from_record, post_from_view
from tests.hostile_urls import HOSTILE_URLS, MORE_HOSTILE_URLS
from tests.trusted import as_validation_builds

from .recorded import recorded_post_views

WEB = "https://bsky.app"
BLOBS = "https://pds.example"
NOT_WEB = [
    *HOSTILE_URLS,
    *MORE_HOSTILE_URLS,
    "at://did:plc:abc/app.bsky.feed.post/1",
    "//cdn.bsky.app/img/avatar/plain/x@jpeg",
    "/img/avatar/plain/x@jpeg",
]
KEPT = [
    "https://cdn.bsky.app/img/avatar/plain/did:plc:z72i7hdynmk6r22z27h6tvur/bafkreihx@jpeg",
    "http://localhost:2584/img/feed_fullsize/plain/did:plc:x/bafkrei?x=1#y",
    "HTTPS://Cdn.Bsky.App/img/x@jpeg",
    "https://bücher.example/ä",
]


def _view(pred: Any) -> dict[str, Any]:
    """A fresh copy of the first recorded post view ``pred`` accepts."""
    return copy.deepcopy(next(v for v in recorded_post_views() if pred(v)))


def _embed(kind: str) -> Any:
    return lambda v: (v.get("embed") or {}).get("$type") == kind


def with_images() -> dict[str, Any]:
    return _view(_embed("app.bsky.embed.images#view"))


def with_link_card() -> dict[str, Any]:
    """A post linking a page: a link facet over its URL, and a link card (the record's and the view's)."""
    return _view(_embed("app.bsky.embed.external#view"))


def with_video(playlist: Any, thumbnail: Any) -> dict[str, Any]:
    """A recorded view given a video embed as the AppView shows one (app.bsky.embed.video#view)."""
    view = _view(lambda v: not v.get("embed"))
    view["embed"] = {
        "$type": "app.bsky.embed.video#view",
        "cid": "bafkreidreb2sqnvmjjqh6cowwu3v7tn6joyc24syjx7bl6esls2vj4qas4",
        "playlist": playlist,
        "thumbnail": thumbnail,
        "alt": "a clip",
    }
    return view


def _links(view: dict[str, Any]) -> list[str]:
    return [
        feature["uri"]
        for facet in view["record"].get("facets", ())
        for feature in facet["features"]
        if feature["$type"].endswith("#link")
    ]


def test_every_recorded_url_comes_out_as_sent() -> None:
    media = links = 0
    for view in recorded_post_views():
        post = post_from_view(view, web_url=WEB)
        embed = view.get("embed") or {}
        assert [m.url for m in post.media] == [i["fullsize"] for i in embed.get("images", ())]
        wanted = [*_links(view), *([embed["external"]["uri"]] if "external" in embed else [])]
        assert list(post.links) == list(dict.fromkeys(wanted))
        assert post.author.avatar_url == view["author"].get("avatar")
        media, links = media + len(post.media), links + len(post.links)
    assert media > 0
    assert links > 0


@pytest.mark.parametrize("url", NOT_WEB)
def test_an_avatar_that_is_no_web_page_is_none(url: str) -> None:
    view = with_images()
    view["author"]["avatar"] = url
    post = post_from_view(view, web_url=WEB)
    account = account_from_view(view["author"], web_url=WEB)
    for author in (post.author, account):
        assert author.avatar_url is None
        assert author.handle == view["author"]["handle"]  # the profile is whole
    as_validation_builds(post)
    as_validation_builds(account)


@pytest.mark.parametrize("url", NOT_WEB)
def test_an_image_at_no_web_url_is_left_out_or_shown_by_its_thumbnail(url: str) -> None:
    view = with_images()
    image = view["embed"]["images"][0]
    thumb = image["thumb"]
    image["fullsize"] = url
    assert [m.url for m in post_from_view(view, web_url=WEB).media] == [thumb]  # as without a fullsize
    image["thumb"] = url
    post = post_from_view(view, web_url=WEB)
    assert post.media == ()
    assert post.text == view["record"]["text"]
    as_validation_builds(post)


@pytest.mark.parametrize("url", NOT_WEB)
def test_a_video_at_no_web_url_is_left_out_or_shown_by_its_thumbnail(url: str) -> None:
    thumbnail = KEPT[0]
    assert [m.url for m in post_from_view(with_video(url, thumbnail), web_url=WEB).media] == [thumbnail]
    assert post_from_view(with_video(url, url), web_url=WEB).media == ()


@pytest.mark.parametrize("url", NOT_WEB)
def test_a_link_card_or_facet_that_is_no_web_page_is_no_link(url: str) -> None:
    view = with_link_card()
    page = view["embed"]["external"]["uri"]
    view["embed"]["external"]["uri"] = url
    assert post_from_view(view, web_url=WEB).links == (page,)  # the facet's link only
    view["record"]["embed"]["external"]["uri"] = url
    view["record"]["facets"][0]["features"][0]["uri"] = url
    author = account_from_view(view["author"], web_url=WEB)
    for post in (
        post_from_view(view, web_url=WEB),
        post_from_record(view["uri"], view["cid"], view["record"], author, web_url=WEB, blob_base=BLOBS),
    ):
        assert post.links == ()
        assert post.text == view["record"]["text"]  # the post is whole
        as_validation_builds(post)


@pytest.mark.parametrize("url", KEPT)
def test_a_web_url_is_kept_as_sent(url: str) -> None:
    view = with_link_card()
    view["author"]["avatar"] = url
    view["embed"]["external"]["uri"] = url
    view["record"]["embed"]["external"]["uri"] = url
    view["record"]["facets"][0]["features"][0]["uri"] = url
    post = post_from_view(view, web_url=WEB)
    assert post.author.avatar_url == url
    assert post.links == (url,)
    author = account_from_view(view["author"], web_url=WEB)
    stored = post_from_record(view["uri"], view["cid"], view["record"], author, web_url=WEB, blob_base=BLOBS)
    assert stored.links == (url,)
    images = with_images()
    images["embed"]["images"][0]["fullsize"] = url
    assert post_from_view(images, web_url=WEB).media[0].url == url
    assert [m.url for m in post_from_view(with_video(url, None), web_url=WEB).media] == [url]
