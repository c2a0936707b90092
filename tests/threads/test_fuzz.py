"""Threads' converters on hostile answers: documented payloads, mutated, give a model or a typed error."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decentsocial.backends.threads import convert
from decentsocial.errors import DecentSocialError
from decentsocial.limits import Limits, loads
from decentsocial.models import Post
from tests.servers._hostile_httpapi import mutate, sweep

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

OWNER = {"id": "17841400000000001"}
POST = {
    "id": "17841400000000101",
    "media_type": "TEXT_POST",
    "media_url": None,
    "permalink": "https://www.threads.net/@acme/post/C1a2b3",
    "owner": OWNER,
    "username": "acme",
    "text": "Launch day #Launch @bob https://acme.example/a",
    "timestamp": "2026-11-26T13:15:00+0000",
    "shortcode": "C1a2b3",
    "is_quote_post": True,
    "quoted_post": {"id": "17841400000000099"},
    "alt_text": None,
    "link_attachment_url": "https://acme.example/landing",
    "topic_tag": "launch",
    "is_reply": True,
    "replied_to": {"id": "17841400000000098"},
    "root_post": {"id": "17841400000000097"},
    "hide_status": "NOT_HUSHED",
}
CAROUSEL = {
    **POST,
    "media_type": "CAROUSEL_ALBUM",
    "children": {
        "data": [
            {"id": "17841400000000102", "media_type": "IMAGE", "media_url": "https://cdn.example/1.jpg"},
            {
                "id": "17841400000000103",
                "media_type": "VIDEO",
                "media_url": "https://cdn.example/2.mp4",
                "alt_text": "a clip",
            },
        ]
    },
}
REPOST = {**POST, "media_type": "REPOST_FACADE", "reposted_post": {"id": "17841400000000096"}, "text": ""}
ME = {
    "id": "17841400000000001",
    "username": "acme",
    "name": "Acme",
    "threads_profile_picture_url": "https://cdn.example/acme.jpg",
    "threads_biography": "We make things",
    "follower_count": 1200,
}
QUOTA = {
    "data": [
        {
            "quota_usage": 4,
            "config": {"quota_total": 250, "quota_duration": 86400},
            "reply_quota_usage": 1,
            "reply_config": {"quota_total": 1000, "quota_duration": 86400},
        }
    ]
}
INSIGHTS = {
    "data": [
        {"name": "views", "period": "lifetime", "values": [{"value": 10}], "id": "1/insights/views/lifetime"},
        {"name": "likes", "period": "lifetime", "total_value": {"value": 3}},
    ]
}
ACCOUNT_INSIGHTS = {
    "data": [
        {
            "name": "views",
            "period": "day",
            "values": [
                {"value": 5, "end_time": "2026-11-25T08:00:00+0000"},
                {"value": 7, "end_time": "2026-11-26T08:00:00+0000"},
            ],
        },
        {"name": "likes", "period": "day", "total_value": {"value": 9}},
        {
            "name": "clicks",
            "period": "day",
            "link_total_values": [{"value": 2, "link_url": "https://a.example"}],
        },
        {"name": "followers_count", "period": "day", "total_value": {"value": 1200}},
    ]
}
TOKEN = {"access_token": "THAA-long-lived", "token_type": "bearer", "expires_in": 5183944}
SINCE = datetime(2026, 11, 1, tzinfo=timezone.utc)

CONVERSIONS: dict[str, tuple[Any, Callable[[Any], object]]] = {
    "post": (POST, convert.post),
    "carousel": (CAROUSEL, convert.post),
    "repost": (REPOST, convert.post),
    "account": (ME, convert.account),
    "quota": (QUOTA, convert.quota),
    "engagement": (INSIGHTS, convert.engagement),
    "account_insights": (ACCOUNT_INSIGHTS, lambda body: convert.account_insights(body, SINCE, None)),
    "token": (TOKEN, convert.token),
}


def convert_answer(payload: Any, conversion: Callable[[Any], object]) -> object | DecentSocialError:
    """What the backend does with an answer: the JSON text within the limits, an object, the converter."""
    text = json.dumps(payload)
    try:
        body = loads(text.encode("utf-8", "surrogatepass"), limits=Limits(), network="threads")
        if not isinstance(body, dict):
            return DecentSocialError("not an object")  # HttpApi.parse refuses it, typed
        return conversion(body)
    except DecentSocialError as exc:
        return exc


@pytest.mark.parametrize("name", sorted(CONVERSIONS))
def test_documented_payloads_convert(name: str) -> None:
    payload, conversion = CONVERSIONS[name]
    assert not isinstance(convert_answer(payload, conversion), DecentSocialError)


@pytest.mark.parametrize("name", sorted(CONVERSIONS))
def test_every_field_removed_or_extreme_gives_a_model_or_a_typed_error(name: str) -> None:
    payload, conversion = CONVERSIONS[name]
    for hostile in sweep(payload):
        convert_answer(hostile, conversion)  # anything but DecentSocialError propagates


@settings(FUZZ, max_examples=300)
@given(name=st.sampled_from(sorted(CONVERSIONS)), data=st.data())
def test_mutated_payloads_give_a_model_or_a_typed_error(name: str, data: st.DataObject) -> None:
    payload, conversion = CONVERSIONS[name]
    convert_answer(mutate(data, payload), conversion)  # anything but DecentSocialError propagates


@FUZZ
@given(data=st.data())
def test_mutated_posts_keep_ids_that_are_ids(data: st.DataObject) -> None:
    """Ids a post carries may go into URL paths later: a hostile one is refused, never kept."""
    result = convert_answer(mutate(data, POST), convert.post)
    if not isinstance(result, Post):
        return
    assert convert.is_id(result.id)
    for ref in (result.reply_to, result.root_id, result.quote_of):
        assert ref is None or convert.is_id(ref)


def test_posts_by_one_author_share_one_account_and_keep_their_own_raw() -> None:
    """The author of a post is built once per account (frozen, no raw); each post's raw is its own copy."""
    first = dict(POST)
    second = dict(POST, id="17841400000000102", text="another")
    a, b = convert.post(first), convert.post(second)
    assert a.author is b.author
    assert a.author.raw is None
    assert a.author.url == "https://www.threads.net/@acme"
    nameless = convert.post({k: v for k, v in POST.items() if k != "username"})
    assert nameless.author.id == OWNER["id"]
    assert nameless.author.url is None
    assert a.raw == first
    assert a.raw is not first
    first["text"] = "changed later by the caller"
    assert a.raw is not None
    assert a.raw["text"] == POST["text"]
