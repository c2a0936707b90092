"""Fuzzing the event -> Post/Account/Notification converters with mutated real-shaped events.

A relay (or a stranger signing whatever they like) decides every field. Reading an event is
``Event.from_json`` (a ``ValueError`` means the transport drops the event and logs why) and then
the converters, which must return a model or raise the error tree, never anything else.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decentsocial.backends.nostr import Event, PrivateKey
from decentsocial.backends.nostr.convert import (
    account_from_profile,
    notification_from_event,
    notification_target,
    post_from_event,
    profile_content,
    reply_target,
)
from decentsocial.backends.nostr.events import matcher, sign_event
from decentsocial.backends.nostr.zaps import check_zap_receipt
from decentsocial.errors import DecentSocialError

_KEY = PrivateKey.generate()
_OTHER = PrivateKey.generate().public_key
_NOW = int(time.time())

#: Events as relays send them: a note, a reply, a repost, a reaction, a profile, a contact list, a zap.
SAMPLES: list[dict[str, Any]] = [
    sign_event(_KEY, 1, "hello #nostr nostr:npub1x", (("t", "nostr"), ("p", _OTHER)), _NOW).to_json(),
    sign_event(
        _KEY, 1, "a reply", (("e", "a" * 64, "", "root"), ("e", "b" * 64, "", "reply"), ("p", _OTHER)), _NOW
    ).to_json(),
    sign_event(_KEY, 6, json.dumps({"content": "reposted", "kind": 1}), (("e", "c" * 64),), _NOW).to_json(),
    sign_event(_KEY, 7, "+", (("e", "d" * 64), ("p", _OTHER)), _NOW).to_json(),
    sign_event(
        _KEY, 0, json.dumps({"name": "alice", "about": "hi", "nip05": "a@b.c", "lud16": "a@b.c"}), (), 0
    ).to_json(),
    sign_event(_KEY, 3, "", (("p", _OTHER),), _NOW).to_json(),
    sign_event(
        _KEY,
        9735,
        "",
        (("p", _OTHER), ("e", "e" * 64), ("bolt11", "lnbc210n1xyz"), ("description", '{"kind":9734}')),
        _NOW,
    ).to_json(),
    sign_event(
        _KEY, 1, "warned", (("content-warning", "spoilers"), ("l", "en", "ISO-639-1"), ("q", "f" * 64)), _NOW
    ).to_json(),
]

_weird_text = st.sampled_from(["", "\ud800", "a\udfffb", "\x00", "\u202e", "x" * 3000, "nostr:npub1", "🎉"])
_weird = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | _weird_text
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _deep(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    event = json.loads(json.dumps(draw(st.sampled_from(SAMPLES))))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        field = draw(
            st.sampled_from(["id", "pubkey", "created_at", "kind", "tags", "content", "sig", "extra"])
        )
        action = draw(st.sampled_from(["drop", "weird", "huge", "deep", "tag", "content_json"]))
        if action == "drop":
            event.pop(field, None)
        elif action == "weird":
            event[field] = draw(_weird)
        elif action == "huge":
            event[field] = draw(st.sampled_from([10**30, -(10**30), 2**63, 1e308, -1, 32_503_680_001]))
        elif action == "deep":
            event[field] = _deep(draw(st.integers(min_value=20, max_value=200)))
        elif action == "tag":
            tags = event.get("tags")
            if isinstance(tags, list):
                tags.append(draw(st.lists(_weird, max_size=4) | _weird))
        else:
            event["content"] = json.dumps(
                draw(st.dictionaries(st.sampled_from(["name", "about", "picture", "content", "bot"]), _weird))
            )
    return (
        draw(st.sampled_from([event, [event], "not an event", None]))
        if draw(st.integers(0, 20)) == 0
        else event
    )


def _convert(raw: Any) -> None:
    try:
        event = Event.from_json(raw)
    except ValueError:
        return  # the transport drops it (and logs why)
    assert isinstance(event.problem(), (str, type(None)))
    matcher([{"kinds": [1], "#p": [_OTHER], "until": _NOW}])(event)
    reply_target(event)
    notification_target(event)
    profile_content(event)
    try:
        post_from_event(event)
        account_from_profile(event.pubkey, event)
        zap = check_zap_receipt(event, event.pubkey)
        notification_from_event(event, None, zap if zap.valid else None)
    except DecentSocialError:
        pass


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_events_convert_or_raise_the_error_tree(raw: Any) -> None:
    _convert(raw)


def test_the_samples_themselves_convert() -> None:
    for raw in SAMPLES:
        event = Event.from_json(raw)
        assert event.problem() is None
        post_from_event(event)
        account_from_profile(event.pubkey, event)


def test_lone_surrogates_and_calendar_breaking_dates_are_dropped_not_raised() -> None:
    base = SAMPLES[0]
    for bad in (
        {**base, "content": "\ud800"},
        {**base, "tags": [["t", "\udfff"]]},
        {**base, "created_at": 10**30},
        {**base, "created_at": float("inf")},
        {**base, "kind": 2**70},
        {**base, "tags": "not a list"},
        {**base, "tags": [["t", _deep(5000)]]},
    ):
        _convert(bad)
