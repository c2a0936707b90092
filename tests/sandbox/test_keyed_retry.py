"""A keyed publish run again returns the post the key made: a scheduled one, and once its media file is gone.

The author may see their own scheduled post, so its key's post is found,
not ``NotFound("the post is scheduled for later")``; and the key is looked
up before any media file is read, so a retry after a temporary file was
cleaned up returns the post instead of ``ContentRejected("cannot read…")``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork

from .conftest import sandbox


def test_a_keyed_scheduled_post_published_again_is_returned(alice: SandboxNetwork) -> None:
    draft = ds.Draft(
        text="Launch at noon #acme",
        scheduled_at=alice.current_time() + timedelta(hours=2),
        idempotency_key="launch-noon",
    )
    first = alice.publish(draft)
    again = alice.publish(draft)
    assert again.id == first.id
    assert again.created_at == first.created_at  # still scheduled, for the same time
    alice.advance_time(timedelta(hours=3))
    assert [p.id for p in alice.posts(limit=None)] == [first.id]  # one post, when its time came


def test_a_crosspost_of_a_scheduled_post_run_again_reports_the_post(alice: SandboxNetwork) -> None:
    draft = ds.Draft(text="Launch at noon #acme", scheduled_at=alice.current_time() + timedelta(hours=2))
    first = ds.crosspost(draft, [alice])
    assert first.ok
    again = ds.crosspost(draft.model_copy(update={"idempotency_key": first.key}), [alice])
    assert again.ok, again.errors
    assert [p.id for p in again.posts] == [p.id for p in first.posts]


def test_another_account_still_cannot_see_it_before_its_time(alice: SandboxNetwork) -> None:
    draft = ds.Draft(
        text="Launch", scheduled_at=alice.current_time() + timedelta(hours=2), idempotency_key="k"
    )
    post = alice.publish(draft)
    with alice.as_account("bob") as bob, pytest.raises(ds.NotFound):
        bob.get_post(post.id)


def test_a_retry_after_the_media_file_was_removed_returns_the_post(tmp_path: Path) -> None:
    banner = tmp_path / "banner.png"
    banner.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    draft = ds.Draft(text="Launch!", media=(ds.Media(path=banner),))
    with (
        sandbox(path=tmp_path / "a.db", account="brand") as up,
        sandbox(path=tmp_path / "b.db", account="brand", unsupported=["publish"]) as down,
    ):
        first = ds.crosspost(draft, [up, down])  # posted on one, failed on the other
        assert [o.ok for o in first.outcomes] == [True, False]
        banner.unlink()  # the bot cleans up its temporary file between the runs
        again = ds.crosspost(draft.model_copy(update={"idempotency_key": first.key}), [up])
        assert again.ok, again.errors
        assert [p.id for p in again.posts] == [p.id for p in first.outcomes[0].posts]
        assert again.posts[0].media[0].data == b"\x89PNG\r\n\x1a\n" + b"\0" * 64
        with pytest.raises(ds.ContentRejected, match="cannot read media file"):
            up.publish(draft.model_copy(update={"idempotency_key": "a-new-key"}))  # a new post needs it


def test_the_key_used_for_another_draft_is_still_refused_before_reading(tmp_path: Path) -> None:
    banner = tmp_path / "banner.png"
    banner.write_bytes(b"\x89PNG\r\n\x1a\n")
    with sandbox(account="brand") as net:
        net.publish(ds.Draft(text="one", media=(ds.Media(path=banner),), idempotency_key="k"))
        banner.unlink()
        with pytest.raises(ds.InvalidInput, match="already used"):
            net.publish(ds.Draft(text="two", media=(ds.Media(path=banner),), idempotency_key="k"))
