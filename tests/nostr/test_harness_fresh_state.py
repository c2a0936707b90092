"""``Harness.fresh_me`` stands for another process started as ``me`` was: it finds the keys ``me``
recorded, though the default state folder moved since (``contract_state_dir`` moves it per test module,
and a session-wide harness's ``me`` keeps the store it first used). A new Nostr connection built from
``me``'s settings alone took the moved folder, found no date for the key and posted the note again."""

from __future__ import annotations

from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import PrivateKey
from decentsocial.testing import Harness

from ..servers.nostr import RelayProcess


def test_fresh_me_finds_the_keys_me_recorded_before_the_state_folder_moved(
    nostr_relay: RelayProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path / "first-module"))
    me = ds.connect("nostr", private_key=PrivateKey.generate().nsec, relays=[nostr_relay.url])
    other = ds.connect("nostr", private_key=PrivateKey.generate().nsec, relays=[nostr_relay.url])
    draft = ds.Draft(text="harness: once", idempotency_key="harness-once")
    try:
        first = me.publish(draft)
        monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path / "contract-module"))
        fresh = Harness(name="nostr", me=me, other=other).fresh_me()
        try:
            later = fresh.publish(draft)
        finally:
            fresh.close()
    finally:
        me.close()
        other.close()
    assert later.id == first.id
    assert not (tmp_path / "contract-module").exists()  # nothing recorded where me never looked
