"""Mastodon and servers that speak its client API (Pixelfed, GoToSocial, Akkoma, Pleroma…).

Imported only by ``connect("mastodon", …)``: it loads Mastodon.py.
"""

from __future__ import annotations

from .compose import InstanceLimits
from .network import MastodonNetwork
from .settings import MastodonSettings

__all__ = ["InstanceLimits", "MastodonNetwork", "MastodonSettings"]
