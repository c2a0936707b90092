"""The Hive converter builds its models without validation: each is exactly what validation builds.

``post_from_bridge`` and ``reward_of_post`` build posts, rewards, shares,
accounts and counts with :meth:`~decentsocial.models.Post._trusted` (a
discussion's conversion cost more than its request). Here every model they
return, at every depth, is rebuilt through ``model_validate`` from the fields
it says were set, and the two must be the same state: the same fields in the
same order, the same fields set, and equal values of the very same types
(``str`` not a subclass, tuples not lists, the same ``timezone.utc``). Inputs:
every post the recorded Hive answers hold (Hive and Steem), the fuzzed posts of
``test_fuzz`` (fields dropped, wrong types, odd values at any depth), and
subclasses of ``str`` and ``int`` where JSON has plain ones.
"""

from __future__ import annotations

import contextlib
import gzip
import json
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from decentsocial.backends.hive import HIVE, STEEM, Chain, HiveNetwork
from decentsocial.backends.hive.convert import Seen, author_account, post_from_bridge, reward_of_post
from decentsocial.coerce import as_dict
from decentsocial.errors import DecentSocialError
from decentsocial.models import Engagement, Post, Reward
from tests.trusted import as_validation_builds

from .test_fuzz import FIXTURE, POSTS, mutated


def converted(item: Mapping[str, Any], chain: Chain, seen: Seen | None = None) -> list[BaseModel]:
    """The post and the reward of ``item`` (none when the converter refuses it with a typed error)."""
    out: list[BaseModel] = []
    for convert in (post_from_bridge, reward_of_post):
        with contextlib.suppress(DecentSocialError):
            out.append(convert(item, chain, seen))
    return out


def recorded_posts() -> list[dict[str, Any]]:
    """Every post in the recorded bridge answers (single posts, lists and discussions)."""
    posts = []
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as fh:
        for line in fh:
            case = json.loads(line)
            result = case.get("result")
            if not str(case.get("method", "")).startswith("bridge."):
                continue
            if case["method"] == "bridge.get_discussion" and isinstance(result, dict):
                items = list(result.values())
            else:
                items = result if isinstance(result, list) else [result]
            posts += [i for i in items if isinstance(i, dict) and "author" in i and "permlink" in i]
    return posts


RECORDED = recorded_posts()


@pytest.mark.parametrize("chain", [HIVE, STEEM], ids=["hive", "steem"])
def test_every_recorded_post_is_what_validation_builds(chain: Chain) -> None:
    assert len(RECORDED) > 2000
    shared = Seen()  # shared values across many posts, as in a discussion
    for item in RECORDED:
        for model in (*converted(item, chain), *converted(item, chain, shared)):
            as_validation_builds(model)
            if isinstance(model, Post):
                assert model.raw == item
                assert model.raw is not item


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutated(POSTS), min_size=1, max_size=4), st.sampled_from([HIVE, STEEM]))
def test_fuzzed_posts_are_what_validation_builds(items: list[Any], chain: Chain) -> None:
    shared = Seen()
    for item in items:
        for model in (*converted(as_dict(item), chain), *converted(as_dict(item), chain, shared)):
            as_validation_builds(model)


class Text(str):
    """A ``str`` subclass (no JSON decoder makes one; a caller might)."""

    def __str__(self) -> str:
        return "not the text"


class Count(int):
    pass


def test_subclasses_of_str_and_int_become_what_validation_makes_of_them() -> None:
    item = dict(RECORDED[0])
    item.update(
        author=Text("alice"),
        permlink=Text("a-post"),
        title=Text("Title"),
        body=Text("body"),
        category=Text("Life"),
        community=Text("hive-123"),
        depth=Count(0),
        children=Count(3),
        reblogs=Count(2),
        json_metadata={"tags": [Text("Tag")], "links": [Text("https://x.example")], "users": [Text("@bob")]},
        beneficiaries=[{"account": Text("carol"), "weight": 100}],
    )
    for chain in (HIVE, STEEM):
        post = post_from_bridge(item, chain)
        as_validation_builds(post)
        assert post.title == "Title"
        assert type(post.title) is str
        assert post.tags == ("life", "tag")
        assert post.links == ("https://x.example",)
        as_validation_builds(reward_of_post(item, chain))
    as_validation_builds(author_account(Text("dave"), HIVE, Count(5)))
    as_validation_builds(Seen().engagement(Count(1), Count(2), Count(3)))
    assert type(Seen().engagement(Count(1), 2, None).likes) is int


def test_a_thread_read_from_the_node_is_what_validation_builds(hive: HiveNetwork) -> None:
    thread = hive.thread("steemit/firstpost")
    assert len(thread) == 37
    for post in thread:
        as_validation_builds(post)
    assert isinstance(thread[0].reward, Reward)
    assert isinstance(thread[0].metrics, Engagement)


def test_trusted_models_stay_frozen_and_keep_their_repr() -> None:
    post = post_from_bridge(RECORDED[0], HIVE)
    validated = Post.model_validate({name: post.__dict__[name] for name in post.model_fields_set})
    with pytest.raises(Exception, match="frozen"):
        post.text = "changed"  # type: ignore[misc]
    assert repr(post) == repr(validated)
    assert post == validated
    assert post.model_dump() == validated.model_dump()
    assert post.model_dump_json() == validated.model_dump_json()
    assert Post.model_validate_json(post.model_dump_json()) == post
