"""Relays that send fewer events than they announce (a lower real cap than their NIP-11 ``max_limit``,
an answer trimmed by bytes, a cap that is not a round hundred).

A page counted as full only when a relay sent what was asked, its announced ``max_limit`` or a round
hundred: a relay announcing 50 that sent 20 looked finished, so a listing ended after its first page
and a stream's catch-up after a reconnect stopped there, older notes dropped with no warning. Now a
short page that brought something new is followed, when more is wanted, by one more query reaching
into its oldest second (``until`` the second after it, for relays whose ``until`` is exclusive); an
answer with nothing new ends it. A read that has what it wants asks nothing more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import Event, sign_event
from tests.servers.nostr import RelayProcess, start_relay

from .spec_relay import SpecRelay
from .test_stream_catch_up_pages import _stream_after_a_drop, _texts

Make = Callable[..., NostrNetwork]
StartRelay = Callable[..., SpecRelay]


def _notes(relay: SpecRelay, key: PrivateKey, count: int, per_second: int = 1, tags: Any = ()) -> list[Event]:
    """``count`` notes by ``key``, ``per_second`` in each second, stored on the relay; newest first."""
    newest = int(time.time()) - 1000
    notes = [sign_event(key, 1, f"note {i}", tags, newest - i // per_second) for i in range(count)]
    for note in notes:
        relay.store(note.to_json())
    return sorted(notes, key=lambda e: (-e.created_at, e.id))


def _asked(relay: SpecRelay, kinds: list[int]) -> list[dict[str, Any]]:
    """The filters of the relay's ``REQ``s for ``kinds`` (the listing's own, not deletions or lists)."""
    return [f for request in relay.requests for f in request if f.get("kinds") == kinds]


LISTINGS = ["posts", "timeline", "search", "notifications"]


@pytest.mark.parametrize("listing", LISTINGS)
@pytest.mark.parametrize(
    "caps",
    [
        pytest.param({"max_limit": 50, "send_limit": 20}, id="announces-50-sends-20"),
        pytest.param({"send_limit": 23}, id="unannounced-cap-23"),
    ],
)
def test_a_listing_goes_on_past_a_relay_sending_fewer_than_it_announces(
    make_net: Make, spec_relay: StartRelay, listing: str, caps: dict[str, int]
) -> None:
    """60 notes, each in a second of its own, on a relay that sends 20 (or 23) per request: every
    one, once, newest first (only the first answer's worth came before)."""
    relay = spec_relay(**caps)
    alice, bob = PrivateKey.generate(), PrivateKey.generate()
    relay.store(sign_event(alice, 3, "", (("p", bob.public_key),), int(time.time()) - 100_000).to_json())
    tag = f"short{time.time_ns()}"
    notes = _notes(relay, bob, 60, tags=(("t", tag), ("p", alice.public_key)))
    reader = make_net(alice, relays=[relay.url], page_size=40)
    read: dict[str, Callable[[], Iterator[Any]]] = {
        "posts": lambda: reader.posts(bob.public_key, limit=None),
        "timeline": lambda: reader.timeline(limit=None),
        "search": lambda: reader.search(f"#{tag}", limit=None),
        "notifications": lambda: reader.notifications(limit=None),
    }
    assert [p.id for p in read[listing]()] == [e.id for e in notes]


def test_a_short_answer_cut_inside_a_second_loses_nothing(make_net: Make, spec_relay: StartRelay) -> None:
    """Three notes a second, a relay sending 7 per request (so each answer ends inside a second, and
    its ``until`` is inclusive): every note once, newest second first."""
    relay = spec_relay(max_limit=500, send_limit=7)
    key = PrivateKey.generate()
    notes = _notes(relay, key, 40, per_second=3)
    got = list(make_net(key, relays=[relay.url], page_size=30).posts(limit=None))
    assert sorted(p.id for p in got) == sorted(e.id for e in notes)
    assert len({p.id for p in got}) == len(got), "no note is listed twice"
    dates = [p.created_at for p in got]
    assert dates == sorted(dates, reverse=True)


@pytest.fixture
def nostr_relay_capped_at_30(tmp_path: Path) -> Iterator[RelayProcess]:
    """A nostr-relay of its own sending at most 30 events per ``REQ``, without announcing it (its
    ``until`` is exclusive: the rest of a second an answer was cut in needs ``until`` past it)."""
    relay = start_relay(tmp_path, max_limit=30)
    yield relay
    relay.stop()


@pytest.mark.timeout(120)
def test_a_listing_goes_on_past_nostr_relays_cap_that_is_not_a_round_hundred(
    make_net: Make, nostr_relay_capped_at_30: RelayProcess
) -> None:
    """70 notes, two in some seconds, on a nostr-relay sending 30 per request: all of them, once."""
    url = nostr_relay_capped_at_30.url
    bob = make_net(relays=[url])
    newest = int(time.time()) - 1000
    notes = [bob.sign(1, f"note {i}", (), newest - i + i // 3) for i in range(70)]
    for note in notes:
        bob.publish_event(note)
    got = [p.id for p in make_net(relays=[url], page_size=50).posts(bob.public_key, limit=None)]
    assert sorted(got) == sorted(e.id for e in notes)
    assert len(set(got)) == len(got)


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    "caps",
    [
        pytest.param({"max_limit": 500, "send_limit": 20}, id="announces-500-sends-20"),
        pytest.param({"send_limit": 30}, id="unannounced-cap-30"),
    ],
)
def test_a_stream_catches_up_past_a_relay_sending_fewer_than_it_announces(
    make_net: Make, spec_relay: StartRelay, caps: dict[str, int]
) -> None:
    """55 notes published while a stream's relay was away, a relay sending 20 (or 30) per request:
    all of them, oldest first, each once (only the newest answer's worth came before)."""
    relay = spec_relay(**caps)
    bob, tag, arrived, away = _stream_after_a_drop(make_net, relay, 55)
    assert _texts(arrived, 55) == [e.content for e in away]
    bob.publish(f"after #{tag}")
    assert arrived.get(timeout=10) == f"after #{tag}"
    time.sleep(0.3)
    assert arrived.empty(), "no note is yielded twice"


@pytest.mark.timeout(90)
def test_a_catch_up_from_a_relay_sending_three_notes_a_request_stops_at_its_bound(
    make_net: Make, spec_relay: StartRelay, caplog: pytest.LogCaptureFixture
) -> None:
    """A relay sending three notes per request (two of them, at an inclusive ``until``, the notes of
    the seconds asked again): the catch-up pages about one new note at a time, up to
    ``stream_catch_up_limit`` (the newest), and says so; it does not go on asking."""
    relay = spec_relay(send_limit=3)
    with caplog.at_level(logging.WARNING, logger="decentsocial.nostr"):
        _, tag, arrived, away = _stream_after_a_drop(
            make_net, relay, 30, per_second=1, stream_catch_up_limit=8
        )
        assert _texts(arrived, 8) == [e.content for e in away[-8:]]
    catch_up = [f for req in relay.requests for f in req if f.get("#t") == [tag] and "until" in f]
    assert len(catch_up) <= 8
    assert any("stream_catch_up_limit" in r.getMessage() for r in caplog.records)


def test_a_listing_from_a_relay_sending_three_notes_a_request_is_bounded_by_max_pages(
    make_net: Make, spec_relay: StartRelay
) -> None:
    relay = spec_relay(send_limit=3)
    key = PrivateKey.generate()
    _notes(relay, key, 30)
    reader = make_net(key, relays=[relay.url], limits={"max_pages": 5})
    with pytest.raises(ds.NetworkUnavailable, match="max_pages"):
        list(reader.posts(limit=None))
    assert len(_asked(relay, [1])) <= 5


@pytest.mark.parametrize("count", [37, 100])
def test_reading_n_notes_with_limit_n_asks_no_more_than_before(
    make_net: Make, spec_relay: StartRelay, count: int
) -> None:
    """The read ``bench/bench_nostr.py`` times, with ``limit``: one ``REQ`` for a page the relay did
    not fill; a round hundred (perhaps a cap) also completes its oldest second. Nothing further."""
    relay = spec_relay()
    key = PrivateKey.generate()
    notes = _notes(relay, key, count, per_second=4)
    reader = make_net(key, relays=[relay.url], page_size=count)
    assert [p.id for p in reader.posts(limit=count)] == [e.id for e in notes]
    assert len(_asked(relay, [1])) == (1 if count == 37 else 2)


@pytest.mark.parametrize(("count", "queries"), [(37, 2), (100, 3)])
def test_reading_every_note_asks_once_more_at_most(
    make_net: Make, spec_relay: StartRelay, count: int, queries: int
) -> None:
    """The bench's own read (``limit=None``, ``page_size`` the notes' number): a page the relay did not
    fill is followed by one query below it (nothing new: the end); a full one as before."""
    relay = spec_relay()
    key = PrivateKey.generate()
    notes = _notes(relay, key, count, per_second=4)
    reader = make_net(key, relays=[relay.url], page_size=count)
    assert [p.id for p in reader.posts(limit=None)] == [e.id for e in notes]
    asked = _asked(relay, [1])
    assert len(asked) == queries
    assert asked[-1]["until"] <= notes[-1].created_at + 1


def test_a_relay_repeating_the_same_short_answer_ends_the_listing(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """A relay that sends the same notes for every request, ``until`` or not: each once, then the end."""
    key = PrivateKey.generate()
    relay = spec_relay()
    notes = _notes(relay, key, 5)
    relay.inject.extend(e.to_json() for e in notes)
    got = [p.id for p in make_net(key, relays=[relay.url]).posts(limit=None)]
    assert got == [e.id for e in notes]
    assert len(_asked(relay, [1])) <= 2
