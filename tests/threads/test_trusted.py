"""Threads posts are built without validation: each is exactly what validation builds.

``convert.post`` runs for every post of every listing and builds it with
:meth:`~decentsocial.models.Post._trusted`. Every post it returns, with the
models inside it, is rebuilt here through ``model_validate`` from the fields
it says were set, and the two must be the same state (fields, their order,
the fields set, equal values of the very same types). Inputs: the documented
payloads, the same mutated by hypothesis (fields dropped, wrong types, odd
values at any depth), ``str`` subclasses where JSON has plain ones, and a
listing read from the contract server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from decentsocial.backends.threads import convert
from decentsocial.errors import DecentSocialError
from decentsocial.models import Post
from tests.servers._hostile_httpapi import mutate, sweep
from tests.servers._process import ContractServer
from tests.trusted import as_validation_builds

from .test_fuzz import CAROUSEL, FUZZ, POST, REPOST, convert_answer

PAYLOADS = (POST, CAROUSEL, REPOST)


def test_documented_posts_are_what_validation_builds() -> None:
    for payload in PAYLOADS:
        post = convert.post(payload)
        as_validation_builds(post)
        assert post.raw == payload
        assert post.raw is not payload
    assert convert.post(POST).tags == ("launch",)  # the topic tag first, then the text's, once each


def test_every_field_removed_or_extreme_is_what_validation_builds() -> None:
    built = 0
    for payload in PAYLOADS:
        for hostile in sweep(payload):
            result = convert_answer(hostile, convert.post)
            if isinstance(result, Post):
                as_validation_builds(result)
                built += 1
    assert built > 50


@FUZZ
@given(payload=st.sampled_from(PAYLOADS), data=st.data())
def test_mutated_posts_are_what_validation_builds(payload: dict[str, Any], data: st.DataObject) -> None:
    result = convert_answer(mutate(data, payload), convert.post)
    if not isinstance(result, DecentSocialError):
        assert isinstance(result, Post)
        as_validation_builds(result)


class Text(str):
    """A ``str`` subclass (no JSON decoder makes one; a caller might)."""

    def __str__(self) -> str:
        return "not the text"


def test_str_subclasses_become_what_validation_makes_of_them() -> None:
    item = {
        **POST,
        "id": Text("17841400000000101"),
        "permalink": Text("https://www.threads.net/@acme/post/C1a2b3"),
        "text": Text("Launch #Day @bob https://acme.example/a"),
        "link_attachment_url": Text("https://acme.example/landing"),
        "topic_tag": Text("Launch"),
        "replied_to": {"id": Text("17841400000000098")},
        "root_post": {"id": Text("17841400000000097")},
        "quoted_post": {"id": Text("17841400000000099")},
    }
    post = convert.post(item)
    as_validation_builds(post)
    assert post.text == "Launch #Day @bob https://acme.example/a"
    assert post.tags == ("launch", "day")
    assert post.links == ("https://acme.example/a", "https://acme.example/landing")
    assert (post.reply_to, post.root_id, post.quote_of) == (
        "17841400000000098",
        "17841400000000097",
        "17841400000000099",
    )


def test_a_listing_read_from_the_server_is_what_validation_builds(
    make_net: Callable[..., Any], threads_server: ContractServer
) -> None:
    net, user = make_net()
    threads_server.control("seed", {"user_id": user["id"], "count": 30})
    net.publish("مرحبا بالعالم #إطلاق @bob https://acme.example/a")
    posts = list(net.posts(limit=None))
    assert len(posts) == 31
    assert posts[0].tags == ("إطلاق",)
    for post in posts:
        as_validation_builds(post)
