"""Reading the recorded Bluesky post views (tests/fixtures/bluesky), which need no running stack."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

POST_VIEWS = Path(__file__).resolve().parent.parent / "fixtures" / "bluesky" / "post_views.json"


@cache
def _text() -> str:
    return POST_VIEWS.read_text(encoding="utf-8")


def recorded_post_views() -> list[dict[str, Any]]:
    """The ``app.bsky.feed.defs#postView`` objects the reference AppView answered, a fresh copy each call."""
    views: list[dict[str, Any]] = json.loads(_text())
    return views
