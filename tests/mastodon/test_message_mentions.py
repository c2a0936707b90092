"""A private message reaches its recipient and no one else.

Mastodon delivers a ``direct`` status to every account it mentions: a
message whose text mentions a third account is refused before anything is
sent, and a remote ``bob@remote.example`` is never taken as the local ``@bob``.
"""

from __future__ import annotations

import uuid

import pytest

from decentsocial import Account, Draft, InvalidInput
from decentsocial.backends.mastodon import MastodonNetwork
from decentsocial.backends.mastodon.compose import compose_text, handle_key


def test_a_message_that_mentions_a_third_account_is_refused_unsent(
    trio: tuple[MastodonNetwork, MastodonNetwork, MastodonNetwork],
) -> None:
    alice, bob, carol = trio
    secret = f"private note {uuid.uuid4().hex[:8]}: I think @carol is wrong about the budget"
    before = [m.id for m in bob.messages(limit=40)]
    with pytest.raises(InvalidInput) as caught:
        alice.send_message("bob", secret)
    assert "@carol" in str(caught.value)
    assert "budget" not in str(caught.value)  # the private text is not repeated
    assert [m.id for m in bob.messages(limit=40)] == before
    assert all("budget" not in m.text for m in carol.messages(limit=40))


def test_the_recipients_own_mention_is_fine(
    trio: tuple[MastodonNetwork, MastodonNetwork, MastodonNetwork],
) -> None:
    alice, bob, _ = trio
    message_id = alice.send_message("bob", "@bob your parcel is on its way")
    latest = next(bob.messages())
    assert latest.id == message_id
    assert [r.handle for r in latest.recipients] == ["bob"]


def test_a_remote_recipient_is_not_the_local_namesake(
    trio: tuple[MastodonNetwork, MastodonNetwork, MastodonNetwork],
) -> None:
    alice, bob, _ = trio
    remote = Account(network="mastodon", id="424242", handle="bob@remote.example")
    before = [m.id for m in bob.messages(limit=40)]
    with pytest.raises(InvalidInput) as caught:
        alice.send_message(remote, "your contract is ready; @bob here will send it")
    assert "@bob" in str(caught.value)
    assert [m.id for m in bob.messages(limit=40)] == before

    # A direct post addressed to the remote account mentions it, whatever local @bob the text names.
    draft = Draft(text="hi, @bob from our team will call you", mentions=("bob@remote.example",))
    post = alice.publish(draft.model_copy(update={"visibility": "direct"}))
    assert post.text.startswith("@bob@remote.example hi, @bob")


def test_which_mentions_are_one_account() -> None:
    draft = Draft(text="hi, @bob from our team will call you", mentions=("bob@remote.example",))
    assert compose_text(draft) == "@bob@remote.example hi, @bob from our team will call you"
    # The instance's own domain names the local account: not written twice.
    own = Draft(text="hi @Bob", mentions=("bob@social.example",))
    assert compose_text(own, local_domain="Social.Example") == "hi @Bob"
    local = Draft(text="hi @bob@social.example", mentions=("bob",))
    assert compose_text(local, local_domain="social.example") == "hi @bob@social.example"
    # A remote account already in the text, any case.
    assert compose_text(Draft(text="hi @Bob@Remote.Example", mentions=("bob@remote.example",))) == (
        "hi @Bob@Remote.Example"
    )
    assert handle_key("@Bob@Remote.Example", "social.example") == "bob@remote.example"
    assert handle_key("bob@social.example", "social.example") == "bob"
