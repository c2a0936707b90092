"""The sandbox's direct messages: one SQLite table, written and read in the caller's transaction.

The table is created by the first message sent, so databases made before
messages existed keep working (an absent table is an empty inbox). The
conversation of two accounts is named after the pair, so both see one id.
Every SQL fragment is a constant; values travel as bound parameters.
"""

from __future__ import annotations

import secrets

from ...models import Message
from .convert import Record, author, from_us
from .settings import NETWORK
from .store import require_account
from .transport import Tx

__all__ = ["MessageCursor", "message_from_row", "page", "send"]

#: A page of messages: ``(created_at, seq)`` of the last message seen.
MessageCursor = tuple[int, int]

_TABLE = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    conversation TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
)
"""
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS messages_by_sender ON messages (sender, created_at, seq)",
    "CREATE INDEX IF NOT EXISTS messages_by_recipient ON messages (recipient, created_at, seq)",
)

_SELECT = """
SELECT m.*, s.display_name AS sender_name, r.display_name AS recipient_name
FROM messages m
JOIN accounts s ON s.handle = m.sender
JOIN accounts r ON r.handle = m.recipient
WHERE (m.sender = :me OR m.recipient = :me)
"""
_AFTER = " AND (m.created_at < :at OR (m.created_at = :at AND m.seq < :seq))"
_ORDER = " ORDER BY m.created_at DESC, m.seq DESC LIMIT :size"


def conversation_of(a: str, b: str) -> str:
    """The one conversation id both accounts of a pair see."""
    first, second = sorted((a, b))
    return f"dm:{first}:{second}"


def send(tx: Tx, sender: str, recipient: str, text: str, now: int) -> Record:
    """Store a message from ``sender`` to an existing ``recipient`` (``NotFound`` otherwise)."""
    require_account(tx, recipient)
    tx.run(_TABLE)
    for statement in _INDEXES:
        tx.run(statement)
    ident = f"m{secrets.token_hex(8)}"
    tx.run(
        "INSERT INTO messages (id, sender, recipient, conversation, text, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (ident, sender, recipient, conversation_of(sender, recipient), text, now),
    )
    row = tx.one(_SELECT + " AND m.id = :id", {"me": sender, "id": ident})
    assert row is not None  # inserted just now, in this transaction
    return row


def page(tx: Tx, me: str, cursor: MessageCursor | None, size: int) -> list[Record]:
    """Messages ``me`` sent or received, newest first, after ``cursor``."""
    if tx.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'") is None:
        return []
    params: dict[str, object] = {"me": me, "size": size}
    sql = _SELECT
    if cursor is not None:
        sql += _AFTER
        params.update(at=cursor[0], seq=cursor[1])
    return tx.all(sql + _ORDER, params)


def message_from_row(row: Record) -> Message:
    """A ``Message`` from a row of ``page``/``send``; ``raw`` names the conversation's two accounts."""
    return Message(
        network=NETWORK,
        id=row["id"],
        sender=author(row["sender"], row["sender_name"]),
        recipients=(author(row["recipient"], row["recipient_name"]),),
        text=row["text"],
        created_at=from_us(row["created_at"]),
        conversation_id=row["conversation"],
        raw={"sender": row["sender"], "recipient": row["recipient"]},
    )
