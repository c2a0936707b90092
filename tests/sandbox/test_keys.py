"""Publish keys live in the sandbox's own database, stored with the post in one transaction.

So ``publish`` does not also claim them in the shared state store: the
database alone gives one post per key and refuses the key for another draft,
whatever state file each connection uses. A database made before digests
were kept gets the column on first use.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.backends.sandbox.schema import SCHEMA


def _open(path: Path, state: Path) -> SandboxNetwork:
    net = ds.connect("sandbox", path=path, account="alice", state_path=state)
    assert isinstance(net, SandboxNetwork)
    return net


def test_the_database_keeps_keys_whatever_state_file_is_used(tmp_path: Path) -> None:
    first = _open(tmp_path / "s.db", tmp_path / "one.db")
    second = _open(tmp_path / "s.db", tmp_path / "two.db")
    draft = ds.Draft(text="order 7 confirmed", idempotency_key="order-7")
    made = first.publish(draft)
    assert second.publish(draft).id == made.id
    with pytest.raises(ds.InvalidInput, match="different content"):
        second.publish(ds.Draft(text="order 7 changed", idempotency_key="order-7"))
    assert [p.id for p in second.posts(limit=None)] == [made.id]
    assert not (tmp_path / "one.db").exists()  # the state store was never needed
    first.close()
    second.close()


def test_without_idempotent_publish_keys_go_to_the_state_store(tmp_path: Path) -> None:
    net = ds.connect(
        "sandbox", account="alice", state_path=tmp_path / "state.db", unsupported=["idempotent_publish"]
    )
    draft = ds.Draft(text="once", idempotency_key="k")
    net.publish(draft)
    with pytest.raises(ds.InvalidInput):
        net.publish(ds.Draft(text="other", idempotency_key="k"))
    assert (tmp_path / "state.db").exists()


def test_a_database_from_before_digests_gets_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # every table of today, but idempotency as it was before digests
        db.executescript(SCHEMA)
        db.execute("DROP TABLE idempotency")
        db.execute(
            "CREATE TABLE idempotency (account TEXT NOT NULL, key TEXT NOT NULL, post_seq INTEGER NOT NULL,"
            " PRIMARY KEY (account, key))"
        )
    net = _open(path, tmp_path / "state.db")
    made = net.publish(ds.Draft(text="hello", idempotency_key="k"))
    assert net.publish(ds.Draft(text="hello", idempotency_key="k")).id == made.id
    with pytest.raises(ds.InvalidInput):
        net.publish(ds.Draft(text="bye", idempotency_key="k"))
    net.close()
