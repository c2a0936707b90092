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
subclasses of ``str`` and ``int`` where JSON has plain ones. Models built with
the same fields share one fields-set, which no copy or refused change reaches;
the converter's own readers of amounts and times read as the shared ones do.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import pickle
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from decentsocial.backends.hive import HIVE, STEEM, Chain, HiveNetwork
from decentsocial.backends.hive.convert import (
    Seen,
    amount_of,
    as_datetime,
    author_account,
    post_from_bridge,
    reward_of_post,
)
from decentsocial.coerce import as_datetime as shared_as_datetime
from decentsocial.coerce import as_dict
from decentsocial.errors import DecentSocialError, InvalidInput
from decentsocial.models import Amount, Engagement, Post, Reward
from tests.servers.hive import served
from tests.trusted import as_validation_builds, same

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
    for item in map(served, [chain] * len(RECORDED), RECORDED):  # as a node of ``chain`` serves it
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
        item = served(chain, item)
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
        post = post_from_bridge(served(chain, item), chain)
        as_validation_builds(post)
        assert post.title == "Title"
        assert type(post.title) is str
        assert post.tags == ("life", "tag")
        assert post.links == ("https://x.example",)
        as_validation_builds(reward_of_post(served(chain, item), chain))
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


def test_models_built_alike_share_one_fields_set_that_no_copy_or_refused_change_reaches() -> None:
    seen = Seen()
    posts = [post_from_bridge(item, HIVE, seen) for item in RECORDED[:100]]
    first = posts[0]
    second = next(p for p in posts if p.author is not first.author and p.reward is not None)
    assert first.reward is not None
    assert second.reward is not None
    for a, b in ((first, second), (first.reward, second.reward), (first.author, second.author)):
        assert a.model_fields_set is b.model_fields_set  # one set for all: not one built per model
    shared = first.model_fields_set
    before = set(shared)
    copies = [
        first.model_copy(),
        first.model_copy(deep=True),
        first.model_copy(update={"language": "ar"}),
        first.model_copy(update={"language": "ar"}, deep=True),
        copy.copy(first),
        copy.deepcopy(first),
        pickle.loads(pickle.dumps(first)),
    ]
    for copied in copies:
        assert copied.model_fields_set is not shared
        assert copied == first or copied.language == "ar"
    assert "language" in copies[2].model_fields_set
    with pytest.raises(ValidationError):
        first.language = "ar"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        del first.text
    assert shared == before
    assert "language" not in second.model_fields_set
    as_validation_builds(second)


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(r"[0-9]{1,22}\.[0-9]{1,21} [A-Z]{1,17}", fullmatch=True)
    | st.from_regex(
        r"\s?-?[0-9]{1,3}(\.[0-9]{0,4})?(E[+-]?[0-9])?\s{0,2}[A-Za-z][A-Za-z0-9_.-]{0,5}\s?", fullmatch=True
    )
    | st.text(max_size=12)
)
def test_an_amount_text_reads_as_amount_parse_reads_it(text: str) -> None:
    try:
        expected: Amount | None = Amount.parse(text)
    except InvalidInput:
        expected = None
    if expected is None:
        with pytest.raises(DecentSocialError):
            amount_of(text, HIVE)
    else:
        same(amount_of(text, HIVE), expected)
        as_validation_builds(amount_of(text, HIVE))


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes().map(lambda d: d.isoformat(timespec="seconds"))
    | st.text(alphabet="0123456789-T:+Z. tz", min_size=19, max_size=19)
    | st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}.[0-9]{2}:[0-9]{2}(:[0-9]{2}|[+-][0-9]{2})", fullmatch=True)
    | st.sampled_from(  # other separators than "T" (Python 3.10 reads some, the shared reader none)
        ["2016-07-13Z08:29:15", "2016-07-13z08:29:15", "2016-07-13.08:29:15", "2016-07-13 08:29:15"]
    )
)
def test_a_time_text_reads_as_the_shared_reader_reads_it(text: str) -> None:
    ours, theirs = as_datetime(text), shared_as_datetime(text)
    assert ours == theirs
    assert (ours is None) == (theirs is None)
    if ours is not None and theirs is not None:
        assert ours.tzinfo is theirs.tzinfo
