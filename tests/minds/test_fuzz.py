"""Minds' converters on hostile answers: typical payloads, mutated; each gives a model or a typed error."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decentsocial.backends.minds import convert
from decentsocial.errors import DecentSocialError
from decentsocial.limits import Limits, loads
from decentsocial.models import Post
from tests.servers._hostile_httpapi import mutate, sweep

#: The connection's server, where every link of a post or channel points.
SITE = "https://minds.example"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

OWNER = {"guid": "1500000000000000001", "type": "user", "username": "acme", "name": "Acme"}
ORIGINAL = {
    "guid": "1500000000000000010",
    "type": "activity",
    "urn": "urn:activity:1500000000000000010",
    "owner_guid": "1500000000000000002",
    "ownerObj": {"guid": "1500000000000000002", "type": "user", "username": "bob", "name": "Bob"},
    "container_guid": "1500000000000000002",
    "message": "the original #news",
    "time_created": "1764160000",
    "tags": ["news"],
    "nsfw": [],
    "access_id": "2",
    "perma_url": "https://news.example/story",  # its rich embed (link card)
    "thumbs:up:count": 3,
    "comments:count": 1,
    "reminds": 2,
    "remind_object": None,
}
ACTIVITY = {
    **ORIGINAL,
    "guid": "1500000000000000011",
    "urn": "urn:activity:1500000000000000011",
    "owner_guid": "1500000000000000001",
    "ownerObj": OWNER,
    "container_guid": "1500000000000000001",
    "message": "my take @bob https://acme.example/a #Launch",
    "tags": ["launch", "crypto"],
    "nsfw": [6],
    "remind_object": {**ORIGINAL, "quoted_post": True},
}
REMIND = {**ACTIVITY, "message": "", "remind_object": ORIGINAL}
#: As the engine exports a comment (``Core/Comments/Comment.php``): ``guid`` its LUID, ``_guid`` its guid.
COMMENT_LUID = convert.comment_luid("1500000000000000010", "1500000000000000020")
COMMENT = {
    "type": "comment",
    "entity_guid": "1500000000000000010",
    "parent_guid_l1": "0",
    "parent_guid_l2": "0",
    "guid": COMMENT_LUID,
    "owner_guid": "1500000000000000001",
    "time_created": 1764160100,
    "_guid": "1500000000000000020",
    "luid": COMMENT_LUID,
    "partition_path": "0:0:0",
    "ownerObj": OWNER,
    "description": "a comment @bob",
}
#: As the engine before ``Core/Comments`` exported one: a digit ``guid``, its post's as ``parent_guid``.
OLD_COMMENT = {
    "guid": "1500000000000000020",
    "type": "comment",
    "parent_guid": "1500000000000000010",
    "owner_guid": "1500000000000000001",
    "ownerObj": OWNER,
    "description": "a comment @bob",
    "time_created": "1764160100",
}
CHANNEL = {
    **OWNER,
    "briefdescription": "We make things",
    "subscribers_count": 12,
    "subscriptions_count": 3,
    "time_created": "1700000000",
}

CONVERSIONS: dict[str, tuple[Any, Callable[[Any], object]]] = {
    "activity": (ACTIVITY, partial(convert.post, site=SITE)),
    "remind": (REMIND, partial(convert.post, site=SITE)),
    "comment": (COMMENT, partial(convert.comment, site=SITE)),
    "old comment": (OLD_COMMENT, partial(convert.comment, site=SITE)),
    "channel": (CHANNEL, partial(convert.account, site=SITE)),
}


def convert_answer(payload: Any, conversion: Callable[[Any], object]) -> object | DecentSocialError:
    """What the backend does with an answer: the JSON text within the limits, an object, the converter."""
    text = json.dumps(payload)
    try:
        body = loads(text.encode("utf-8", "surrogatepass"), limits=Limits(), network="minds")
        if not isinstance(body, dict):
            return DecentSocialError("not an object")  # HttpApi.parse refuses it, typed
        return conversion(body)
    except DecentSocialError as exc:
        return exc


@pytest.mark.parametrize("name", sorted(CONVERSIONS))
def test_typical_payloads_convert(name: str) -> None:
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
@given(name=st.sampled_from(["activity", "remind", "comment", "old comment"]), data=st.data())
def test_mutated_posts_keep_ids_that_are_guids(name: str, data: st.DataObject) -> None:
    """Ids a post carries go into URL paths later: a hostile one is refused, never kept; and its link
    is its page on the connection's server whatever the answer holds."""
    payload, conversion = CONVERSIONS[name]
    result = convert_answer(mutate(data, payload), conversion)
    if not isinstance(result, Post):
        return
    if result.id.startswith(convert.COMMENT_PREFIX):
        convert.split_comment(result.id)  # InvalidInput if it is not two guids
    else:
        assert convert.is_guid(result.id)
    assert result.quote_of is None or convert.is_guid(result.quote_of)
    assert result.url is not None
    assert result.url.startswith(f"{SITE}/newsfeed/")
