"""``zap_request(memo=...)`` checks the memo as ``tip(memo=...)`` does: same error, same words.

``tip`` refused a memo that is not text, holds a lone surrogate or a NUL (U+0000), but
``zap_request`` (the public way to build the zap a wallet pays) signed whatever it was given: a NUL
went into the signed request, to the LNURL server and the relays; a lone surrogate crashed with an
untyped ``UnicodeEncodeError`` while signing. Now both go through one check, before anything is
looked up or signed. Other control characters are still zapped.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork
from tests.servers.nostr import LnurlDirectory

from .zapkit import LnurlServer


class _Asked(LnurlDirectory):
    """The directory of LNURL servers, counting the profiles it was asked about."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def __call__(self, profile: dict[str, object]) -> object:
        self.asked += 1
        return super().__call__(profile)


@pytest.mark.parametrize("created_at", [None, 1_700_000_000])
@pytest.mark.parametrize(
    ("memo", "said"),
    [
        ("thanks\x00", "memo holds a NUL character (U+0000) at character 6: networks refuse it"),
        ("\x00", "memo holds a NUL character (U+0000) at character 0: networks refuse it"),
        ("شكرا \ud83d", "memo is not valid Unicode: a lone surrogate at character 5"),
        (b"thanks", "memo must be text, got bytes"),
    ],
)
def test_a_zap_request_refuses_the_memos_tip_refuses(
    make_net: Callable[..., NostrNetwork], created_at: int | None, memo: object, said: str
) -> None:
    directory = _Asked()
    alice, bob = make_net(), make_net(lnurl_resolver=directory)
    directory.entries["alice@ln.example.test"] = LnurlServer().pay
    alice.set_profile(name="alice", lud16="alice@ln.example.test")
    with pytest.raises(ds.InvalidInput) as zapped:
        bob.zap_request(alice.me(), "21 SAT", memo, created_at=created_at)  # type: ignore[arg-type]
    with pytest.raises(ds.InvalidInput) as tipped:
        bob.tip(alice.me(), "21 SAT", memo)  # type: ignore[arg-type]
    assert zapped.value.message == tipped.value.message == said
    assert zapped.value.network == "nostr"
    assert directory.asked == 0  # refused before the recipient's profile was looked up


def test_other_control_characters_are_still_zapped(
    make_net: Callable[..., NostrNetwork], lnurl: LnurlDirectory
) -> None:
    alice, bob = make_net(), make_net()
    lnurl.entries["alice@ln.example.test"] = LnurlServer().pay
    alice.set_profile(name="alice", lud16="alice@ln.example.test")
    request = bob.zap_request(alice.me(), "21 SAT", "thanks\n\tfor \x1b[1mthis\x7f")
    assert request.event.content == "thanks\n\tfor \x1b[1mthis\x7f"
