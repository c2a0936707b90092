"""A crosspost run again with its key gives the posts it made when the draft's (or a variant's)
``options`` keys come in another order: on the sandbox (keys in its own database), a thread on a
small sandbox (every part keyed), and Nostr (keys claimed in the state store). Other options under
the same key are refused on every target, and nothing is posted twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.crosspost import target_of
from tests.servers.nostr import RelayProcess

OPTIONS: dict[str, Any] = {"topic_tag": "launch", "nested": {"z": [{"b": 1, "a": 2}], "c": None}}
REORDERED: dict[str, Any] = {"nested": {"c": None, "z": [{"a": 2, "b": 1}]}, "topic_tag": "launch"}
LONG = "Launch day! " + "Our new app pays the people who make it worth reading. " * 2


def test_a_crosspost_run_again_with_options_in_another_order_posts_once(
    sandbox: Callable[..., SandboxNetwork],
    limited: Callable[..., SandboxNetwork],
    nostr_relay: RelayProcess,
    tmp_path: Path,
    connections: list[Any],
) -> None:
    pytest.importorskip("websockets", reason="the nostr extra is not installed")
    from decentsocial.backends.nostr import PrivateKey

    alice, carol = sandbox("a", account="alice"), limited("c", account="carol", max_length=60)
    nostr = ds.connect(
        "nostr",
        private_key=PrivateKey.generate().nsec,
        relays=[nostr_relay.url],
        state_path=tmp_path / "s.db",
    )
    connections.append(nostr)
    targets: list[ds.Network] = [alice, carol, nostr]

    def run(options: dict[str, Any], variant: dict[str, Any]) -> ds.CrosspostResult:
        draft = ds.Draft(text=LONG, idempotency_key="launch-7", options=options)
        return ds.crosspost(draft, targets, variants={target_of(alice): {"text": "A", "options": variant}})

    first = run(OPTIONS, REORDERED)
    assert first.ok, first.errors
    assert len(first.posts) > 3  # carol's is a thread
    again = run(REORDERED, OPTIONS)
    assert again.ok, again.errors
    assert [p.id for p in again.posts] == [p.id for p in first.posts]
    other = run(
        {**OPTIONS, "topic_tag": "sales"}, {**OPTIONS, "nested": {"z": [{"b": True, "a": 2}], "c": None}}
    )
    assert [type(o.error) for o in other.outcomes] == [ds.InvalidInput] * 3
    assert all("different content" in str(o.error) for o in other.outcomes)
    assert [p.id for p in alice.posts(limit=None)] == [first.outcomes[0].posts[0].id]
    assert len(list(carol.posts(limit=None))) == len(first.outcomes[1].posts)
    assert [p.id for p in nostr.posts(limit=None)] == [p.id for p in first.outcomes[2].posts]
