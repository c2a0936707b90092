"""The Nostr backend against nostr-relay (a real relay, run by tests/servers/nostr.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey, lists
from decentsocial.backends.nostr.events import Event, sign_event
from decentsocial.backends.nostr.keys import encode_nevent, encode_note, encode_npub

Make = Callable[..., NostrNetwork]


def _events(net: NostrNetwork, flt: dict[str, object]) -> list[Event]:
    return net.transport.query([flt]).events


def test_publish_reads_back_with_tags_and_mentions(make_net: Make) -> None:
    alice, bob = make_net(), make_net()
    post = alice.publish(
        ds.Draft(text=f"hi @{bob.me().handle} #Nostr", tags=("Extra",), content_warning="cw")
    )
    event = Event.from_json(post.raw["event"])  # type: ignore[index]
    assert ("t", "extra") in event.tags
    assert ("t", "nostr") in event.tags
    assert ("p", bob.public_key) in event.tags
    assert f"nostr:{bob.me().handle}" in event.content  # NIP-27
    assert ("content-warning", "cw") in event.tags
    assert post.raw is not None
    assert post.raw["relays"] == {
        alice.nostr_settings.relays[0]: {
            "accepted": True,
            "message": "",
            "error": None,
        }
    }
    for ref in (
        post.id,
        encode_note(post.id),
        encode_nevent(post.id, ("ws://127.0.0.1:1",)),
        "nostr:" + encode_note(post.id),
    ):
        read = bob.get_post(ref)
        assert read.id == post.id
        assert read.text == event.content
        assert read.author.id == alice.public_key
        assert read.author.handle == encode_npub(alice.public_key)
        assert set(read.tags) == {"nostr", "extra"}
        assert read.content_warning == "cw"
        assert read.mentions == (bob.me().handle,)


def test_get_post_errors(make_net: Make) -> None:
    net = make_net()
    with pytest.raises(ds.NotFound):
        net.get_post("e" * 64)
    with pytest.raises(ds.InvalidInput):
        net.get_post("not-an-id")
    with pytest.raises(ds.InvalidInput):
        net.get_post(net.me().handle)  # an npub is not a post id


def test_reply_uses_nip10_marked_tags(make_net: Make) -> None:
    alice, bob, carol = make_net(), make_net(), make_net()
    root = alice.publish("root")
    first = bob.reply(root, "first")
    second = carol.reply(first.id, ds.Draft(text="second"))
    e1 = Event.from_json(first.raw["event"])  # type: ignore[index]
    e2 = Event.from_json(second.raw["event"])  # type: ignore[index]
    relay = alice.nostr_settings.relays[0]
    assert [t for t in e1.tags if t[0] == "e"] == [("e", root.id, relay, "root")]
    assert [t for t in e2.tags if t[0] == "e"] == [
        ("e", root.id, relay, "root"),
        ("e", first.id, relay, "reply"),
    ]
    assert set(e2.tag_values("p")) == {alice.public_key, bob.public_key}
    read = alice.get_post(second.id)
    assert read.reply_to == first.id
    assert read.root_id == root.id
    assert [p.text for p in alice.thread(root)] == ["root", "first", "second"]
    assert [p.id for p in alice.thread(first)] == [first.id, second.id]
    via_draft = bob.publish(ds.Draft(text="draft reply", reply_to=root.id))
    assert via_draft.reply_to == root.id


def test_like_unlike_repost_delete(make_net: Make) -> None:
    alice, bob = make_net(), make_net()
    post = alice.publish("like me")
    bob.like(post)
    reactions = _events(alice, {"kinds": [7], "#e": [post.id]})
    assert [(r.content, r.pubkey, r.tag_values("p")) for r in reactions] == [
        ("+", bob.public_key, [alice.public_key])
    ]
    bob.unlike(post)
    assert bob._drop_deleted(_events(alice, {"kinds": [7], "#e": [post.id]})) == []
    repost = bob.repost(post)
    assert repost is not None
    assert repost.text == "like me"
    assert repost.raw is not None
    assert repost.raw["reposted"] == post.id
    kind6 = Event.from_json(repost.raw["event"])
    assert kind6.kind == 6
    assert Event.from_json(json.loads(kind6.content)).id == post.id
    with pytest.raises(ds.PermissionDenied):
        bob.delete(post)
    alice.delete(post)
    with pytest.raises(ds.NotFound):
        bob.get_post(post.id)
    assert post.id not in {p.id for p in alice.posts(limit=None)}


def test_follow_and_unfollow_keep_other_entries(make_net: Make) -> None:
    alice, bob, carol = make_net(), make_net(), make_net()
    kept = ("p", "f" * 64, "ws://127.0.0.1:1", "petname")
    relays_json = json.dumps({"ws://127.0.0.1:1": {"read": True, "write": True}})
    alice.publish_event(alice.sign(3, relays_json, (kept, ("t", "not-a-contact")), int(time.time()) - 10))
    alice.follow(bob.me())
    alice.follow(encode_npub(carol.public_key))
    alice.follow(bob.public_key)  # already followed: no change
    contacts = lists.latest(alice.transport, 3, alice.public_key)
    assert contacts is not None
    assert contacts.content == relays_json
    assert contacts.tags == (kept, ("t", "not-a-contact"), ("p", bob.public_key), ("p", carol.public_key))
    alice.unfollow(bob.me().handle)
    contacts = lists.latest(alice.transport, 3, alice.public_key)
    assert contacts is not None
    assert contacts.tags == (kept, ("t", "not-a-contact"), ("p", carol.public_key))
    assert alice.me().following == 2
    with pytest.raises(ds.InvalidInput):
        alice.follow("not-a-key")


def test_timeline_is_contacts_and_self(make_net: Make) -> None:
    alice, bob, stranger = make_net(), make_net(), make_net()
    alice.follow(bob.me())
    bob.publish("from bob")
    stranger.publish("from a stranger")
    alice.publish("from alice")
    texts = [p.text for p in alice.timeline(limit=10)]
    assert sorted(texts) == ["from alice", "from bob"]


def test_profile_and_nip05(make_net: Make, relay_url: str) -> None:
    names: dict[str, str] = {}
    alice = make_net(nip05_resolver=lambda name: names.get(name))
    bob = make_net(nip05_resolver=lambda name: names.get(name))
    alice.set_profile(
        name="alice", about="bio", picture="https://img.example.test/a.png", nip05="alice@example.test"
    )
    me = alice.me()
    assert (me.display_name, me.bio, me.avatar_url) == ("alice", "bio", "https://img.example.test/a.png")
    assert me.raw
    assert me.raw["nip05_verified"] is False
    names["alice@example.test"] = alice.public_key
    assert bob.account("alice@example.test").id == alice.public_key
    assert bob.account(alice.me().handle).raw["nip05_verified"] is True  # type: ignore[index]
    names["alice@example.test"] = bob.public_key  # a name that points elsewhere is not verified
    assert bob.account(alice.public_key).raw["nip05_verified"] is False  # type: ignore[index]
    with pytest.raises(ds.NotFound):
        bob.account("nobody@example.test")
    names["broken@example.test"] = "not a key"
    with pytest.raises(ds.NotFound):
        bob.account("broken@example.test")
    plain = make_net()
    with pytest.raises(ds.InvalidInput, match="nip05_resolver"):
        plain.account("alice@example.test")
    assert plain.account(alice.public_key).raw["nip05_verified"] is None  # type: ignore[index]


def test_search_by_tag_and_text(make_net: Make) -> None:
    alice = make_net()
    token = f"tok{time.time_ns()}"
    alice.publish(f"first #{token}")
    alice.publish(f"second mentions {token.upper()} in text")
    alice.publish("unrelated")
    assert [p.text for p in alice.search(f"#{token}")] == [f"first #{token}"]
    assert sorted(p.text for p in alice.search(token)) == [
        f"first #{token}",
        f"second mentions {token.upper()} in text",
    ]
    assert 50 not in alice.relay_info(alice.nostr_settings.relays[0])["supported_nips"]
    with pytest.raises(ds.InvalidInput):
        alice.search("  ")


def test_a_repeated_like_or_repost_is_made_once(make_net: Make) -> None:
    """A caller repeating a write whose answer was lost must not like or repost twice."""
    alice, bob = make_net(), make_net()
    post = alice.publish("once is enough")
    bob.like(post)
    bob.like(post)
    assert len(_events(alice, {"kinds": [7], "#e": [post.id]})) == 1
    first, again = bob.repost(post), bob.repost(post)
    assert first is not None
    assert again is not None
    assert again.id == first.id
    assert len(_events(alice, {"kinds": [6], "#e": [post.id]})) == 1
    bob.unlike(post)
    bob.like(post)  # liking again after an unlike is a new like
    assert len(bob._drop_deleted(_events(alice, {"kinds": [7], "#e": [post.id]}))) == 1


def test_notifications(make_net: Make) -> None:
    alice, bob = make_net(), make_net()
    post = alice.publish("notify me")
    bob.publish(f"hello nostr:{alice.me().handle}")
    reply = bob.reply(post, "a reply")
    bob.like(post)
    bob.repost(post)
    alice.reply(reply, "my own reply is not a notification")
    bob.follow(alice.me())
    dislike = bob.sign(7, "-", (("e", post.id), ("p", alice.public_key)))
    bob.publish_event(dislike)
    found = list(alice.notifications(limit=None))
    assert sorted(n.kind for n in found) == ["follow", "like", "mention", "other", "reply", "repost"]
    by_kind = {n.kind: n for n in found}
    assert by_kind["like"].post is not None
    assert by_kind["like"].post.id == post.id
    assert by_kind["reply"].post is not None
    assert by_kind["reply"].post.id == reply.id
    assert all(n.account is not None and n.account.id == bob.public_key for n in found)
    assert len(list(alice.notifications(limit=2))) == 2


def test_paging_through_many_notes_in_one_second(make_net: Make) -> None:
    """nostr-relay's until is exclusive: pages must still neither skip nor repeat notes."""
    alice = make_net(page_size=7)
    now = int(time.time())
    made = set()
    for second, count in ((now - 3, 10), (now - 2, 3), (now - 1, 16)):
        for i in range(count):
            made.add(alice.publish_event(alice.sign(1, f"n{second}-{i}", (), second)) and f"n{second}-{i}")
    seen = [p.text for p in alice.posts(limit=None)]
    assert len(seen) == len(set(seen)) == 29
    assert set(seen) == made
    created = [p.created_at for p in alice.posts(limit=None)]
    assert created == sorted(created, reverse=True)
    assert len(list(alice.posts(limit=12))) == 12


def test_exactly_once_publish(make_net: Make, relay_url: str) -> None:
    alice = make_net()
    draft = ds.Draft(text="exactly once", idempotency_key="k-1")
    first = alice.publish(draft)
    again = alice.publish(draft)
    assert again.id == first.id
    assert alice.last_publish[0].duplicate  # the relay said "duplicate": success, same note
    assert [p.id for p in alice.posts(limit=None)] == [first.id]
    assert alice.publish(ds.Draft(text="exactly once", idempotency_key="k-2")).id != first.id


def test_forged_events_in_the_relay_are_ignored(make_net: Make, caplog: pytest.LogCaptureFixture) -> None:
    """nostr-relay stores a validly signed event under a wrong claimed id; the client must drop it."""
    alice, mallory = make_net(), make_net()
    real = alice.publish("the real note")
    forged = sign_event(PrivateKey.generate(), 1, "forged", (("t", "forgery"),), int(time.time()))
    claimed = Event(
        real.id[::-1], forged.pubkey, forged.created_at, 1, forged.tags, forged.content, forged.sig
    )
    mallory.transport.run(
        mallory.transport.pool._connections[mallory.nostr_settings.relays[0]].publish(claimed)
    )
    raw = mallory.transport.run(
        mallory.transport.pool._connections[mallory.nostr_settings.relays[0]].query([{"ids": [claimed.id]}])
    )
    assert [e["content"] for e in raw] == ["forged"], (
        "the relay should hold the forged event for this test to mean anything"
    )
    with caplog.at_level(logging.DEBUG, logger="decentsocial.nostr"):
        with pytest.raises(ds.NotFound):
            alice.get_post(claimed.id)
        assert "forged" not in [p.text for p in alice.search("#forgery")]
    assert any("does not match" in r.getMessage() for r in caplog.records)


def test_content_over_the_relays_limit_is_rejected_with_its_reason(make_net: Make) -> None:
    alice = make_net()
    started = time.monotonic()
    with pytest.raises(ds.ContentRejected) as info:
        alice.publish("x" * 5000)
    assert info.value.server_message
    assert "invalid" in info.value.server_message
    # The relay throttles a connection after a rejection; the next publish uses a fresh one.
    alice.publish("fine again")
    assert time.monotonic() - started < 6


def test_read_only_connection(relay_url: str) -> None:
    net = ds.connect("nostr", relays=[relay_url])
    try:
        with pytest.raises(ds.AuthenticationError):
            net.publish("no key")
        assert list(net.search("#nothing-here-at-all")) == []
    finally:
        net.close()


def test_sync_api_inside_a_running_event_loop(make_net: Make) -> None:
    """As in Jupyter: the caller's thread already runs a loop."""
    alice = make_net()

    async def inside() -> str:
        return alice.publish("from inside a loop").id

    eid = asyncio.run(inside())
    assert alice.get_post(eid).text == "from inside a loop"


def test_secrets_stay_out_of_logs_and_errors(make_net: Make, caplog: pytest.LogCaptureFixture) -> None:
    key = PrivateKey.generate()
    alice = make_net(key=key)
    with caplog.at_level(logging.DEBUG):
        alice.publish("logging")
        with pytest.raises(ds.ContentRejected) as info:
            alice.publish("y" * 5000)
    text = caplog.text + str(info.value) + repr(info.value) + repr(alice)
    assert key.nsec not in text
    assert key.hex not in text


def test_quote_uses_a_q_tag_and_a_nostr_reference(make_net: Make) -> None:
    alice, bob = make_net(), make_net()
    quoted = alice.publish("quote me")
    quote = bob.publish(ds.Draft(text="well said", quote_of=encode_note(quoted.id)))
    assert quote.quote_of == quoted.id
    assert quote.raw is not None
    event = Event.from_json(quote.raw["event"])
    assert event.tag_values("q") == [quoted.id]
    assert alice.public_key in event.tag_values("p")
    assert "nostr:nevent1" in event.content
    assert alice.get_post(quote.id).quote_of == quoted.id
    with pytest.raises(ds.NotFound):
        bob.publish(ds.Draft(text="quoting nothing", quote_of="e" * 64))


def test_stream_delivers_new_notes(make_net: Make) -> None:
    import queue
    import threading

    alice, bob = make_net(), make_net()
    token = f"live{time.time_ns()}"
    bob.publish_event(bob.sign(1, f"before the stream #{token}", (("t", token),), int(time.time()) - 5))
    stream = alice.stream(tag=token)
    arrived: queue.Queue[str] = queue.Queue()

    def watch() -> None:
        for post in stream:
            arrived.put(post.text)

    threading.Thread(target=watch, daemon=True).start()
    bob.publish(f"during the stream #{token}")
    bob.publish("untagged, not for this stream")
    assert arrived.get(timeout=5) == f"during the stream #{token}"
    bob.publish(f"and another #{token}")
    assert arrived.get(timeout=5) == f"and another #{token}"
    with pytest.raises(ds.InvalidInput):
        alice.stream(kind="everything")
    with pytest.raises(ds.InvalidInput):
        alice.stream(tag="#")


def test_a_burst_of_notes_keeps_its_order(make_net: Make) -> None:
    alice = make_net(max_clock_lead=30)
    texts = [f"burst {i}" for i in range(8)]
    for text in texts:
        alice.publish(text)
    newest_first = [p.text for p in alice.posts(limit=8)]
    assert newest_first == texts[::-1]
    assert max(p.created_at.timestamp() for p in alice.posts(limit=8)) <= time.time() + 30
    exact = make_net(max_clock_lead=0)
    before = int(time.time())
    post = exact.publish("dated by the clock")
    assert before <= post.created_at.timestamp() <= time.time()


def test_exactly_once_across_processes(make_net: Make) -> None:
    """A second connection (another process, after a crash) finds the note made under the same key."""
    key = PrivateKey.generate()
    first_process = make_net(key=key)
    draft = ds.Draft(text="order 7 confirmed", idempotency_key="order-7")
    first = first_process.publish(draft)
    second_process = make_net(key=key)
    again = second_process.publish(draft)
    assert again.id == first.id
    assert again.raw is not None
    assert again.raw["existing"] is True
    assert [p.id for p in second_process.posts(limit=None)] == [first.id]
    other_key = second_process.publish(ds.Draft(text="order 7 confirmed", idempotency_key="order-8"))
    assert other_key.id != first.id
    event = Event.from_json(first.raw["event"])  # type: ignore[index]
    markers = event.tag_values("idempotency")
    assert len(markers) == 1
    assert "order-7" not in markers[0]


def test_a_connection_never_closed_releases_its_thread_when_collected(relay_url: str) -> None:
    import gc
    import threading
    import weakref

    before = set(threading.enumerate())  # other tests' connections may have helper threads of their own
    alice = ds.connect("nostr", private_key=PrivateKey.generate().nsec, relays=[relay_url], timeout=3.0)
    stream = alice.stream(tag="collected")  # moves the private loop to its helper thread
    alice.publish("a note for the stream #collected")
    assert next(stream).text == "a note for the stream #collected"
    helpers = [t for t in set(threading.enumerate()) - before if t.name == "decentsocial-nostr"]
    assert helpers, "the stream did not start a helper thread"
    gone = weakref.ref(alice)
    del alice, stream
    gc.collect()
    assert gone() is None
    for thread in helpers:
        thread.join(timeout=10)
    assert not any(t.is_alive() for t in helpers)
