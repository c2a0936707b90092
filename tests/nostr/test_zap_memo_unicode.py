"""A zap whose memo holds a lone surrogate is ``InvalidInput``, with or without an idempotency key.

A zap request is a Nostr event, hashed as UTF-8: ``tip(..., memo="\\ud83d")``
raised ``UnicodeEncodeError`` (an untyped crash) while signing it, and with
a key already while hashing the key's fingerprint.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork
from tests.servers.nostr import LnurlDirectory

from .zapkit import LnurlServer


@pytest.mark.parametrize("key", [None, "zap-surrogate"])
@pytest.mark.parametrize("memo", ["half an emoji \ud83d", "\udfff"])
def test_a_memo_with_a_lone_surrogate_is_invalid_input(
    make_net: Callable[..., NostrNetwork], lnurl: LnurlDirectory, key: str | None, memo: str
) -> None:
    alice, bob = make_net(), make_net()
    lnurl.entries["alice@ln.example.test"] = LnurlServer().pay
    alice.set_profile(name="alice", lud16="alice@ln.example.test")
    with pytest.raises(ds.InvalidInput, match="memo"):
        bob.tip(alice.me(), "21 SAT", memo, idempotency_key=key)
    url = bob.tip(alice.me(), "21 SAT", "thanks", idempotency_key=key)  # the key is still free
    assert "amount=21000" in url
