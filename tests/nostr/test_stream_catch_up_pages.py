"""A stream that lost its relay catches up on everything published meanwhile, however many notes
that is: a relay sends at most its ``max_limit`` stored events for one ``REQ`` (the newest), so
one catch-up request missed the older ones. The catch-up is paged back (``until`` windows, as
``pages.py`` pages listings) and delivered oldest first, each note once, up to
``stream_catch_up_limit`` notes (the newest; a warning says what was left).
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Iterator

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import Event, sign_event

from .spec_relay import SpecRelay
from .test_multi_relay import _watch

Make = Callable[..., NostrNetwork]
StartRelay = Callable[..., SpecRelay]


def _away(relay: SpecRelay, tag: str, since: int, count: int, per_second: int) -> list[Event]:
    """``count`` notes tagged ``tag`` put in the relay's storage (as if published while the stream's
    connection was down: no live subscription is told), ``per_second`` of them dated each second
    from ``since`` on; in the order a stream yields them, oldest first."""
    bob = PrivateKey.generate()
    notes = [
        sign_event(bob, 1, f"away {i} #{tag}", (("t", tag),), since + i // per_second) for i in range(count)
    ]
    for note in notes:
        relay.store(note.to_json())
    return sorted(notes, key=lambda e: (e.created_at, e.id))


def _texts(arrived: queue.Queue[str | BaseException], count: int) -> list[str | BaseException]:
    """The next ``count`` notes' texts, or those that came within 20 s."""
    texts: list[str | BaseException] = []
    deadline = time.monotonic() + 20
    while len(texts) < count and (left := deadline - time.monotonic()) > 0:
        try:
            texts.append(arrived.get(timeout=left))
        except queue.Empty:
            break
    return texts


def _stream_after_a_drop(
    make_net: Make, relay: SpecRelay, count: int, per_second: int = 3, **settings: object
) -> tuple[NostrNetwork, str, queue.Queue[str | BaseException], list[Event]]:
    """A stream that saw one note, then lost its relay while ``count`` notes were published."""
    alice = make_net(relays=[relay.url], **settings)
    bob = make_net(relays=[relay.url])
    tag = f"catchup{time.time_ns()}"
    stream: Iterator[ds.Post] = alice.stream(tag=tag)
    arrived = _watch(stream)
    first = bob.publish(f"first #{tag}")
    assert arrived.get(timeout=5) == f"first #{tag}"
    away = _away(relay, tag, int(first.created_at.timestamp()), count, per_second)
    assert relay.drop_connections() >= 1
    return bob, tag, arrived, away


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    "cap",
    [
        pytest.param({"max_limit": 20}, id="announced-max_limit"),
        pytest.param({"max_limit": 100, "announce_max_limit": False}, id="unannounced-round-cap"),
    ],
)
def test_a_stream_catches_up_on_more_notes_than_the_relay_sends_for_one_request(
    make_net: Make, spec_relay: StartRelay, cap: dict[str, object]
) -> None:
    relay = spec_relay(**cap)
    count, per_second = (130, 7) if cap["max_limit"] == 100 else (55, 3)
    bob, tag, arrived, away = _stream_after_a_drop(make_net, relay, count, per_second)
    # Before: only the relay's newest max_limit notes, newest first; the older ones never came.
    assert _texts(arrived, count) == [e.content for e in away]
    bob.publish(f"after #{tag}")
    assert arrived.get(timeout=10) == f"after #{tag}"
    time.sleep(0.3)
    assert arrived.empty(), "no note is yielded twice"


@pytest.mark.timeout(90)
def test_a_catch_up_page_ending_inside_a_second_completes_that_second(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """Notes sharing a second across a page's end: each one once, none skipped (as ``relay_page``,
    which asks for the page's last second again; a second fuller than the cap is narrowed, see
    ``test_crowded_seconds.py``)."""
    relay = spec_relay(max_limit=10)
    bob, tag, arrived, away = _stream_after_a_drop(make_net, relay, 45, per_second=4)
    assert _texts(arrived, 45) == [e.content for e in away]
    bob.publish(f"after #{tag}")
    assert arrived.get(timeout=10) == f"after #{tag}"


@pytest.mark.timeout(90)
def test_a_catch_up_past_its_bound_keeps_the_newest_and_says_so(
    make_net: Make, spec_relay: StartRelay, caplog: pytest.LogCaptureFixture
) -> None:
    relay = spec_relay(max_limit=10)
    with caplog.at_level(logging.WARNING, logger="decentsocial.nostr"):
        bob, tag, arrived, away = _stream_after_a_drop(make_net, relay, 40, stream_catch_up_limit=25)
        assert _texts(arrived, 25) == [e.content for e in away[-25:]]
        bob.publish(f"after #{tag}")
        assert arrived.get(timeout=10) == f"after #{tag}"
    bounded = [r.getMessage() for r in caplog.records if "stream_catch_up_limit" in r.getMessage()]
    assert len(bounded) == 1
    assert relay.url in bounded[0]
    assert "25" in bounded[0]


def test_the_bound_is_a_checked_setting(make_net: Make) -> None:
    too_few = "stream_catch_up_limit: Input should be greater than or equal to 1"
    with pytest.raises(ds.ConfigurationError, match=too_few):
        make_net(stream_catch_up_limit=0)


@pytest.mark.timeout(60)
def test_a_catch_up_within_the_cap_asks_once_more_below_its_oldest_second(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """A relay may send fewer than it announces (``test_short_answers.py``), so a short answer is
    followed by one query reaching into its oldest second; nothing new there ends the catch-up."""
    relay = spec_relay(max_limit=20)
    bob, tag, arrived, away = _stream_after_a_drop(make_net, relay, 12)
    assert _texts(arrived, 12) == [e.content for e in away]
    bob.publish(f"after #{tag}")
    assert arrived.get(timeout=10) == f"after #{tag}"
    catch_up = [f for req in relay.requests for f in req if f.get("#t") == [tag] and "until" in f]
    assert len(catch_up) == 2  # not full: only the query below it, which brings nothing new
    assert catch_up[1]["until"] == min(e.created_at for e in away) + 1
    time.sleep(0.3)
    assert arrived.empty(), "no note is yielded twice"
