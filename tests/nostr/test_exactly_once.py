"""Exactly once on Nostr: one idempotency key, one note and one zap request, whatever the retries,
the connections (same private key) and the restarts (the state store)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.state import StateStore

from .lnurl_server import LoopbackLnurl

Make = Callable[..., NostrNetwork]


def test_a_key_reused_with_an_edited_draft_is_refused_on_every_connection_of_the_account(
    make_net: Make, tmp_path: Path
) -> None:
    key = PrivateKey.generate()
    state = tmp_path / "state.db"
    first = make_net(key=key, state_path=state)
    note = first.publish(ds.Draft(text="order 1 shipped", idempotency_key="order-1"))
    with pytest.raises(ds.InvalidInput):
        first.publish(ds.Draft(text="order 1 shipped (edited)", idempotency_key="order-1"))
    second = make_net(key=key, state_path=state)  # the same identity: another worker
    with pytest.raises(ds.InvalidInput):
        second.publish(ds.Draft(text="order 1 shipped (edited)", idempotency_key="order-1"))
    first.close()
    second.close()
    restarted = make_net(key=key, state_path=state)  # after a restart
    with pytest.raises(ds.InvalidInput):
        restarted.publish(ds.Draft(text="order 1 shipped (edited)", idempotency_key="order-1"))
    assert restarted.publish(ds.Draft(text="order 1 shipped", idempotency_key="order-1")).id == note.id
    assert [p.id for p in restarted.posts(limit=None)] == [note.id]
    other_account = make_net(state_path=state)  # another key: the same key names another note
    assert other_account.publish(ds.Draft(text="edited", idempotency_key="order-1")).id != note.id


def test_a_restart_signs_the_same_note_even_when_no_relay_can_find_it(make_net: Make, tmp_path: Path) -> None:
    """With no look-back on the relays (``idempotency_lookback=0``) a restarted process still signs
    the very same event (its date comes from the state store), so the relay says "duplicate"."""
    key = PrivateKey.generate()
    state = tmp_path / "state.db"
    draft = ds.Draft(text="exactly once after a restart", idempotency_key="restart-1")
    first = make_net(key=key, state_path=state, idempotency_lookback=0)
    note = first.publish(draft)
    first.close()
    later = make_net(key=key, state_path=state, idempotency_lookback=0)
    later._now = lambda: int(note.created_at.timestamp()) + 90  # type: ignore[method-assign]
    again = later.publish(draft)
    assert again.id == note.id
    assert later.last_publish[0].duplicate
    assert [p.id for p in later.posts(limit=None)] == [note.id]


class _Crash(BaseException):
    """The process dying between making the zap request and recording the tip's receipt."""


def _zap_request(url: str) -> dict[str, Any]:
    request: dict[str, Any] = json.loads(parse_qs(urlsplit(url).query)["nostr"][0])
    return request


def test_a_keyed_tip_retried_after_a_crash_hands_the_wallet_the_same_zap_request(
    make_net: Make, lnurl_http: LoopbackLnurl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = make_net(lnurl_resolver=None)
    alice.set_profile(name="alice", lud16=f"alice@{lnurl_http.host}")
    bob_key = PrivateKey.generate()
    state = tmp_path / "state.db"
    bob = make_net(key=bob_key, lnurl_resolver=None, allow_private_fetch=True, state_path=state)

    handed: list[str] = []
    real_tip = bob._tip
    real_put = StateStore.put

    def tip_then_wallet(*args: Any) -> str:
        url = real_tip(*args)
        handed.append(url)
        httpx.get(url, trust_env=False)  # the wallet asks the LNURL server for the invoice
        return url

    def crash_before_the_receipt_is_kept(store: StateStore, scope: str, key: str, *rest: Any) -> None:
        if key.startswith("tip:"):
            raise _Crash
        real_put(store, scope, key, *rest)

    monkeypatch.setattr(bob, "_tip", tip_then_wallet)
    monkeypatch.setattr(StateStore, "put", crash_before_the_receipt_is_kept)
    with pytest.raises(_Crash):
        bob.tip(alice.public_key, "21 SAT", "thanks", idempotency_key="tip-9")
    monkeypatch.undo()
    bob.close()

    restarted = make_net(key=bob_key, lnurl_resolver=None, allow_private_fetch=True, state_path=state)
    restarted._now = lambda: restarted_clock  # type: ignore[method-assign]
    restarted_clock = _zap_request(handed[0])["created_at"] + 120  # the retry comes minutes later
    url = restarted.tip(alice.public_key, "21 SAT", "thanks", idempotency_key="tip-9")
    assert url == handed[0]  # the very same request: same id, same signature
    httpx.get(url, trust_env=False)
    first, retried = lnurl_http.zap_requests
    assert retried == first
    assert retried["id"] == _zap_request(url)["id"]
    assert restarted.tip(alice.public_key, "21 SAT", "thanks", idempotency_key="tip-9") == url
    with pytest.raises(ds.InvalidInput):
        restarted.tip(alice.public_key, "2100 SAT", "thanks", idempotency_key="tip-9")
    other = restarted.tip(alice.public_key, "21 SAT", "thanks", idempotency_key="tip-10")
    assert _zap_request(other)["id"] != retried["id"]
    unkeyed = [restarted.tip(alice.public_key, "21 SAT", "thanks") for _ in range(2)]
    assert url not in unkeyed


def test_two_connections_of_one_account_racing_on_a_tip_key_agree_on_one_request(
    make_net: Make, lnurl_http: LoopbackLnurl, tmp_path: Path
) -> None:
    alice = make_net(lnurl_resolver=None)
    alice.set_profile(name="alice", lud16=f"alice@{lnurl_http.host}")
    key, state = PrivateKey.generate(), tmp_path / "state.db"
    one = make_net(key=key, lnurl_resolver=None, allow_private_fetch=True, state_path=state)
    two = make_net(key=key, lnurl_resolver=None, allow_private_fetch=True, state_path=state)
    two._now = lambda: one._now() + 30  # type: ignore[method-assign]
    # Both made the request before either recorded a receipt (the core's records are per key).
    urls = [net._tip(alice.public_key, ds.Amount.parse("21 SAT"), "", "race-1") for net in (one, two)]
    assert urls[0] == urls[1]


def test_a_deleted_keyed_note_is_not_brought_back_by_its_key(make_net: Make, tmp_path: Path) -> None:
    """A bot's retry loop after a retraction: the same key would sign the same event again, and the
    relay would take it back. It is ``NotFound`` instead, on the same and on a new connection."""
    key = PrivateKey.generate()
    state = tmp_path / "state.db"
    draft = ds.Draft(text="retract me #acme", idempotency_key="launch-retracted")
    net = make_net(key=key, state_path=state)
    note = net.publish(draft)
    net.delete(note)
    with pytest.raises(ds.NotFound, match="was deleted"):
        net.publish(draft)
    net.close()
    restarted = make_net(key=key, state_path=state)
    with pytest.raises(ds.NotFound, match="was deleted"):
        restarted.publish(draft)
    assert [p.id for p in restarted.posts(limit=None)] == []
    assert restarted.publish(ds.Draft(text="retract me #acme", idempotency_key="launch-2")).id != note.id
    restarted.close()
