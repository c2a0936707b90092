"""A read every relay refuses with a NIP-01 prefix is that prefix's typed error, as a publish is."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork

from .spec_relay import SpecRelay


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("auth-required: هذا المرحّل للأعضاء فقط", ds.AuthenticationError),
        ("restricted: not allowed", ds.PermissionDenied),
        ("blocked: you are banned", ds.PermissionDenied),
        ("rate-limited: slow down", ds.RateLimited),
    ],
)
def test_a_refused_read_is_typed(
    make_net: Callable[..., NostrNetwork],
    spec_relay: Callable[..., SpecRelay],
    reason: str,
    error: type[ds.DecentSocialError],
) -> None:
    net = make_net(relays=[spec_relay(refuse_subscriptions=reason).url])
    with pytest.raises(error) as caught:
        list(net.posts(limit=1))
    assert caught.value.retryable == (error is ds.RateLimited)  # asking again later may work
    assert caught.value.server_message == reason


def test_a_read_refused_by_one_relay_and_lost_on_another_stays_retryable(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay], closed_relay_url: str
) -> None:
    refusing = spec_relay(refuse_subscriptions="auth-required: members only")
    net = make_net(relays=[refusing.url, closed_relay_url])
    with pytest.raises(ds.NetworkUnavailable) as caught:
        list(net.posts(limit=1))
    assert caught.value.retryable
