"""Zapping (NIP-57): the signed zap request, and the LNURL callback URL a wallet calls to pay it.

Checking receipts is in ``zaps.py``; these are the hooks of :class:`NostrNetwork`
that build a zap (kept here: its module is at the size limit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ... import errors
from ...models import Account, Amount, Post
from ...network import AccountRef, PostRef
from .convert import profile_content
from .events import KIND_ZAP_REQUEST, sign_event
from .zaps import ZapRequest, to_msat, zap_callback_url

if TYPE_CHECKING:
    from .network import NostrNetwork

__all__ = ["Tipping"]


class Tipping:
    """The NIP-57 zap hooks of :class:`NostrNetwork`."""

    def zap_request(
        self,
        to: AccountRef | PostRef,
        amount: Amount | str,
        memo: str = "",
        *,
        created_at: int | None = None,
    ) -> ZapRequest:
        """Build and sign a NIP-57 zap request; a wallet pays the invoice the callback returns.

        With ``created_at`` the request is deterministic: the same arguments give the same signed
        event (id and signature), so the same callback URL.
        """
        net = cast("NostrNetwork", self)
        msat = to_msat(amount, net.name)
        net._signer()
        recipient, target = self._zap_target(to)
        pay = net._lnurl(profile_content(net._profile(recipient)))
        if pay is None or not pay.allows_nostr or pay.nostr_pubkey is None:
            raise errors.ContentRejected(
                "the recipient's profile names no LNURL server that accepts zaps", network=net.name
            )
        if not pay.min_sendable <= msat <= pay.max_sendable:
            raise errors.ContentRejected(
                f"{msat} msat is outside the recipient's range {pay.min_sendable}-{pay.max_sendable} msat",
                network=net.name,
            )
        tags: list[tuple[str, ...]] = [("relays", *net.settings.relays), ("amount", str(msat))]
        if pay.lnurl:
            tags.append(("lnurl", pay.lnurl))
        tags.append(("p", recipient))
        if target is not None:
            tags.append(("e", target))
        if created_at is None:
            event = net.sign(KIND_ZAP_REQUEST, memo, tuple(tags))
        else:
            event = sign_event(
                net._signer(), KIND_ZAP_REQUEST, memo, tuple(tags), created_at, deterministic=True
            )
        return ZapRequest(event, zap_callback_url(pay, event, msat), msat, recipient, pay)

    def _tip(self, to: AccountRef | PostRef, amount: Amount, memo: str, idempotency_key: str | None) -> str:
        """The LNURL callback URL (carrying the signed zap request) that a wallet calls to pay.

        With an idempotency key the zap request is dated once per key (the date kept in the
        state store, shared by every process) and signed deterministically, so a retry after a
        crash hands the wallet the very same request (same id, same URL): the LNURL server and
        the wallet see one request, not a second payment to make.
        """
        net = cast("NostrNetwork", self)
        if idempotency_key is None:
            return self.zap_request(to, amount, memo).callback_url
        created_at = net._claim_date("tip", idempotency_key, net._now())
        return self.zap_request(to, amount, memo, created_at=created_at).callback_url

    def _zap_target(self, to: AccountRef | PostRef) -> tuple[str, str | None]:
        net = cast("NostrNetwork", self)
        if isinstance(to, Post):
            return net._pubkey_of(to.author), net._event_id(to)
        if isinstance(to, Account):
            return net._pubkey_of(to), None
        ref = net.account_ref(to)
        if ref.startswith(("note1", "nevent1", "nostr:note1", "nostr:nevent1")):
            event = net._get_event(net._event_id(ref))
            return event.pubkey, event.id
        if len(ref) == 64:
            try:
                event = net._get_event(net._event_id(ref))
                return event.pubkey, event.id
            except (errors.NotFound, errors.InvalidInput):
                pass
        return net._pubkey_of(ref), None
