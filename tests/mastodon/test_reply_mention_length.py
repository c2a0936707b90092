"""A reply to someone else's status starts with ``@author`` (``_publish`` writes it): the checks,
the text limit and a crosspost's thread split count it too, so a dry run says what publishing does."""

from __future__ import annotations

from pathlib import Path

import pytest

from decentsocial import ContentRejected, Draft, crosspost
from tests.servers.mastodon import MastodonServer

#: What a reply to bob's status starts with when its text is Arabic: RIGHT-TO-LEFT MARK, then
#: LEFT-TO-RIGHT MARK before the "@", so the post stays right to left (``mentions_before``).
ADDRESS = "\u200f\u200e@bob "


def test_a_long_reply_is_split_with_room_for_the_mention(
    mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    alice = mastodon_server.connect("alice", state_path=tmp_path / "alice.db")
    bob = mastodon_server.connect("bob", state_path=tmp_path / "bob.db")
    parent = bob.publish("سؤال: ما رأيكم؟")
    draft = Draft(text="نعم " * 200, reply_to=parent.id)  # 800 characters: a thread on 500
    planned = crosspost(draft, [alice], dry_run=True).outcomes[0]
    assert planned.ok, planned.error
    real = crosspost(draft, [alice]).outcomes[0]
    assert real.ok, real.error
    assert len(real.posts) == len(planned.drafts) == 2
    assert real.posts[0].text.startswith(ADDRESS)
    assert real.posts[0].reply_to == parent.id


def test_prepare_refuses_a_reply_the_mention_puts_over(
    mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    alice = mastodon_server.connect("alice", state_path=tmp_path / "alice.db")
    bob = mastodon_server.connect("bob", state_path=tmp_path / "bob.db")
    parent = bob.publish("سؤال")
    fits_alone = Draft(text="ب" * 497, reply_to=parent.id)  # 497 + ADDRESS (7) = 504
    with pytest.raises(ContentRejected, match="504 characters"):
        alice.prepare(fits_alone)
    assert alice.text_limit(fits_alone).limit == 500 - len(ADDRESS)
    just_fits = Draft(text="ب" * 493, reply_to=parent.id)
    assert alice.prepare(just_fits)
    assert alice.publish(just_fits).text.startswith(ADDRESS)


def test_a_reply_to_my_own_status_keeps_the_whole_limit(
    mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    alice = mastodon_server.connect("alice", state_path=tmp_path / "alice.db")
    mine = alice.publish("أولا")
    draft = Draft(text="ب" * 500, reply_to=mine.id)
    assert alice.text_limit(draft).limit == 500
    assert alice.publish(draft).text == "ب" * 500
