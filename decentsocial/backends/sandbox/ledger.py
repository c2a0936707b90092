"""The sandbox's economy in SQL: balances, votes and the rewards they accrue, claims and tips.

The rules (see ``docs/networks/sandbox.md``): a vote by another account
accrues ``like_reward`` scaled by its weight for the post's author, pending
until ``payout_delay`` after the vote, then claimable; removing the vote (or
deleting the post) cancels a pending accrual, a claimable one is final; one
voter earns an author at most one accrual per post. Amounts are integer
thousandths ("units") of the asset. Each function runs inside the caller's
transaction.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from ...errors import ContentRejected, NotFound
from .convert import LAST_US, Economy, Record
from .settings import NETWORK
from .store import notify
from .transport import Tx

__all__ = [
    "balance_units",
    "cancel_pending",
    "claim",
    "keep_tip_key",
    "keyed_tip",
    "post_earnings",
    "reward_totals",
    "transfer",
    "vote",
]


def balance_units(tx: Tx, handle: str) -> int:
    """``handle``'s spendable balance in units; ``NotFound`` for an unknown account."""
    row = tx.one("SELECT balance FROM accounts WHERE handle = ?", (handle,))
    if row is None:
        raise NotFound(f"no account {handle!r} in this sandbox", network=NETWORK)
    return int(row["balance"])


def vote(tx: Tx, economy: Economy, voter: str, post: Record, weight: Decimal, now: int) -> None:
    """Record ``voter``'s vote of ``weight`` percent on ``post`` (0 removes it), with its notification
    and its accrual for the author."""
    seq, owner = post["seq"], post["author"]
    before = tx.one("SELECT weight FROM votes WHERE post_seq = ? AND voter = ?", (seq, voter))
    liked_before = before is not None and before["weight"] > 0
    if weight == 0:
        tx.run("DELETE FROM votes WHERE post_seq = ? AND voter = ?", (seq, voter))
    else:
        tx.run(
            """INSERT INTO votes (post_seq, voter, weight, created_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (post_seq, voter) DO UPDATE SET weight = excluded.weight""",
            (seq, voter, float(weight), now),
        )
    if owner == voter:
        return  # liking your own post counts as a like, and earns nothing
    if weight > 0 and not liked_before:
        notify(tx, owner, "like", voter, now, post_seq=seq)
    if weight <= 0 and liked_before:
        tx.run(
            "DELETE FROM notifications WHERE recipient = ? AND kind = 'like' AND actor = ? AND post_seq = ?",
            (owner, voter, seq),
        )
    accrual = tx.one("SELECT seq, claimable_at FROM accruals WHERE post_seq = ? AND voter = ?", (seq, voter))
    pending = accrual is not None and accrual["claimable_at"] > now
    # Rounded down, in integers: ``Decimal`` arithmetic would round to the caller's decimal context.
    numerator, denominator = weight.as_integer_ratio()
    units = economy.like_units * numerator // (100 * denominator) if numerator > 0 else 0
    if weight > 0 and accrual is None and units > 0:
        # A delay past the calendar's end (``payout_delay=timedelta.max``: "never") matures at its end:
        # a later time fits no SQLite integer nor any ``datetime`` (the like, and every read, crashed).
        claimable_at = min(now + economy.payout_delay_us, LAST_US)
        accrual_seq = tx.insert(
            """INSERT INTO accruals (post_seq, author, voter, units, earned_at, claimable_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (seq, owner, voter, units, now, claimable_at),
        )
        notify(tx, owner, "reward", voter, claimable_at, post_seq=seq, units=units, accrual_seq=accrual_seq)
    elif units > 0 and accrual is not None and pending:
        tx.run("UPDATE accruals SET units = ? WHERE seq = ?", (units, accrual["seq"]))
        tx.run("UPDATE notifications SET units = ? WHERE accrual_seq = ?", (units, accrual["seq"]))
    elif accrual is not None and pending:  # no weight, or one too small to earn 0.001: as a first vote
        _cancel(tx, accrual["seq"])


def cancel_pending(tx: Tx, post_seq: int, now: int) -> None:
    """Cancel every accrual of a post that is still pending (the post is being deleted)."""
    for row in tx.all("SELECT seq FROM accruals WHERE post_seq = ? AND claimable_at > ?", (post_seq, now)):
        _cancel(tx, row["seq"])


def _cancel(tx: Tx, accrual_seq: int) -> None:
    tx.run("DELETE FROM accruals WHERE seq = ?", (accrual_seq,))
    tx.run("DELETE FROM notifications WHERE accrual_seq = ?", (accrual_seq,))


def post_earnings(tx: Tx, post_seq: int) -> tuple[list[Record], list[Record]]:
    """A post's accruals (``units``, ``claimable_at``, ``claimed_at``) and its tips by sender.

    Tip rows have ``sender`` and ``units``, in the order of the senders' handles.
    """
    accruals = tx.all("SELECT units, claimable_at, claimed_at FROM accruals WHERE post_seq = ?", (post_seq,))
    tips = tx.all(
        "SELECT sender, SUM(units) AS units FROM transfers WHERE post_seq = ?"
        " GROUP BY sender ORDER BY sender",
        (post_seq,),
    )
    return accruals, tips


def reward_totals(tx: Tx, handle: str, now: int) -> Record:
    """``handle``'s accruals in one row: ``ready`` (claimable units), ``waiting`` (pending units)
    and ``next_at`` (when the next pending one matures, or ``None``)."""
    row = tx.one(
        """SELECT
            COALESCE(SUM(CASE WHEN claimable_at <= :now AND claimed_at IS NULL THEN units END), 0) AS ready,
            COALESCE(SUM(CASE WHEN claimable_at > :now THEN units END), 0) AS waiting,
            MIN(CASE WHEN claimable_at > :now THEN claimable_at END) AS next_at
           FROM accruals WHERE author = :who""",
        {"now": now, "who": handle},
    )
    assert row is not None  # an aggregate always returns one row
    return row


def claim(tx: Tx, handle: str, now: int) -> int:
    """Move every claimable accrual of ``handle`` into its balance; the units moved."""
    row = tx.one(
        """SELECT COALESCE(SUM(units), 0) AS u FROM accruals
           WHERE author = ? AND claimable_at <= ? AND claimed_at IS NULL""",
        (handle, now),
    )
    units = 0 if row is None else int(row["u"])
    tx.run(
        "UPDATE accruals SET claimed_at = ? WHERE author = ? AND claimable_at <= ? AND claimed_at IS NULL",
        (now, handle, now),
    )
    tx.run("UPDATE accounts SET balance = balance + ? WHERE handle = ?", (units, handle))
    return units


def transfer(
    tx: Tx,
    economy: Economy,
    sender: str,
    recipient: str,
    units: int,
    *,
    memo: str,
    post_seq: int | None,
    now: int,
) -> str:
    """Move ``units`` from ``sender`` to ``recipient`` (a tip, for ``post_seq`` if given); the receipt id.

    More than the sender's balance is ``ContentRejected``; the recipient is notified ("zap").
    """
    balance = balance_units(tx, sender)
    if units > balance:
        raise ContentRejected(
            f"tip of {economy.amount(units)} is more than {sender}'s balance of {economy.amount(balance)}",
            network=NETWORK,
        )
    receipt = f"tip-{secrets.token_hex(8)}"
    tx.run("UPDATE accounts SET balance = balance - ? WHERE handle = ?", (units, sender))
    tx.run("UPDATE accounts SET balance = balance + ? WHERE handle = ?", (units, recipient))
    tx.run(
        """INSERT INTO transfers (id, sender, recipient, units, memo, post_seq, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (receipt, sender, recipient, units, memo, post_seq, now),
    )
    notify(tx, recipient, "zap", sender, now, post_seq=post_seq, units=units)
    return receipt


def keyed_tip(tx: Tx, sender: str, key: str) -> Record | None:
    """The tip ``sender`` made under idempotency ``key`` (``fingerprint``, ``receipt``), if any."""
    return tx.one("SELECT fingerprint, receipt FROM tip_keys WHERE account = ? AND key = ?", (sender, key))


def keep_tip_key(tx: Tx, sender: str, key: str, fingerprint: str, receipt: str) -> None:
    """Record the tip made under ``key``, in the transaction that moved the money."""
    tx.run(
        "INSERT INTO tip_keys (account, key, fingerprint, receipt) VALUES (?, ?, ?, ?)",
        (sender, key, fingerprint, receipt),
    )
