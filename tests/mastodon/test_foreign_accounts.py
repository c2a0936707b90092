"""An Account read through another Mastodon server is not this server's account of that name or id.

Mastodon ids and bare handles are server-local: ``bob`` read through server B is
B's ``bob``. Used on server A as it came, ``send_message`` mentioned ``@bob`` (A's
own bob got the message) and ``follow``/``posts`` used B's id (whoever holds it on
A). Such an Account is now looked up on A by its full handle; the loopback server
resolves no remote domain, so the lookup is a ``NotFound`` and nothing is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

pytest.importorskip("mastodon")

from decentsocial import errors
from decentsocial.models import Account
from tests.servers.mastodon import PORT, MastodonServer, start_server

#: A second server, as another instance: its accounts' urls name its own host and port.
OTHER_PORT = PORT + 5


@pytest.fixture(scope="module")
def other_server() -> Iterator[MastodonServer]:
    with start_server(OTHER_PORT, ratelimit=False) as server:
        yield server


def _read_elsewhere(other: MastodonServer, handle: str) -> Account:
    net = other.connect("alice")
    try:
        return net.account(handle)
    finally:
        net.close()


def _following(server: MastodonServer, who: str, target_id: str) -> bool:
    answer = httpx.get(
        f"{server.base_url}/api/v1/accounts/relationships",
        params={"id[]": target_id},
        headers={"Authorization": f"Bearer {server.tokens[who]}"},
        timeout=10,
    )
    answer.raise_for_status()
    return bool(answer.json()[0]["following"])


def _not_following(server: MastodonServer, who: str, target_id: str) -> None:
    """Start from no follow (another test may have left one), without the code under test."""
    headers = {"Authorization": f"Bearer {server.tokens[who]}"}
    url = f"{server.base_url}/api/v1/accounts/{target_id}/unfollow"
    httpx.post(url, headers=headers, timeout=10).raise_for_status()
    assert not _following(server, who, target_id)


def _bob_got(server: MastodonServer, marker: str) -> bool:
    net = server.connect("bob")
    try:
        return any(marker in m.text for m in net.messages(limit=40))
    finally:
        net.close()


@pytest.fixture
def foreign_bob(other_server: MastodonServer, mastodon_server: MastodonServer) -> Account:
    """``bob`` as the other server answers, its id one that names carol here (ids of two servers
    are unrelated, so any may be taken on this one)."""
    bob = _read_elsewhere(other_server, "bob")
    assert bob.handle == "bob"
    assert bob.url is not None
    assert f":{OTHER_PORT}/" in bob.url
    local = mastodon_server.connect("alice")
    try:
        carol = local.account("carol")
    finally:
        local.close()
    return bob.model_copy(update={"id": carol.id})


def test_a_message_to_bob_read_elsewhere_does_not_reach_the_local_bob(
    mastodon_server: MastodonServer, foreign_bob: Account
) -> None:
    marker = f"for the other bob {uuid.uuid4().hex}"
    alice = mastodon_server.connect("alice")
    try:
        with pytest.raises(errors.NotFound):
            alice.send_message(foreign_bob, marker)
        assert not any(marker in p.text for p in alice.posts(limit=40))
    finally:
        alice.close()
    assert not _bob_got(mastodon_server, marker)


def test_following_bob_read_elsewhere_does_not_follow_whoever_has_its_id_here(
    mastodon_server: MastodonServer, foreign_bob: Account
) -> None:
    alice = mastodon_server.connect("alice")
    try:
        _not_following(mastodon_server, "alice", foreign_bob.id)
        with pytest.raises(errors.NotFound):
            alice.follow(foreign_bob)
        assert not _following(mastodon_server, "alice", foreign_bob.id)
    finally:
        alice.close()


def test_posts_of_bob_read_elsewhere_are_not_read_by_its_id_here(
    mastodon_server: MastodonServer, foreign_bob: Account
) -> None:
    bob = mastodon_server.connect("bob")
    alice = mastodon_server.connect("alice")
    try:
        bob.publish(f"local bob {uuid.uuid4().hex}")
        with pytest.raises(errors.NotFound):
            list(alice.posts(foreign_bob, limit=5))
        with pytest.raises(errors.NotFound):
            list(alice.pinned(foreign_bob, limit=5))
    finally:
        alice.close()
        bob.close()


def test_an_account_built_with_another_hosts_url_is_looked_up_there_by_name(
    mastodon_server: MastodonServer,
) -> None:
    """No request leaves loopback: the server itself answers that it knows no bob@elsewhere.example."""
    alice = mastodon_server.connect("alice")
    try:
        local_bob = alice.account("bob")
        built = Account(
            network="mastodon", id=local_bob.id, handle="bob", url="https://elsewhere.example/@bob"
        )
        marker = f"for elsewhere {uuid.uuid4().hex}"
        _not_following(mastodon_server, "alice", local_bob.id)
        with pytest.raises(errors.NotFound, match=r"bob@elsewhere\.example"):
            alice.send_message(built, marker)
        with pytest.raises(errors.NotFound, match=r"bob@elsewhere\.example"):
            alice.follow(built)
        assert not _following(mastodon_server, "alice", local_bob.id)
    finally:
        alice.close()
    assert not _bob_got(mastodon_server, marker)


def test_a_remote_handle_is_followed_by_its_handle_not_by_an_id_from_elsewhere(
    mastodon_server: MastodonServer,
) -> None:
    alice = mastodon_server.connect("alice")
    try:
        local_bob = alice.account("bob")
        remote = Account(network="mastodon", id=local_bob.id, handle="carol@elsewhere.example")
        _not_following(mastodon_server, "alice", local_bob.id)
        with pytest.raises(errors.NotFound):
            alice.follow(remote)
        assert not _following(mastodon_server, "alice", local_bob.id)
    finally:
        alice.close()


def test_accounts_read_here_are_used_as_they_are(mastodon_server: MastodonServer) -> None:
    """The local bob read here (by this host, or named by the server's own domain) still gets it."""
    alice = mastodon_server.connect("alice")
    try:
        bob = alice.account("bob")
        domain = str(alice.instance().get("domain") or "")
        for account in (bob, bob.model_copy(update={"url": f"https://{domain}/@bob"})):
            marker = f"for the local bob {uuid.uuid4().hex}"
            alice.send_message(account, marker)
            assert _bob_got(mastodon_server, marker)
        alice.follow(bob)
        assert _following(mastodon_server, "alice", bob.id)
        alice.unfollow(bob)
        assert not _following(mastodon_server, "alice", bob.id)
    finally:
        alice.close()
