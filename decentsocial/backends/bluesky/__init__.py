"""Bluesky / AT Protocol backend (``connect("bluesky", …)``), built on the atproto library.

One module per concern: ``settings`` (connect options), ``transport`` (the
only module that uses atproto: login, session reuse, XRPC calls),
``failures`` (atproto and HTTP failures -> errors), ``ids`` (at-URIs, record
keys), ``richtext`` (facets), ``media`` (image checks), ``convert`` (JSON ->
models) and ``network`` (the ``BaseNetwork`` hooks).
"""

from __future__ import annotations

from .network import BlueskyNetwork
from .settings import BlueskySettings

__all__ = ["BlueskyNetwork", "BlueskySettings"]
