"""A repost read as the post it shares is acted on as that post, as a boost is on other networks.

``posts()``, ``get_post`` and ``repost()`` give a repost (``REPOST_FACADE``, no content of its
own) as the original post with ``reposted_by`` set and the repost's id, so that ``delete`` undoes
the repost. Replying to it, reposting it, reading its thread or its insights and replacing it
(``edit(replace=True)``, your repost of your own post) are about the post it shows: before, they
went to the facade (a reply nobody sees under the original, a repost of a repost, an empty thread,
the facade's insights, which Threads leaves empty, a replacement that deleted only the repost).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import decentsocial as ds


def _shared(make_net: Callable[..., Any]) -> tuple[Any, Any, ds.Post, ds.Post]:
    """(sharer, author, the original, the sharer's repost of it as ``posts()`` lists it)."""
    sharer, _ = make_net()
    author, _ = make_net()
    original = author.publish("worth sharing")
    made = sharer.repost(original)
    assert made is not None
    listed = next(p for p in sharer.posts(limit=None) if p.id == made.id)
    assert listed.reposted_by is not None
    assert listed.id != original.id
    return sharer, author, original, listed


def test_a_reply_to_a_repost_answers_the_post_it_shares(make_net: Callable[..., Any]) -> None:
    sharer, author, original, repost = _shared(make_net)
    reply = sharer.reply(repost, "nice one")
    assert reply.reply_to == original.id
    assert [p.id for p in author.thread(original)][1:] == [reply.id]


def test_reposting_a_repost_shares_the_original_once(make_net: Callable[..., Any]) -> None:
    sharer, author, original, repost = _shared(make_net)
    again = sharer.repost(repost)  # your own repost, as posts() gave it: the one repost stands
    assert again is not None
    assert again.id == repost.id
    reader, _ = make_net()
    theirs = reader.repost(repost)  # someone else's, read from a listing: they share the original
    assert theirs is not None
    assert theirs.raw is not None
    assert theirs.raw["reposted_post"]["id"] == original.id
    assert author.get_post(original.id).metrics.reposts == 2


def test_the_thread_of_a_repost_is_the_original_conversation(make_net: Callable[..., Any]) -> None:
    sharer, author, original, repost = _shared(make_net)
    answer = author.reply(original, "a reply under the original")
    for given in (repost, repost.id):
        thread = sharer.thread(given)
        assert thread[0].id == repost.id  # the root as read: the repost, showing the original
        assert [p.id for p in thread[1:]] == [answer.id]
    assert [p.id for p in sharer.replies(repost)] == [answer.id]


def test_deleting_a_repost_still_undoes_the_repost(make_net: Callable[..., Any]) -> None:
    sharer, author, original, repost = _shared(make_net)
    sharer.delete(repost)
    assert author.get_post(original.id).text == "worth sharing"
    assert author.get_post(original.id).metrics.reposts == 0


def test_the_thread_of_a_repost_whose_original_is_gone_is_the_repost_alone(
    make_net: Callable[..., Any],
) -> None:
    sharer, author, original, repost = _shared(make_net)
    author.delete(original)
    thread = sharer.thread(repost.id)
    assert [p.id for p in thread] == [repost.id]
    assert thread[0].reposted_by is not None


def _own_repost(make_net: Callable[..., Any]) -> tuple[Any, Any, ds.Post, ds.Post]:
    """(author, reader, the author's post with one reply from the reader, the author's repost of it
    as ``posts()`` lists it)."""
    author, _ = make_net()
    reader, _ = make_net()
    original = author.publish("our launch")
    reader.reply(original, "congratulations")
    made = author.repost(original)
    assert made is not None
    listed = next(p for p in author.posts(limit=None) if p.id == made.id)
    assert listed.reposted_by is not None
    assert listed.id != original.id
    return author, reader, original, listed


def test_the_insights_of_a_repost_are_those_of_the_post_it_shares(make_net: Callable[..., Any]) -> None:
    author, _, original, repost = _own_repost(make_net)
    shown = author.post_insights(repost)
    assert shown.replies == 1
    assert shown == author.post_insights(original)
    assert shown == repost.metrics  # "the same, on demand", as the docs say


def test_the_insights_of_a_repost_read_from_the_reposters_profile(make_net: Callable[..., Any]) -> None:
    """A brand measuring another account's repost of its post: the repost is not the brand's, the
    post it shows is."""
    sharer, _ = make_net()
    brand, _ = make_net()
    original = brand.publish("our launch")
    made = sharer.repost(original)
    assert made is not None
    seen = next(p for p in brand.posts(sharer.me().handle, limit=None) if p.id == made.id)
    assert seen.reposted_by is not None
    assert brand.post_insights(seen) == brand.post_insights(original)
    assert brand.post_insights(seen).reposts == 1


def test_the_insights_of_a_repost_id_are_the_reposts_own_which_threads_leaves_empty(
    make_net: Callable[..., Any],
) -> None:
    author, _, _, repost = _own_repost(make_net)
    own = author.post_insights(repost.id)  # an id string is that exact object
    assert own == ds.Engagement()


def test_replacing_your_repost_of_your_own_post_replaces_that_post(make_net: Callable[..., Any]) -> None:
    author, reader, original, repost = _own_repost(make_net)
    new = author.edit(repost, "our launch, corrected", replace=True)
    assert new.text == "our launch, corrected"
    with pytest.raises(ds.NotFound):
        reader.get_post(original.id)  # the post shown is gone, not the repost alone
    again = author.repost(new)
    assert again is not None
    newer = author.edit(again.id, "our launch, corrected twice", replace=True)  # by id: read, as shown
    assert newer.text == "our launch, corrected twice"
    with pytest.raises(ds.NotFound):
        reader.get_post(new.id)
