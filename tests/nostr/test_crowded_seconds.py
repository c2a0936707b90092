"""Seconds holding more notes than a relay sends for one request (a bot burst, a relay import).

Nostr dates notes to the whole second and a filter cannot page within one, so a page ending inside a
second is completed by a query for that second, which a relay caps at its ``max_limit`` too: the
notes past the cap were skipped, silently, in listings and in a stream's catch-up. Now the query is
narrowed (the filter's authors, kinds or tag values halved; the next second left out of the window
on a relay whose ``until`` is inclusive) until every part fits, within a bound; a second that
cannot be narrowed (one author, one kind) gives what the cap allows, and a warning names the relay
and the second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import Event, sign_event
from tests.servers.nostr import RelayProcess, start_relay

from .spec_relay import SpecRelay
from .test_multi_relay import _watch
from .test_stream_catch_up_pages import _texts

Make = Callable[..., NostrNetwork]
StartRelay = Callable[..., SpecRelay]


def _burst(
    relay: SpecRelay, keys: list[PrivateKey], each: int, second: int, tags: tuple[tuple[str, str], ...] = ()
) -> list[Event]:
    """``each`` notes by every one of ``keys``, all dated ``second``, put in the relay's storage."""
    notes = [
        sign_event(k, 1, f"burst {n} {i}", tags, second) for n, k in enumerate(keys) for i in range(each)
    ]
    for note in notes:
        relay.store(note.to_json())
    return notes


def _older(relay: SpecRelay, keys: list[PrivateKey], each: int, before: int) -> list[Event]:
    """``each`` notes by every one of ``keys``, each in a second of its own before ``before``."""
    notes = [
        sign_event(k, 1, f"older {n} {i}", (), before - 10 * (n * each + i + 1))
        for n, k in enumerate(keys)
        for i in range(each)
    ]
    for note in notes:
        relay.store(note.to_json())
    return notes


def _following(relay: SpecRelay, key: PrivateKey, others: list[PrivateKey]) -> None:
    """``key``'s contact list naming ``others``, stored on the relay."""
    tags = tuple(("p", o.public_key) for o in others)
    relay.store(sign_event(key, 3, "", tags, int(time.time()) - 100_000).to_json())


def _newest_first(notes: list[Event]) -> list[str]:
    return [e.id for e in sorted(notes, key=lambda e: (-e.created_at, e.id))]


@pytest.mark.parametrize(
    ("cap", "announced", "each"),
    [pytest.param(10, True, 8, id="announced-max_limit"), pytest.param(100, False, 40, id="unannounced-cap")],
)
@pytest.mark.parametrize("page_size", [5, 200])
def test_a_timeline_second_holding_more_notes_than_the_cap_is_read_whole(
    make_net: Make, spec_relay: StartRelay, cap: int, announced: bool, each: int, page_size: int
) -> None:
    """Three accounts' notes of one second, more than the relay sends at once: every one, once, in
    order, and the older notes after them (only the cap's worth of that second came before)."""
    relay = spec_relay(max_limit=cap, announce_max_limit=announced)
    alice, bots = PrivateKey.generate(), [PrivateKey.generate() for _ in range(3)]
    _following(relay, alice, bots)
    second = int(time.time()) - 1000
    notes = _burst(relay, bots, each, second) + _older(relay, bots, 5, second)
    reader = make_net(alice, relays=[relay.url], page_size=page_size)
    assert [p.id for p in reader.timeline(limit=None)] == _newest_first(notes)


@pytest.fixture
def capped_nostr_relay(tmp_path: Path) -> Iterator[RelayProcess]:
    """A nostr-relay of its own sending at most 100 events per ``REQ``, without announcing it (its
    ``until`` is exclusive, and it orders the events of one second as they come)."""
    relay = start_relay(tmp_path, max_limit=100)
    yield relay
    relay.stop()


@pytest.mark.timeout(120)
def test_a_timeline_second_past_nostr_relays_cap_is_read_whole(
    make_net: Make, capped_nostr_relay: RelayProcess
) -> None:
    """Three accounts' 40 notes each in one second, on a nostr-relay capped at 100: all 120."""
    url = capped_nostr_relay.url
    bots = [make_net(relays=[url]) for _ in range(3)]
    alice = make_net(relays=[url])
    for bot in bots:
        alice.follow(bot.public_key)
    second = int(time.time()) - 1000
    notes = [bot.sign(1, f"burst {n} {i}", (), second) for n, bot in enumerate(bots) for i in range(40)]
    notes += [bot.sign(1, f"older {n}", (), second - 10 - n) for n, bot in enumerate(bots)]
    for n, note in enumerate(notes):
        bots[n % 3 if n >= 120 else n // 40].publish_event(note)
    assert [p.id for p in alice.timeline(limit=None)] == _newest_first(notes)


def test_notifications_of_one_second_past_the_cap_are_read_whole(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """A stranger's 8 mentions and 8 likes in one second, a relay sending 10: the kinds are asked
    apart, so all 16 notifications come, each once, newest first."""
    relay = spec_relay(max_limit=10)
    alice, stranger = PrivateKey.generate(), PrivateKey.generate()
    second = int(time.time()) - 1000
    note = sign_event(alice, 1, "a note", (), second - 100)
    relay.store(note.to_json())
    mentions = _burst(relay, [stranger], 8, second, (("p", alice.public_key),))
    likes = [  # a tag of its own each, so each is an event of its own
        sign_event(stranger, 7, "+", (("e", note.id), ("x", str(i)), ("p", alice.public_key)), second)
        for i in range(8)
    ]
    for like in likes:
        relay.store(like.to_json())
    reader = make_net(alice, relays=[relay.url])
    got = [n.id for n in reader.notifications(limit=None)]
    assert got == _newest_first(mentions + likes)


def test_notes_of_one_second_past_the_cap_are_read_whole_with_the_next_second_full_too(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """One account, 6 notes in each of two neighbouring seconds, a relay sending 10: the query
    completing the older second (``since`` it, ``until`` the next) got the newer second's 6 first
    and only 4 of its own. A relay with an inclusive ``until`` is asked for that second alone."""
    relay = spec_relay(max_limit=10)
    key = PrivateKey.generate()
    second = int(time.time()) - 1000
    notes = (
        _burst(relay, [key], 6, second + 1)
        + _burst(relay, [key], 6, second)
        + _older(relay, [key], 5, second)
    )
    reader = make_net(key, relays=[relay.url], page_size=5)
    assert [p.id for p in reader.posts(limit=None)] == _newest_first(notes)


def test_a_second_that_cannot_be_narrowed_gives_the_cap_and_says_so(
    make_net: Make, spec_relay: StartRelay, caplog: pytest.LogCaptureFixture
) -> None:
    """25 notes of one account in one second, a relay sending 10: its filter (one author, one kind)
    cannot be cut smaller, so the listing has what the relay sends of that second, each note once,
    goes on to the older notes, and a warning names the relay and the second."""
    relay = spec_relay(max_limit=10)
    key = PrivateKey.generate()
    second = int(time.time()) - 1000
    burst = _burst(relay, [key], 25, second)
    older = _older(relay, [key], 5, second)
    reader = make_net(key, relays=[relay.url])
    with caplog.at_level(logging.WARNING, logger="decentsocial.nostr"):
        ids = [p.id for p in reader.posts(limit=None)]
    assert len(ids) == len(set(ids)), "no note is listed twice"
    assert ids[-5:] == _newest_first(older)
    assert 10 <= len(ids[:-5]) < 25
    assert set(ids[:-5]) <= {e.id for e in burst}
    warned = [r.getMessage() for r in caplog.records if str(second) in r.getMessage()]
    assert warned, "the notes left out are named"
    assert relay.url in warned[0]


@pytest.mark.timeout(120)
def test_narrowing_one_second_is_bounded(
    make_net: Make, spec_relay: StartRelay, caplog: pytest.LogCaptureFixture
) -> None:
    """40 accounts each with more notes in one second than the relay sends: reading it whole would
    take a query per account; the queries for that second stop at the bound, with a warning."""
    relay = spec_relay(max_limit=10)
    alice, bots = PrivateKey.generate(), [PrivateKey.generate() for _ in range(40)]
    _following(relay, alice, bots)
    second = int(time.time()) - 1000
    burst = _burst(relay, bots, 11, second)
    older = _older(relay, bots[:2], 3, second)
    reader = make_net(alice, relays=[relay.url])
    with caplog.at_level(logging.WARNING, logger="decentsocial.nostr"):
        ids = [p.id for p in reader.timeline(limit=None)]
    assert len(ids) == len(set(ids))
    assert ids[-6:] == _newest_first(older)
    assert set(ids[:-6]) <= {e.id for e in burst}
    asked = [f for req in relay.requests for f in req if f.get("since") == second]
    assert len(asked) <= 64  # windows.SECOND_QUERIES
    assert any(relay.url in r.getMessage() and str(second) in r.getMessage() for r in caplog.records)


@pytest.mark.timeout(90)
def test_a_home_stream_catches_up_on_a_burst_past_the_cap_in_one_second(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """A home stream that lost its relay while three followed accounts published 8 notes each in
    one second, on a relay sending 10 per request: all 24, oldest first, each once."""
    relay = spec_relay(max_limit=10)
    alice, bots = PrivateKey.generate(), [PrivateKey.generate() for _ in range(3)]
    _following(relay, alice, bots)
    stream: Iterator[ds.Post] = make_net(alice, relays=[relay.url]).stream(kind="home")
    arrived = _watch(stream)
    bot = make_net(bots[0], relays=[relay.url])
    first = bot.publish("first")
    assert arrived.get(timeout=5) == "first"
    away = _burst(relay, bots, 8, int(first.created_at.timestamp()) + 1)
    assert relay.drop_connections() >= 1
    expected = [e.content for e in sorted(away, key=lambda e: (e.created_at, e.id))]
    assert _texts(arrived, len(away)) == expected
    bot.publish("after")
    assert arrived.get(timeout=10) == "after"
    time.sleep(0.3)
    assert arrived.empty(), "no note is yielded twice"
