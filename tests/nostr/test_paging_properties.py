"""Paging, property-style: seeded random cases against real relays (``windows.py``'s guarantees).

Each seed builds a case: a relay capping its answers one of the ways relays do (its NIP-11
``max_limit`` announced and enforced; announced above what it sends; an unannounced round
hundred; a small odd cap it does not announce), with ``until`` inclusive (the spec relay) or
exclusive (nostr-relay); notes of a few accounts spread over seconds as real feeds are (a burst
in one second, neighbouring busy seconds, single notes, gaps); a listing (``posts``, one author;
``timeline``, several) or a live stream that loses its relay meanwhile. Then:

- a listing read to its end gives every note once, newest first by second;
- a stream's catch-up hands over every note published while it was away once, oldest first, at
  most ``stream_catch_up_limit`` of them (the newest, with a warning when there were more).

Inside the limits ``docs/networks/nostr.md`` names, nothing is lost. Where a second cannot be
narrowed below an honest relay's cap (one author or one tag, more notes in one second than the
cap), the cases go past it and the documented warning must name the relay and that second, the
listing giving at least the cap's worth of it and everything else whole. A relay sending fewer
than it says is generated inside its documented guarantee only (every two neighbouring seconds
hold fewer notes than it sends for one request; one second, where ``until`` is exclusive): past
it, the docs promise no warning to check.

``DECENTSOCIAL_PAGING_SEEDS="0-500"`` runs more seeds (the spec relay's listings and streams).
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import Event, sign_event
from tests.servers.nostr import start_relay

from .spec_relay import SpecRelay
from .test_multi_relay import _watch
from .test_stream_catch_up_pages import _texts

Make = Callable[..., NostrNetwork]
StartRelay = Callable[..., SpecRelay]


def _seeds(default: list[int]) -> list[int]:
    """``default``, or the seeds ``DECENTSOCIAL_PAGING_SEEDS`` names ("3,7" or "0-500")."""
    named = os.environ.get("DECENTSOCIAL_PAGING_SEEDS", "")
    if not named:
        return default
    if "-" in named:
        first, last = named.split("-")
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in named.split(",")]


@dataclass(frozen=True)
class Caps:
    """How a relay caps an answer: what it is started with, and what the client can know of it."""

    name: str
    options: dict[str, Any]  # the spec relay's keyword arguments, or nostr-relay's max_limit
    sends: int  # events sent for one filter at most
    honest: bool  # a full answer is recognised as full (announced = enforced, or a round hundred)
    inclusive: bool = True  # the relay's ``until``


def _spec_caps(rng: random.Random) -> Caps:
    kind = rng.choice(["announced", "announced>enforced", "unannounced-round", "unannounced-odd"])
    if kind == "announced":
        cap = rng.randint(4, 30)
        return Caps(f"{kind}-{cap}", {"max_limit": cap}, cap, True)
    if kind == "announced>enforced":
        sends = rng.randint(5, 30)
        said = rng.choice([sends + 1, 2 * sends, 500])
        return Caps(f"announces-{said}-sends-{sends}", {"max_limit": said, "send_limit": sends}, sends, False)
    if kind == "unannounced-round":
        return Caps(f"{kind}-100", {"max_limit": 100, "announce_max_limit": False}, 100, True)
    sends = rng.choice([3, 5, 7, 13, 23, 37])
    return Caps(f"{kind}-{sends}", {"send_limit": sends}, sends, False)


@dataclass
class Case:
    """One seed's notes: for each second (0 the newest, older below), the authors of its notes."""

    seed: int
    caps: Caps
    listing: str  # "posts", "timeline"; for streams "tag", "home"
    authors: int
    page_size: int
    seconds: dict[int, list[int]] = field(default_factory=dict)

    def describe(self) -> str:
        shape = {s: len(a) for s, a in sorted(self.seconds.items(), reverse=True)}
        sizes = f"{self.authors} authors, page {self.page_size}"
        return f"seed {self.seed}: {self.caps.name}, {self.listing}, {sizes}, {shape}"


def _layout(rng: random.Random, caps: Caps, authors: int, *, blocks: int, gap: int) -> dict[int, list[int]]:
    """Notes per second, going back from second 0: bursts around the cap, busy neighbouring seconds,
    single notes, gaps of up to ``gap`` seconds. A relay sending fewer than it says gets only what
    its documented guarantee covers."""
    cap = caps.sends
    seconds: dict[int, list[int]] = {}
    at = 0
    for _ in range(blocks):
        shape = rng.choice(["burst", "neighbours", "single", "gap"])
        if shape == "gap":
            at -= rng.randint(2, gap)
            continue
        runs = [rng.randint(max(1, cap - 3), 2 * cap + 3)] if shape == "burst" else []
        if shape == "neighbours":
            runs = [rng.randint(1, cap) for _ in range(rng.randint(2, 4))]
        if shape == "single":
            runs = [rng.randint(1, 3)]
        for count in runs:
            seconds[at] = [rng.randrange(authors) for _ in range(count)]
            at -= 1
    if not caps.honest:  # inside the guarantee: fewer than it sends in one second, or two (inclusive)
        for second in sorted(seconds, reverse=True):
            newer = len(seconds.get(second + 1, [])) if caps.inclusive else 0
            seconds[second] = seconds[second][: max(0, cap - 1 - newer)]
    return {s: a for s, a in seconds.items() if a} or {0: [rng.randrange(authors)]}


def _listing_case(seed: int, caps: Caps | None = None) -> Case:
    rng = random.Random(seed)
    caps = caps or _spec_caps(rng)
    listing = rng.choice(["posts", "timeline"])
    authors = 1 if listing == "posts" else rng.randint(2, 4)
    case = Case(seed, caps, listing, authors, rng.choice([3, 7, 20, 50, 200]))
    case.seconds = _layout(rng, caps, authors, blocks=rng.randint(3, 9), gap=40)
    return case


def _stream_case(seed: int) -> Case:
    rng = random.Random(seed)
    caps = _spec_caps(rng)
    listing = rng.choice(["tag", "home"])
    authors = 1 if listing == "tag" else rng.randint(2, 4)
    case = Case(seed, caps, listing, authors, 0)
    bounded = rng.random() < 0.4  # the catch-up's bound below what was published (compact: see below)
    case.seconds = _layout(
        rng, caps, authors, blocks=rng.randint(2, 3 if bounded else 6), gap=2 if bounded else 4
    )
    notes = sum(len(a) for a in case.seconds.values())
    lossy = bool(_lossy(case, {s: [0] * len(a) for s, a in case.seconds.items()}))
    bounded = bounded and not lossy and notes > 2  # only cases losing nothing else
    case.page_size = rng.randint(1, notes - 1) if bounded else notes + 1 + rng.randint(0, 50)
    return case


def _lossy(case: Case, units: dict[int, list[int]]) -> set[int]:
    """The seconds whose notes cannot all be read: on an honest relay, more notes of one author (or
    of a stream's one tag) in one second than it sends for one request (the docs' limit)."""
    if not case.caps.honest:
        return set()
    return {s for s, keys in units.items() if max(Counter(keys).values()) > case.caps.sends}


def _may_warn(case: Case, units: dict[int, list[int]]) -> set[int]:
    """The seconds a warning may name: as many notes of one author as the relay sends (it cannot tell)."""
    if not case.caps.honest:
        return set()
    return {s for s, keys in units.items() if max(Counter(keys).values()) >= case.caps.sends}


def _warned(caplog: pytest.LogCaptureFixture, url: str) -> set[int]:
    """The seconds warnings name, for ``url``; every other Nostr warning fails the case."""
    named: set[int] = set()
    for record in caplog.records:
        if record.name != "decentsocial.nostr" or record.levelno < logging.WARNING:
            continue
        message = record.getMessage()
        found = re.search(r"\(created_at (\d+)\)", message)
        assert found, message
        assert url in message, message
        assert "cannot be narrowed" in message, message
        named.add(int(found.group(1)))
    return named


def _sign(case: Case, keys: list[PrivateKey], base: int, tag: str | None = None) -> list[Event]:
    """The case's notes, dated ``base`` plus their second (the newest ``base``)."""
    tags = (("t", tag),) if tag else ()
    text = f" #{tag}" if tag else ""
    return [
        sign_event(keys[author], 1, f"s{case.seed} {second} {i}{text}", tags, base + second)
        for second, authors in case.seconds.items()
        for i, author in enumerate(authors)
    ]


def _contacts(key: PrivateKey, follows: list[PrivateKey]) -> Event:
    tags = tuple(("p", f.public_key) for f in follows)
    return sign_event(key, 3, "", tags, int(time.time()) - 100_000)


def _check_listing(case: Case, notes: list[Event], got: list[ds.Post], warned: set[int], base: int) -> None:
    """Every note once, newest first by second; what the docs' limit leaves out only where it says."""
    where = case.describe()
    ids = [p.id for p in got]
    assert len(ids) == len(set(ids)), f"a note listed twice: {where}"
    dates = [int(p.created_at.timestamp()) for p in got]
    assert dates == sorted(dates, reverse=True), f"not newest first: {where}"
    by_id = {e.id: e for e in notes}
    assert set(ids) <= set(by_id), f"a note not published: {where}"
    units = {base + s: a for s, a in case.seconds.items()}
    lossy = _lossy(case, units)
    missing = [e for e in notes if e.id not in set(ids)]
    assert {e.created_at for e in missing} <= lossy, f"notes lost: {where}"
    for second in lossy:
        listed = sum(1 for d in dates if d == second)
        assert listed >= case.caps.sends, f"second {second} gave fewer than the cap: {where}"
    assert lossy <= warned <= _may_warn(case, units), f"warnings {sorted(warned)}: {where}"


def _read_to_the_end(
    reader: NostrNetwork, case: Case, keys: list[PrivateKey], caplog: pytest.LogCaptureFixture
) -> list[ds.Post]:
    """The case's listing (the first author's posts, or the timeline) read to its end, its warnings
    captured."""
    with caplog.at_level(logging.WARNING, logger="decentsocial.nostr"):
        if case.listing == "posts":
            return list(reader.posts(keys[0].public_key, limit=None))
        return list(reader.timeline(limit=None))


SPEC_LISTING_SEEDS = _seeds([1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233])


@pytest.mark.timeout(60)
@pytest.mark.parametrize("seed", SPEC_LISTING_SEEDS)
def test_a_listing_read_to_its_end_on_a_spec_relay(
    make_net: Make, spec_relay: StartRelay, caplog: pytest.LogCaptureFixture, seed: int
) -> None:
    case = _listing_case(seed)
    relay = spec_relay(**case.caps.options)
    alice, keys = PrivateKey.generate(), [PrivateKey.generate() for _ in range(case.authors)]
    relay.store(_contacts(alice, keys).to_json())
    base = int(time.time()) - 2000
    notes = _sign(case, keys, base)
    for note in notes:
        relay.store(note.to_json())
    reader = make_net(alice, relays=[relay.url], page_size=case.page_size)
    got = _read_to_the_end(reader, case, keys, caplog)
    _check_listing(case, notes, got, _warned(caplog, relay.url), base)


def _nostr_relay_caps(seed: int) -> Caps:
    """nostr-relay's ``max_limit`` (it does not announce it; its ``until`` is exclusive)."""
    cap = random.Random(-seed).choice([100, 30, 13, 7])
    return Caps(f"nostr-relay-{cap}", {}, cap, cap % 100 == 0, inclusive=False)


NOSTR_RELAY_SEEDS = _seeds([4, 6])


@pytest.mark.timeout(120)
@pytest.mark.parametrize("seed", NOSTR_RELAY_SEEDS)
def test_a_listing_read_to_its_end_on_nostr_relay(
    make_net: Make, tmp_path: Path, caplog: pytest.LogCaptureFixture, seed: int
) -> None:
    caps = _nostr_relay_caps(seed)
    case = _listing_case(seed, caps)
    relay = start_relay(tmp_path, max_limit=caps.sends)
    try:
        alice, keys = PrivateKey.generate(), [PrivateKey.generate() for _ in range(case.authors)]
        writer = make_net(relays=[relay.url])
        base = int(time.time()) - 2000
        notes = _sign(case, keys, base)
        for event in [_contacts(alice, keys), *notes]:
            writer.publish_event(event)
        reader = make_net(alice, relays=[relay.url], page_size=case.page_size)
        got = _read_to_the_end(reader, case, keys, caplog)
        _check_listing(case, notes, got, _warned(caplog, relay.url), base)
    finally:
        relay.stop()


STREAM_SEEDS = _seeds([1, 2, 3, 4, 5])


@pytest.mark.timeout(60)
@pytest.mark.parametrize("seed", STREAM_SEEDS)
def test_a_stream_catches_up_after_a_drop_on_a_spec_relay(
    make_net: Make, spec_relay: StartRelay, caplog: pytest.LogCaptureFixture, seed: int
) -> None:
    case = _stream_case(seed)
    where = case.describe()
    relay = spec_relay(**case.caps.options)
    alice, keys = PrivateKey.generate(), [PrivateKey.generate() for _ in range(case.authors)]
    relay.store(_contacts(alice, keys).to_json())
    tag = f"prop{time.time_ns()}"
    bound = case.page_size
    reader = make_net(alice, relays=[relay.url], stream_catch_up_limit=bound)
    stream: Iterator[ds.Post] = (
        reader.stream(kind="home") if case.listing == "home" else reader.stream(tag=tag)
    )
    arrived = _watch(stream)
    writer = make_net(keys[0], relays=[relay.url])
    first = writer.publish(f"first #{tag}")
    assert arrived.get(timeout=5) == f"first #{tag}"
    oldest = int(first.created_at.timestamp()) + 1
    base = oldest - min(case.seconds)
    away = _sign(case, keys, base, tag)
    for note in away:
        relay.store(note.to_json())
    if bound <= len(away):
        # What a bounded catch-up leaves out is below its oldest second, unless that is still to
        # come (the stream asks for nothing dated before now: a flood dated ahead must not hide
        # the next notes). Notes published while away are dated in the past: wait for it.
        time.sleep(max(0.0, base + max(case.seconds) + 1 - time.time()))
    with caplog.at_level(logging.WARNING, logger="decentsocial.nostr"):
        assert relay.drop_connections() >= 1
        want = min(bound, len(away))
        texts = _texts(arrived, want)
        writer.publish(f"after #{tag}")
        after = _texts(arrived, 1)
        time.sleep(0.3)
    by_text = {e.content: e for e in away}
    assert after == [f"after #{tag}"], f"the catch-up gave more, or the stream did not go on: {after} {where}"
    assert arrived.empty(), f"a note yielded twice, or after the live one: {where}"
    assert len(texts) == len(set(texts)), f"a note yielded twice: {where}"
    assert set(texts) <= set(by_text), f"{texts} {where}"
    got = [by_text[t] for t in texts]  # type: ignore[index]
    dates = [e.created_at for e in got]
    assert dates == sorted(dates), f"not oldest first: {where}"
    units = {base + s: a for s, a in case.seconds.items()}
    if case.listing == "tag":
        units = {s: [0] * len(a) for s, a in units.items()}  # one filter: nothing to narrow by
    lossy = _lossy(case, units)
    missing = [e for e in away if e.content not in set(texts)]
    messages = [r.getMessage() for r in caplog.records if r.name == "decentsocial.nostr"]
    bounded = [m for m in messages if "stream_catch_up_limit" in m]
    if bound <= len(away):
        assert len(got) == bound, where
        assert max(e.created_at for e in missing) <= min(dates), f"not the newest: {where}"
        assert len(bounded) == 1, where
        assert relay.url in bounded[0], where
        return
    assert not bounded, where
    assert {e.created_at for e in missing} <= lossy, f"notes lost: {where}"
    caplog.records[:] = [r for r in caplog.records if "stream_catch_up_limit" not in r.getMessage()]
    assert lossy <= _warned(caplog, relay.url) <= _may_warn(case, units), where


@pytest.mark.timeout(60)
def test_a_bounded_catch_up_hands_over_no_more_than_its_bound(make_net: Make, spec_relay: StartRelay) -> None:
    """Found by seed 3 above: a catch-up cut at ``stream_catch_up_limit`` (8 of 30 notes) on a relay
    sending more than that for one request. The new subscription, asking from 60 s before the
    newest note, was sent the 22 older ones as stored events and handed them over after the 8,
    out of order; and the next drop's catch-up fetched them again. Now what a bounded catch-up
    left out is asked for no more."""
    relay = spec_relay()
    alice, bob = make_net(relays=[relay.url], stream_catch_up_limit=8), make_net(relays=[relay.url])
    tag = f"bounded{time.time_ns()}"
    arrived = _watch(alice.stream(tag=tag))
    first = bob.publish(f"first #{tag}")
    assert arrived.get(timeout=5) == f"first #{tag}"
    start = int(first.created_at.timestamp())
    away = [
        sign_event(PrivateKey.generate(), 1, f"away {i} #{tag}", (("t", tag),), start + i // 10)
        for i in range(30)
    ]
    for note in away:
        relay.store(note.to_json())
    time.sleep(max(0.0, start + 3 - time.time()))  # published while away: dated in the past
    assert relay.drop_connections() >= 1
    newest = sorted(away, key=lambda e: (e.created_at, e.id))[-8:]
    assert _texts(arrived, 8) == [e.content for e in newest]
    bob.publish(f"after #{tag}")
    assert _texts(arrived, 1) == [f"after #{tag}"]
    assert relay.drop_connections() >= 1
    time.sleep(1.5)  # subscribed again
    bob.publish(f"again #{tag}")
    assert _texts(arrived, 1) == [f"again #{tag}"]
    time.sleep(0.3)
    assert arrived.empty()
