"""Relays that try to hold a bot: future-dated junk, oversized messages, answers that never end.

Each call must end in a typed error (or a correct, finite answer) within the ``limits`` setting.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import sign_event

from .spec_relay import SpecRelay

Make = Callable[..., NostrNetwork]
StartRelay = Callable[..., SpecRelay]


def _future_junk(about: str, tag: str, count: int) -> list[dict[str, object]]:
    """Validly signed notes dated hours ahead, addressed to ``about`` and tagged ``tag``."""
    mallory = PrivateKey.generate()
    ahead = int(time.time()) + 3600
    return [
        sign_event(mallory, 1, f"from the future {i} #{tag}", (("p", about), ("t", tag)), ahead + i).to_json()
        for i in range(count)
    ]


@pytest.mark.timeout(60)
def test_a_relay_answering_every_query_with_future_dated_events_cannot_page_for_ever(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """The old paging stepped back one second per round, for ever, when a relay kept sending
    events dated after the cursor; now such events are dropped and paging ends."""
    relay = spec_relay()
    alice = make_net(relays=[relay.url], page_size=5, idempotency_lookback=0)
    tag = f"future{time.time_ns()}"
    real = [alice.publish(f"real note {i} #{tag}") for i in range(3)]
    relay.inject = _future_junk(alice.public_key, tag, 12)
    started = time.monotonic()
    assert [p.id for p in alice.search(f"#{tag}", limit=None)] == [p.id for p in reversed(real)]
    assert [p.id for p in alice.posts(limit=None)] == [p.id for p in reversed(real)]
    assert all(n.created_at.timestamp() <= time.time() + 120 for n in alice.notifications(limit=None))
    assert time.monotonic() - started < 30


@pytest.mark.timeout(60)
def test_paging_is_bounded_by_max_pages_even_when_every_page_is_filtered_out(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """A relay full of notes a search filters out cannot make one call scan page after page
    beyond ``limits.max_pages``."""
    relay = spec_relay()
    mallory = PrivateKey.generate()
    now = int(time.time())
    for i in range(60):
        relay.store(sign_event(mallory, 1, f"filler {i}", (), now - 1000 + i * 10).to_json())
    alice = make_net(relays=[relay.url], page_size=2, search_scan_limit=10_000, limits={"max_pages": 5})
    with pytest.raises(ds.NetworkUnavailable, match="max_pages"):
        list(alice.search("a needle nowhere", limit=None))
    assert len(relay.requests) < 20


def test_a_relay_message_over_max_line_bytes_ends_the_call_with_a_typed_error(
    make_net: Make, spec_relay: StartRelay
) -> None:
    relay = spec_relay(junk=[json.dumps(["NOTICE", "x" * 20_000])])
    alice = make_net(relays=[relay.url], limits={"max_line_bytes": 4096})
    started = time.monotonic()
    with pytest.raises(ds.NetworkUnavailable):
        list(alice.posts(limit=None))
    assert time.monotonic() - started < 5
    relay.junk = []
    assert list(alice.posts(limit=None)) == []  # a fresh connection once the relay behaves


def test_messages_nested_deeper_than_max_json_depth_are_skipped(
    make_net: Make, spec_relay: StartRelay, caplog: pytest.LogCaptureFixture
) -> None:
    deep = json.dumps(["NOTICE", [[[[[[[[[[["deep"]]]]]]]]]]]])
    relay = spec_relay(junk=[deep, '["EVENT"]', '["EOSE", 5]', "[]", "{}", '"x"'])
    alice = make_net(relays=[relay.url], limits={"max_json_depth": 8})
    post = alice.publish("still readable")
    with caplog.at_level("DEBUG", logger="decentsocial.nostr"):
        assert [p.id for p in alice.posts()] == [post.id]
    assert "nests deeper" in caplog.text
    assert relay.connections_served == 1


@pytest.mark.parametrize("misbehaviour", ["handshake", "deaf"])
def test_every_relay_call_keeps_to_the_deadline(
    make_net: Make, spec_relay: StartRelay, misbehaviour: str
) -> None:
    """The relay timeout is 10 s, the ``limits.deadline`` 1 s: a relay that takes for ever to
    open the connection or stops answering ends each call within the deadline."""
    relay = spec_relay(handshake_delay=30.0 if misbehaviour == "handshake" else 0.0)
    alice = make_net(relays=[relay.url], timeout=10.0, limits={"deadline": 1.0}, retry={"attempts": 1})
    if misbehaviour == "deaf":
        alice.publish("before the relay went deaf")
        relay.go_deaf()
    calls: list[Callable[[], object]] = [
        lambda: list(alice.posts(limit=5)),
        lambda: alice.publish("into the void"),
        lambda: alice.get_post("a" * 64),
    ]
    for call in calls:
        started = time.monotonic()
        with pytest.raises(ds.NetworkUnavailable):
            call()
        assert time.monotonic() - started < 1.0 + 2.0


def test_a_write_keeps_to_one_deadline_with_its_retries(make_net: Make, spec_relay: StartRelay) -> None:
    """A relay that never says OK: resending is safe, but the retries share the call's deadline."""
    relay = spec_relay()
    alice = make_net(
        relays=[relay.url], timeout=10.0, limits={"deadline": 1.0}, retry={"attempts": 4, "total_seconds": 30}
    )
    alice.publish("before the relay went deaf")
    relay.go_deaf()
    started = time.monotonic()
    with pytest.raises(ds.NetworkUnavailable, match="deadline"):
        alice.publish("into the void")
    assert time.monotonic() - started < 1.0 + 0.5


def test_a_relay_that_never_ends_its_answer_is_cut_at_the_deadline(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """EVENT after EVENT and never EOSE: the call ends at the deadline, not the relay timeout."""
    relay = spec_relay(junk=[json.dumps(["NOTICE", "hello"])] * 1, no_eose=True)
    alice = make_net(relays=[relay.url], timeout=10.0, limits={"deadline": 1.0})
    started = time.monotonic()
    with pytest.raises(ds.NetworkUnavailable):
        list(alice.posts(limit=5))
    assert time.monotonic() - started < 1.0 + 2.0
