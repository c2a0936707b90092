"""The Nostr backend: a small NIP-01 client over ``websockets`` with ``coincurve`` signatures.

Imported only by ``decentsocial.connect("nostr", …)``. Layout:

* ``settings.py``: ``NostrSettings`` (the lowest module);
* ``network.py``: ``NostrNetwork``, the hooks of the shared template;
* ``transport.py``: the relay pool on the wire, the relays' websockets
  (one relay's connection in ``relay.py``) and their NIP-11 documents, run
  on the private loop of ``loop.py``; ``failures.py`` maps its failures
  onto the error tree;
* ``resolvers.py``: the one module that does HTTP outside the relays, the
  NIP-05 and LNURL-pay look-ups (pluggable through the settings);
* ``convert.py``: events to neutral models (pure);
* concepts: ``keys.py`` (NIP-19 keys), ``events.py`` (NIP-01 events, ids,
  signatures, filters), ``zaps.py`` (NIP-57), ``pages.py`` (paging with ``until``).
"""

from __future__ import annotations

from .events import Event
from .keys import PrivateKey
from .network import NostrNetwork
from .settings import NostrSettings
from .zaps import LnurlPay, ZapRequest

__all__ = ["Event", "LnurlPay", "NostrNetwork", "NostrSettings", "PrivateKey", "ZapRequest"]
