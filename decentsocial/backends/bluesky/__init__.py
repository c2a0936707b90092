"""Bluesky / AT Protocol backend (``connect("bluesky", …)``), built on the atproto library.

One module per concern: ``settings`` (connect options), ``session`` (login,
session reuse, error mapping), ``ids`` (at-URIs, record keys), ``richtext``
(facets), ``media`` (image checks), ``convert`` (JSON -> models) and
``network`` (the ``Network`` members).
"""

from __future__ import annotations

from .network import BlueskyNetwork
from .settings import BlueskySettings

__all__ = ["BlueskyNetwork", "BlueskySettings"]
