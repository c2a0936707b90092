"""``edit(replace=True)`` on Nostr (no edits: a new note, then the old one deleted) run again gives
the note it made, whatever order the draft's ``options`` keys come in; a replacement an earlier
version began (its key made of the digest of the options in the order given) gives that note too."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork

Make = Callable[..., NostrNetwork]

OPTIONS: dict[str, Any] = {"topic_tag": "launch", "nested": {"z": 1, "a": [{"y": 2, "b": 3}]}}
REORDERED: dict[str, Any] = {"nested": {"a": [{"b": 3, "y": 2}], "z": 1}, "topic_tag": "launch"}


def test_a_replacement_run_again_with_options_in_another_order_gives_its_note(
    make_net: Make, tmp_path: Path
) -> None:
    alice = make_net(state_path=tmp_path / "state.db")
    old = alice.publish("a note with a typo")
    new = alice.edit(old, ds.Draft(text="a note without", options=OPTIONS), replace=True)
    # Run again (its answer was lost) with the Post it holds, the options built in another order.
    again = alice.edit(old, ds.Draft(text="a note without", options=REORDERED), replace=True)
    assert again.id == new.id
    assert [p.id for p in alice.posts(limit=None)] == [new.id]


def test_a_replacement_an_earlier_version_began_gives_its_note(make_net: Make, tmp_path: Path) -> None:
    alice = make_net(state_path=tmp_path / "state.db")
    old = alice.publish("a note with a typo")
    draft = ds.Draft(text="a note without", options=OPTIONS)
    # What the earlier version did: the key of the old note and the draft's digest, options as given;
    # the new note claimed under it and published, then it stopped before deleting the old note.
    legacy = hashlib.sha256(draft.model_dump_json().encode()).hexdigest()
    key = hashlib.sha256(f"replace\x1f{old.id}\x1f{legacy}".encode()).hexdigest()[:32]
    keyed = draft.model_copy(update={"idempotency_key": key})
    keyed_digest = hashlib.sha256(keyed.model_dump_json().encode()).hexdigest()
    assert alice.state.claim(alice.state_scope, f"publish:{key}", keyed_digest) is None
    made = alice._publish(keyed)
    new = alice.edit(old, draft, replace=True)
    assert new.id == made.id
    assert [p.id for p in alice.posts(limit=None)] == [made.id]
