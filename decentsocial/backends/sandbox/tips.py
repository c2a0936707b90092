"""The sandbox's tips: whom a tip goes to, and a keyed tip paid once per database.

Whom a tip goes to is never a guess (see ``SandboxNetwork._tip``). A tip's
idempotency key is stored with its transfer, in the transaction that moves
the money (``ledger.keep_tip_key``), so the database alone says whether a key
paid: no state store, which outlives a sandbox, is asked.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ...errors import InvalidInput, NotFound
from ...models import Account, Amount, Post
from ...network import AccountRef, PostRef
from ...text import lone_surrogate_at
from . import ledger, store
from .convert import Economy
from .schema import now_us
from .settings import AMOUNT_PLACES, MAX_KEY, NETWORK, exact_in_units, normalise_handle
from .transport import Tx

__all__ = ["MAX_MEMO", "check", "pay"]

#: The longest tip memo accepted.
MAX_MEMO = 2048


def check(to: AccountRef | PostRef, amount: Amount, memo: str, key: str | None) -> None:
    """``InvalidInput`` for a tip that cannot be paid whatever the database holds (no I/O)."""
    if not exact_in_units(amount.value):
        raise InvalidInput(
            f"sandbox amounts have at most {AMOUNT_PLACES} decimal places, got {amount}", network=NETWORK
        )
    if len(memo) > MAX_MEMO:
        raise InvalidInput(f"memo must be a string of at most {MAX_MEMO} characters", network=NETWORK)
    if lone_surrogate_at(memo) is not None:
        raise InvalidInput("memo is not valid Unicode (a lone surrogate)", network=NETWORK)
    if key is not None and not (0 < len(key) <= MAX_KEY):
        raise InvalidInput(f"idempotency_key must be 1-{MAX_KEY} characters", network=NETWORK)
    if isinstance(to, Post):
        store.check_post_id(to.id)
    elif isinstance(to, str) and not to.startswith(("@", "＠")) and not store.is_post_id(to):
        try:  # neither a post id nor a handle: refused before any I/O
            normalise_handle(to)
        except InvalidInput:
            raise InvalidInput(
                f"{to[:100]!r} is neither a sandbox handle nor a post id", network=NETWORK
            ) from None


def pay(
    tx: Tx, economy: Economy, sender: str, to: AccountRef | PostRef, units: int, memo: str, key: str | None
) -> str:
    """Move ``units`` from ``sender`` to the target of ``to``; the receipt (the first one for a ``key``)."""
    fingerprint = _fingerprint(to, units, memo)
    if key is not None:
        earlier = ledger.keyed_tip(tx, sender, key)
        if earlier is not None:
            if earlier["fingerprint"] != fingerprint:
                raise InvalidInput(
                    "this idempotency_key was already used with different content (another tip); "
                    "use a new key",
                    network=NETWORK,
                )
            return str(earlier["receipt"])  # paid already: the first receipt, not a second payment
    now = now_us(tx)
    recipient, post_seq = _target(tx, to, now)
    if recipient == sender:
        raise InvalidInput("an account cannot tip itself", network=NETWORK)
    receipt = ledger.transfer(tx, economy, sender, recipient, units, memo=memo, post_seq=post_seq, now=now)
    if key is not None:
        ledger.keep_tip_key(tx, sender, key, fingerprint, receipt)
    return receipt


def _target(tx: Tx, to: AccountRef | PostRef, now: int) -> tuple[str, int | None]:
    """(recipient, post row or None) by the rule in ``SandboxNetwork._tip``'s docstring."""
    if isinstance(to, Post):
        row = store.post_row(tx, to.id, now)
        return row["author"], row["seq"]
    if isinstance(to, Account):
        handle = normalise_handle(to.handle)
        store.require_account(tx, handle)
        return handle, None
    text = to.strip()
    try:
        handle = normalise_handle(text)
    except InvalidInput:
        handle = ""
    account = bool(handle) and store.account_exists(tx, handle)
    if text.startswith(("@", "＠")):
        if not account:
            raise NotFound(f"no account {handle or text!r} in this sandbox", network=NETWORK)
        return handle, None
    try:
        post: Any = store.post_row(tx, text, now) if store.is_post_id(text) else None
    except NotFound:
        post = None
    if account and post is not None:
        raise InvalidInput(
            f"{text!r} is both an account's handle and a post's id; pass the Account or the Post "
            f"(or '@{handle}' for the account)",
            network=NETWORK,
        )
    if account:
        return handle, None
    if post is not None:
        return post["author"], post["seq"]
    raise NotFound(f"no account or post {text!r} in this sandbox", network=NETWORK)


def _fingerprint(to: AccountRef | PostRef, units: int, memo: str) -> str:
    """What a keyed tip was asked to do (before resolving its target): one key, one tip."""
    if isinstance(to, Post):
        target = f"post:{to.id}"
    elif isinstance(to, Account):
        target = f"account:{to.handle.strip().lstrip('@').lower()}"
    else:
        target = f"ref:{to.strip()}"
    return hashlib.sha256(f"{target}\x1f{units}\x1f{memo}".encode("utf-8", "surrogatepass")).hexdigest()
