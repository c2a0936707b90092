"""Bluesky checks that need no server: ids, record keys, facets, image sniffing, settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import decentsocial as ds
from decentsocial.backends.bluesky.ids import new_tid, parse_at_uri, tid_for_key
from decentsocial.backends.bluesky.media import prepare_images, sniff
from decentsocial.backends.bluesky.richtext import build_facets, facet_values

from .conftest import connect_bluesky, make_png

TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
DID = "did:plc:abcdefghijklmnopqrstuvwx"


def _resolver(table: dict[str, str]):  # type: ignore[no-untyped-def]
    def resolve(handle: str) -> str:
        if handle not in table:
            raise ds.ContentRejected(f"@{handle} does not resolve")
        return table[handle]

    return resolve


def _covered(text: str, facet: dict) -> str:  # type: ignore[type-arg]
    index = facet["index"]
    return text.encode()[index["byteStart"] : index["byteEnd"]].decode()


@pytest.mark.parametrize(
    "text",
    [
        "مرحبا #عربي @bob.test https://example.com/ar",  # Arabic, right to left
        "你好 #中文标签 @bob.test https://example.com/日本",  # CJK
        "👩🏽‍💻👨‍👩‍👧‍👦 #emoji @bob.test https://example.com/e 🏳️‍🌈",  # ZWJ sequences, skin tone
    ],
)
def test_facets_cover_exact_utf8_byte_spans(text: str) -> None:
    facets = build_facets(text, _resolver({"bob.test": DID}))
    kinds = [f["features"][0]["$type"].split("#")[1] for f in facets]
    assert sorted(kinds) == ["link", "mention", "tag"]
    for facet in facets:
        covered = _covered(text, facet)
        feature = facet["features"][0]
        if feature["$type"].endswith("#tag"):
            assert covered == "#" + feature["tag"]
        elif feature["$type"].endswith("#mention"):
            assert covered == "@bob.test"
            assert feature["did"] == DID
        else:
            assert covered == feature["uri"]
    tags, mentions, links = facet_values(text, facets)
    assert mentions == ["bob.test"]
    assert len(tags) == 1
    assert len(links) == 1


def test_byte_offsets_differ_from_character_offsets() -> None:
    text = "👩🏽‍💻 #tag"
    (facet,) = build_facets(text, _resolver({}))
    assert facet["index"] == {"byteStart": len("👩🏽‍💻 ".encode()), "byteEnd": len(text.encode())}
    assert facet["index"]["byteStart"] != text.index("#")


def test_unresolvable_mention_raises_and_non_bluesky_mentions_stay_text() -> None:
    with pytest.raises(ds.ContentRejected):
        build_facets("hi @nobody.test", _resolver({}))
    # '@user' (no dot) and '@user@host' (Mastodon) are not Bluesky handles: plain text.
    assert build_facets("hi @user and @user@mastodon.example", _resolver({})) == []


def test_at_uri_parsing() -> None:
    uri = parse_at_uri(f"at://{DID}/app.bsky.feed.post/3k2la3b4c5d6e")
    assert (uri.repo, uri.collection, uri.rkey) == (DID, "app.bsky.feed.post", "3k2la3b4c5d6e")
    assert str(uri) == f"at://{DID}/app.bsky.feed.post/3k2la3b4c5d6e"
    web = parse_at_uri("https://bsky.app/profile/alice.test/post/3k2la3b4c5d6e")
    assert (web.repo, web.rkey) == ("alice.test", "3k2la3b4c5d6e")
    for bad in [
        "",
        "at://",
        "3k2la3b4c5d6e",
        f"at://{DID}/app.bsky.feed.post",
        "https://example.com/x",
        f"at://{DID}/app.bsky.feed.post/a b",
        "at://not a did/app.bsky.feed.post/x",
        f"at://{DID}/app.bsky.feed.like/3k2la3b4c5d6e",
    ]:
        with pytest.raises(ds.InvalidInput):
            parse_at_uri(bad)


def test_record_keys_are_valid_tids() -> None:
    fresh = {new_tid() for _ in range(1000)}
    assert len(fresh) == 1000
    assert all(TID.match(t) for t in fresh)
    derived = tid_for_key(f"{DID}/app.bsky.feed.post", "order-42")
    assert TID.match(derived)
    assert derived == tid_for_key(f"{DID}/app.bsky.feed.post", "order-42")
    assert derived != tid_for_key(f"{DID}/app.bsky.feed.post", "order-43")
    assert derived != tid_for_key("did:plc:other/app.bsky.feed.post", "order-42")


def test_image_sniffing_and_checks() -> None:
    png = make_png(30, 20)
    assert sniff(png) == ("image/png", 30, 20)
    gif = b"GIF89a" + (64).to_bytes(2, "little") + (48).to_bytes(2, "little") + b"\x00" * 20
    assert sniff(gif) == ("image/gif", 64, 48)
    jpeg = (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        b"\xff\xc0\x00\x11\x08\x01\xe0\x02\x80\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    )
    assert sniff(jpeg) == ("image/jpeg", 640, 480)
    [prepared] = prepare_images((ds.Media(data=png, alt_text="a square"),), network="bluesky")
    assert (prepared.mime_type, prepared.width, prepared.height, prepared.alt) == (
        "image/png",
        30,
        20,
        "a square",
    )
    with pytest.raises(ds.ContentRejected, match="limit of 4"):
        prepare_images(tuple(ds.Media(data=png) for _ in range(5)), network="bluesky")
    with pytest.raises(ds.ContentRejected, match="1,000,000"):
        prepare_images((ds.Media(data=png + b"\x00" * 1_000_000),), network="bluesky")
    with pytest.raises(ds.ContentRejected, match="not a PNG"):
        prepare_images((ds.Media(data=b"plain text"),), network="bluesky")
    with pytest.raises(ds.ContentRejected, match="URL"):
        prepare_images((ds.Media(url="https://example.com/a.png"),), network="bluesky")


def test_settings_need_credentials_and_hide_secrets() -> None:
    with pytest.raises(ds.ConfigurationError):
        connect_bluesky(base_url="http://127.0.0.1:9")
    with pytest.raises(ds.ConfigurationError):
        connect_bluesky(base_url="ftp://x", handle="a.test", password="p")
    net = connect_bluesky(
        base_url="http://127.0.0.1:9/",
        handle="@a.test",
        password="hunter2-secret",
        session_string="session-secret-value",
    )
    text = repr(net) + str(net.settings) + repr(net.settings)
    assert "hunter2-secret" not in text
    assert "session-secret-value" not in text
    assert net.settings.base_url == "http://127.0.0.1:9"
    assert net.settings.handle == "a.test"


def test_bad_input_fails_before_any_io() -> None:
    # Port 9 on loopback: nothing listens there, so any I/O would be NetworkUnavailable instead.
    net = connect_bluesky(base_url="http://127.0.0.1:9", handle="a.test", password="p", retry={"attempts": 1})
    with pytest.raises(ds.ContentRejected):
        net.publish("")
    with pytest.raises(ds.ContentRejected, match="300") as exc:
        net.publish("é" * 301)
    assert "301" in str(exc.value)
    png = make_png(4, 4)
    with pytest.raises(ds.ContentRejected, match="limit of 4"):
        net.publish(ds.Draft(text="five", media=tuple(ds.Media(data=png) for _ in range(5))))
    with pytest.raises(ds.InvalidInput):
        net.get_post("not-an-at-uri")
    with pytest.raises(ds.InvalidInput):
        net.reply("at://bad", "x")
    with pytest.raises(ds.InvalidInput):
        net.publish(ds.Draft(text="q", quote_of="https://example.com/nope"))
    with pytest.raises(ds.UnsupportedFeature):
        net.publish(ds.Draft(text="x", visibility="followers"))
    with pytest.raises(ds.ContentRejected, match="64"):  # app.bsky.feed.post tags: 64 graphemes each
        net.publish(ds.Draft(text="x", tags=("a" * 65,)))
    with pytest.raises(ds.InvalidInput):
        net.posts(limit=0)
    with pytest.raises(ds.NetworkUnavailable):
        net.me()  # and the first real I/O does fail: the checks above were local


def test_communities_and_rewards_are_unsupported() -> None:
    net = connect_bluesky(base_url="http://127.0.0.1:9", handle="a.test", password="p")
    for call in (
        lambda: net.communities(),
        lambda: net.community("x"),
        lambda: net.join("x"),
        lambda: net.rewards("at://x"),
        lambda: net.tip("a.test", "1 X"),
        lambda: net.claim_rewards(),
    ):
        with pytest.raises(ds.UnsupportedFeature):
            call()
    assert ds.Capability.COMMUNITIES not in net.capabilities
    assert ds.Capability.IDEMPOTENT_PUBLISH in net.capabilities


_PIECES = [
    "مرحبا",
    "你好",
    "こんにちは",
    "👩🏽‍💻",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "é",
    "a",
    " ",
    "\n",
    "#tag",
    "#标签",
    "#وسم",
    "@bob.test",
    "https://example.com/p?q=1",
    "(",
    ")",
    ".",
    "!",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_every_facet_covers_exactly_its_entity(pieces: list[str]) -> None:
    text = "".join(pieces)
    for facet in build_facets(text, lambda handle: f"did:web:{handle}"):
        covered = _covered(text, facet)
        feature = facet["features"][0]
        if feature["$type"].endswith("#tag"):
            assert covered in ("#" + feature["tag"], "＃" + feature["tag"])
        elif feature["$type"].endswith("#mention"):
            assert covered == "@" + feature["did"].removeprefix("did:web:")
        else:
            assert covered == feature["uri"]


def test_accounts_kept_by_saved_sessions_are_told_apart(tmp_path: Path) -> None:
    """Sign-in saves a keyring session and no handle: each profile is still its own account."""
    a = connect_bluesky(base_url="https://bsky.example", keyring_session="brand-a/session")
    b = connect_bluesky(base_url="https://bsky.example", keyring_session="brand-b/session")
    f = connect_bluesky(base_url="https://bsky.example", session_file=tmp_path / "session")
    assert len({a.identity, b.identity, f.identity}) == 3
    planned = ds.crosspost("launch — إطلاق", [a, b, f], dry_run=True)  # not "listed twice"
    assert planned.ok
    assert len({o.drafts[0].idempotency_key for o in planned.outcomes}) == 3
    # A session's tokens change on every refresh; where it is kept does not.
    first = connect_bluesky(
        base_url="https://bsky.example", session_string="h:::did:plc:x:::ACCESS:::REFRESH"
    )
    named = connect_bluesky(
        base_url="https://bsky.example", handle="brand.example", session_string="h:::did:plc:x:::a2:::r2"
    )
    assert "ACCESS" not in first.identity
    assert "REFRESH" not in first.identity
    assert named.identity == "https://bsky.example:brand.example"
