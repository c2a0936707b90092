"""A fresh sandbox never finds the idempotency records of an earlier one in a shared state store.

A state store outlives any sandbox. A keyed tip asked it first, under the connection's
``identity``: in a database made again at the same path, or in a new in-memory sandbox that got
the identity of a collected one (it held an ``id()``), it returned an old receipt and moved nothing.
"""

from __future__ import annotations

import gc
from pathlib import Path

from decentsocial import Amount

from .conftest import START, sandbox


def _remove_database(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def test_a_file_made_again_pays_a_keyed_tip_again(tmp_path: Path) -> None:
    db, state = tmp_path / "demo.db", tmp_path / "state.db"
    for _ in range(2):  # the demo started over: the file deleted, the same script run again
        _remove_database(db)
        alice = sandbox(path=db, account="alice", now=START, state_path=state)
        bob = alice.as_account("bob")
        alice.tip("@bob", "5 SAND", idempotency_key="order-1")
        assert bob.balance() == Amount.parse("105.000 SAND")
        assert alice.balance() == Amount.parse("95.000 SAND")
        assert alice.tip("@bob", "5 SAND", idempotency_key="order-1").startswith("tip-")  # once per file
        assert bob.balance() == Amount.parse("105.000 SAND")
        bob.close()
        alice.close()


def test_the_identity_of_a_file_stays_across_connections(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    first = sandbox(path=db, account="alice")
    known = first.identity
    first.close()
    again = sandbox(path=db, account="alice")
    assert again.identity == known  # monitor cursors and tip records find it again
    other = sandbox(path=db, account="bob")
    assert other.identity != known
    again.close()
    other.close()


def test_every_new_in_memory_sandbox_pays_a_keyed_tip(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    seen: set[str] = set()
    for _ in range(12):  # a notebook cell run again: a new sandbox, often at a freed address
        alice = sandbox(account="alice", now=START, state_path=state)
        bob = alice.as_account("bob")
        alice.tip("@bob", "5 SAND", idempotency_key="order-1")
        assert bob.balance() == Amount.parse("105.000 SAND")
        assert alice.identity not in seen
        seen.add(alice.identity)
        bob.close()
        alice.close()
        del alice, bob
        gc.collect()
