"""On the Mastodon-API server: mentions written before an Arabic status keep it right to left, and
still notify.

``Draft.mentions`` and a reply's ``@author`` are written in front of the text.
For an Arabic draft the Latin ``@bob`` was then the status's first strong
character, and apps that take the direction from it (the web app's
``dir="auto"``, mobile clients) laid the whole status out left to right. Now
the status begins with RIGHT-TO-LEFT MARK and each ``@`` has LEFT-TO-RIGHT MARK
before it: the server still reads the mention (bob is notified), the marks
count in the limit, and a direct message reads back without them.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from decentsocial import ContentRejected, Draft
from decentsocial.backends.mastodon import MastodonNetwork
from tests.contract.harness import poll_until
from tests.servers.mastodon import MastodonServer

RLM, LRM = "\u200f", "\u200e"


def _arabic() -> str:
    return f"شكرا على الدعم، الطلب {uuid.uuid4().hex[:6]} في الطريق"


def _notified(net: MastodonNetwork, post_id: str) -> None:
    """``net``'s account has the server's mention notification for ``post_id`` (AssertionError until then).

    (A reply's is the kind ``"reply"``: a mention answering one of the account's posts.)"""
    assert any(
        n.kind in ("mention", "reply") and n.post is not None and n.post.id == post_id
        for n in net.notifications()
    )


def test_an_arabic_status_with_mentions_stays_right_to_left_and_notifies(
    mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    alice = mastodon_server.connect("alice", state_path=tmp_path / "alice.db")
    bob = mastodon_server.connect("bob", state_path=tmp_path / "bob.db")
    carol = mastodon_server.connect("carol", state_path=tmp_path / "carol.db")
    text = _arabic()
    post = alice.publish(Draft(text=text, mentions=("bob", "@carol")))
    assert post.text == f"{RLM}{LRM}@bob {LRM}@carol {text}"
    assert alice.get_post(post.id).text == post.text  # as the server keeps it
    assert set(post.mentions) == {"bob", "carol"}  # the server read both mentions
    poll_until(lambda: _notified(bob, post.id))
    poll_until(lambda: _notified(carol, post.id))


def test_a_reply_to_an_arabic_status_notifies_its_author_and_fits_with_the_marks(
    mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    alice = mastodon_server.connect("alice", state_path=tmp_path / "alice.db")
    bob = mastodon_server.connect("bob", state_path=tmp_path / "bob.db")
    parent = bob.publish(_arabic())
    address = f"{RLM}{LRM}@bob "
    room = alice.text_limit(Draft(text="ب", reply_to=parent.id)).limit
    assert room == alice.limits().max_characters - len(address)
    with pytest.raises(ContentRejected, match=f"{alice.limits().max_characters + 1} characters"):
        alice.check_length(Draft(text="ب" * (room + 1), reply_to=parent.id))
    reply = alice.publish(Draft(text="ب" * room, reply_to=parent.id))
    assert reply.text == address + "ب" * room
    assert reply.reply_to == parent.id
    poll_until(lambda: _notified(bob, reply.id))


def test_a_left_to_right_status_is_written_as_before(mastodon_server: MastodonServer, tmp_path: Path) -> None:
    alice = mastodon_server.connect("alice", state_path=tmp_path / "alice.db")
    text = f"thanks for the help {uuid.uuid4().hex[:6]} شكرا"
    post = alice.publish(Draft(text=text, mentions=("bob",)))
    assert post.text == f"@bob {text}"


def test_an_arabic_message_reads_back_without_its_address_or_marks(
    trio: tuple[MastodonNetwork, MastodonNetwork, MastodonNetwork],
) -> None:
    alice, bob, _ = trio
    text = _arabic()
    message_id = alice.send_message("bob", text)
    sent = alice.get_post(message_id)
    assert sent.text == f"{RLM}{LRM}@bob {text}"
    assert sent.mentions == ("bob",)
    latest = next(bob.messages())
    assert (latest.id, latest.text) == (message_id, text)
    assert [r.handle for r in latest.recipients] == ["bob"]
