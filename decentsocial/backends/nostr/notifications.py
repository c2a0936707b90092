"""Notifications on Nostr: the events that tag this account (``#p``), kept apart from ``network.py``.

Mentions, replies, reactions, reposts, follows (a contact list naming this
account) and zaps, each zap receipt checked as ``rewards()`` checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, cast

from ... import errors
from ...models import Notification, Post
from .convert import notification_from_event, notification_target, post_from_event
from .events import (
    KIND_CONTACTS,
    KIND_NOTE,
    KIND_REACTION,
    KIND_REPOST,
    KIND_ZAP_RECEIPT,
    NOTE_KINDS,
    Event,
)
from .pages import take
from .zaps import check_zap_receipt

if TYPE_CHECKING:
    from .network import NostrNetwork

__all__ = ["Notifications"]


class Notifications:
    """The notification hooks of :class:`NostrNetwork`."""

    def _notifications(self, limit: int | None) -> Iterator[Notification]:
        """Mentions, replies, reactions, reposts, follows and (verified) zaps addressed to this account.

        A follow is the follower's latest contact list naming this account,
        dated when that list last changed.
        """
        net = cast("NostrNetwork", self)
        me = net.public_key
        lnurl_key: list[str | None] = []

        def my_zap_key() -> str | None:
            if not lnurl_key:
                lnurl_key.append(net._zap_signer(me))
            return lnurl_key[0]

        kinds = [KIND_NOTE, KIND_REPOST, KIND_REACTION, KIND_ZAP_RECEIPT, KIND_CONTACTS]
        base = {"kinds": kinds, "#p": [me]}
        events = net._events(base, limit=None, keep=lambda e: e.pubkey != me)
        targets: dict[str, Post | None] = {}  # many reactions point at the same note: read it once
        paid: set[str] = set()  # invoices notified: one payment is one zap, however many receipts
        return take((self._notification(e, my_zap_key, targets, paid) for e in events), limit)

    def _target_post(self, event_id: str, cache: dict[str, Post | None]) -> Post | None:
        net = cast("NostrNetwork", self)
        if event_id not in cache:
            try:
                cache[event_id] = post_from_event(net._get_event(event_id, NOTE_KINDS))
            except (errors.NotFound, errors.InvalidInput):
                cache[event_id] = None
        return cache[event_id]

    def _notification(
        self, event: Event, zap_key: Callable[[], str | None], targets: dict[str, Post | None], paid: set[str]
    ) -> Notification | None:
        net = cast("NostrNetwork", self)
        zap = None
        if event.kind == KIND_REACTION and event.tag_values("p")[-1:] != [net.public_key]:
            return None  # NIP-25: the last p tag is the reacted note's author; the others are its thread's
        if event.kind not in (KIND_NOTE, KIND_REPOST, KIND_REACTION, KIND_CONTACTS):
            zap = check_zap_receipt(event, zap_key(), net.public_key)
            if not zap.valid:
                net._ignored_zap(event, zap.problem)
                return None
            invoice = event.tag_values("bolt11")[0]
            if invoice in paid:  # a receipt published again (as rewards() counts it: once)
                return None
            paid.add(invoice)
        target = notification_target(event)
        return notification_from_event(
            event, None if target is None else self._target_post(target, targets), zap, net.public_key
        )
