"""Hashtags on a real relay (nostr-relay) however their letters were typed: composed or decomposed.

NIP-24 wants a ``t`` tag lower-case; this SDK sends it in NFC too (``text.normalise_tag``), one
``t`` tag per hashtag. A relay compares ``#t`` values byte for byte, and a client on macOS may send a
decomposed ``t`` tag ("cafe" + U+0301, Hangul as jamo): a tag search or stream asks for both
spellings, and the notes found carry the one tag ``Post.tags`` holds.
"""

from __future__ import annotations

import queue
import threading
import time
import unicodedata
from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork
from decentsocial.backends.nostr.events import Event

Make = Callable[..., NostrNetwork]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _unique() -> str:
    """A suffix no other note on the session's relay has: the tags below are this test's own."""
    return str(time.time_ns())


def _foreign_note(client: NostrNetwork, text: str, t_tags: list[str]) -> Event:
    """A note as another client writes it: its own ``t`` tags, exactly as given."""
    event = client.sign(1, text, tuple(("t", t) for t in t_tags), int(time.time()) - 2)
    client.publish_event(event)
    return event


def test_a_decomposed_hashtag_and_its_draft_tag_are_one_composed_t_tag(make_net: Make) -> None:
    alice = make_net()
    n = _unique()
    text = f"ouvert {nfd('#Café')}{n} et {nfd('#한국')}{n}"
    post = alice.publish(ds.Draft(text=text, tags=[f"CAFÉ{n}"]))
    (event,) = alice.transport.query([{"ids": [post.id]}]).events
    assert event.tag_values("t") == [f"café{n}", f"한국{n}"]
    assert event.content == text  # the note's text as written
    assert post.tags == (f"café{n}", f"한국{n}")


@pytest.mark.parametrize(
    ("asked", "sent"),
    [
        pytest.param("#Café", nfd("café"), id="composed-asks-decomposed"),
        pytest.param(nfd("#CAFÉ"), "café", id="decomposed-asks-composed"),
        pytest.param("#한국", nfd("한국"), id="hangul-syllables-ask-jamo"),
    ],
)
def test_a_tag_search_finds_a_note_tagged_in_the_other_form(make_net: Make, asked: str, sent: str) -> None:
    alice, other = make_net(), make_net()
    n = _unique()
    note = _foreign_note(other, f"{nfd('#' + sent)}{n} طيب", [f"{sent}{n}"])
    found = list(alice.search(f"{asked}{n}", limit=10))
    assert [p.id for p in found] == [note.id]
    assert found[0].tags == (unicodedata.normalize("NFC", f"{sent}{n}"),)


def test_a_tag_stream_delivers_a_note_tagged_decomposed(make_net: Make) -> None:
    alice, other = make_net(), make_net()
    n = _unique()
    stream = alice.stream(tag=f"Café{n}")
    arrived: queue.Queue[ds.Post] = queue.Queue()

    def watch() -> None:
        for post in stream:
            arrived.put(post)

    threading.Thread(target=watch, daemon=True).start()
    note = other.sign(1, f"{nfd('#café')}{n}", (("t", nfd(f"café{n}")),))
    other.publish_event(note)
    post = arrived.get(timeout=5)
    assert post.id == note.id
    assert post.tags == (f"café{n}",)
