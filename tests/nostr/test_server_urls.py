"""The URLs a Nostr event names: a kind-0 profile's ``picture`` and a note's NIP-24 ``r`` tags.

Anyone writes their own profile and notes, and relays pass them on as signed. A profile's
``picture`` became ``Account.avatar_url`` whatever it was: ``javascript:alert(1)``, a ``data:``
or ``file:`` URL, text with no host, a number. A bot or a notebook showing it would run script or
open a local file. ``r`` tags were kept when they began with ``http://`` or ``https://``, so
``https://user:pw@host/``, ``https://exa mple.com/`` or ``https://`` alone still became
``Post.links``. Only an http(s) URL with a host, no credentials and no spaces or control
characters is kept now, for both; anything else is taken as missing (no ``avatar_url``, no link).
The profile and the note are whole, and a good URL comes out exactly as it was. The other kind-0
fields that hold URLs (``banner``, ``website``) become no model URL: they stay in ``raw`` only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.convert import account_from_profile, post_from_event
from decentsocial.backends.nostr.events import sign_event
from tests.hostile_urls import HOSTILE_URLS, MORE_HOSTILE_URLS

KEY = PrivateKey.generate()
NOW = int(time.time())
NOT_WEB = [*HOSTILE_URLS, *MORE_HOSTILE_URLS, "https://example.com/\x85", "//nostr.build/i/a.jpg", "/i/a.jpg"]
KEPT = [
    "https://nostr.build/i/3b1e7c.jpg",
    "http://localhost:8080/p.png?x=1#y",
    "HTTPS://Nostr.Build/i/a.jpg",
    "https://bücher.example/ä.png",
]


def profile(picture: object) -> dict[str, object]:
    return {"name": "alice", "about": "hi", "picture": picture, "banner": picture, "website": picture}


def note_with_refs(*refs: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return "see https://example.org/a", tuple(("r", ref) for ref in refs)


@pytest.mark.parametrize("url", [*NOT_WEB, 7, ["https://example.com/a.jpg"]])
def test_a_picture_that_is_no_web_page_is_no_avatar(url: object) -> None:
    event = sign_event(KEY, 0, json.dumps(profile(url)), (), NOW)
    account = account_from_profile(KEY.public_key, event)
    assert account.avatar_url is None
    assert (account.display_name, account.bio) == ("alice", "hi")  # the profile is whole
    assert account.raw is not None
    assert json.loads(account.raw["profile"]["content"])["picture"] == url  # kept as sent, in raw only


@pytest.mark.parametrize("url", KEPT)
def test_a_web_picture_is_kept_as_sent(url: str) -> None:
    event = sign_event(KEY, 0, json.dumps(profile(url)), (), NOW)
    assert account_from_profile(KEY.public_key, event).avatar_url == url


@pytest.mark.parametrize("url", NOT_WEB)
def test_an_r_tag_that_is_no_web_page_is_no_link(url: str) -> None:
    text, tags = note_with_refs(url, KEPT[0], url.upper())
    post = post_from_event(sign_event(KEY, 1, text, tags, NOW))
    assert post.links == ("https://example.org/a", KEPT[0])
    assert post.text == text


def test_web_r_tags_are_kept_as_sent_in_order() -> None:
    text, tags = note_with_refs(*KEPT, KEPT[0])
    post = post_from_event(sign_event(KEY, 1, text, tags, NOW))
    assert post.links == ("https://example.org/a", *KEPT)


def test_through_a_relay(make_net: Callable[..., NostrNetwork]) -> None:
    """What a relay passes on reads the same: a hostile profile and note published, then read."""
    author, honest, reader = make_net(), make_net(), make_net()
    author.set_profile(name="mallory", picture="javascript:alert(1)", website="javascript:alert(2)")
    text, tags = note_with_refs("javascript:alert(3)", "https://user:pw@example.com/", KEPT[0])
    note = author.sign(1, text, tags, NOW)
    author.publish_event(note)
    account = reader.account(author.public_key)
    assert (account.display_name, account.avatar_url) == ("mallory", None)
    post = reader.get_post(note.id)
    assert post.links == ("https://example.org/a", KEPT[0])
    honest.set_profile(name="alice", picture=KEPT[0])
    assert reader.account(honest.public_key).avatar_url == KEPT[0]
