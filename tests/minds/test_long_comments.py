"""A Minds comment over 1,500 characters, as the engine exports it: cut, then ``...``.

``Core/Comments/Comment.php`` (``getBody``, exported as ``body`` and ``description``) sends a longer
comment as its first 1,500 characters (``mb_substr``; an older engine: bytes, ``substr``) and ``...``.
The keyed lookup of a reply whose answer was lost compared that cut with the whole text, never found
the reply and posted it a second time; and an edit the engine did not keep was taken as kept whenever
the text sent was long and the comment's old text ended in ``...``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.minds import convert
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user

LONG = "A long reply, said at length. " * 60  # 1,800 characters


def comment_count(server: ContractServer) -> int:
    stats: dict[str, Any] = server.control("stats")
    return int(stats["comments"])


@pytest.fixture
def pair(minds_server: ContractServer) -> Iterator[tuple[Any, Any]]:
    me = minds_connect(minds_server, minds_user(minds_server))
    other = minds_connect(minds_server, minds_user(minds_server))
    yield me, other
    me.close()
    other.close()


def test_the_contract_server_cuts_a_long_comment_as_the_engine_does(pair: Any) -> None:
    me, other = pair
    post = other.publish("a post")
    reply = me.reply(post, "é" * 1600)  # 1,600 characters: cut by characters, not bytes
    assert reply.text == "é" * 1500 + "..."
    assert reply.raw["body"] == reply.raw["description"] == reply.text
    assert reply.raw["urn"] == f"urn:comment:{post.id}:0:0:0:{reply.raw['_guid']}"
    short = me.reply(post, "é" * 1000)  # 2,000 bytes but 1,000 characters: whole
    assert short.text == "é" * 1000


def test_a_long_keyed_reply_whose_answer_was_lost_is_found_not_posted_again(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other = pair
    post = other.publish("a post")
    draft = ds.Draft(text=LONG, reply_to=post.id, idempotency_key="long-and-lost")
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.publish(draft)  # made, but the answer was lost
    made = comment_count(minds_server)
    found = me.publish(draft)
    assert comment_count(minds_server) == made  # found, not made a second time
    assert found.text == LONG[:1500] + "..."
    assert me.publish(draft) == found


def test_an_edit_not_kept_is_refused_though_the_old_text_ends_in_dots(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other = pair
    post = other.publish("a post")
    reply = me.reply(post, "wait for it...")
    minds_server.control("faults", {"comment_edit_not_saved": 1})
    with pytest.raises(ds.ContentRejected, match="kept the comment as it was"):
        me.edit(reply, LONG)
    assert me.get_post(reply.id).text == "wait for it..."
    kept = me.edit(reply, LONG)  # sent again: kept this time, read back cut
    assert kept.text == LONG[:1500] + "..."


def test_the_engine_cut_of_a_text_is_its_cut_and_no_other() -> None:
    text = "@alice@mastodon.social " + "ü" * 1600
    sent = convert.body_text(text)  # a WORD JOINER after each @: 1,625 characters sent
    by_chars = convert.read_text(sent[:1500]) + "..."
    by_bytes = convert.read_text(sent.encode()[:1500].decode("utf-8", "ignore")) + "..."  # an older engine
    assert convert.shows_text(by_chars, text)
    assert convert.shows_text(by_bytes, text)
    assert convert.shows_text(text, text)
    assert not convert.shows_text("something else...", text)
    assert not convert.shows_text(by_chars[:-4] + "...", text)  # one character short: not the cut
    assert not convert.shows_text("ü" * 10 + "...", "ü" * 10)  # a short text is never cut
