"""The converters take anything a server sends: a model, or a typed error (offline, no stack needed).

Real-shaped ``postView``, profile and notification payloads are mutated at
random (fields removed, wrong types, nulls, huge numbers, deep nesting, lone
surrogates); each conversion returns a model or raises ``DecentSocialError``,
never ``KeyError``, ``TypeError``, ``ValidationError`` or ``RecursionError``.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import decentsocial as ds
from decentsocial.backends.bluesky.convert import (
    account_from_view,
    notification_from_view,
    post_from_record,
    post_from_view,
)

WEB = "https://bsky.app"
DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
OTHER = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
URI = f"at://{DID}/app.bsky.feed.post/3l6oveex3ii2l"
CID = "bafyreihb2axd2d5hxqhqvzhfgrgb5gxkq5z3cvtoxvxn4usv6pnkepmj4a"

PROFILE: dict[str, Any] = {
    "did": DID,
    "handle": "bsky.app",
    "displayName": "Bluesky",
    "description": "official Bluesky account\nBug reports: github.com/bluesky-social/social-app",
    "avatar": f"https://cdn.bsky.app/img/avatar/plain/{DID}/{CID}@jpeg",
    "banner": f"https://cdn.bsky.app/img/banner/plain/{DID}/{CID}@jpeg",
    "followersCount": 27358245,
    "followsCount": 8,
    "postsCount": 583,
    "associated": {"lists": 1, "feedgens": 0, "starterPacks": 2, "labeler": False},
    "indexedAt": "2024-11-07T21:26:44.525Z",
    "createdAt": "2023-04-12T04:53:57.057Z",
    "viewer": {"muted": False, "blockedBy": False, "following": f"at://{OTHER}/app.bsky.graph.follow/3k"},
    "labels": [{"src": DID, "uri": f"at://{DID}/app.bsky.actor.profile/self", "val": "bot", "cts": "2024"}],
}

RECORD: dict[str, Any] = {
    "$type": "app.bsky.feed.post",
    "createdAt": "2024-10-15T19:10:47.314Z",
    "text": "Hello #bluesky, @alice.test says https://example.com/p ✨",
    "langs": ["en"],
    "facets": [
        {
            "index": {"byteStart": 6, "byteEnd": 14},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "bluesky"}],
        },
        {
            "index": {"byteStart": 16, "byteEnd": 27},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": OTHER}],
        },
        {
            "index": {"byteStart": 33, "byteEnd": 55},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/p"}],
        },
    ],
    "reply": {
        "root": {"uri": f"at://{OTHER}/app.bsky.feed.post/3l6root", "cid": CID},
        "parent": {"uri": f"at://{OTHER}/app.bsky.feed.post/3l6parent", "cid": CID},
    },
    "embed": {
        "$type": "app.bsky.embed.recordWithMedia",
        "record": {"$type": "app.bsky.embed.record", "record": {"uri": URI, "cid": CID}},
        "media": {
            "$type": "app.bsky.embed.images",
            "images": [
                {
                    "alt": "a cat",
                    "aspectRatio": {"width": 1200, "height": 800},
                    "image": {"$type": "blob", "ref": {"$link": CID}, "mimeType": "image/jpeg", "size": 12},
                }
            ],
        },
    },
    "labels": {"$type": "com.atproto.label.defs#selfLabels", "values": [{"val": "nudity"}]},
    "tags": ["extra"],
}

POST_VIEW: dict[str, Any] = {
    "uri": URI,
    "cid": CID,
    "author": {k: PROFILE[k] for k in ("did", "handle", "displayName", "avatar", "labels", "createdAt")},
    "record": RECORD,
    "embed": {
        "$type": "app.bsky.embed.recordWithMedia#view",
        "record": {
            "record": {
                "$type": "app.bsky.embed.record#viewRecord",
                "uri": f"at://{OTHER}/app.bsky.feed.post/3l6quoted",
                "cid": CID,
                "author": {"did": OTHER, "handle": "alice.test"},
                "value": {"text": "quoted"},
            }
        },
        "media": {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    "thumb": "https://cdn.bsky.app/img/feed_thumbnail/plain/x@jpeg",
                    "fullsize": "https://cdn.bsky.app/img/feed_fullsize/plain/x@jpeg",
                    "alt": "a cat",
                    "aspectRatio": {"width": 1200, "height": 800},
                }
            ],
        },
    },
    "replyCount": 12,
    "repostCount": 3,
    "likeCount": 250,
    "quoteCount": 1,
    "indexedAt": "2024-10-15T19:10:47.314Z",
    "viewer": {"like": f"at://{OTHER}/app.bsky.feed.like/3l6like", "threadMuted": False},
    "labels": [{"val": "graphic-media", "src": DID}, {"val": "!no-unauthenticated"}],
}

NOTIFICATIONS: list[dict[str, Any]] = [
    {
        "uri": f"at://{OTHER}/app.bsky.feed.post/3l6reply",
        "cid": CID,
        "author": {"did": OTHER, "handle": "alice.test", "displayName": "Alice"},
        "reason": "reply",
        "reasonSubject": URI,
        "record": {
            **RECORD,
            "embed": {"$type": "app.bsky.embed.external", "external": {"uri": "https://x.y"}},
        },
        "isRead": False,
        "indexedAt": "2024-10-15T19:10:47.314Z",
        "labels": [],
    },
    {
        "uri": f"at://{OTHER}/app.bsky.feed.like/3l6like",
        "cid": CID,
        "author": {"did": OTHER, "handle": "alice.test"},
        "reason": "like-via-repost",
        "reasonSubject": URI,
        "record": {"$type": "app.bsky.feed.like", "subject": {"uri": URI, "cid": CID}, "createdAt": "2024"},
        "isRead": True,
        "indexedAt": "2024-10-15T19:10:47.314Z",
    },
]

_SURROGATES = st.sampled_from(["\ud800", "a\udfffb", "\udc80" * 3, "#\ud83d"])
_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    _SURROGATES,
    st.sampled_from(["", "at://", "did:plc:", "9999-99-99T99:99:99Z", "1e999", "-0", "at://x/y/../z"]),
    st.lists(st.none() | st.integers() | st.text(max_size=4), max_size=3),
    st.dictionaries(st.text(max_size=4), st.none() | st.integers(), max_size=3),
    st.integers(min_value=1, max_value=2000).map(lambda n: _deep(n)),
)


def _deep(levels: int) -> Any:
    value: Any = {"$type": "app.bsky.embed.recordWithMedia", "media": {}}
    for _ in range(levels):
        value = {"$type": "app.bsky.embed.recordWithMedia#view", "media": value, "record": {"record": value}}
    return value


@st.composite
def _mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """``value`` with random fields removed, replaced by junk, or mutated further down."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            action = draw(st.integers(0, 9))
            if action == 0:
                continue  # removed
            if action == 1:
                out[key] = draw(_JUNK)
            elif action <= 4 and depth < 8:
                out[key] = draw(_mutated(item, depth + 1))
            else:
                out[key] = item
        if draw(st.integers(0, 9)) == 0:
            out[draw(st.text(max_size=6))] = draw(_JUNK)
        return out
    if isinstance(value, list):
        items = [draw(_mutated(item, depth + 1)) if draw(st.booleans()) else item for item in value]
        if draw(st.integers(0, 5)) == 0:
            items.append(draw(_JUNK))
        return items
    return draw(_JUNK) if draw(st.integers(0, 3)) == 0 else value


def _converts_or_typed_error(convert: Any, payload: Any) -> None:
    try:
        result = convert(payload)
    except ds.DecentSocialError:
        return
    assert isinstance(result, (ds.Post, ds.Account, ds.Notification))


_FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(_mutated(POST_VIEW))
def test_post_view(payload: Any) -> None:
    _converts_or_typed_error(lambda p: post_from_view(p, web_url=WEB), payload)
    _converts_or_typed_error(lambda p: post_from_view(p, web_url=WEB, authors={}), payload)


@_FUZZ
@given(_mutated(RECORD))
def test_post_record(payload: Any) -> None:
    author = ds.Account(network="bluesky", id=DID, handle="bsky.app")
    _converts_or_typed_error(
        lambda p: post_from_record(URI, CID, p, author, web_url=WEB, blob_base="http://127.0.0.1"), payload
    )


@_FUZZ
@given(_mutated(PROFILE))
def test_profile(payload: Any) -> None:
    _converts_or_typed_error(lambda p: account_from_view(p, web_url=WEB), payload)


@_FUZZ
@given(st.sampled_from(NOTIFICATIONS).flatmap(_mutated))
def test_notification(payload: Any) -> None:
    subject = post_from_view(copy.deepcopy(POST_VIEW), web_url=WEB)
    _converts_or_typed_error(
        lambda p: notification_from_view(p, web_url=WEB, blob_base="http://127.0.0.1", subject=subject),
        payload,
    )
    _converts_or_typed_error(
        lambda p: notification_from_view(p, web_url=WEB, blob_base="http://127.0.0.1", subject=None), payload
    )


@_FUZZ
@given(_JUNK)
def test_not_even_an_object(payload: Any) -> None:
    _converts_or_typed_error(lambda p: post_from_view(p, web_url=WEB), payload)
    _converts_or_typed_error(lambda p: account_from_view(p, web_url=WEB), payload)
    _converts_or_typed_error(
        lambda p: notification_from_view(p, web_url=WEB, blob_base="", subject=None), payload
    )


def test_the_unmutated_payloads_convert_fully() -> None:
    post = post_from_view(copy.deepcopy(POST_VIEW), web_url=WEB)
    assert post.id == URI
    assert post.metrics.likes == 250
    assert post.tags == ("bluesky", "extra")
    assert post.quote_of == f"at://{OTHER}/app.bsky.feed.post/3l6quoted"
    assert post.reply_to == f"at://{OTHER}/app.bsky.feed.post/3l6parent"
    assert [m.alt_text for m in post.media] == ["a cat"]
    assert post.content_warning == "graphic-media, nudity"
    account = account_from_view(copy.deepcopy(PROFILE), web_url=WEB)
    assert (account.followers, account.bot) == (27358245, True)
    note = notification_from_view(copy.deepcopy(NOTIFICATIONS[0]), web_url=WEB, blob_base="", subject=None)
    assert note.kind == "reply"
    assert note.post is not None
    assert note.post.links == ("https://example.com/p", "https://x.y")
