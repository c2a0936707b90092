"""A repost read as the post it shares is acted on as that post, as a boost is on other networks.

``posts()``, ``get_post`` and ``repost()`` give a repost (``REPOST_FACADE``, no content of its
own) as the original post with ``reposted_by`` set and the repost's id, so that ``delete`` undoes
the repost. Replying to it, reposting it or reading its thread is about the post it shows: before,
they went to the facade (a reply nobody sees under the original, a repost of a repost, an empty
thread).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
