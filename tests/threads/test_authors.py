"""Who wrote a Threads post, and the profile URLs made of usernames, on a scripted loopback server.

- A post whose answer names no author (no ``username``, no ``owner``: Meta documents the username
  for public users and your own only, and ``owner`` on your own top-level posts only, so a
  non-public account's reply comes so) was written by "unknown": a real-looking username, one
  author for all of them. It keeps its place in the listing now, by an author that names no one:
  handle ``[hidden]`` (no Threads username has brackets), an id of its own per post, no URL.
- ``account("bob")`` answered without a username (``{}``) was an account "bob" made of the name
  asked. It is a malformed answer now (``NetworkUnavailable``), as a ``GET /me`` naming no one is.
- A username holding ``/``, ``?``, ``#``, ``..``, a space or non-ASCII letters went into
  ``Account.url`` as it was: an invalid URL, or one naming another page (``@x/../../y``,
  ``@q?x=1``). It is one percent-encoded path segment now.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest

import decentsocial as ds
from tests.servers._scripted_http import Reply, Request
from tests.threads.scripted import read

WHEN = "2026-12-05T15:00:00+0000"
NAMED = {"id": "801", "text": "thanks!", "timestamp": WHEN, "username": "alice", "replied_to": {"id": "77"}}
HIDDEN_A = {"id": "802", "text": "me too", "timestamp": WHEN, "replied_to": {"id": "77"}}
HIDDEN_B = {"id": "803", "text": "and me", "timestamp": WHEN, "replied_to": {"id": "77"}}
HOSTILE_NAMES = ["x/../../y", "q?x=1", "h#frag", "a b", "ünï", "50%", "%2E%2E", ".", ".."]


def test_posts_whose_answer_names_no_author_keep_their_place_by_an_author_naming_no_one() -> None:
    def answer(r: Request) -> Reply:
        if r.path.endswith("/77/replies"):
            return Reply(200, {"data": [NAMED, HIDDEN_A, HIDDEN_B]})
        return Reply(200, HIDDEN_A)  # GET /802

    replies, single = read(answer, lambda net: (list(net.replies("77", limit=None)), net.get_post("802")))
    assert [p.id for p in replies] == ["801", "802", "803"]  # none lost, none failing the page
    named, a, b = (p.author for p in replies)
    assert (named.id, named.handle, named.url) == ("alice", "alice", "https://www.threads.net/@alice")
    for hidden in (a, b, single.author):
        assert hidden.handle == "[hidden]"  # brackets: in no Threads username, so no one's
        assert hidden.url is None
        assert hidden.id not in ("", "unknown")
    assert a.id != b.id  # two such posts are not taken for one author's
    assert single.author.id == a.id  # the same post read twice: the same (unnamed) author


def test_a_post_naming_only_its_owner_is_written_by_that_user_id() -> None:
    own = {"id": "804", "text": "mine", "timestamp": WHEN, "owner": {"id": "1"}}
    post = read(lambda r: Reply(200, own), lambda net: net.get_post("804"))
    assert (post.author.id, post.author.handle, post.author.url) == ("1", "1", None)


@pytest.mark.parametrize(
    "profile", [{}, {"username": ""}, {"name": "Bob", "follower_count": 5}, {"id": "17841400000000001"}]
)
def test_a_profile_lookup_answered_without_its_username_is_malformed(profile: dict[str, Any]) -> None:
    with pytest.raises(ds.NetworkUnavailable, match="malformed account") as caught:
        read(lambda r: Reply(200, profile), lambda net: net.account("bob"))
    assert caught.value.retryable is False


def test_a_profile_lookup_naming_the_profile_asked_is_taken() -> None:
    bob = read(lambda r: Reply(200, {"username": "Bob", "follower_count": 5}), lambda net: net.account("bob"))
    assert (bob.handle, bob.followers, bob.url) == ("Bob", 5, "https://www.threads.net/@Bob")


def assert_profile_url(url: str | None, username: str) -> None:
    assert url is not None
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("https", "www.threads.net", "", "")
    assert parts.path == "/@" + quote(username, safe="")  # one segment: no "/", "?" or "#" left
    assert unquote(parts.path[2:]) == username
    assert url.isascii()
    assert " " not in url


@pytest.mark.parametrize("username", HOSTILE_NAMES)
def test_usernames_go_into_profile_urls_as_one_encoded_path_segment(username: str) -> None:
    post = {"id": "805", "text": "hi", "timestamp": WHEN, "username": username}

    def answer(r: Request) -> Reply:
        if r.path.endswith("/me"):
            return Reply(200, {"id": "1", "username": username})
        if r.path.endswith("/profile_lookup"):
            return Reply(200, {"username": username})
        return Reply(200, {"data": [post]} if r.path.endswith("/threads") else post)

    me, author, listed, profile = read(
        answer,
        lambda net: (
            net.me(),
            net.get_post("805").author,
            next(net.posts(limit=1)).author,
            net.account(username),
        ),
    )
    for account in (me, author, listed, profile):
        assert account.handle == username  # the name itself is kept as sent
        assert_profile_url(account.url, username)


def test_a_username_holding_a_lone_surrogate_gives_no_url() -> None:
    """Valid JSON (``"\\ud800"``) that no URL can carry: no profile page has that name."""
    username = "half\ud800"
    post = {"id": "806", "text": "hi", "timestamp": WHEN, "username": username}

    def answer(r: Request) -> Reply:
        return Reply(200, {"id": "1", "username": username} if r.path.endswith("/me") else post)

    me, author = read(answer, lambda net: (net.me(), net.get_post("806").author))
    assert (me.handle, me.url, author.handle, author.url) == (username, None, username, None)
