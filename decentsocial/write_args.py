"""The arguments of a write that every network checks alike: an idempotency key, a tip's memo.

One copy of each check, used by ``publish``, ``tip``, ``crosspost``, Bluesky's ``publish_thread`` and
Nostr's ``zap_request``, so that no way in takes what another refuses. Each is ``InvalidInput``,
raised before anything is stored (a key's record, a ledger's transfer) or sent.
"""

from __future__ import annotations

from .errors import InvalidInput
from .text import lone_surrogate_at, nul_at

__all__ = ["check_key", "check_memo"]


def check_key(key: object, *, network: str | None = None) -> str:
    """``key`` as an idempotency key: non-empty text that can be stored and sent.

    A lone surrogate has no UTF-8 form (no store or header can hold it). A NUL (U+0000), which
    drafts, memos and job keys already refuse, was stored as a key's record (or sent in a header)
    and could never be typed again to find the write it made.
    """
    if not isinstance(key, str) or not key.strip():
        raise InvalidInput(
            f"an idempotency key must be non-empty text, got {repr(key)[:100]}", network=network
        )
    if lone_surrogate_at(key) is not None:
        raise InvalidInput(
            "an idempotency key must be valid Unicode (it holds a lone surrogate)", network=network
        )
    if (at := nul_at(key)) is not None:
        raise InvalidInput(
            f"an idempotency key holds a NUL character (U+0000) at character {at}: give it as plain text",
            network=network,
        )
    return key


def check_memo(memo: object, *, network: str | None = None) -> str:
    """``memo`` as a tip's or zap's memo: text that every network can carry (an empty one is none).

    No network's text (UTF-8) holds a lone surrogate, and a chain node, relay or LNURL server refuses
    a NUL (or keeps it) only once the tip is signed and sent.
    """
    if not isinstance(memo, str):
        raise InvalidInput(f"memo must be text, got {type(memo).__name__}", network=network)
    if (at := lone_surrogate_at(memo)) is not None:
        raise InvalidInput(f"memo is not valid Unicode: a lone surrogate at character {at}", network=network)
    if (at := nul_at(memo)) is not None:
        raise InvalidInput(
            f"memo holds a NUL character (U+0000) at character {at}: networks refuse it", network=network
        )
    return memo
