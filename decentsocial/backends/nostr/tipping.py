"""Zapping (NIP-57): the signed zap request, and the LNURL callback URL a wallet calls to pay it.

Checking receipts is in ``zaps.py``; these are the hooks of :class:`NostrNetwork`
that build a zap (kept here: its module is at the size limit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ... import errors
from ...models import Account, Amount, Post
from ...network import AccountRef, PostRef
from ...write_args import check_memo
from .convert import profile_content
from .events import KIND_ZAP_REQUEST, Event, Tags, sign_event
from .keys import PrivateKey
from .settings import NostrSettings
from .zaps import LnurlPay, ZapRequest, to_msat, zap_callback_url

if TYPE_CHECKING:
    from .network import NostrNetwork

__all__ = ["Tipping"]


class _Zapper(Protocol):
    """What the zap hooks need of the connection they are mixed into (``NostrNetwork``)."""

    @property
    def name(self) -> str: ...

    @property
    def settings(self) -> NostrSettings: ...

    @property
    def _lnurl(self) -> Callable[[dict[str, object]], LnurlPay | None]: ...

    def _signer(self) -> PrivateKey: ...

    def _now(self) -> int: ...

    def sign(self, kind: int, content: str, tags: Tags, created_at: int | None = None) -> Event: ...

    def _claim_date(self, kind: str, key: str, created_at: int) -> int: ...

    def _profile(self, pubkey: str, *, for_update: bool = False) -> Event | None: ...

    def _get_event(self, event_id: str) -> Event: ...

    def _answered(self, event: Event) -> Event: ...

    def _event_id(self, post: PostRef) -> str: ...

    def _pubkey_of(self, account: AccountRef) -> str: ...

    def account_ref(self, account: AccountRef) -> str: ...

    def zap_request(
        self, to: AccountRef | PostRef, amount: Amount | str, memo: str = "", *, created_at: int | None = None
    ) -> ZapRequest: ...

    def _zap_target(self, to: AccountRef | PostRef) -> tuple[str, str | None]: ...


if TYPE_CHECKING:

    def _is_zapper(net: NostrNetwork) -> _Zapper:  # mypy checks the network has all the hooks use
        return net


class Tipping:
    """The NIP-57 zap hooks of :class:`NostrNetwork`."""

    def zap_request(
        self: _Zapper,
        to: AccountRef | PostRef,
        amount: Amount | str,
        memo: str = "",
        *,
        created_at: int | None = None,
    ) -> ZapRequest:
        """Build and sign a NIP-57 zap request; a wallet pays the invoice the callback returns.

        With ``created_at`` the request is deterministic: the same arguments give the same signed
        event (id and signature), so the same callback URL. The memo is checked as ``tip`` checks
        it (:func:`~decentsocial.write_args.check_memo`), before anything is looked up or signed.
        """
        check_memo(memo, network=self.name)
        msat = to_msat(amount, self.name)
        self._signer()
        recipient, target = self._zap_target(to)
        pay = self._lnurl(profile_content(self._profile(recipient)))
        if pay is None or not pay.allows_nostr or pay.nostr_pubkey is None:
            raise errors.ContentRejected(
                "the recipient's profile names no LNURL server that accepts zaps", network=self.name
            )
        if not pay.min_sendable <= msat <= pay.max_sendable:
            raise errors.ContentRejected(
                f"{msat} msat is outside the recipient's range {pay.min_sendable}-{pay.max_sendable} msat",
                network=self.name,
            )
        tags: list[tuple[str, ...]] = [("relays", *self.settings.relays), ("amount", str(msat))]
        if pay.lnurl:
            tags.append(("lnurl", pay.lnurl))
        tags.append(("p", recipient))
        if target is not None:
            tags.append(("e", target))
        if created_at is None:
            event = self.sign(KIND_ZAP_REQUEST, memo, tuple(tags))
        else:
            event = sign_event(
                self._signer(), KIND_ZAP_REQUEST, memo, tuple(tags), created_at, deterministic=True
            )
        return ZapRequest(event, zap_callback_url(pay, event, msat), msat, recipient, pay)

    def _tip(
        self: _Zapper, to: AccountRef | PostRef, amount: Amount, memo: str, idempotency_key: str | None
    ) -> str:
        """The LNURL callback URL (carrying the signed zap request) that a wallet calls to pay.

        With an idempotency key the zap request is dated once per key (the date kept in the
        state store, shared by every process) and signed deterministically, so a retry after a
        crash hands the wallet the very same request (same id, same URL): the LNURL server and
        the wallet see one request, not a second payment to make.
        """
        if idempotency_key is None:
            return self.zap_request(to, amount, memo).callback_url
        created_at = self._claim_date("tip", idempotency_key, self._now())
        return self.zap_request(to, amount, memo, created_at=created_at).callback_url

    def _zap_target(self: _Zapper, to: AccountRef | PostRef) -> tuple[str, str | None]:
        """(the key paid, the note zapped); a repost read as the note it embeds zaps that note."""
        if isinstance(to, Post) and to.reposted_by is None:
            return self._pubkey_of(to.author), self._event_id(to)
        if isinstance(to, Post):  # its id is the repost's own
            event = self._answered(self._get_event(self._event_id(to)))
            return event.pubkey, event.id
        if isinstance(to, Account):
            return self._pubkey_of(to), None
        ref = self.account_ref(to)
        if ref.lower().startswith(("note1", "nevent1", "nostr:note1", "nostr:nevent1")):  # any case
            event = self._answered(self._get_event(self._event_id(ref)))
            return event.pubkey, event.id
        if len(ref) == 64:
            try:
                event = self._answered(self._get_event(self._event_id(ref)))
                return event.pubkey, event.id
            except (errors.NotFound, errors.InvalidInput):
                pass
        return self._pubkey_of(ref), None
