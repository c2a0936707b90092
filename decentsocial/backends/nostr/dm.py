"""NIP-17 private direct messages: a kind-14 rumor, sealed (NIP-44) and gift-wrapped (NIP-59).

Sending ``text`` to ``recipient``:

* the **rumor** is an unsigned kind-14 event by this account: the text, a
  ``p`` tag naming the recipient, the real time; its id is computed as for
  any event, but it is never signed, so it proves nothing if leaked;
* the **seal** (kind 13, signed by this account, no tags) holds the rumor
  encrypted with NIP-44 to the receiver;
* the **gift wrap** (kind 1059) holds the seal encrypted with NIP-44 from a
  fresh random key, is signed by that key and tagged ``p`` with the
  receiver: relays and observers see neither sender nor text.

One wrap goes to the recipient and one to this account (so ``messages()``
shows what was sent); only the recipient's decides whether sending failed,
as the copy to self is best effort. It is stored after a failure too when a
relay holds the recipient's wrap, so ``messages()`` shows what may have
arrived. Seal and wrap are dated up to two days in the past at random
(NIP-59) so their dates reveal nothing. Every wrap is built before any
is published: text that does not fit fails before any I/O.

Reading unwraps every kind-1059 event addressed to this account and keeps
a message only when the seal's signature verifies, the rumor is kind 14
with the id its content gives, and the seal's author is the rumor's
author: anyone can send a wrap, so a rumor claiming another author is a
forgery and is dropped. Nothing a message holds is ever logged.

Wraps go to this connection's relays; the recipient must read one of them
(NIP-17's kind-10050 inbox relays are not looked up).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import secrets
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, cast

from ... import errors
from ...models import Message
from ...network import AccountRef, Capability, TextLimit
from ...text import utf8_len
from . import nip44
from .convert import NETWORK, account_from_profile
from .events import Event, event_id, sign_event
from .keys import PrivateKey, is_hex64
from .pages import take

if TYPE_CHECKING:
    from .network import NostrNetwork

__all__ = [
    "KIND_GIFT_WRAP",
    "KIND_PRIVATE_MESSAGE",
    "KIND_SEAL",
    "MESSAGE_LIMIT",
    "MESSAGING",
    "DirectMessages",
]

log = logging.getLogger("decentsocial.nostr")

KIND_PRIVATE_MESSAGE, KIND_SEAL, KIND_GIFT_WRAP = 14, 13, 1059
#: The capability these hooks give the backend.
MESSAGING = Capability.MESSAGING
#: How far in the past (seconds) seals and wraps are dated at random: NIP-59's two days.
DATE_JITTER = 2 * 24 * 3600


def json_len(text: str) -> int:
    """The UTF-8 bytes ``text`` takes in the rumor's JSON: ``"`` and ``\\`` take two, a control six."""
    return utf8_len(_json(text)) - 2  # without the quotes around it


#: The longest message text, as the rumor's JSON holds it: with the rest of the rumor around it,
#: the seal still fits NIP-44's 65535 bytes.
MESSAGE_LIMIT = TextLimit(24_000, json_len, "bytes (UTF-8, as JSON)")


def _secret(key: PrivateKey) -> bytes:
    return bytes.fromhex(key.hex)


def _json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _past(now: int) -> int:
    return now - secrets.randbelow(DATE_JITTER)


def gift_wrap(sender: PrivateKey, rumor: str, receiver: str, now: int) -> Event:
    """The kind-1059 wrap of a rumor (JSON) for ``receiver``; ``Nip44Error`` for a bad key or size."""
    seal_content = nip44.encrypt(rumor, nip44.conversation_key(_secret(sender), receiver))
    seal = sign_event(sender, KIND_SEAL, seal_content, (), _past(now))
    ephemeral = PrivateKey.generate()
    wrap_content = nip44.encrypt(_json(seal.to_json()), nip44.conversation_key(_secret(ephemeral), receiver))
    return sign_event(ephemeral, KIND_GIFT_WRAP, wrap_content, (("p", receiver),), _past(now))


def send(net: NostrNetwork, recipient: str, text: str) -> str:
    """Send a NIP-17 message; the rumor's id (the message id both sides read)."""
    key = net._signer()
    now = net._now()
    tags = (("p", recipient, net._relay_hint()),)
    rumor_id = event_id(key.public_key, now, KIND_PRIVATE_MESSAGE, tags, text)
    rumor = {
        "id": rumor_id,
        "pubkey": key.public_key,
        "created_at": now,
        "kind": KIND_PRIVATE_MESSAGE,
        "tags": [list(t) for t in tags],
        "content": text,
    }
    try:
        nip44.conversation_key(_secret(key), recipient)
    except nip44.Nip44Error:
        raise errors.InvalidInput(
            "this account cannot receive a message: its key is not a point on secp256k1", network=NETWORK
        ) from None
    try:
        wraps = [gift_wrap(key, _json(rumor), r, now) for r in dict.fromkeys([recipient, key.public_key])]
    except nip44.Nip44Error as exc:
        raise errors.ContentRejected(
            f"the message does not fit a NIP-44 payload: {exc}", network=NETWORK
        ) from None
    delivery, *copies = wraps
    net.last_publish = ()  # so that, after an error, it holds the delivery's outcomes or nothing
    try:
        net.publish_event(delivery)
    except errors.NetworkUnavailable as exc:
        # Too few relays confirmed it, but one that holds it lets the recipient read it: the copy
        # to self is stored then too, so ``messages()`` shows it, as the docs tell the caller to
        # check there before sending again (without it, that resend delivered the message twice).
        if exc.sent and _held(net, delivery.id):
            _store_copies(net, copies, rumor_id)
        raise
    _store_copies(net, copies, rumor_id)
    return rumor_id


def _held(net: NostrNetwork, wrap_id: str) -> bool:
    """Whether a relay took the wrap: it said so, or serves it when asked now."""
    if any(o.accepted for o in net.last_publish):
        return True
    try:
        return any(e.id == wrap_id for e in net.transport.query([{"ids": [wrap_id]}]).events)
    except errors.DecentSocialError:
        return False


def _store_copies(net: NostrNetwork, copies: list[Event], rumor_id: str) -> None:
    for copy in copies:
        # Only the recipient's wrap decides: failing now would make a retry deliver the message
        # twice. The copy to self only records what was sent (``last_publish`` shows its fate).
        try:
            net.publish_event(copy)
        except errors.DecentSocialError as exc:
            log.debug("the copy to self of message %s was not stored: %s", rumor_id[:16], exc)


def unwrap(wrap: Event, key: PrivateKey) -> Message | None:
    """The message in a gift wrap addressed to ``key``, or ``None`` (logged by id) when it is not sound."""
    try:
        sealed = nip44.decrypt(wrap.content, nip44.conversation_key(_secret(key), wrap.pubkey))
        seal = Event.from_json(json.loads(sealed))
        if seal.kind != KIND_SEAL or seal.problem() is not None:
            return _dropped(wrap, "the seal is not a kind-13 event signed by its author")
        data = json.loads(nip44.decrypt(seal.content, nip44.conversation_key(_secret(key), seal.pubkey)))
        if not isinstance(data, dict):
            return _dropped(wrap, "the rumor is not an event")
        # A rumor is never signed: parse it with a placeholder signature, then check its id.
        rumor = Event.from_json({**data, "sig": "0" * 128})
    except (nip44.Nip44Error, ValueError, RecursionError) as exc:  # RecursionError: JSON nested too deep
        return _dropped(wrap, f"cannot open it ({type(exc).__name__})")
    if rumor.kind != KIND_PRIVATE_MESSAGE:
        return _dropped(wrap, f"a kind-{rumor.kind} rumor, not a kind-14 message")
    if rumor.pubkey != seal.pubkey:
        return _dropped(wrap, "forged: the rumor's author did not sign the seal")
    if not rumor.id_matches():  # any serialization a note's may take, as for signed events
        return _dropped(wrap, "the rumor's id does not match its content")
    addressed = _keys(rumor.tag_values("p"))
    people = sorted({rumor.pubkey, *addressed})
    return Message(
        network=NETWORK,
        id=rumor.id,
        sender=account_from_profile(rumor.pubkey, None),
        recipients=tuple(account_from_profile(p, None) for p in addressed),
        text=rumor.content,
        created_at=datetime.fromtimestamp(rumor.created_at, tz=timezone.utc),
        conversation_id=hashlib.sha256("\x1f".join(people).encode()).hexdigest()[:32],
        raw={
            "rumor": {k: v for k, v in rumor.to_json().items() if k != "sig"},
            "wrap": wrap.id,
            "seal": seal.id,
        },
    )


def _keys(values: list[str]) -> list[str]:
    """The ``p`` values that are keys, in lower case, once each.

    The rumor is the sender's own text: a value that is no key is left out
    (it broke the whole inbox), and an upper-case key is the same participant.
    """
    return list(dict.fromkeys(v.lower() for v in values if is_hex64(v.lower())))


def _dropped(wrap: Event, why: str) -> Message | None:
    log.debug("ignored gift wrap %s: %s", wrap.id[:16], why)
    return None


def read(net: NostrNetwork, limit: int | None) -> Iterator[Message]:
    """Messages in the wraps addressed to this account, newest first (by the rumors' own dates).

    Wraps come newest first by their (randomized) dates, each at most
    ``DATE_JITTER`` before its rumor's; a message is yielded once no wrap
    still to come can hold a newer one. At most ``search_scan_limit`` wraps are read.
    """
    key = net._signer()
    wraps = net._events(
        {"kinds": [KIND_GIFT_WRAP], "#p": [key.public_key]}, limit=net.settings.search_scan_limit
    )

    def ordered() -> Iterator[Message]:
        pending: list[tuple[float, str, Message]] = []
        seen: set[str] = set()
        for wrap in wraps:
            message = unwrap(wrap, key)
            if message is not None and message.id not in seen:
                seen.add(message.id)
                heapq.heappush(pending, (-message.created_at.timestamp(), message.id, message))
            while pending and -pending[0][0] > wrap.created_at + DATE_JITTER:
                yield heapq.heappop(pending)[2]
        while pending:
            yield heapq.heappop(pending)[2]

    return take(ordered(), limit)


class DirectMessages:
    """The NIP-17 hooks of :class:`NostrNetwork` (kept here: its module is at the size limit)."""

    def _message_limit(self) -> TextLimit | None:
        return MESSAGE_LIMIT

    def _send_message(self, to: AccountRef, text: str) -> str:
        net = cast("NostrNetwork", self)
        return send(net, net._pubkey_of(to), text)

    def _messages(self, limit: int | None) -> Iterator[Message]:
        return read(cast("NostrNetwork", self), limit)
