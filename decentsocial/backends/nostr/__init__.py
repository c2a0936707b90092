"""The Nostr backend: a small NIP-01 client over ``websockets`` with ``coincurve`` signatures.

Imported only by ``decentsocial.connect("nostr", …)``.
"""

from __future__ import annotations

from .events import Event
from .keys import PrivateKey
from .network import NostrNetwork, NostrSettings, ZapRequest
from .zaps import LnurlPay

__all__ = ["Event", "LnurlPay", "NostrNetwork", "NostrSettings", "PrivateKey", "ZapRequest"]
