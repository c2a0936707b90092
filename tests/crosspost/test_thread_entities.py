"""Hashtags, mentions and links as cross-posting reads them: whole in every script, never cut by a split."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr.convert import post_from_event
from decentsocial.backends.nostr.events import sign_event
from decentsocial.backends.nostr.keys import PrivateKey
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.text import entities, hashtags, links, mastodon_len, mentions, split_text
from tests.servers.mastodon import MastodonServer

#: "Book reading" in Persian: one word, its two halves joined by a zero-width non-joiner (U+200C).
PERSIAN_TAG = "کتاب\u200cخوانی"


def test_a_persian_hashtag_holding_zwnj_is_one_tag() -> None:
    text = f"امروز #{PERSIAN_TAG} را شروع کنید، و #rock·n·roll"
    assert hashtags(text) == (PERSIAN_TAG, "rock·n·roll")
    # A joiner ends no tag's last character, and a tag still needs a letter.
    assert hashtags("#tag\u200c! #١٢٣\u200c٤ #·x") == ("tag",)


def test_mastodon_does_not_repeat_a_persian_tag_the_text_already_has(
    mastodon_server: MastodonServer,
) -> None:
    net = mastodon_server.connect("alice")
    try:
        text = f"امروز #{PERSIAN_TAG} را شروع کنید"
        res = ds.crosspost(ds.Draft(text=text, tags=(PERSIAN_TAG,)), [net])
        assert res.ok, res.errors
        status = net.get_post(res.posts[0].id)
        assert status.text.count(PERSIAN_TAG) == 1, status.text
    finally:
        net.close()


def test_a_split_never_cuts_a_link_in_a_long_unspaced_word(limited: Callable[..., SandboxNetwork]) -> None:
    net = limited("tiny", account="carol", max_length=40)
    url = "https://example.com/" + "a" * 12
    res = ds.crosspost("詳細は" * 10 + url + " です" * 10, [net])
    assert res.ok, res.errors
    assert [link for post in res.posts for link in post.links] == [url]


def test_a_link_longer_than_a_part_is_refused_not_published_broken(
    limited: Callable[..., SandboxNetwork],
) -> None:
    net = limited("tiny", account="carol", max_length=40)
    url = "https://example.com/" + "a" * 60
    res = ds.crosspost(f"Read the full report at {url} today", [net])
    (outcome,) = res.outcomes
    assert isinstance(outcome.error, ds.ContentRejected)
    assert "link" in str(outcome.error)
    assert outcome.posts == ()
    assert list(net.posts(limit=None)) == []


def test_split_text_keeps_entities_whole_and_refuses_one_over_a_part() -> None:
    text = "x" * 50 + " @ann.example.social " + "y" * 50
    parts = split_text(text, 30)
    assert any("@ann.example.social" in p for p in parts)
    with pytest.raises(ValueError, match="a link is longer than one part"):
        split_text("see https://example.com/" + "a" * 40, 30)


def test_text_with_a_lone_surrogate_from_a_relay_is_read_not_a_crash() -> None:
    # Valid JSON ("\ud83d", half an emoji) in a signed repost's embedded note: anyone can publish it.
    content = json.dumps({"content": "#nostr \ud83d half https://example.com/a @bob"})
    event = sign_event(PrivateKey.generate(), 6, content, (), int(time.time()))
    post = post_from_event(event)
    assert post.tags == ("nostr",)
    assert post.links == ("https://example.com/a",)
    text = "#tag \ud83d @bob https://example.com"
    assert [e.kind for e in entities(text)] == ["tag", "mention", "link"]
    assert links(text) == ("https://example.com",)
    assert mastodon_len(text) == len("#tag \ud83d @bob ") + 23


def test_a_remote_mention_on_an_arabic_domain_is_one_mention(mastodon_server: MastodonServer) -> None:
    text = "شكرا @user@مثال.مصر، على الدعم"
    assert mentions(text) == ("user@مثال.مصر",)
    assert mastodon_len(text) == len("شكرا @user، على الدعم")  # Mastodon counts a remote one as @user
    net = mastodon_server.connect("alice")
    try:
        res = ds.crosspost(ds.Draft(text=text, mentions=("user@مثال.مصر",)), [net])
        assert res.ok, res.errors
        assert net.get_post(res.posts[0].id).text.count("@user@") == 1
    finally:
        net.close()
