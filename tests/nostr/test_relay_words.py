"""A relay's reasons reach errors and logs short and on one line, however much it sends."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork

from .spec_relay import SpecRelay

HUGE = "invalid: \x1b[2J\x1b]0;owned\x07" + "مرفوض " * 10_000 + "x" * 300_000  # under the 1 MiB message limit


def test_a_huge_refusal_is_cut_and_still_typed(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    net = make_net(relays=[spec_relay(refuse=HUGE).url])
    with pytest.raises(ds.ContentRejected) as caught:
        net.publish("hello")
    text = str(caught.value)
    assert len(text) < 1_000
    assert "\x1b" not in text
    assert "\x07" not in text
    assert caught.value.server_message is not None
    assert caught.value.server_message.startswith("invalid:  [2J")
    assert "مرفوض" in caught.value.server_message


def test_a_huge_closed_reason_is_cut(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    net = make_net(relays=[spec_relay(refuse_subscriptions=HUGE).url])
    with pytest.raises(ds.NetworkUnavailable) as caught:
        list(net.posts(limit=1))
    text = str(caught.value)
    assert len(text) < 1_000
    assert "\x1b" not in text
    assert "\x07" not in text
