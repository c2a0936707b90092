"""Replaceable lists (NIP-01 kinds 0 and 10000–19999, and kind 3): the profile, the follow list and the
pinned notes.

A replaceable event is replaced as a whole by a newer one from the same
author, so changing one entry means republishing the list with every
other entry kept (tags this backend does not know, and the content, which
NIP-51 uses for private entries), dated after the list it replaces.
"""

from __future__ import annotations

from collections.abc import Callable

from .events import KIND_CONTACTS, KIND_NOTE, Event, Tags
from .failures import unread
from .keys import is_hex64
from .transport import NostrTransport

__all__ = [
    "KIND_CONTACTS",
    "KIND_PINNED",
    "NO_EDIT",
    "added",
    "kinds_hint",
    "latest",
    "newer_than",
    "pinned_notes",
    "removed",
    "values",
]

#: NIP-51 pinned notes: ``e`` tags of the author's own notes, in the order they were pinned.
KIND_PINNED = 10001
#: Why a note cannot be edited (``UnsupportedFeature``'s detail).
NO_EDIT = (
    "a Nostr note is a signed event whose id is the hash of its content, so it cannot change;"
    " edit(post, draft, replace=True) deletes it (NIP-09) and publishes the draft instead"
)


def kinds_hint(event: Event) -> tuple[str, ...]:
    """The ``k`` tag a deletion or reaction carries: the kind of the event it is about."""
    return ("k", str(event.kind))


def latest(transport: NostrTransport, kind: int, pubkey: str, *, for_update: bool = False) -> Event | None:
    """The list that counts: the newest of ``kind`` by ``pubkey`` that any relay has (NIP-01: of
    two of one second, the lower id).

    ``for_update``: the list is about to be replaced, so a relay that did not answer (it may hold
    the newest copy) is a retryable ``NetworkUnavailable``: a list rebuilt from the others' older
    copy, or from none, would drop its entries everywhere.
    """
    result = transport.query([{"authors": [pubkey], "kinds": [kind]}])
    if for_update and result.failures:
        raise unread(result.failures)
    return min(result.events, key=lambda e: (-e.created_at, e.id)) if result.events else None


def newer_than(previous: Event | None, now: int) -> int:
    """A ``created_at`` that makes the new list win over ``previous`` (relays keep the newest)."""
    return now if previous is None or now > previous.created_at else previous.created_at + 1


def values(event: Event | None, name: str) -> list[str]:
    """The keys or event ids the ``name`` tags hold (lower-cased), in list order, each once.

    Anything else (an npub, a typo: other clients write such entries) is left out: asked for,
    it makes a relay such as strfry refuse the whole query.
    """
    found = (v.lower() for v in event.tag_values(name)) if event is not None else ()
    return list(dict.fromkeys(v for v in found if is_hex64(v)))


def added(previous: Event | None, tag: tuple[str, ...]) -> Tags | None:
    """The list's tags with ``tag`` appended; ``None`` when an entry with its name and value is there."""
    tags = previous.tags if previous is not None else ()
    if any(t[:2] == tag[:2] for t in tags):
        return None
    return (*tags, tag)


def removed(previous: Event | None, name: str, value: str) -> Tags | None:
    """The list's tags without the ``name`` entries for ``value``; ``None`` when there were none."""
    if previous is None:
        return None
    kept = tuple(t for t in previous.tags if not (len(t) > 1 and t[0] == name and t[1] == value))
    return None if kept == previous.tags else kept


def pinned_notes(
    transport: NostrTransport, pubkey: str, drop_deleted: Callable[[list[Event]], list[Event]]
) -> list[Event]:
    """The notes of ``pubkey``'s pinned-notes list that still exist, most recently pinned first."""
    wanted = values(latest(transport, KIND_PINNED, pubkey), "e")[::-1]
    if not wanted:
        return []
    found = drop_deleted(transport.query([{"ids": wanted, "authors": [pubkey]}]).events)
    by_id = {e.id: e for e in found if e.kind == KIND_NOTE}
    return [by_id[i] for i in wanted if i in by_id]
