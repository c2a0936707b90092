"""Every Draft field reaches the note or is refused: none is dropped while the note goes out.

A title used to vanish (it is NIP-14's ``subject`` tag now), a link card's URL too (written into
the text, where clients preview links), and a revenue share (``beneficiaries``, ``payout``) that
zaps cannot split is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import UnsupportedFeature
from decentsocial.backends.nostr import NostrNetwork
from decentsocial.models import Beneficiary, LinkCard, PayoutOptions


@pytest.mark.parametrize(
    "fields",
    [
        {"beneficiaries": (Beneficiary(account="charity", percent=10),)},
        {"payout": PayoutOptions(decline=True)},
    ],
    ids=["beneficiaries", "payout"],
)
def test_reward_terms_are_unsupported_and_nothing_is_posted(
    make_net: Callable[..., NostrNetwork], fields: dict[str, Any]
) -> None:
    net = make_net()
    with pytest.raises(UnsupportedFeature, match="beneficiaries and payout options"):
        net.publish(ds.Draft(text="a promised share", **fields))
    assert list(net.posts(limit=5)) == []


def test_a_title_is_the_subject_tag(make_net: Callable[..., NostrNetwork]) -> None:
    net = make_net()
    post = net.publish(ds.Draft(text="body", title=" Launch day "))
    event = post.raw["event"] if post.raw else {}
    assert ["subject", "Launch day"] in event["tags"]
    assert post.text == "body"
    assert net.get_post(post.id).title == "Launch day"


def test_a_link_card_url_is_written_into_the_text_once(make_net: Callable[..., NostrNetwork]) -> None:
    net = make_net()
    card = LinkCard(url="https://example.com/launch")
    post = net.publish(ds.Draft(text="Read this", link=card))
    assert post.text == "Read this\n\nhttps://example.com/launch"
    assert net.get_post(post.id).links == ("https://example.com/launch",)
    already = net.publish(ds.Draft(text="See https://example.com/launch today", link=card))
    assert already.text == "See https://example.com/launch today"
