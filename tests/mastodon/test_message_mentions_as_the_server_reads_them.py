"""A message's third-party mentions are found the way Mastodon finds them, or the message leaks.

Mastodon delivers a direct status to every account its ``Account::MENTION_RE``
finds. That pattern refuses a mention after a "word" character, and Ruby's
word is not Python's: a zero-width non-joiner or joiner (ZWNJ, ZWJ; Persian
text is full of ZWNJ) counts as a word character for the SDK's mention
pattern, not for Mastodon's. ``"‌@carol"`` passed the check and the private
message went to carol too.
"""

from __future__ import annotations

import uuid

import pytest

from decentsocial import InvalidInput
from decentsocial.backends.mastodon import MastodonNetwork


@pytest.mark.parametrize("joiner", ["\u200c", "\u200d"])
def test_a_mention_after_a_joiner_is_refused_unsent(
    trio: tuple[MastodonNetwork, MastodonNetwork, MastodonNetwork], joiner: str
) -> None:
    alice, bob, carol = trio
    secret = f"رمز الطلب {uuid.uuid4().hex[:8]}"
    before_bob = [m.id for m in bob.messages(limit=40)]
    with pytest.raises(InvalidInput) as caught:
        alice.send_message("bob", f"{secret} — اسأل{joiner}@carol")
    assert "@carol" in str(caught.value)
    assert secret not in str(caught.value)
    assert [m.id for m in bob.messages(limit=40)] == before_bob
    assert all(secret not in m.text for m in carol.messages(limit=40))


def test_the_recipient_after_a_joiner_is_still_fine(
    trio: tuple[MastodonNetwork, MastodonNetwork, MastodonNetwork],
) -> None:
    alice, bob, _ = trio
    message_id = alice.send_message("bob", "مرحبا\u200c@bob طلبك جاهز")
    assert next(bob.messages()).id == message_id


def test_a_mention_of_a_dotless_domain_is_another_account(
    trio: tuple[MastodonNetwork, MastodonNetwork, MastodonNetwork],
) -> None:
    """``@bob@intranet`` is a remote account to Mastodon (its domain needs no dot), not the local bob."""
    alice, bob, _ = trio
    before = [m.id for m in bob.messages(limit=40)]
    with pytest.raises(InvalidInput, match="@bob@intranet"):
        alice.send_message("bob", "@bob@intranet has your invoice")
    assert [m.id for m in bob.messages(limit=40)] == before


def test_what_mastodon_reads_as_a_mention() -> None:
    from decentsocial.backends.mastodon.messages import delivered_to  # new: imported here to fail alone

    assert delivered_to("\u200c@carol \u200d@dave") == ("carol", "dave")
    assert delivered_to("\u200f@carol (@dave) .@erin") == ("carol", "dave", "erin")
    # Letters, marks, digits and "=" or "/" before the @ make it no mention: an address, a URL.
    assert delivered_to("mail bob@example.com, ـ@carol, https://social.example/@dave, a=@erin") == ()
    assert delivered_to("@Carol@Remote.Example. and @erin.") == ("Carol@Remote.Example", "erin")
