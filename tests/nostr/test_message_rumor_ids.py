"""A rumor's id under the other serializations of a control character (NIP-01: verbatim).

Notes already verify under each (``Event.problem``); the rumor's own check
computed one serialization only, so a message with, say, a bell or an escape
character from a client that follows NIP-01 to the letter was dropped
without a trace. Unwrapped here directly: no relay is needed.
"""

from __future__ import annotations

import hashlib
import json
import time

import pytest

from decentsocial.backends.nostr import PrivateKey
from decentsocial.backends.nostr.dm import KIND_PRIVATE_MESSAGE, gift_wrap, unwrap
from decentsocial.backends.nostr.events import Event, event_id

CONTENT = "طلبك جاهز \x07 ring \x1b[1m 📦"


def serialized(author: str, to: str, created_at: int, content: str, style: str) -> str:
    """The canonical NIP-01 array, with control characters as ``style`` writes them."""
    text = json.dumps(
        [0, author, created_at, KIND_PRIVATE_MESSAGE, [["p", to]], content],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    if style == "verbatim":
        return text.replace("\\u0007", "\x07").replace("\\u001b", "\x1b")
    assert style == "upper"
    return text.replace("\\u001b", "\\u001B")


def wrapped(sender: PrivateKey, receiver: PrivateKey, rumor_id: str, content: str, created_at: int) -> Event:
    rumor = {
        "id": rumor_id,
        "pubkey": sender.public_key,
        "created_at": created_at,
        "kind": KIND_PRIVATE_MESSAGE,
        "tags": [["p", receiver.public_key]],
        "content": content,
    }
    return gift_wrap(sender, json.dumps(rumor), receiver.public_key, created_at)


@pytest.mark.parametrize("style", ["verbatim", "upper"])
def test_a_rumor_id_over_another_serialization_is_read(style: str) -> None:
    alice, bob = PrivateKey.generate(), PrivateKey.generate()
    now = int(time.time())
    canonical = serialized(alice.public_key, bob.public_key, now, CONTENT, style)
    rumor_id = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert rumor_id != event_id(
        alice.public_key, now, KIND_PRIVATE_MESSAGE, (("p", bob.public_key),), CONTENT
    )
    message = unwrap(wrapped(alice, bob, rumor_id, CONTENT, now), bob)
    assert message is not None
    assert (message.id, message.text, message.sender.id) == (rumor_id, CONTENT, alice.public_key)


def test_a_variant_id_still_commits_to_the_text() -> None:
    alice, bob = PrivateKey.generate(), PrivateKey.generate()
    now = int(time.time())
    rumor_id = hashlib.sha256(
        serialized(alice.public_key, bob.public_key, now, CONTENT, "verbatim").encode("utf-8")
    ).hexdigest()
    assert unwrap(wrapped(alice, bob, rumor_id, CONTENT + "!", now), bob) is None
