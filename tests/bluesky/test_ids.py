"""Ids are checked against the AT Protocol's grammars before any request (InvalidInput, no I/O)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import decentsocial as ds
from decentsocial.backends.bluesky.ids import DID_RE, HANDLE_RE, parse_at_uri

from .conftest import connect_bluesky

DID = "did:plc:abcdefghijklmnopqrstuvwx"
POST = "app.bsky.feed.post"

BAD_POST_IDS = [
    "../accounts/5/follow?",
    f"at://{DID}/{POST}/../accounts",
    f"at://{DID}/{POST}/..",
    f"at://{DID}/{POST}/a/b",
    f"at://{DID}/{POST}/rkey?x=1",
    f"at://{DID}/{POST}/rkey#frag",
    f"at://{DID}/{POST}/rk\ney",
    f"at://{DID}/{POST}/rkey%2F..",
    f"at://{DID}/{POST}/" + "a" * 513,
    f"at://did:plc:{'a' * 3000}/{POST}/3k2la3b4c5d6e",
    f"at://{'a' * 64}.test/{POST}/3k2la3b4c5d6e",
    f"at://{DID}/app.bsky.feed.p-ost/3k2la3b4c5d6e",
    f"at://{DID}//3k2la3b4c5d6e",
    f"at://did:PLC:abc/{POST}/3k2la3b4c5d6e",
    f"at://{DID}/{POST}/３k2la",  # a full-width digit
    f"at://user@{DID}/{POST}/3k2la3b4c5d6e",
    "https://bsky.app/profile/alice.test/post/x/../../y",
    "https://evil.example\n/profile/alice.test/post/3k2la3b4c5d6e",
]


@pytest.mark.parametrize("bad", BAD_POST_IDS)
def test_malformed_post_ids_are_invalid_input_before_any_io(bad: str) -> None:
    # Port 9 on loopback: nothing listens there, so any request would be NetworkUnavailable instead.
    net = connect_bluesky(base_url="http://127.0.0.1:9", handle="a.test", password="p", retry={"attempts": 1})
    for call in (net.like, net.unlike, net.repost, net.get_post, net.delete, net.thread):
        with pytest.raises(ds.InvalidInput):
            call(bad)
    with pytest.raises(ds.InvalidInput):
        net.reply(bad, "hello")


def test_an_account_object_with_a_malformed_handle_is_refused_before_any_io() -> None:
    net = connect_bluesky(base_url="http://127.0.0.1:9", handle="a.test", password="p", retry={"attempts": 1})
    forged = ds.Account(network="bluesky", id="not-a-did", handle="../../xrpc/evil")
    for call in (net.follow, net.unfollow, lambda a: list(net.posts(a))):
        with pytest.raises(ds.InvalidInput):
            call(forged)


def test_ids_match_whole_and_have_the_spec_lengths() -> None:
    assert DID_RE.match(DID)
    assert not DID_RE.match(DID + "\n")
    assert not DID_RE.match("did:plc:" + "a" * 2048)
    assert HANDLE_RE.match("alice.bsky.social")
    assert not HANDLE_RE.match("alice.test\n")
    assert not HANDLE_RE.match(("a" * 60 + ".") * 5 + "test")  # over 253 characters
    uri = parse_at_uri(f"at://{DID}/{POST}/3k2la3b4c5d6e")
    assert str(uri) == f"at://{DID}/{POST}/3k2la3b4c5d6e"


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=80), st.sampled_from(["", f"at://{DID}/{POST}/", "at://", "https://bsky.app/profile/"])
)
def test_anything_parses_to_a_clean_uri_or_is_invalid_input(text: str, prefix: str) -> None:
    try:
        uri = parse_at_uri(prefix + text)
    except ds.InvalidInput:
        return
    assert uri.collection == POST
    assert uri.rkey not in (".", "..")
    # Nothing that could leave one path segment or one query value survives.
    for part in (uri.repo, uri.rkey):
        assert part.isascii()
        assert not set(part) & set("/?#&=@ \t\r\n\\%") - ({"%"} if part.startswith("did:") else set())
