"""``edit(replace=True)`` on a sandbox without edits (a new post, then the old one deleted) finds a
replacement an earlier version began, as ``publish`` finds a key it stored.

That version made the replacement's key of the draft's digest with its ``options`` in the order
given, and the sandbox keeps its keys in its own table (not the state store). Run again after an
upgrade, the replacement must give the post it made, never post a second one.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork

OPTIONS: dict[str, Any] = {"topic_tag": "launch", "nested": {"z": 1, "a": [{"y": 2, "b": 3}]}}
REORDERED: dict[str, Any] = {"nested": {"a": [{"b": 3, "y": 2}], "z": 1}, "topic_tag": "launch"}


def _legacy(draft: ds.Draft) -> str:
    """The digest versions before this one took: the draft's JSON, options in the order given."""
    return hashlib.sha256(draft.model_dump_json().encode()).hexdigest()


def _sandbox(tmp_path: Path) -> SandboxNetwork:
    net = ds.connect(
        "sandbox",
        path=tmp_path / "s.db",
        account="alice",
        state_path=tmp_path / "state.db",
        unsupported=["edit"],
    )
    assert isinstance(net, SandboxNetwork)
    return net


def _begun_by_an_earlier_version(
    net: SandboxNetwork, tmp_path: Path, old: ds.Post, draft: ds.Draft
) -> ds.Post:
    """What the earlier version did: the new post stored under its key (the key and the digest of
    the legacy kind), then it stopped before deleting the old post."""
    key = hashlib.sha256(f"replace\x1f{old.id}\x1f{_legacy(draft)}".encode()).hexdigest()[:32]
    keyed = draft.model_copy(update={"idempotency_key": key})
    made = net.publish(keyed)
    with sqlite3.connect(tmp_path / "s.db") as db:  # the digest as that version stored it
        db.execute("UPDATE idempotency SET digest = ? WHERE key = ?", (_legacy(keyed), key))
    db.close()
    return made


def test_a_replacement_an_earlier_version_began_gives_its_post(tmp_path: Path) -> None:
    net = _sandbox(tmp_path)
    old = net.publish("a post with a typo")
    draft = ds.Draft(text="a post without", options=OPTIONS)
    made = _begun_by_an_earlier_version(net, tmp_path, old, draft)
    assert net.edit(old, draft, replace=True).id == made.id
    assert [p.id for p in net.posts(limit=None)] == [made.id]  # the old one gone, no second new one
    assert net.edit(old, draft, replace=True).id == made.id  # and once more: still that post
    assert [p.id for p in net.posts(limit=None)] == [made.id]
    net.close()


def test_a_replacement_this_version_makes_takes_the_new_key(tmp_path: Path) -> None:
    net = _sandbox(tmp_path)
    old = net.publish("a post with a typo")
    new = net.edit(old, ds.Draft(text="a post without", options=OPTIONS), replace=True)
    assert net.edit(old, ds.Draft(text="a post without", options=REORDERED), replace=True).id == new.id
    assert [p.id for p in net.posts(limit=None)] == [new.id]
    net.close()
