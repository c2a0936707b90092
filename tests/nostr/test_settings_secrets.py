"""A private key that does not parse (a typo, a wrong checksum) is most of a real secret: the settings'
own validation error, read where ``connect()`` is not used, must not repeat it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from decentsocial.backends.nostr import PrivateKey
from decentsocial.backends.nostr.settings import NostrSettings

_NSEC = PrivateKey.generate().nsec


@pytest.mark.parametrize(
    "typo",
    [
        _NSEC[:-1] + ("q" if _NSEC[-1] != "q" else "p"),  # a wrong last character: the checksum fails
        _NSEC[:-1],  # a character short
        PrivateKey.generate().hex[:-1] + "g",  # hex with a typo
    ],
    ids=["checksum", "short", "hex"],  # not the keys: random, and ids must be the same in every worker
)
def test_a_mistyped_private_key_is_not_repeated_in_the_validation_error(typo: str) -> None:
    with pytest.raises(ValidationError) as caught:
        NostrSettings(private_key=typo, relays=["ws://127.0.0.1:1"])
    shown = f"{caught.value}\n{caught.value!r}\n{caught.value.errors()!r}\n{caught.value.json()}"
    assert "private_key" in shown
    for start in range(0, len(typo) - 12, 4):  # no run of 12 of its characters
        assert typo[start : start + 12] not in shown
