"""Profile and post URLs made of what a Bluesky server sends (no stack needed).

A handle (or, without one, the DID) went into ``Account.url`` and ``Post.url``
(``<web_url>/profile/<handle>/post/<rkey>``) as it was. A hostile AppView or PDS sending the handle
``a/../../x``, ``q?x=1#y``, a space or non-ASCII letters made an invalid URL, or one naming another
page (``bsky.app/x/post/…``, a query or fragment of its choosing). A valid handle or DID goes in as
before; anything else is one percent-encoded path segment now, and ``.`` or ``..`` (a dot-segment
however it is encoded) give no URL. Read from the post views the reference AppView recorded, and
from a loopback server whose session names the handle.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest

from decentsocial.backends.bluesky.convert import account_from_view, post_from_view
from tests.trusted import as_validation_builds

from .conftest import connect_bluesky
from .hostile import hostile_server, send_json, session
from .recorded import recorded_post_views

WEB = "https://bsky.app"
VIEWS = recorded_post_views()
VIEW = VIEWS[0]
RKEY = VIEW["uri"].rsplit("/", 1)[1]
HOSTILE = ["a/../../x", "q?x=1#y", "h#frag", "a b", "ünï.test", "50%", "%2E%2E", "alice.test/", "\\x"]
DOTS = [".", ".."]


def with_handle(handle: Any) -> dict[str, Any]:
    view = copy.deepcopy(VIEW)
    view["author"]["handle"] = handle
    return view


def assert_one_segment(url: str | None, handle: str, rkey: str | None = None) -> None:
    assert url is not None
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("https", "bsky.app", "", "")
    tail = ["post", rkey] if rkey else []
    assert parts.path.split("/") == ["", "profile", quote(handle, safe=""), *tail]  # no "/", "?", "#" left
    assert unquote(parts.path.split("/")[2]) == handle
    assert url.isascii()


def test_valid_handles_and_dids_give_the_urls_they_gave() -> None:
    for view in VIEWS:
        post = post_from_view(view, web_url=WEB)
        handle, rkey = view["author"]["handle"], view["uri"].rsplit("/", 1)[1]
        assert post.author.url == f"{WEB}/profile/{handle}"
        assert post.url == f"{WEB}/profile/{handle}/post/{rkey}"
    for did in ("did:plc:z72i7hdynmk6r22z27h6tvur", "did:web:example.com", "did:web:localhost%3A2583"):
        account = account_from_view({"did": did}, web_url=WEB)  # no handle: the DID names the profile
        assert (account.handle, account.url) == (did, f"{WEB}/profile/{did}")
    assert account_from_view({"did": "did:plc:x", "handle": "Alice.Example.COM"}, web_url=WEB).url == (
        f"{WEB}/profile/Alice.Example.COM"
    )


@pytest.mark.parametrize("handle", HOSTILE)
def test_a_handle_goes_into_urls_as_one_encoded_path_segment(handle: str) -> None:
    post = post_from_view(with_handle(handle), web_url=WEB)
    account = account_from_view(with_handle(handle)["author"], web_url=WEB)
    for author in (post.author, account):
        assert author.handle == handle  # the handle itself is kept as sent
        assert_one_segment(author.url, handle)
    assert_one_segment(post.url, handle, RKEY)
    as_validation_builds(post)
    as_validation_builds(account)


@pytest.mark.parametrize("did", ["did:plc:a/../../x", "did:x:q?y#z", "did:plc:"])
def test_a_did_that_is_no_did_goes_in_encoded_too(did: str) -> None:
    view = copy.deepcopy(VIEW)
    view["author"] = {"did": did}
    post = post_from_view(view, web_url=WEB)
    assert post.author.handle == did
    assert_one_segment(post.author.url, did)
    assert_one_segment(post.url, did, RKEY)


@pytest.mark.parametrize("handle", DOTS)
def test_a_dot_segment_handle_gives_no_url(handle: str) -> None:
    post = post_from_view(with_handle(handle), web_url=WEB)
    assert (post.author.handle, post.author.url, post.url) == (handle, None, None)
    as_validation_builds(post)


@pytest.mark.parametrize("handle", [*HOSTILE, *DOTS])
def test_the_session_handle_of_a_profile_not_yet_indexed_goes_in_encoded(handle: str) -> None:
    """``me()`` of an account the AppView has not indexed yet is made of the session's DID and handle."""
    with hostile_server() as server:
        server.routes["com.atproto.server.createSession"] = lambda h: send_json(
            h, {**session(), "handle": handle}
        )
        server.routes["app.bsky.actor.getProfile"] = lambda h: send_json(
            h, {"error": "InvalidRequest", "message": "Profile not found"}, status=400
        )
        net = connect_bluesky(base_url=server.url, handle="victim.test", password="pw", state_path=None)
        try:
            me = net.me()
        finally:
            net.close()
    assert me.handle == handle
    if handle in DOTS:
        assert me.url is None
    else:
        assert_one_segment(me.url, handle)


def test_a_lone_surrogate_gives_no_url() -> None:
    """What no URL can carry (a server's ``"\\ud800"``) is no URL, not an encoding error."""
    from decentsocial.backends.bluesky.ids import profile_url

    assert profile_url(WEB, "half\ud800.test") is None
    assert profile_url(WEB, "half\ud800.test", RKEY) is None
