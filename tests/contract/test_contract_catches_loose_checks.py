"""Checks that passed whatever the backend did, now able to fail: each sandbox here breaks one promise
the earlier check could not see (a tag search by prefix, a vote's weight, a like counted twice, media
never stored), and the case that guards it must raise ``AssertionError``. A case that fails must also
not leave its watcher thread reading the connection for the rest of the run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from decentsocial import Draft, Post
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.network import PostRef
from decentsocial.testing import Harness
from decentsocial.testing.contract import listings, monitoring, publishing
from tests.contract.broken import harness_of


class TagSearchByPrefix(SandboxNetwork):
    """``search("#tag")`` also returns posts whose tag only begins with ``tag`` (a text match on "#tag")."""

    def _search(self, query: str, limit: int | None) -> Iterator[Post]:
        if not query.startswith("#"):
            return super()._search(query, limit)
        tag = query[1:].lower()
        every = [p for who in ("alice", "bob") for p in SandboxNetwork._posts(self, who, None)]
        found = [p for p in every if any(t.startswith(tag) for t in p.tags)]
        return iter(found[:limit])


class VoteIgnoresWeight(SandboxNetwork):
    """Every vote above 0 is cast at full weight."""

    def _vote(self, post: PostRef, weight: float) -> None:
        super()._vote(post, 100.0 if weight > 0 else weight)


class VoteOfZeroKeepsTheVote(SandboxNetwork):
    """A vote of 0 is sent as nothing: the earlier vote stands."""

    def _vote(self, post: PostRef, weight: float) -> None:
        if weight:
            super()._vote(post, weight)


class CountsEveryLike(SandboxNetwork):
    """Counts each call to ``like`` as one more like (a like record created per call)."""

    calls: ClassVar[dict[str, int]] = {}

    def _like(self, post: PostRef) -> None:
        super()._like(post)
        pid = self.post_id(post)
        self.calls[pid] = self.calls.get(pid, 0) + 1

    def _unlike(self, post: PostRef) -> None:
        super()._unlike(post)
        self.calls.pop(self.post_id(post), None)

    def _get_post(self, id: str) -> Post:
        post = super()._get_post(id)
        likes = max(self.calls.get(id, 0), post.metrics.likes or 0)
        return post.model_copy(update={"metrics": post.metrics.model_copy(update={"likes": likes})})


class MediaNeverStored(SandboxNetwork):
    """Stores the post without its media, but returns the draft's media as if it were stored."""

    def _publish(self, draft: Draft) -> Post:
        post = super()._publish(draft.model_copy(update={"media": ()}))
        return post.model_copy(update={"media": draft.media})


class RepliesReadBackAsPosts(SandboxNetwork):
    """Reads every post back without what it replies to (a reply stored as a post of its own)."""

    def _get_post(self, id: str) -> Post:
        return super()._get_post(id).model_copy(update={"reply_to": None, "root_id": None})


class QuoteNeverStored(SandboxNetwork):
    """Stores a quote as a plain post, but returns it as the quote the draft asked for."""

    def _publish(self, draft: Draft) -> Post:
        post = super()._publish(draft.model_copy(update={"quote_of": None}))
        return post.model_copy(update={"quote_of": draft.quote_of})


class StreamWithoutText(SandboxNetwork):
    """Streams every post, but without its text: a watcher for a word never finds it."""

    def _stream(self, kind: str, tag: str | None) -> Iterator[Post]:
        return (p.model_copy(update={"text": ""}) for p in super()._stream(kind, tag))


class FirstSearchHangs(SandboxNetwork):
    """Its search waits until ``release`` is set: a monitor never finishes its first search."""

    release: ClassVar[threading.Event] = threading.Event()

    def _search(self, query: str, limit: int | None) -> Iterator[Post]:
        self.release.wait(60)
        return super()._search(query, limit)


@pytest.mark.parametrize(
    ("backend", "case", "message"),
    [
        (TagSearchByPrefix, listings.test_search_by_tag, "a longer tag that begins with it"),
        (VoteIgnoresWeight, publishing.test_vote_weight, "its weight is lost"),
        (VoteOfZeroKeepsTheVote, publishing.test_vote_weight, "likes 1 after a vote of 0"),
        (CountsEveryLike, publishing.test_like_and_unlike, "likes 2 after liking twice"),
        (MediaNeverStored, publishing.test_publish_with_media, "reads back with media"),
        (RepliesReadBackAsPosts, publishing.test_reply, "reads back as no reply"),
        (QuoteNeverStored, publishing.test_quote, "reads back quoting nothing"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_the_case_fails_a_backend_that_breaks_its_promise(
    backend: type[SandboxNetwork], case: Any, message: str, tmp_path: Path
) -> None:
    with harness_of(backend, tmp_path) as h, pytest.raises(AssertionError, match=message):
        case(h)


@pytest.mark.parametrize(
    "case",
    [
        listings.test_search_by_tag,
        publishing.test_vote_weight,
        publishing.test_like_and_unlike,
        publishing.test_publish_with_media,
        listings.test_stream_sees_new_post,
        publishing.test_reply,
        publishing.test_quote,
    ],
    ids=lambda case: str(case.__name__),
)
def test_the_sandbox_itself_passes(case: Any, tmp_path: Path) -> None:
    with harness_of(SandboxNetwork, tmp_path) as h:
        case(h)


def _threads(name_end: str) -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.endswith(name_end)}


def test_a_failed_stream_case_leaves_no_watcher_behind(tmp_path: Path) -> None:
    """The watcher ends at the next post the stream yields once the case is over (it cannot be closed
    from another thread); before, it read the connection until the process ended."""
    before = _threads("(watch)")
    with harness_of(StreamWithoutText, tmp_path) as h:
        with pytest.raises(pytest.fail.Exception, match="did not deliver"):
            listings.test_stream_sees_new_post(h)
        h.other.publish("contract a later case's post")
        left = _threads("(watch)") - before
        for thread in left:
            thread.join(30)
        assert not [t for t in left if t.is_alive()], "the stream watcher outlived its case"


def test_a_monitor_that_never_starts_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``Running`` gives up waiting for the first search: the monitor must not go on in the background."""
    monkeypatch.setattr(monitoring, "START_TIMEOUT", 0.5, raising=False)
    FirstSearchHangs.release.clear()
    before = _threads("(_run)")
    try:
        with harness_of(FirstSearchHangs, tmp_path) as h:
            with pytest.raises(AssertionError, match="did not start watching"):
                monitoring.Running([h.me], keywords=["contract"], interval=0.5)
            left = _threads("(_run)") - before
            FirstSearchHangs.release.set()  # the hung search returns: a monitor not told to stop goes on
            for thread in left:
                thread.join(30)
            assert not [t for t in left if t.is_alive()], "the monitor went on after the case gave up"
    finally:
        FirstSearchHangs.release.set()


def test_a_read_only_community_listing_must_list_something(tmp_path: Path) -> None:
    """On recorded data the case reads a known community: an empty listing is a broken one, not a pass."""
    with harness_of(SandboxNetwork, tmp_path) as h:
        samples = {"community": "python"}
        recorded = Harness(name="sandbox", me=h.me, other=h.other, live=False, samples=samples)
        with pytest.raises(AssertionError, match="no posts listed in python"):
            listings.test_community_posts(recorded)
        h.me.publish(Draft(text="contract a recorded community post", community="python"))
        listings.test_community_posts(recorded)
