"""A note's engagement, counted from the events that point at it.

Nostr keeps no counters: a like is a reaction (kind 7, NIP-25) whose last
``e`` tag names the note, a repost is a kind 6 (or 16, generic) event
naming it, a reply is a kind 1 note whose NIP-10 parent is it (the ``reply``
marker, the ``root`` marker when there is no ``reply`` one, or the last
unmarked ``e`` tag), a quote is a note with a ``q`` tag naming it (NIP-18),
and a zap is a receipt (kind 9735) checked as ``rewards()`` checks it. One
bounded query per note (``ENGAGEMENT_SCAN`` events per filter) gathers them
from every relay; reactions and reposts count once per author, events
deleted by their author (NIP-09: an unlike) do not count. A count that hit
the bound is a lower bound, and is logged as one.

NIP-45 ``COUNT`` gives the quotes, and only them, when the connection reads
one relay and that relay announces NIP-45 and NIP-09 in its NIP-11 document:
``{"kinds": [1], "#q": [id]}`` is exactly the set counted here, and a relay
honouring NIP-09 no longer holds the deleted ones, so the relay's count is
the same figure, unbounded. The other figures keep the bounded query, as a
relay's count would give another answer: likes and reposts count once per
author (and a ``-`` reaction or a like whose last ``e`` tag names another
note is no like), a reply to a reply also carries the note as its NIP-10
``root`` tag (so ``#e`` counts it), zaps are checked receipts. With several
relays, counts cannot be merged (one event on two relays would count twice),
so the query is used. A relay that answers no exact count falls back to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from ...models import Engagement, Post, Reward
from .convert import post_from_event
from .events import KIND_NOTE, KIND_REACTION, KIND_REPOST, KIND_ZAP_RECEIPT, Event
from .zaps import zap_reward

__all__ = [
    "ENGAGEMENT_SCAN",
    "count_engagement",
    "counted_quotes",
    "engaged_post",
    "engagement_filters",
    "quote_filter",
]

log = logging.getLogger("decentsocial.nostr")

#: Events read per filter to count a note's engagement.
ENGAGEMENT_SCAN = 5_000
#: NIP-18 generic repost (of a note or any other kind).
KIND_GENERIC_REPOST = 16


def quote_filter(note_id: str) -> dict[str, Any]:
    """The notes quoting ``note_id`` (NIP-18 ``q`` tags)."""
    return {"kinds": [KIND_NOTE], "#q": [note_id], "limit": ENGAGEMENT_SCAN}


def engagement_filters(note_id: str, *, quotes: bool = True) -> list[dict[str, Any]]:
    """The filters that find every event pointing at ``note_id`` (``e`` tags, and ``q`` tags of quotes
    unless ``quotes`` is false: they are counted by the relay)."""
    kinds = [KIND_REACTION, KIND_REPOST, KIND_GENERIC_REPOST, KIND_NOTE, KIND_ZAP_RECEIPT]
    pointing = {"kinds": kinds, "#e": [note_id], "limit": ENGAGEMENT_SCAN}
    return [pointing, quote_filter(note_id)] if quotes else [pointing]


def zap_filter(note_id: str) -> dict[str, Any]:
    """The zap receipts of a note (``rewards()``)."""
    return {"kinds": [KIND_ZAP_RECEIPT], "#e": [note_id], "limit": ENGAGEMENT_SCAN}


def _e_tags(event: Event) -> list[tuple[str, ...]]:
    return [tag for tag in event.tags if len(tag) >= 2 and tag[0] == "e"]


def _reply_parent(event: Event) -> str | None:
    """The note ``event`` answers (NIP-10), or ``None`` when it answers none."""
    tags = _e_tags(event)
    marked = {tag[3]: tag[1] for tag in tags if len(tag) >= 4 and tag[3] in ("reply", "root")}
    if marked:
        return marked.get("reply", marked.get("root"))
    unmarked = [tag for tag in tags if len(tag) < 4 or tag[3] == ""]
    return unmarked[-1][1] if unmarked else None


def count_engagement(note: Event, events: Iterable[Event]) -> Engagement:
    """Likes, reposts, replies and quotes of ``note`` among ``events`` (each event counted once)."""
    likers: set[str] = set()
    reposters: set[str] = set()
    replies: set[str] = set()
    quotes: set[str] = set()
    for event in {e.id: e for e in events}.values():
        targets = [tag[1] for tag in _e_tags(event)]
        if event.kind == KIND_REACTION and targets and targets[-1] == note.id and event.content != "-":
            likers.add(event.pubkey)
        elif event.kind in (KIND_REPOST, KIND_GENERIC_REPOST) and note.id in targets:
            reposters.add(event.pubkey)
        elif event.kind == KIND_NOTE:
            if any(len(tag) >= 2 and tag[0] == "q" and tag[1] == note.id for tag in event.tags):
                quotes.add(event.id)
            elif _reply_parent(event) == note.id:
                replies.add(event.id)
    return Engagement(likes=len(likers), reposts=len(reposters), replies=len(replies), quotes=len(quotes))


def engaged_post(
    post: Post,
    note: Event,
    events: list[Event],
    zap_signer: Callable[[str], str | None],
    ignored: Callable[[Event, str | None], None],
) -> Post:
    """``post`` with its counts and, when it was zapped, its zap total as ``reward`` (in sats)."""
    if len(events) >= ENGAGEMENT_SCAN:
        log.info(
            "note %s: over %d events point at it: counts are lower bounds", note.id[:16], ENGAGEMENT_SCAN
        )
    update: dict[str, Any] = {"metrics": count_engagement(note, events)}
    receipts = [e for e in events if e.kind == KIND_ZAP_RECEIPT]
    if receipts:  # the LNURL server's key is read only for a note that has receipts
        update["reward"] = zap_reward(
            note.id, receipts, zap_signer(note.pubkey), ignored, note.pubkey, note.id
        )
    return post.model_copy(update=update)


class _Reader(Protocol):
    """What the counting needs of a Nostr connection: its relays, deletions and zap checks."""

    @property
    def transport(self) -> Any: ...

    def _drop_deleted(self, events: list[Event]) -> list[Event]: ...

    def _zap_signer(self, pubkey: str) -> str | None: ...

    def _announces(self, url: str, nip: int) -> bool: ...

    def _ignored_zap(self, receipt: Event, why: str | None) -> None: ...


def counted_quotes(net: _Reader, note_id: str) -> int | None:
    """The relay's NIP-45 count of the notes quoting ``note_id``, where it is exact (see above);
    ``None``: count them from the query. A relay that does not announce NIP-45 is never sent ``COUNT``."""
    relays = net.transport.relays
    if len(relays) != 1 or not (net._announces(relays[0], 45) and net._announces(relays[0], 9)):
        return None
    found: int | None = net.transport.count([quote_filter(note_id)], relays[0])
    return found


def engaged_note(net: _Reader, note: Event) -> Post:
    """``note`` as a post with its engagement, read through ``net`` (one query to every relay, and a
    ``COUNT`` of its quotes where the relay's count is exact)."""
    quotes = counted_quotes(net, note.id)
    found = net.transport.query(engagement_filters(note.id, quotes=quotes is None)).events
    post = engaged_post(
        post_from_event(note), note, net._drop_deleted(found), net._zap_signer, net._ignored_zap
    )
    if quotes is None or post.metrics is None:
        return post
    return post.model_copy(update={"metrics": post.metrics.model_copy(update={"quotes": quotes})})


def note_zaps(net: _Reader, note: Event) -> Reward:
    """The valid zaps to ``note``, in sats (``rewards()``)."""
    receipts = net.transport.query([zap_filter(note.id)]).events
    return zap_reward(note.id, receipts, net._zap_signer(note.pubkey), net._ignored_zap, note.pubkey, note.id)
