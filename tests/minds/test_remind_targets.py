"""A plain remind read as the post it shares is acted on as that post, as a boost is on other networks.

Listings, ``get_post`` and ``repost()`` give a plain remind as the original post with ``reposted_by``
set and the remind's guid, so that ``delete`` takes the remind back. A reply to it, a remind of it or
an edit of it (your remind of your own post) is about the post it shows: before, the comment went on
the remind (not counted or shown under the original), a remind of it reminded the remind, a second
remind of one post, and an edit put a message on the remind, turning it into a quote.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user


@pytest.fixture
def three(minds_server: ContractServer) -> Iterator[tuple[Any, Any, Any]]:
    """(sharer, author, reader): three fresh accounts."""
    nets = [minds_connect(minds_server, minds_user(minds_server)) for _ in range(3)]
    yield nets[0], nets[1], nets[2]
    for net in nets:
        net.close()


def _shared(sharer: Any, author: Any) -> tuple[ds.Post, ds.Post]:
    """(the original, the sharer's remind of it as ``posts()`` lists it)."""
    original = author.publish("worth a remind")
    made = sharer.repost(original)
    assert made is not None
    listed = next(p for p in sharer.posts(limit=None) if p.id == made.id)
    assert listed.reposted_by is not None
    assert listed.id != original.id
    return original, listed


def test_a_reply_to_a_remind_comments_on_the_post_it_shares(three: tuple[Any, Any, Any]) -> None:
    sharer, author, reader = three
    original, remind = _shared(sharer, author)
    reply = reader.reply(remind, "nice one")
    assert reply.reply_to == original.id
    assert author.get_post(original.id).metrics.replies == 1
    assert reader.get_post(reply.id).text == "nice one"


def test_reminding_a_remind_reminds_the_original_once(three: tuple[Any, Any, Any]) -> None:
    sharer, author, reader = three
    original, remind = _shared(sharer, author)
    again = sharer.repost(remind)  # your own remind, as posts() gave it: the one remind stands
    assert again is not None
    assert again.id == remind.id
    theirs = reader.repost(remind)  # someone else's remind, from a listing: they remind the original
    assert theirs is not None
    assert theirs.raw is not None
    assert theirs.raw["remind_object"]["guid"] == original.id
    assert reader.repost(original).id == theirs.id  # and the original itself is the same remind
    assert author.get_post(original.id).metrics.reposts == 2


def test_deleting_a_remind_still_takes_back_the_remind(three: tuple[Any, Any, Any]) -> None:
    sharer, author, _ = three
    original, remind = _shared(sharer, author)
    sharer.delete(remind)
    assert author.get_post(original.id).text == "worth a remind"
    assert author.get_post(original.id).metrics.reposts == 0


def test_editing_your_remind_of_your_own_post_edits_that_post(three: tuple[Any, Any, Any]) -> None:
    author, _, reader = three
    original, remind = _shared(author, author)
    edited = author.edit(remind, "worth a remind, corrected")
    assert edited.id == original.id
    assert reader.get_post(original.id).text == "worth a remind, corrected"
    shown = reader.get_post(remind.id)
    assert shown.reposted_by is not None  # still a plain remind, not turned into a quote of it
    assert shown.quote_of is None
    assert shown.text == "worth a remind, corrected"
    author.edit(remind.id, "corrected twice")  # by id: read, as listings show it
    assert reader.get_post(original.id).text == "corrected twice"
    assert reader.get_post(remind.id).reposted_by is not None
