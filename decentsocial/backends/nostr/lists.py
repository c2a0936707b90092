"""Replaceable lists (NIP-01 kinds 0 and 10000–19999, and kind 3): the profile, the follow list and the
pinned notes.

A replaceable event is replaced as a whole by a newer one from the same
author, so changing one entry means republishing the list with every
other entry kept (tags this backend does not know, and the content, which
NIP-51 uses for private entries), dated after the list it replaces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, cast

from ...models import Post
from ...network import AccountRef
from .convert import post_from_event
from .events import KIND_CONTACTS, KIND_NOTE, Event, Tags
from .failures import unread
from .keys import is_hex64
from .transport import NostrTransport

if TYPE_CHECKING:
    from .network import NostrNetwork

__all__ = [
    "KIND_CONTACTS",
    "KIND_PINNED",
    "NO_EDIT",
    "ReplaceableLists",
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


class ReplaceableLists:
    """The follow and pin hooks of :class:`NostrNetwork`: each change republishes its whole list."""

    def _set_list(self, kind: int, previous: Event | None, tags: Tags | None) -> None:
        """Republish a replaceable list with ``tags`` (other entries and content kept); None: unchanged."""
        net = cast("NostrNetwork", self)
        if tags is not None:
            content = previous.content if previous else ""
            net._send_new(kind, content, tags, newer_than(previous, net._now()))

    def following(self) -> list[str]:
        """Hex keys of the accounts this account follows (its kind-3 contact list)."""
        net = cast("NostrNetwork", self)
        return values(latest(net.transport, KIND_CONTACTS, net.public_key), "p")

    def _follow(self, account: AccountRef) -> None:
        net = cast("NostrNetwork", self)
        target = net._pubkey_of(account)
        previous = latest(net.transport, KIND_CONTACTS, net.public_key, for_update=True)
        net._set_list(KIND_CONTACTS, previous, added(previous, ("p", target)))

    def _unfollow(self, account: AccountRef) -> None:
        net = cast("NostrNetwork", self)
        target = net._pubkey_of(account)
        previous = latest(net.transport, KIND_CONTACTS, net.public_key, for_update=True)
        net._set_list(KIND_CONTACTS, previous, removed(previous, "p", target))

    def _own_id(self) -> str:
        return cast("NostrNetwork", self).public_key  # who a note is by is its key: no request needed

    def _pin(self, post: Post) -> None:
        """Add the note to this account's NIP-51 pinned-notes list (kind 10001), keeping its other entries."""
        net = cast("NostrNetwork", self)
        event_id = net._event_id(post)
        previous = latest(net.transport, KIND_PINNED, net.public_key, for_update=True)
        net._set_list(KIND_PINNED, previous, added(previous, ("e", event_id, net._relay_hint())))

    def _unpin(self, post_id: str) -> None:
        net = cast("NostrNetwork", self)
        event_id = net._event_id(post_id)
        previous = latest(net.transport, KIND_PINNED, net.public_key, for_update=True)
        net._set_list(KIND_PINNED, previous, removed(previous, "e", event_id))

    def _pinned(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        """The notes of the account's pinned-notes list that still exist, most recently pinned first."""
        net = cast("NostrNetwork", self)
        pubkey = net.public_key if account is None else net._pubkey_of(account)
        notes = pinned_notes(net.transport, pubkey, net._drop_deleted)
        return (post_from_event(e) for e in (notes if limit is None else notes[:limit]))
