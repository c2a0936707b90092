"""The sandbox's SQL for the post lifecycle: edits in place and an account's pinned posts.

An edit rewrites the post's content columns and its tags in one
transaction and notes when (``extra["edited_at_us"]``, shown as
``Post.edited_at``); a pin is a row of ``pins`` (account, post, when),
newest first. Like ``store``, every SQL fragment is a constant.
"""

from __future__ import annotations

import json

from .convert import Record
from .store import POST_SELECT, VISIBLE, NewPost
from .transport import Tx

__all__ = ["PinCursor", "edit", "pin", "pinned_rows", "unpin"]


def edit(tx: Tx, row: Record, new: NewPost, now: int) -> None:
    """Give the post ``row`` the content of ``new``; it keeps its id, time, parent and community."""
    extra = json.loads(row["extra"])
    for name in ("poll", "link", "sensitive"):
        extra.pop(name, None)
    extra.update(new.extra)
    extra["edited_at_us"] = now
    tx.run(
        """UPDATE posts SET text = ?, folded = ?, title = ?, tags = ?, mentions = ?, links = ?, media = ?,
            language = ?, content_warning = ?, visibility = ?, extra = ? WHERE seq = ?""",
        (*new.content(row["visibility"]), json.dumps(extra), row["seq"]),
    )
    tx.run("DELETE FROM post_tags WHERE post_seq = ?", (row["seq"],))
    tx.many("INSERT INTO post_tags (tag, post_seq) VALUES (?, ?)", [(t, row["seq"]) for t in new.tags])


def pin(tx: Tx, account: str, seq: int, now: int) -> None:
    tx.run("INSERT OR IGNORE INTO pins (account, post_seq, pinned_at) VALUES (?, ?, ?)", (account, seq, now))


def unpin(tx: Tx, account: str, post_id: str) -> None:
    tx.run(
        "DELETE FROM pins WHERE account = ? AND post_seq IN (SELECT seq FROM posts WHERE id = ?)",
        (account, post_id),
    )


#: Where a page of pins ends: ``(pinned_at, seq)`` of the last pin seen.
PinCursor = tuple[int, int]


def pinned_rows(tx: Tx, account: str, now: int, cursor: PinCursor | None, size: int) -> list[Record]:
    """``account``'s visible pinned posts, most recently pinned first, after ``cursor``."""
    c_at, c_seq = cursor if cursor is not None else (2**62, 2**62)
    return tx.all(
        f"""SELECT p.*, n.pinned_at AS pinned_at FROM ({POST_SELECT}) p JOIN pins n ON n.post_seq = p.seq
            WHERE n.account = :who AND {VISIBLE} AND (n.pinned_at, p.seq) < (:c_at, :c_seq)
            ORDER BY n.pinned_at DESC, p.seq DESC LIMIT :n""",  # noqa: S608 - constant fragments
        {"who": account, "now": now, "c_at": c_at, "c_seq": c_seq, "n": size},
    )
