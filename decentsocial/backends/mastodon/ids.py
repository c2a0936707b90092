"""Ids and hashtags as they go into Mastodon API paths: checked, then encoded as one path segment.

Mastodon.py writes ids into URL paths as they are (``/api/v1/statuses/{id}/favourite``),
so an "id" like ``../accounts/5/follow?`` would reach another endpoint. Mastodon's ids are
numbers (snowflakes); Pleroma, Akkoma and GoToSocial use flake ids or ULIDs (letters and
digits); none has more than a few dozen characters. Anything else is refused with
``InvalidInput`` before any request, and what passes is still percent-encoded as one segment.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from ...errors import InvalidInput
from .convert import NETWORK

__all__ = ["ID", "path_id", "path_tag"]

#: The ids of every Mastodon-API server: letters, digits, ``_`` and ``-``, at most 64.
ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: A hashtag as Mastodon reads one: word characters (any script), ``·`` and ZWNJ, at most 256.
_TAG = re.compile(r"[\w\u00b7\u200c]{1,256}")


def path_id(value: Any, what: str = "Mastodon id") -> str:
    """``value`` as one URL path segment, or ``InvalidInput`` when it is not a Mastodon-API id."""
    if not isinstance(value, str) or not ID.fullmatch(value):
        shown = repr(value[:80]) if isinstance(value, str) else type(value).__name__
        raise InvalidInput(
            f"{shown} is not a {what} (letters, digits, _ and -, at most 64 characters)", network=NETWORK
        )
    return quote(value, safe="")


def path_tag(value: str) -> str:
    """A hashtag (without ``#``) as one URL path segment, or ``InvalidInput``."""
    if not isinstance(value, str) or not _TAG.fullmatch(value):
        shown = repr(value[:80]) if isinstance(value, str) else type(value).__name__
        raise InvalidInput(f"{shown} is not a hashtag (letters, digits and _)", network=NETWORK)
    return quote(value, safe="")
