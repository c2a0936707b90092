"""Bluesky post views and profiles are built without validation: each is exactly what validation builds.

``post_from_view`` and ``account_from_view`` run for every post of every
listing and build their models with :meth:`~decentsocial.models.Post._trusted`.
Every model they return, with the models inside it, is rebuilt here through
``model_validate`` from the fields it says were set, and the two must be the
same state (fields, their order, the fields set, equal values of the very
same types). Inputs: the views recorded from the reference AppView, the
fuzz suite's payloads with each field removed or extreme in turn, and
mutated by hypothesis (fields dropped, wrong types, lone surrogates, odd
values at any depth), and ``str`` subclasses where JSON has plain ones.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decentsocial.backends.bluesky.convert import account_from_view, post_from_view
from decentsocial.errors import DecentSocialError
from tests.servers._hostile_httpapi import mutate, sweep
from tests.trusted import as_validation_builds

from .recorded import recorded_post_views
from .test_fuzz import _FUZZ, POST_VIEW, PROFILE, WEB


def _built(convert: Any, payload: Any) -> Any:
    try:
        return convert(payload)
    except DecentSocialError:
        return None


@pytest.mark.parametrize("cached_authors", [False, True])
def test_recorded_views_are_what_validation_builds(cached_authors: bool) -> None:
    authors: dict[str, Any] | None = {} if cached_authors else None
    for view in recorded_post_views():
        post = post_from_view(view, web_url=WEB, authors=authors)
        as_validation_builds(post)
        assert post.raw == view
        assert post.raw is not view  # the post's own dict, as validation copies it


def test_every_field_removed_or_extreme_is_what_validation_builds() -> None:
    built = 0
    for payload, convert in ((POST_VIEW, post_from_view), (PROFILE, account_from_view)):
        for hostile in sweep(payload):
            model = _built(lambda p, c=convert: c(p, web_url=WEB), hostile)
            if model is not None:
                as_validation_builds(model)
                built += 1
    assert built > 300


@pytest.mark.parametrize("kind", ["post view", "profile"])
@_FUZZ
@given(data=st.data())
def test_mutated_views_are_what_validation_builds(kind: str, data: st.DataObject) -> None:
    payload, convert = (POST_VIEW, post_from_view) if kind == "post view" else (PROFILE, account_from_view)
    model = _built(lambda p: convert(p, web_url=WEB), mutate(data, payload))
    if model is not None:
        as_validation_builds(model)


class Text(str):
    """A ``str`` subclass (no JSON decoder makes one; a caller's own mapping might)."""

    def __str__(self) -> str:
        return "not the text"


def test_str_subclasses_become_what_validation_makes_of_them() -> None:
    view = copy.deepcopy(POST_VIEW)
    view["uri"] = Text(view["uri"])
    view["author"] = {**view["author"], "did": Text(view["author"]["did"]), "handle": Text("bsky.app")}
    view["record"]["text"] = Text(view["record"]["text"])
    view["record"]["langs"] = [Text("en")]
    view["record"]["tags"] = [Text("Extra")]
    for facet in view["record"]["facets"]:
        for feature in facet["features"]:
            for key in ("tag", "uri", "did"):
                if key in feature:
                    feature[key] = Text(feature[key])
    view["labels"] = [{"val": Text("graphic-media")}]
    post = post_from_view(view, web_url=WEB)
    as_validation_builds(post)
    assert type(post.text) is str
    assert post.text == POST_VIEW["record"]["text"]
    assert post.tags == ("bluesky", "extra")
    assert post.links[0] == "https://example.com/p"
    assert type(post.links[0]) is str
    assert type(post.author.id) is str
