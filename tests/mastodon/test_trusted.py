"""Mastodon statuses are built without validation: each post is exactly what validation builds.

``to_post`` runs for every status of every timeline page and builds the post,
its counts and its media with :meth:`~decentsocial.models.Post._trusted`.
Every post it returns, with the models inside it, is rebuilt here through
``model_validate`` from the fields it says were set, and the two must be the
same state (fields, their order, the fields set, equal values of the very
same types). Inputs: every recorded Mastodon 4.x status, the same mutated by
hypothesis and swept field by field (fields dropped, wrong types, lone
surrogates, odd values at any depth), ``str`` subclasses where JSON has plain
ones, and what Mastodon.py hands over (dict subclasses holding ``datetime``
objects, which take the validated way).
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given

from decentsocial.backends.mastodon.convert import to_notification, to_post
from decentsocial.errors import DecentSocialError
from decentsocial.models import Post
from tests.servers._hostile_httpapi import sweep
from tests.trusted import as_validation_builds, same

from .test_fuzz import FUZZ, NOTIFICATIONS, STATUSES, mutated


def _built(data: Any, keep_raw: bool = True) -> Post | None:
    try:
        return to_post(data, keep_raw=keep_raw)
    except DecentSocialError:
        return None


@pytest.mark.parametrize("keep_raw", [True, False])
def test_every_recorded_status_is_what_validation_builds(keep_raw: bool) -> None:
    for status in STATUSES:
        post = to_post(status, keep_raw=keep_raw)
        as_validation_builds(post)
        if keep_raw:
            assert post.raw == status
        if keep_raw and status.get("reblog") is None:
            assert post.raw is not status  # the post's own dict, as validation copies it
    assert sum(1 for s in STATUSES if s.get("media_attachments")) > 0
    assert sum(1 for s in STATUSES if s.get("tags")) > 0


def test_the_posts_of_recorded_notifications_are_what_validation_builds() -> None:
    posts = [n.post for n in map(to_notification, NOTIFICATIONS) if n.post is not None]
    assert posts
    for post in posts:
        as_validation_builds(post)


def test_every_field_removed_or_extreme_is_what_validation_builds() -> None:
    samples = [
        next(s for s in STATUSES if s.get("media_attachments")),
        next(s for s in STATUSES if s.get("tags")),
        next(s for s in STATUSES if s.get("mentions")),
        next(s for s in STATUSES if s.get("reblog")),
    ]
    built = 0
    for sample in samples:
        for hostile in sweep(sample):
            post = _built(hostile)
            if post is not None:
                as_validation_builds(post)
                built += 1
    assert built > 1000


@FUZZ
@given(mutated(STATUSES))
def test_mutated_statuses_are_what_validation_builds(data: Any) -> None:
    post = _built(data, keep_raw=False)  # (raw may nest thousands deep: compared below by its keys)
    if post is not None:
        as_validation_builds(post)
        kept = to_post(data)
        assert kept.raw is not None
        assert list(kept.raw) == list(data)
        assert all(type(key) is str for key in kept.raw)


class Text(str):
    """A ``str`` subclass (no JSON decoder makes one; a caller's own mapping might)."""

    def __str__(self) -> str:
        return "not the text"


def test_str_subclasses_become_what_validation_makes_of_them() -> None:
    plain = copy.deepcopy(next(s for s in STATUSES if s.get("tags") and not s.get("reblog")))
    plain["mentions"] = [{"acct": "alice"}, {"acct": "bob@other.example"}]
    status = copy.deepcopy(plain)
    for key in ("id", "url", "uri", "language", "in_reply_to_id", "spoiler_text"):
        if isinstance(status.get(key), str):
            status[key] = Text(status[key])
    status["spoiler_text"] = Text("careful")
    status["tags"] = [{**t, "name": Text(t["name"].upper())} for t in status["tags"]]
    status["mentions"] = [{**m, "acct": Text(m["acct"])} for m in status["mentions"]]
    status["card"] = {"url": Text("https://card.example/a")}
    status["quote_id"] = Text("123")
    status["media_attachments"] = [
        {"type": "image", "url": Text("https://files.example/a.png"), "description": Text("alt")}
    ]
    post = to_post(status)
    as_validation_builds(post)
    assert post.id == plain["id"]
    assert type(post.id) is str
    assert post.tags == to_post(plain).tags
    assert post.mentions == to_post(plain).mentions
    assert all(type(x) is str for x in (*post.tags, *post.mentions, *post.links))
    assert post.links[-1] == "https://card.example/a"
    assert (post.quote_of, post.content_warning) == ("123", "careful")
    assert type(post.quote_of) is str
    assert type(post.content_warning) is str
    assert type(post.media[0].url) is str
    assert type(post.media[0].alt_text) is str
    deleted = {**status, "content": "", "text": Text("the source")}
    assert type(to_post(deleted).text) is str
    assert to_post(deleted).text == "the source"


class Entity(dict[str, Any]):
    """Mastodon.py's entities: dict subclasses whose dates are ``datetime`` objects."""


class Moment(datetime):
    """A ``datetime`` subclass (pandas' ``Timestamp`` is one)."""


def test_what_mastodon_py_hands_over_is_what_validation_builds() -> None:
    plain = next(s for s in STATUSES if not s.get("reblog"))
    created = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    entity = Entity(plain, created_at=created, edited_at=Moment(2024, 5, 2, tzinfo=timezone.utc))
    post = to_post(entity)
    as_validation_builds(post)
    assert post.created_at == created
    assert post.created_at.tzinfo is timezone.utc
    assert post.raw is not None
    assert post.raw["created_at"] == "2024-05-01T10:00:00Z"  # JSON, as raw keeps it
    naive = to_post({**plain, "created_at": datetime(2024, 5, 1, 12, 0)})
    as_validation_builds(naive)
    assert naive.created_at == datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_a_raw_payload_with_keys_that_are_not_text_is_refused_as_validation_refused_it() -> None:
    plain = next(s for s in STATUSES if not s.get("reblog"))
    odd: dict[Any, Any] = {**plain, 7: "seven"}
    with pytest.raises(DecentSocialError, match="malformed status"):
        to_post(odd)
    assert to_post(odd, keep_raw=False).id == plain["id"]  # no raw kept: no keys read
    subclassed = to_post({**plain, Text("extra"): 1})
    as_validation_builds(subclassed)
    assert subclassed.raw is not None
    assert all(type(k) is str for k in subclassed.raw)


def test_posts_built_alike_share_nothing_a_change_could_reach() -> None:
    one, two = (to_post(s) for s in STATUSES[:2])
    assert one.model_fields_set == two.model_fields_set
    copied = one.model_copy(update={"text": "changed"})
    assert "text" in copied.model_fields_set
    assert copied.model_fields_set is not one.model_fields_set
    same(to_post(STATUSES[0]), one)
