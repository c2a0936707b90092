"""An author flooding a relay with notes dated ahead of the clock cannot blind searches and listings.

A relay answers newest first, up to the filter's ``limit``. The notes dated
more than ``max_clock_lead`` + 60 s ahead are dropped as they arrive, so a
flood of them (the real nostr-relay stores notes up to an hour ahead; others
take years) filled every answer with nothing kept: ``search`` of the tag or
the word, the home timeline and the notifications found nothing, and
``monitor``'s catch-up, which searches, yielded nothing. Every query now asks
for nothing dated after what would be kept (``until``), so the real note is
found; a live stream still drops a future-dated note and delivers the next.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork
from decentsocial.stopping import StoppableStream

Make = Callable[..., NostrNetwork]

#: More than a page (``page_size`` + 1 asked for): each answer used to be all flood.
PAGE = 20
FLOOD = 3 * PAGE
#: Seconds ahead the flood is dated: nostr-relay refuses notes over an hour ahead.
AHEAD = 1800


def _flood(mallory: NostrNetwork, word: str, tag: str, about: str) -> None:
    """``FLOOD`` validly signed notes dated half an hour ahead, with the word and the tag, to ``about``."""
    ahead = int(time.time()) + AHEAD
    for i in range(FLOOD):
        tags = (("t", tag), ("p", about))
        mallory.publish_event(mallory.sign(1, f"{word} from the future {i} #{tag}", tags, ahead + i))


@dataclass
class Scene:
    """Bob's real note, found under mallory's flood (or not) by alice."""

    alice: NostrNetwork  # reads; follows mallory and bob
    bob: NostrNetwork
    real: str  # bob's note, mentioning alice, with the word and the tag
    word: str
    tag: str


@pytest.fixture
def scene(make_net: Make) -> Scene:
    alice = make_net(page_size=PAGE, search_scan_limit=10 * FLOOD)
    mallory, bob = make_net(), make_net()
    token = f"{time.time_ns()}"
    word, tag = f"flooded{token}", f"flood{token}"
    alice.follow(mallory.public_key)
    alice.follow(bob.public_key)
    real = bob.publish(f"the real {word} #{tag} for nostr:{alice.me().handle}")
    _flood(mallory, word, tag, alice.public_key)
    return Scene(alice, bob, real.id, word, tag)


def test_a_hashtag_search_finds_the_real_note_under_the_flood(scene: Scene) -> None:
    assert [p.id for p in scene.alice.search(f"#{scene.tag}", limit=None)] == [scene.real]
    assert [p.id for p in scene.alice.search(f"#{scene.tag}", limit=5)] == [scene.real]


def test_a_text_search_finds_the_real_note_under_the_flood(scene: Scene) -> None:
    assert [p.id for p in scene.alice.search(scene.word, limit=None)] == [scene.real]


def test_the_timeline_and_notifications_show_the_real_note_under_the_flood(scene: Scene) -> None:
    assert scene.real in [p.id for p in scene.alice.timeline(limit=PAGE)]
    mentions = [n for n in scene.alice.notifications(limit=PAGE) if n.kind == "mention"]
    assert [n.post.id if n.post else None for n in mentions] == [scene.real]
    assert [n.account.id if n.account else None for n in mentions] == [scene.bob.public_key]


def test_monitor_catches_up_on_the_real_note_under_the_flood(scene: Scene) -> None:
    since = datetime.now(timezone.utc) - timedelta(minutes=5)
    polled = ds.monitor([scene.alice], f"#{scene.tag}", since=since, streams=False, max_polls=1, interval=0.1)
    assert [p.id for p in polled] == [scene.real]


@pytest.mark.timeout(60)
def test_a_stream_drops_a_note_dated_ahead_and_delivers_the_next(make_net: Make) -> None:
    """The stream's subscription has no ``until`` (it would silence what comes later): a future-dated
    note arriving live is dropped, as before, and the real one after it arrives."""
    alice, mallory, bob = make_net(), make_net(), make_net()
    tag = f"livefuture{time.time_ns()}"
    stream = alice.stream(tag=tag)
    assert isinstance(stream, StoppableStream)
    arrived: queue.Queue[str] = queue.Queue()

    def watch() -> None:
        for post in stream:
            arrived.put(post.id)

    threading.Thread(target=watch, daemon=True).start()
    time.sleep(0.5)  # subscribed
    ahead = int(time.time()) + AHEAD
    mallory.publish_event(mallory.sign(1, f"from the future #{tag}", (("t", tag),), ahead))
    real = bob.publish(f"live and real #{tag}")
    try:
        assert arrived.get(timeout=10) == real.id
        with pytest.raises(queue.Empty):
            arrived.get(timeout=0.5)
    finally:
        stream.stop()
