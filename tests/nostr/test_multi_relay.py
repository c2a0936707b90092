"""Several relays at once: nostr-relay next to a relay that follows NIP-01 to the letter,
a hostile one, a silent one and a port where nothing listens."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import LnurlPay, NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import Event, sign_event
from tests.servers.nostr import LnurlDirectory

from .spec_relay import SpecRelay
from .test_stream_closed_unread import _open_subscriptions

Make = Callable[..., NostrNetwork]
StartRelay = Callable[..., SpecRelay]


def test_publish_to_all_relays_and_read_each_note_once(
    make_net: Make, spec_relay: StartRelay, relay_url: str
) -> None:
    spec = spec_relay()
    alice = make_net(relays=[relay_url, spec.url])
    post = alice.publish("on two relays")
    assert post.raw is not None
    assert {u: r["accepted"] for u, r in post.raw["relays"].items()} == {relay_url: True, spec.url: True}
    assert post.id in spec.events
    assert [p.id for p in alice.posts(limit=None)] == [post.id]
    only_spec = alice.sign(1, "only on the spec relay", (), int(time.time()) - 5)
    spec.store(only_spec.to_json())
    assert alice.get_post(only_spec.id).text == "only on the spec relay"
    assert [p.id for p in alice.posts(limit=None)] == [post.id, only_spec.id]


def _fill(net: NostrNetwork, relays: list[SpecRelay], plan: dict[int, int]) -> set[str]:
    """Notes by ``net``'s key, ``count`` per second; stored round-robin across ``relays``."""
    made: set[str] = set()
    for n, (second, count) in enumerate(plan.items()):
        for i in range(count):
            event = net.sign(1, f"{second}-{i}", (), second)
            relays[(n + i) % len(relays)].store(event.to_json())
            made.add(event.id)
    return made


def test_paging_on_a_relay_whose_until_is_inclusive(make_net: Make, spec_relay: StartRelay) -> None:
    spec = spec_relay()
    alice = make_net(relays=[spec.url], page_size=7)
    now = int(time.time())
    made = _fill(alice, [spec], {now - 5: 9, now - 4: 1, now - 3: 15, now - 2: 7})
    seen = [p.id for p in alice.posts(limit=None)]
    assert len(seen) == len(set(seen)) == len(made) == 32
    assert set(seen) == made
    assert sum("until" in r[0] for r in spec.requests) >= 4  # it took several pages
    assert len(list(alice.posts(limit=10))) == 10


def test_paging_across_an_inclusive_and_an_exclusive_relay(
    make_net: Make, spec_relay: StartRelay, relay_url: str
) -> None:
    spec = spec_relay()
    alice = make_net(relays=[relay_url, spec.url], page_size=5)
    now = int(time.time())
    made: set[str] = set()
    for second, count in ((now - 4, 8), (now - 3, 2), (now - 2, 11)):
        for i in range(count):
            event = alice.sign(1, f"mixed {second}-{i}", (), second)
            if i % 3:
                spec.store(event.to_json())
            if i % 3 != 1:
                alice.publish_event(event) if i % 3 == 0 else alice.transport.run(
                    alice.transport.pool._connections[relay_url].publish(event)
                )
            made.add(event.id)
    seen = [p.id for p in alice.posts(limit=None)]
    assert len(seen) == len(set(seen)) == 21
    assert set(seen) == made


def test_nip50_search_where_offered_and_a_bounded_scan_elsewhere(
    make_net: Make, spec_relay: StartRelay, relay_url: str
) -> None:
    searching = spec_relay(nip50=True)
    alice = make_net(relays=[relay_url, searching.url], search_scan_limit=5)
    token = f"needle{time.time_ns()}"
    now = int(time.time())
    hit_on_spec = alice.sign(1, f"spec has the {token}", (), now - 100)
    searching.store(hit_on_spec.to_json())
    old_hit = alice.sign(1, f"old {token} on nostr-relay", (), now - 50)
    alice.publish_event(old_hit)  # goes to both relays
    for i in range(8):  # newer notes push the old hit past the scan limit on nostr-relay
        alice.transport.run(
            alice.transport.pool._connections[relay_url].publish(
                alice.sign(1, f"filler {i}", (), now - 10 + i)
            )
        )
    found = [p.id for p in alice.search(token)]
    assert found == [old_hit.id, hit_on_spec.id]
    assert any(f.get("search") == token for r in searching.requests for f in r)
    scan_only = make_net(relays=[relay_url], search_scan_limit=5)
    assert old_hit.id not in [p.id for p in scan_only.search(token)]  # bounded: older than the scan reaches
    wide = make_net(relays=[relay_url], search_scan_limit=5000)
    assert old_hit.id in [p.id for p in wide.search(token)]


def test_forged_events_from_a_hostile_relay_are_dropped(
    make_net: Make, spec_relay: StartRelay, caplog: pytest.LogCaptureFixture
) -> None:
    hostile = spec_relay(verify=False)
    alice = make_net(relays=[hostile.url])
    real = alice.publish("genuine")
    data = real.raw["event"]  # type: ignore[index]
    hostile.store({**data, "id": "1" * 64})  # genuine signature, wrong id
    bad_sig = alice.sign(1, "bad signature", (), int(time.time()))
    hostile.store({**bad_sig.to_json(), "sig": "2" * 128})
    impersonated = sign_event(PrivateKey.generate(), 1, "not really alice", (), int(time.time()))
    hostile.store({**impersonated.to_json(), "pubkey": alice.public_key})
    mallory = PrivateKey.generate()
    fake_delete = sign_event(mallory, 5, "", (("e", real.id),), int(time.time()))
    hostile.store(fake_delete.to_json())  # a deletion by someone else must not hide the note
    caplog.set_level("DEBUG", logger="decentsocial.nostr")
    assert [p.text for p in alice.posts(limit=None)] == ["genuine"]
    with pytest.raises(ds.NotFound):
        alice.get_post("1" * 64)
    with pytest.raises(ds.NotFound):
        alice.get_post(bad_sig.id)
    assert alice.get_post(real.id).text == "genuine"
    assert sum("dropped event" in r.getMessage() for r in caplog.records) >= 3


def test_a_relay_that_is_down_is_skipped(make_net: Make, relay_url: str, closed_relay_url: str) -> None:
    alice = make_net(relays=[closed_relay_url, relay_url])
    post = alice.publish("one relay is down")
    outcomes = {o.relay: o for o in alice.last_publish}
    assert outcomes[relay_url].accepted
    assert not outcomes[closed_relay_url].accepted
    assert outcomes[closed_relay_url].error
    assert alice.get_post(post.id).id == post.id


def test_all_relays_down_fails_fast(make_net: Make, closed_relay_url: str) -> None:
    alice = make_net(relays=[closed_relay_url])
    started = time.monotonic()
    with pytest.raises(ds.NetworkUnavailable):
        alice.publish("nobody listens")
    with pytest.raises(ds.NetworkUnavailable):
        alice.get_post("a" * 64)
    with pytest.raises(ds.NetworkUnavailable):
        list(alice.posts())
    assert time.monotonic() - started < 3


def test_min_accepted(make_net: Make, relay_url: str, closed_relay_url: str, spec_relay: StartRelay) -> None:
    strict = make_net(relays=[relay_url, closed_relay_url], min_accepted=2)
    with pytest.raises(ds.NetworkUnavailable, match="2 needed"):
        strict.publish("needs two")
    spec = spec_relay()
    two = make_net(relays=[relay_url, spec.url], min_accepted=2)
    assert two.publish("two relays took it").id in spec.events


def test_a_silent_relay_does_not_hang_publishing_or_reading(
    make_net: Make, relay_url: str, spec_relay: StartRelay
) -> None:
    silent = spec_relay(silent=True)
    alice = make_net(relays=[relay_url, silent.url], timeout=1.0)
    started = time.monotonic()
    post = alice.publish("the other relay answers")
    assert alice.get_post(post.id).id == post.id
    assert time.monotonic() - started < 5
    errors = [o.error for o in alice.last_publish if o.relay == silent.url]
    assert errors
    assert "no OK" in (errors[0] or "")


def test_retry_after_a_lost_ok_is_the_same_event(make_net: Make, spec_relay: StartRelay) -> None:
    relay = spec_relay(silent=True)
    # No look-up of earlier notes (that would time out first): this is the in-process guarantee.
    alice = make_net(relays=[relay.url], timeout=0.5, idempotency_lookback=0)
    draft = ds.Draft(text="ambiguous", idempotency_key="order-42")
    with pytest.raises(ds.NetworkUnavailable):
        alice.publish(draft)  # the relay stored it, but its OK never came
    relay.silent = False
    post = alice.publish(draft)
    assert {e["id"] for e in relay.received} == {post.id}
    assert len(relay.received) >= 2
    assert [e["content"] for e in relay.events.values()] == ["ambiguous"]
    assert alice.last_publish[0].duplicate


def test_content_limit_of_a_spec_relay(make_net: Make, spec_relay: StartRelay, relay_url: str) -> None:
    small = spec_relay(max_content_length=10)
    alone = make_net(relays=[small.url])
    with pytest.raises(ds.ContentRejected) as info:
        alone.publish("longer than ten characters")
    assert info.value.server_message == "invalid: content longer than 10"
    both = make_net(relays=[small.url, relay_url])
    post = both.publish("longer than ten characters")  # one relay took it: success by default
    assert post.raw is not None
    assert post.raw["relays"][small.url] == {
        "accepted": False,
        "message": "invalid: content longer than 10",
        "error": None,
    }


def test_replaceable_contact_list_across_relays(
    make_net: Make, spec_relay: StartRelay, relay_url: str
) -> None:
    spec = spec_relay()
    alice, bob, carol = make_net(relays=[relay_url, spec.url]), make_net(), make_net()
    alice.follow(bob.me())
    alice.follow(carol.me())  # same second as the first follow: must still win
    assert alice.following() == [bob.public_key, carol.public_key]
    lists = [e for e in spec.events.values() if e["kind"] == 3]
    assert len(lists) == 1
    assert Event.from_json(lists[0]).tag_values("p") == [bob.public_key, carol.public_key]


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("blocked: you are banned from posting here", ds.PermissionDenied),
        ("restricted: members only", ds.PermissionDenied),
        ("auth-required: we only accept events from registered users", ds.AuthenticationError),
        ("rate-limited: slow down there chief", ds.RateLimited),
        ("pow: difficulty 26 is required", ds.ContentRejected),
        ("something else entirely", ds.ContentRejected),
    ],
)
def test_refusal_prefixes_map_to_errors(
    make_net: Make, spec_relay: StartRelay, reason: str, error: type[ds.DecentSocialError]
) -> None:
    relay = spec_relay(refuse=reason)
    alice = make_net(relays=[relay.url], retry={"attempts": 1})
    with pytest.raises(error) as info:
        alice.publish("refused")
    assert info.value.server_message == reason


def test_a_connection_the_relay_dropped_while_idle_is_replaced(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """Between calls nothing watches the connection; the next call finds it dead and opens another."""
    relay = spec_relay()
    # One attempt only: the connection itself must recover, not the publish retry policy.
    alice = make_net(relays=[relay.url], retry={"attempts": 1}, idempotency_lookback=0)
    first = alice.publish("before the drop")
    assert relay.drop_connections() == 1
    time.sleep(0.2)  # the close reaches the client while it is idle
    second = alice.publish("after the drop")
    assert [p.id for p in alice.posts(limit=None)] == [second.id, first.id]
    assert relay.drop_connections() == 1
    time.sleep(0.2)
    assert [p.id for p in alice.posts(limit=None)] == [second.id, first.id]
    assert [e["content"] for e in relay.received] == ["before the drop", "after the drop"]


STREAM_ENDED = "(the stream ended)"


def _watch(stream: Iterator[ds.Post]) -> queue.Queue[str | BaseException]:
    """Read ``stream`` on a thread: each note's text, then the error that ended it or STREAM_ENDED."""
    arrived: queue.Queue[str | BaseException] = queue.Queue()

    def watch() -> None:
        try:
            for post in stream:
                arrived.put(post.text)
        except BaseException as exc:
            arrived.put(exc)
        else:
            arrived.put(STREAM_ENDED)

    threading.Thread(target=watch, daemon=True).start()
    return arrived


def test_a_stream_subscribes_again_after_a_drop_and_catches_up(
    make_net: Make, spec_relay: StartRelay
) -> None:
    relay = spec_relay()
    alice, bob = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    token = f"drop{time.time_ns()}"
    arrived = _watch(alice.stream(tag=token))
    bob.publish(f"first #{token}")
    assert arrived.get(timeout=5) == f"first #{token}"
    # Bob's and Alice's stream's connections both go; Alice's stream waits 0.5 s before asking again,
    # so the next note is published while nothing is subscribed and must come from the catch-up.
    relay.drop_connections()
    bob.publish(f"while away #{token}")
    assert arrived.get(timeout=10) == f"while away #{token}"
    bob.publish(f"after #{token}")
    assert arrived.get(timeout=5) == f"after #{token}"
    time.sleep(0.3)
    assert arrived.empty(), "the catch-up asks from before the first note, but no note is yielded twice"
    # The subscriptions; the catch-up's page between them is a query (it has an ``until``).
    streams = [f for req in relay.requests for f in req if f.get("#t") == [token] and "until" not in f]
    assert len(streams) == 2
    assert len(alice.transport.pool._connections[relay.url]._subs) == 1  # the lost subscription is forgotten
    first_note = next(e for e in relay.events.values() if e["content"] == f"first #{token}")
    assert streams[1]["since"] == max(streams[0]["since"], first_note["created_at"] - 60)


def test_a_stream_whose_every_relay_is_gone_raises(make_net: Make, spec_relay: StartRelay) -> None:
    relay = spec_relay()
    alice = make_net(relays=[relay.url], stream_attempts=2, timeout=1.0)
    arrived = _watch(alice.stream())
    assert _open_subscriptions(relay, 1) == 1  # subscribed (on the loop, after stream() returned)
    started = time.monotonic()
    relay.stop()
    error = arrived.get(timeout=15)
    assert isinstance(error, ds.NetworkUnavailable)
    assert relay.url in str(error)
    assert "2 attempts" in str(error)
    assert time.monotonic() - started < 10  # 0.5 s then 1 s of backoff, and two refused connections


def test_close_ends_a_stream_read_on_another_thread(make_net: Make, spec_relay: StartRelay) -> None:
    relay = spec_relay()
    alice, bob = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    token = f"close{time.time_ns()}"
    arrived = _watch(alice.stream(tag=token))
    bob.publish(f"before close #{token}")
    assert arrived.get(timeout=5) == f"before close #{token}"
    alice.close()
    assert arrived.get(timeout=5) == STREAM_ENDED  # the reading thread is not left waiting for ever
    late = make_net(relays=[relay.url])
    stream = late.stream(tag=f"quiet{time.time_ns()}")
    late.close()
    assert list(stream) == []  # closed before it was read: nothing to wait for


def test_a_relay_refusing_the_stream_leaves_the_others_streaming(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """A relay's CLOSED that comes while the next relay is still connecting ends only that relay's part."""
    refusing = spec_relay(refuse_subscriptions="auth-required: members only")
    distant = spec_relay(handshake_delay=0.3)
    alice, bob = make_net(relays=[refusing.url, distant.url]), make_net(relays=[distant.url])
    token = f"refused{time.time_ns()}"
    arrived = _watch(alice.stream(tag=token))
    bob.publish(f"still streaming #{token}")
    assert arrived.get(timeout=5) == f"still streaming #{token}"


def test_a_stream_whose_every_relay_refuses_it_raises(make_net: Make, spec_relay: StartRelay) -> None:
    first = spec_relay(refuse_subscriptions="restricted: no subscriptions")
    second = spec_relay(refuse_subscriptions="auth-required: members only", handshake_delay=0.3)
    alice = make_net(relays=[first.url, second.url])
    error = _watch(alice.stream()).get(timeout=5)
    assert isinstance(error, ds.NetworkUnavailable)
    assert "restricted: no subscriptions" in str(error)
    assert "auth-required: members only" in str(error)


def test_a_connection_that_went_silent_is_replaced_after_a_timed_out_read(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """A read that times out gives its connection up (as a publish does): the next call opens a new
    one instead of waiting on the dead one again and again."""
    relay = spec_relay()
    alice = make_net(relays=[relay.url], timeout=0.5, idempotency_lookback=0)
    post = alice.publish("before the silence")
    relay.go_deaf()
    started = time.monotonic()
    with pytest.raises(ds.NetworkUnavailable, match="no EOSE"):
        alice.get_post(post.id)  # the dead connection costs one timeout
    assert time.monotonic() - started < 1.5  # not also a closing handshake that cannot come
    assert alice.get_post(post.id).id == post.id
    assert [p.id for p in alice.posts(limit=None)] == [post.id]


def test_a_relay_gone_silent_does_not_hold_up_the_others(
    make_net: Make, spec_relay: StartRelay, relay_url: str
) -> None:
    """Reads and publishes give a silent relay up after one timeout and go on with the others."""
    deaf = spec_relay()
    alice = make_net(relays=[relay_url, deaf.url], timeout=0.5, idempotency_lookback=0)
    first = alice.publish("on both relays")
    deaf.go_deaf()
    started = time.monotonic()
    second = alice.publish("while one relay is silent")
    assert {o.relay: o.accepted for o in alice.last_publish} == {relay_url: True, deaf.url: False}
    assert [p.id for p in alice.posts(limit=None)] == [second.id, first.id]
    assert time.monotonic() - started < 3


def test_events_a_relay_sends_outside_the_filter_are_ignored(
    make_net: Make, spec_relay: StartRelay, relay_url: str, lnurl: LnurlDirectory
) -> None:
    """A hostile relay answers every request with Mallory's own (validly signed) profile and contact
    list: they must not pass for Alice's, or her name, her zaps and her follows would be Mallory's."""
    hostile = spec_relay()
    mallory = PrivateKey.generate()
    later = int(time.time()) + 30
    mallory_profile = {"name": "mallory", "lud16": "mallory@ln.example.test"}
    hostile.inject = [
        sign_event(mallory, 0, json.dumps(mallory_profile), (), later).to_json(),
        sign_event(mallory, 3, "", (("p", mallory.public_key),), later).to_json(),
    ]
    for name in ("alice", "mallory"):
        lnurl.entries[f"{name}@ln.example.test"] = LnurlPay(
            callback=f"https://ln.example.test/callback/{name}",
            allows_nostr=True,
            nostr_pubkey=PrivateKey.generate().public_key,
        )
    alice_key = PrivateKey.generate()
    alice = make_net(key=alice_key)
    alice.set_profile(name="alice", lud16="alice@ln.example.test")
    bob = make_net()
    alice.follow(bob.public_key)
    reader = make_net(relays=[relay_url, hostile.url])
    assert reader.account(alice.public_key).display_name == "alice"
    assert reader.tip(alice.public_key, "21 SAT").startswith("https://ln.example.test/callback/alice?")
    alice_on_both = make_net(key=alice_key, relays=[relay_url, hostile.url])
    assert alice_on_both.following() == [bob.public_key]
    alice_on_both.follow(reader.public_key)
    assert alice.following() == [bob.public_key, reader.public_key]


def test_a_note_dated_outside_any_calendar_is_dropped(make_net: Make, spec_relay: StartRelay) -> None:
    """Anyone can sign a note dated in the year 33658 or before 1970; reading it must not crash
    a search (or a timeline, a thread…) with a raw OverflowError/ValueError."""
    relay = spec_relay()
    alice = make_net(relays=[relay.url])
    mallory = PrivateKey.generate()
    token = f"calendar{time.time_ns()}"
    for created_at in (10**12, -86_400, 2**63):
        junk = sign_event(mallory, 1, f"dated {created_at} #{token}", (("t", token),), created_at)
        relay.store(junk.to_json())
    fine = sign_event(mallory, 1, f"dated now #{token}", (("t", token),), int(time.time()))
    relay.store(fine.to_json())
    assert [p.id for p in alice.search(f"#{token}")] == [fine.id]


def test_a_repost_whose_inner_note_is_malformed_is_read_without_its_text(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """A kind-6 repost carries the reposted note as JSON; a stranger's with a non-text ``content``
    must not break ``get_post`` or the notifications of a reaction to it."""
    relay = spec_relay()
    alice, mallory = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    now = int(time.time())
    contents = [json.dumps({"content": bad}) for bad in (5, None, ["a"])]
    contents.append("[" * 100_000 + "]" * 100_000)  # nested deeper than Python's JSON parser goes
    reposts = [mallory.sign(6, content, (("p", alice.public_key),), now - 10) for content in contents]
    for repost in reposts:
        mallory.publish_event(repost)
        mallory.publish_event(mallory.sign(7, "+", (("e", repost.id), ("p", alice.public_key)), now - 5))
    assert [alice.get_post(r.id).text for r in reposts] == ["", "", "", ""]
    likes = [n for n in alice.notifications(limit=None) if n.kind == "like"]
    assert sorted(n.post.id for n in likes if n.post) == sorted(r.id for r in reposts)


@pytest.mark.parametrize("announced", ["1, 9, 11, 50", 50, [1, "9", 11, "50"]])
def test_a_relay_announcing_its_nips_wrongly_is_still_read(
    make_net: Make, spec_relay: StartRelay, announced: object
) -> None:
    """NIP-11's ``supported_nips`` is a list of numbers; a relay that sends something else is
    treated as announcing none, rather than making every read raise a raw TypeError."""
    relay = spec_relay(supported_nips=announced)
    alice = make_net(relays=[relay.url])
    post = alice.publish("read me #wrongnips")
    alice.delete(post)
    with pytest.raises(ds.NotFound):  # no NIP-09 announced: the client hides the deleted note itself
        alice.get_post(post.id)
    kept = alice.publish("still here #wrongnips")
    assert [p.id for p in alice.posts()] == [kept.id]
    assert [p.id for p in alice.search("still here")] == [kept.id]


def test_a_profile_nested_too_deep_to_parse_is_read_as_empty(make_net: Make, spec_relay: StartRelay) -> None:
    relay = spec_relay()
    alice, mallory = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    mallory.publish_event(mallory.sign(0, "[" * 100_000 + "]" * 100_000, ()))
    account = alice.account(mallory.public_key)
    assert account.id == mallory.public_key
    assert account.display_name is None
    with pytest.raises(ds.ContentRejected, match="LNURL"):
        alice.tip(mallory.public_key, "21 SAT")


def test_a_relay_whose_nip11_document_is_nested_too_deep_is_still_read(
    make_net: Make, spec_relay: StartRelay
) -> None:
    relay = spec_relay(nip11_body="[" * 100_000 + "]" * 100_000)
    alice = make_net(relays=[relay.url])
    post = alice.publish("read me")
    assert alice.get_post(post.id).id == post.id
    assert alice.relay_info(relay.url) == {}


def test_a_message_nested_too_deep_to_parse_is_skipped_and_the_connection_kept(
    make_net: Make, spec_relay: StartRelay
) -> None:
    relay = spec_relay(junk=["[" * 100_000 + "]" * 100_000, "not json"])
    alice = make_net(relays=[relay.url])
    post = alice.publish("still readable")
    assert [p.id for p in alice.posts()] == [post.id]
    assert [p.id for p in alice.posts()] == [post.id]
    assert relay.connections_served == 1  # the reader survived both answers: no reconnect


def test_a_deleted_note_stays_hidden_when_a_nip09_relay_missed_the_deletion(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """Both relays announce NIP-09, but A refused the deletion that B took: A still serves the
    note, which used to come back since no deletion was looked up."""
    a, b = spec_relay(nip09=True), spec_relay(nip09=True)
    alice = make_net(relays=[a.url, b.url])
    post = alice.publish("a note I will delete")
    a.refuse = "error: database busy"
    alice.delete(post)
    a.refuse = None
    assert post.id in a.events
    assert post.id not in b.events
    with pytest.raises(ds.NotFound):
        alice.get_post(post.id)
    assert list(alice.posts()) == []
