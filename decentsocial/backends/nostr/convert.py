"""Nostr events to neutral models (Post, Account, Notification)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from ...coerce import as_str
from ...models import Account, Notification, NotificationKind, Post
from ...text import entity_values
from ...urls import web_link
from .events import KIND_CONTACTS, KIND_NOTE, KIND_REACTION, KIND_REPOST, Event, PublishOutcome
from .keys import InvalidKey, encode_note, encode_npub, is_hex64, parse_public_key
from .zaps import ZapCheck, sats

__all__ = [
    "account_from_profile",
    "bare_account",
    "mentioned_keys",
    "notification_from_event",
    "notification_target",
    "post_from_event",
    "profile_content",
    "relay_report",
    "reply_target",
    "reposted_note",
]

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
    return as_str(value) or None


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
        avatar_url=web_link(data.get("picture")),  # anyone's to write: a picture, not javascript: or data:
        following=following,
        bot=data.get("bot") if isinstance(data.get("bot"), bool) else None,
        raw=raw,
    )


def reply_target(event: Event) -> tuple[str | None, str | None]:
    """(parent id, root id) by NIP-10: marked ``e`` tags first, else the deprecated positional form.

    An ``e`` tag naming no event id (junk a hostile note carries) is not one.
    """
    e_tags = [t for t in event.tags if len(t) >= 2 and t[0] == "e" and is_hex64(t[1])]
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
    """A kind-1 note (or a kind-6 repost, carrying the reposted note's text) as a ``Post``.

    A repost embedding a sound note is that note by its author, ``reposted_by`` the reposter
    (with the repost's id), as other networks read a boost; otherwise it is the reposter's.
    """
    raw: dict[str, Any] = {"event": event.to_json()}
    if raw_extra:
        raw.update(raw_extra)
    original = reposted_note(event) if event.kind == KIND_REPOST else None
    if original is not None:
        return post_from_event(original).model_copy(
            update={
                "id": event.id,
                "url": f"nostr:{encode_note(event.id)}",
                "reposted_by": author or bare_account(event.pubkey),
                "raw": raw,
            }
        )
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
    hashtags, _, links = entity_values(text)
    # NIP-24 ``r`` tags name web pages; only web links (http(s), a host, no credentials, no spaces or
    # control characters) are links a reader can open.
    refs = (link for link in map(web_link, event.tag_values("r")) if link)
    # Tagged keys (``p``) and NIP-27 references in the text, which not every client also tags.
    keys = [p for p in event.tag_values("p") if is_hex64(p)] + mentioned_keys(text)[1]
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
        tags=(*event.tag_values("t"), *hashtags),
        mentions=tuple(dict.fromkeys(encode_npub(k) for k in keys)),
        links=tuple(dict.fromkeys((*links, *refs))),
        content_warning=(warning[1] if warning and len(warning) > 1 else "") if warning else None,
        language=language,
        title=next(iter(event.tag_values("subject")), None),
        raw=raw,
    )


def reposted_note(repost: Event) -> Event | None:
    """The note a repost embeds (NIP-18), when it is soundly signed and the one its ``e`` tag names."""
    try:
        note = Event.from_json(json.loads(repost.content))
    except (ValueError, RecursionError):  # empty (NIP-18 allows it), or not an event
        return None
    if note.kind != KIND_NOTE or note.id not in repost.tag_values("e") or note.problem() is not None:
        return None
    return note


def relay_report(outcomes: Sequence[PublishOutcome]) -> dict[str, Any]:
    """What each relay answered to a publish, for a ``Post``'s ``raw["relays"]``."""
    return {o.relay: {"accepted": o.accepted, "message": o.message, "error": o.error} for o in outcomes}


#: A NIP-27 mention: ``nostr:`` or ``@`` and a bech32 key, wherever the key's alphabet ends (Arabic or
#: CJK punctuation, a bidi mark, brackets and quotes end it as a space does); not inside a URL or address.
_MENTION = re.compile(r"(?<![0-9A-Za-z/.@:_-])(nostr:|@)((?:npub|nprofile)1[02-9ac-hj-np-z]+)", re.IGNORECASE)


def mentioned_keys(text: str) -> tuple[str, list[str]]:
    """NIP-27 mentions in a note's text: (the text with ``@npub1…`` written ``nostr:npub1…``, their keys).

    A word that only looks like a key (bad checksum…) is left as it is.
    """
    mentioned: dict[str, None] = {}

    def mention(match: re.Match[str]) -> str:
        prefix, token = match.groups()
        try:
            mentioned.setdefault(parse_public_key(token), None)
        except InvalidKey:
            return match.group()
        return "nostr:" + token if prefix == "@" else match.group()

    content = _MENTION.sub(mention, text)
    return content, list(mentioned)


def notification_target(event: Event) -> str | None:
    """The id of the note a reaction, repost or zap is about (``None`` for notes and follows).

    A reaction names it in its last ``e`` tag (NIP-25): clients copy the reacted note's
    own ``e`` tags (its thread's root…) before it. A tag naming no event id names none (asked
    for, it makes a relay such as strfry refuse the query, and the listing reading it with it).
    """
    if event.kind in (KIND_NOTE, KIND_CONTACTS):
        return None
    targets = event.tag_values("e")
    if not targets:
        return None
    target = targets[-1] if event.kind == KIND_REACTION else targets[0]
    return target if is_hex64(target) else None


def notification_from_event(
    event: Event, target: Post | None, zap: ZapCheck | None = None, me: str | None = None
) -> Notification:
    """A notification from an event addressed to the account ``me`` (``zap``: the receipt's valid check).

    ``target`` is the note a reaction, repost or zap is about, read by the
    caller; a follow is the follower's current contact list naming the account.
    A note quoting one of the account's (a NIP-18 ``q`` tag naming its key) is a quote.
    """
    kind: NotificationKind
    account = bare_account(event.pubkey)
    post = target
    amount = None
    if event.kind == KIND_NOTE:
        quotes_me = any(len(t) >= 4 and t[0] == "q" and t[3] == me for t in event.tags)
        kind = "reply" if reply_target(event)[0] else "quote" if quotes_me else "mention"
        post = post_from_event(event)
    elif event.kind == KIND_REPOST:
        kind = "repost"
    elif event.kind == KIND_REACTION:
        kind = "other" if event.content == "-" else "like"  # NIP-25: "-" is a dislike
    elif event.kind == KIND_CONTACTS:
        kind = "follow"
        post = None
    else:
        kind = "zap"
        if zap is not None:
            account = bare_account(zap.sender or event.pubkey)
            amount = sats(zap.amount_msat or 0)
    return Notification(
        network=NETWORK,
        id=event.id,
        kind=kind,
        created_at=datetime.fromtimestamp(event.created_at, tz=timezone.utc),
        account=account,
        post=post,
        amount=amount,
        raw={"event": event.to_json()},
    )
