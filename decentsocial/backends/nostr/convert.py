"""Nostr events to neutral models (Post, Account, Notification)."""

from __future__ import annotations

import functools
import json
from datetime import datetime, timezone
from typing import Any

from ...models import Account, Post
from .events import Event
from .keys import encode_note, encode_npub, is_hex64

__all__ = ["account_from_profile", "bare_account", "post_from_event", "reply_target"]

NETWORK = "nostr"


@functools.lru_cache(maxsize=4096)
def bare_account(pubkey: str) -> Account:
    """An account known only by its key (no kind-0 profile read); frozen, so shared."""
    npub = encode_npub(pubkey)
    return Account(network=NETWORK, id=pubkey, handle=npub, url=f"nostr:{npub}")


def profile_content(event: Event | None) -> dict[str, Any]:
    """A kind-0 event's JSON content, or ``{}`` when absent or unreadable."""
    if event is None:
        return {}
    try:
        data = json.loads(event.content)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        return {}
    return data if isinstance(data, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def account_from_profile(
    pubkey: str, profile: Event | None, *, following: int | None = None, nip05_verified: bool | None = None
) -> Account:
    """An ``Account`` from a kind-0 profile event (the handle is always the npub)."""
    data = profile_content(profile)
    npub = encode_npub(pubkey)
    raw: dict[str, Any] = {"profile": profile.to_json() if profile else None}
    if data.get("nip05"):
        raw["nip05"] = data.get("nip05")
        raw["nip05_verified"] = nip05_verified
    return Account(
        network=NETWORK,
        id=pubkey,
        handle=npub,
        display_name=_text(data.get("display_name")) or _text(data.get("name")),
        url=f"nostr:{npub}",
        bio=_text(data.get("about")),
        avatar_url=_text(data.get("picture")),
        following=following,
        bot=data.get("bot") if isinstance(data.get("bot"), bool) else None,
        raw=raw,
    )


def reply_target(event: Event) -> tuple[str | None, str | None]:
    """(parent id, root id) by NIP-10: marked ``e`` tags first, else the deprecated positional form."""
    e_tags = [t for t in event.tags if len(t) >= 2 and t[0] == "e"]
    if not e_tags:
        return None, None
    root = next((t[1] for t in e_tags if len(t) >= 4 and t[3] == "root"), None)
    parent = next((t[1] for t in e_tags if len(t) >= 4 and t[3] == "reply"), None)
    if root is not None or parent is not None:
        return parent or root, root or parent
    unmarked = [t[1] for t in e_tags if len(t) < 4 or t[3] not in ("mention",)]
    if not unmarked:
        return None, None
    return unmarked[-1], unmarked[0]


def post_from_event(
    event: Event, author: Account | None = None, raw_extra: dict[str, Any] | None = None
) -> Post:
    """A kind-1 note (or a kind-6 repost, carrying the reposted note's text) as a ``Post``."""
    parent, root = reply_target(event) if event.kind == 1 else (None, None)
    text = event.content
    if event.kind == 6:
        try:
            inner = json.loads(event.content) if event.content else {}
            inner_text = inner.get("content") if isinstance(inner, dict) else ""
            # Not a note's text: the repost is read without one.
            text = inner_text if isinstance(inner_text, str) else ""
        except (ValueError, RecursionError):
            text = ""
    warning = event.first_tag("content-warning")
    language = next((t[1] for t in event.tags if len(t) >= 3 and t[0] == "l" and t[2] == "ISO-639-1"), None)
    raw: dict[str, Any] = {"event": event.to_json()}
    if raw_extra:
        raw.update(raw_extra)
    return Post(
        network=NETWORK,
        id=event.id,
        url=f"nostr:{encode_note(event.id)}",
        author=author or bare_account(event.pubkey),
        text=text,
        created_at=datetime.fromtimestamp(event.created_at, tz=timezone.utc),
        reply_to=parent,
        root_id=root,
        quote_of=next(iter(event.tag_values("q")), None),
        tags=tuple(event.tag_values("t")),
        mentions=tuple(encode_npub(p) for p in event.tag_values("p") if is_hex64(p)),
        content_warning=(warning[1] if warning and len(warning) > 1 else "") if warning else None,
        language=language,
        raw=raw,
    )
