"""The sandbox keeps, searches and streams a hashtag as one tag however its letters were typed:
composed or decomposed (macOS), Arabic marks in either order, Hangul as syllables or jamo.

A search or a tag stream asks for the tag as ``text.normalise_tag`` gives it (NFC, lower-case), and
the sandbox stores every post's tags so; a database an earlier version wrote is brought to that form
once. The text of a post stays exactly as written.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.stopping import StoppableStream
from decentsocial.testing.contract.monitoring import Running


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


SHADDA, FATHA = "\u0651", "\u064e"
# (typed one way, typed the other way, the tag kept)
PAIRS = [
    pytest.param("Café", nfd("café"), "café", id="latin"),
    pytest.param(nfd("Café"), "CAFÉ", "café", id="latin-reversed"),
    pytest.param("한국어", nfd("한국어"), "한국어", id="hangul"),
    pytest.param(f"مح{SHADDA}{FATHA}د", f"مح{FATHA}{SHADDA}د", f"مح{FATHA}{SHADDA}د", id="arabic-marks"),
    pytest.param("أهلا", "\u0627\u0654هلا", "أهلا", id="arabic-hamza"),
]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[SandboxNetwork, SandboxNetwork]]:
    """A brand and a fan on one sandbox file."""
    brand = ds.connect("sandbox", path=tmp_path / "s.db", account="brand")
    fan = ds.connect("sandbox", path=tmp_path / "s.db", account="fan")
    assert isinstance(brand, SandboxNetwork)
    assert isinstance(fan, SandboxNetwork)
    yield brand, fan
    brand.close()
    fan.close()


@pytest.mark.parametrize(("asked", "written", "kept"), PAIRS)
def test_search_finds_a_tag_written_the_other_way(
    alice: SandboxNetwork, bob: SandboxNetwork, asked: str, written: str, kept: str
) -> None:
    text = f"لدينا \u200f#{written} today"  # a right-to-left mark before the tag, as RTL apps write
    post = bob.publish(text)
    assert post.text == text  # as written, not normalised
    assert post.tags == (kept,)
    assert [p.id for p in alice.search(f"#{asked}")] == [post.id]
    assert [p.id for p in alice.search(f"＃{asked}")] == [post.id]
    assert alice.get_post(post.id).text == text


def test_a_draft_tag_and_the_same_hashtag_typed_decomposed_are_one_tag(alice: SandboxNetwork) -> None:
    post = alice.publish(ds.Draft(text=f"open {nfd('#Café')}", tags=["café", "Terrasse"]))
    assert post.tags == ("café", "terrasse")
    assert alice.get_post(post.id).tags == ("café", "terrasse")
    assert [p.id for p in alice.search(nfd("#CAFÉ"))] == [post.id]


@pytest.mark.parametrize(("asked", "written", "kept"), PAIRS)
def test_a_tag_stream_delivers_a_post_written_the_other_way(
    alice: SandboxNetwork, bob: SandboxNetwork, asked: str, written: str, kept: str
) -> None:
    stream = alice.stream(tag=asked)
    assert isinstance(stream, StoppableStream)
    got: list[ds.Post] = []

    def watch() -> None:
        for post in stream:
            got.append(post)
            return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    bob.publish("#other not this one")
    sent = bob.publish(f"#{written}")
    watcher.join(timeout=10)
    stream.stop()
    assert [p.id for p in got] == [sent.id]
    assert got[0].tags == (kept,)


def test_a_monitor_of_hashtags_sees_posts_that_typed_them_the_other_way(
    pair: tuple[SandboxNetwork, SandboxNetwork],
) -> None:
    brand, fan = pair
    # Every keyword a hashtag: the monitor follows the sandbox's tag streams and searches by tag.
    watching = Running([brand], keywords=["#Café", nfd("#한국어"), f"#مح{SHADDA}{FATHA}د"])
    try:
        wanted = [
            fan.publish(f"un {nfd('#café')} noir"),
            fan.publish("#한국어 공부"),
            fan.publish(f"#مح{FATHA}{SHADDA}د"),
        ]
        fan.publish("café without the hash")
        got = watching.take({p.id for p in wanted}, 20)
        got += watching.close()
    finally:
        watching.ended.set()
    assert sorted(p.id for p in got) == sorted(p.id for p in wanted)


def test_a_database_an_earlier_version_wrote_finds_its_decomposed_tags(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    net = ds.connect("sandbox", path=path, account="alice")
    post = net.publish(f"{nfd('#Café')} {nfd('#한국')} #acme")
    net.close()
    # As an earlier version kept them: lower-cased only, decomposed as typed; no mark of the form.
    old = [nfd("café"), nfd("한국"), "acme"]
    with sqlite3.connect(path) as db:
        db.execute("UPDATE posts SET tags = ?", (json.dumps(old),))
        db.execute("DELETE FROM post_tags")
        db.executemany("INSERT INTO post_tags (tag, post_seq) VALUES (?, 1)", [(t,) for t in old])
        db.execute("DELETE FROM meta WHERE key = 'tag_form'")
    db.close()
    again = ds.connect("sandbox", path=path, account="alice")
    assert [p.id for p in again.search("#café")] == [post.id]
    assert [p.id for p in again.search("#한국")] == [post.id]
    assert [p.id for p in again.search("#acme")] == [post.id]
    assert again.get_post(post.id).tags == ("café", "한국", "acme")
    assert again.get_post(post.id).text == f"{nfd('#Café')} {nfd('#한국')} #acme"
    again.close()
    with sqlite3.connect(path) as db:
        assert {row[0] for row in db.execute("SELECT tag FROM post_tags")} == {"café", "한국", "acme"}
    db.close()


def test_a_keyed_publish_an_earlier_version_made_is_found_again(tmp_path: Path) -> None:
    """That version hashed a decomposed tag decomposed: the retry after an upgrade gives its post."""
    net = ds.connect("sandbox", path=tmp_path / "s.db", account="alice")
    draft = ds.Draft(text="launch", tags=[nfd("Café")], idempotency_key="launch-1")
    made = net.publish(draft)
    earlier = draft.model_dump_json().replace('"café"', f'"{nfd("café")}"')
    with sqlite3.connect(tmp_path / "s.db") as db:
        db.execute(
            "UPDATE idempotency SET digest = ? WHERE key = ?",
            (hashlib.sha256(earlier.encode()).hexdigest(), "launch-1"),
        )
    db.close()
    assert net.publish(draft).id == made.id
    assert [p.id for p in net.posts(limit=None)] == [made.id]  # never a second post
    net.close()
