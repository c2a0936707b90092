"""A Post read through another Mastodon server whose links are no web links, acted on here.

Since links a server hands out are kept only when they are web links, ``Post.url`` is the
status's ``url``, else its ``uri``, each only if it is one (``javascript:``, ``data:``…: ``None``).
A Post read through another server is found on this one by the ``uri`` it holds, else by that
``Post.url`` (see ``origin``). So:

* a status the other server sends with a ``javascript:`` ``url`` but a good ``uri`` is still
  found here by its ``uri``, and the status acted on is that one (not this server's of its id);
* one the other server sends with no ``uri`` and a ``url`` that is no web link has nothing left
  that names it: it was taken as a Post built by hand and acted on by its bare id, which here
  is another status (liked, answered, deleted, edited in its place). It is refused now with
  ``NotFound``, before any request to this server.

The other server is a second loopback ``mastodon_mock``; its fault endpoint makes it answer a
status with the JSON the test gives it, as a hostile or broken server would.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("mastodon")

from decentsocial import errors
from decentsocial.backends.mastodon import MastodonNetwork
from decentsocial.models import Post
from tests.hostile_urls import HOSTILE_URLS
from tests.mastodon import foreign
from tests.servers.mastodon import PORT, MastodonServer, start_server

#: The other server (test_foreign_accounts and test_foreign_posts take PORT + 5 and + 6).
OTHER_PORT = PORT + 7

#: What a status read through the other server may hold instead of a uri.
NO_URI: list[Any] = ["absent", None, ""]
#: What it may hold instead of a web url: script, an HTML page made of its URL, nothing.
NOT_WEB_URL: list[Any] = [*HOSTILE_URLS[:2], HOSTILE_URLS[4], None]


@pytest.fixture(scope="module")
def other_server() -> Iterator[MastodonServer]:
    with start_server(OTHER_PORT, ratelimit=False) as server:
        yield server


@pytest.fixture
def alice(mastodon_server: MastodonServer) -> Iterator[MastodonNetwork]:
    net = mastodon_server.connect("alice")
    yield net
    net.close()


def _read_through(other: MastodonServer, status: dict[str, Any]) -> Post:
    """``status`` as the other server hands it out: it answers ``GET /statuses/:id`` with it, once."""
    other.add_fault(
        {
            "match": {"methods": ["GET"], "path": f"/api/v1/statuses/{status['id']}"},
            "effect": {"type": "status", "status": 200, "body": status},
            "count": 1,
        }
    )
    far = other.connect("alice")
    try:
        return far.get_post(str(status["id"]))
    finally:
        far.close()
        other.clear_faults()


def test_a_status_with_a_script_url_is_found_here_by_its_uri(
    mastodon_server: MastodonServer, other_server: MastodonServer, alice: MastodonNetwork
) -> None:
    """The other server's id of carol's status is the id of alice's own here: the uri decides."""
    carol = mastodon_server.connect("carol")
    try:
        wanted = carol.publish(f"wanted {uuid.uuid4().hex}")
        uri = foreign.status(mastodon_server, wanted.id)["uri"]
        # Its uri in its text: what the loopback server's search finds for that uri.
        wanted = carol.edit(wanted, f"{wanted.text} {uri}")
    finally:
        carol.close()
    decoy = alice.publish(f"alice's own {uuid.uuid4().hex}")
    sent = {
        **foreign.status(mastodon_server, wanted.id),
        "id": decoy.id,
        "url": "javascript:alert(document.cookie)",
    }
    held = _read_through(other_server, sent)
    assert (held.id, held.url) == (decoy.id, uri)  # the script dropped: its uri is its page
    alice.like(held)
    reply = alice.reply(held, f"answer {uuid.uuid4().hex}")
    assert reply.reply_to == wanted.id
    assert foreign.status(mastodon_server, wanted.id)["favourited"] is True
    assert foreign.status(mastodon_server, decoy.id)["favourited"] is False
    assert foreign.replies(mastodon_server, decoy.id) == []


@pytest.mark.parametrize("uri", NO_URI, ids=["no-uri", "null-uri", "empty-uri"])
@pytest.mark.parametrize("url", NOT_WEB_URL, ids=["js", "JS", "data", "no-url"])
def test_a_status_named_by_no_uri_and_no_web_link_is_refused_before_any_request(
    mastodon_server: MastodonServer, other_server: MastodonServer, alice: MastodonNetwork, uri: Any, url: Any
) -> None:
    """Taken by its bare id, it was alice's own status here: liked, answered, edited, pinned, deleted."""
    decoy = alice.publish(f"alice's own {uuid.uuid4().hex}")
    sent = {**foreign.status(mastodon_server, decoy.id), "url": url}
    sent.pop("uri")
    if uri != "absent":
        sent["uri"] = uri
    held = _read_through(other_server, sent)
    assert (held.id, held.url) == (decoy.id, None)
    seen = foreign.requests_of(alice)
    marker = f"not here {uuid.uuid4().hex}"
    acts = (
        alice.like,
        alice.repost,
        alice.pin,
        alice.thread,
        alice.post_id,
        lambda p: alice.reply(p, marker),
        lambda p: alice.edit(p, marker),
        alice.delete,
    )
    for act in acts:
        with pytest.raises(errors.NotFound, match="names its status by no uri and no web link"):
            act(held)
    assert seen == []  # nothing asked of this server, nothing sent to it
    now = foreign.status(mastodon_server, decoy.id)  # not deleted
    assert (now["favourited"], now["reblogged"], now["pinned"]) == (False, False, False)
    assert marker not in now["content"]
    assert foreign.replies(mastodon_server, decoy.id) == []


@pytest.mark.parametrize("uri", ["javascript:alert(1)", "tag:127.0.0.1,2017:objectId=1:objectType=Status"])
def test_a_status_whose_uri_is_no_web_link_is_looked_up_by_it_and_not_found(
    mastodon_server: MastodonServer, other_server: MastodonServer, alice: MastodonNetwork, uri: str
) -> None:
    """A uri that is no web page still names the status (old OStatus ones are ``tag:`` URIs):
    this server has none of that uri, so nothing is acted on."""
    decoy = alice.publish(f"alice's own {uuid.uuid4().hex}")
    sent = {**foreign.status(mastodon_server, decoy.id), "url": "javascript:alert(2)", "uri": uri}
    held = _read_through(other_server, sent)
    assert held.url is None
    for act in (alice.like, alice.delete, lambda p: alice.reply(p, "not here")):
        with pytest.raises(errors.NotFound):
            act(held)
    now = foreign.status(mastodon_server, decoy.id)
    assert now["favourited"] is False
    assert foreign.replies(mastodon_server, decoy.id) == []
