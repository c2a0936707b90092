"""Counts in post views and profiles are read as counts: a hostile AppView's ``-7`` or ``1e20`` is
unknown (``None``), never a number that later breaks a SQLite write or a sum; and the trusted build
stays what validation builds (tests/bluesky/test_trusted.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from decentsocial.backends.bluesky.convert import account_from_view, post_from_view
from tests.hostile_counts import BAD_COUNTS, GOOD_COUNTS
from tests.trusted import as_validation_builds

from .test_fuzz import POST_VIEW, PROFILE, WEB

POST_COUNTS = {
    "likeCount": "likes",
    "repostCount": "reposts",
    "replyCount": "replies",
    "quoteCount": "quotes",
}
PROFILE_COUNTS = {"followersCount": "followers", "followsCount": "following", "postsCount": "posts_count"}
CASES = [(bad, None) for bad in BAD_COUNTS] + GOOD_COUNTS


@pytest.mark.parametrize(("sent", "read"), CASES, ids=[repr(sent)[:20] for sent, _ in CASES])
def test_post_view_counts(sent: Any, read: int | None) -> None:
    view = copy.deepcopy(POST_VIEW)
    view.update(dict.fromkeys(POST_COUNTS, sent))
    post = post_from_view(view, web_url=WEB)
    for field in POST_COUNTS.values():
        assert getattr(post.metrics, field) == read, field
        assert read is None or type(getattr(post.metrics, field)) is int
    as_validation_builds(post)


@pytest.mark.parametrize(("sent", "read"), CASES, ids=[repr(sent)[:20] for sent, _ in CASES])
def test_profile_counts(sent: Any, read: int | None) -> None:
    profile = {**PROFILE, **dict.fromkeys(PROFILE_COUNTS, sent)}
    account = account_from_view(profile, web_url=WEB)
    for field in PROFILE_COUNTS.values():
        assert getattr(account, field) == read, field
    as_validation_builds(account)
