"""A server that answers ``GET /statuses/A`` with status B, or an account lookup with another account,
gives a malformed answer (``NetworkUnavailable``): kept, B's counts would be stored under A's id.
Legitimate differences stay: ids sent as numbers, a boost's wrapper, a lookup of a local account
by its full address, a username's case, a domain in Unicode or punycode. On a loopback server that
answers with a recorded Mastodon 4.x status."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from decentsocial import NetworkUnavailable, connect
from decentsocial.backends.mastodon import MastodonNetwork
from tests.mastodon.server_fixtures import hostile  # noqa: F401 - the server fixture
from tests.servers.mastodon_hostile import HostileServer, answer

from .cassettes import recorded_statuses

RECORDED = next(s for s in recorded_statuses() if not s.get("reblog"))


def status(ident: Any) -> dict[str, Any]:
    data = copy.deepcopy(RECORDED)
    data["id"] = ident
    return data


def account(acct: str) -> dict[str, Any]:
    return {**copy.deepcopy(RECORDED["account"]), "acct": acct, "username": acct.partition("@")[0]}


@pytest.fixture
def net(server: HostileServer) -> Iterator[MastodonNetwork]:
    net = connect(
        "mastodon",
        base_url=server.base_url,
        access_token="t",
        mastodon_version="4.2.0",
        retry={"attempts": 1},
    )
    assert isinstance(net, MastodonNetwork)
    yield net
    net.close()


def test_a_status_answered_for_another_id_is_refused(server: HostileServer, net: MastodonNetwork) -> None:
    server.respond = lambda method, path: answer(status("8"))
    with pytest.raises(NetworkUnavailable, match="another status than asked for") as caught:
        net.get_post("7")
    assert "'7'" in str(caught.value)
    assert "'8'" in str(caught.value)
    assert caught.value.retryable is False


def test_the_thread_of_another_status_is_never_read(server: HostileServer, net: MastodonNetwork) -> None:
    server.respond = lambda method, path: answer(status("8"))
    with pytest.raises(NetworkUnavailable, match="another status than asked for"):
        net.thread("7")
    assert not any("context" in path for _, path in server.requests)


@pytest.mark.parametrize("sent", ["7", 7])
def test_the_asked_status_is_taken_with_its_id_as_text_or_number(
    server: HostileServer, net: MastodonNetwork, sent: Any
) -> None:
    server.respond = lambda method, path: answer(status(sent))
    assert net.get_post("7").id == "7"


def test_a_boost_is_asked_by_its_own_id(server: HostileServer, net: MastodonNetwork) -> None:
    wrapper = {**status("9"), "reblog": status("8")}
    server.respond = lambda method, path: answer(wrapper)
    post = net.get_post("9")
    assert (post.id, post.reposted_by is not None) == ("8", True)


@pytest.mark.parametrize(
    ("asked", "answered"),
    [
        ("alice", "bob"),
        ("alice@social.example", "bob@social.example"),
        ("alice@social.example", "alice@other.example"),
        ("alice@faß.example", "alice@fass.example"),  # two domains (IDNA 2008), one to IDNA 2003
    ],
)
def test_a_lookup_answered_with_another_account_is_refused(
    server: HostileServer, net: MastodonNetwork, asked: str, answered: str
) -> None:
    server.respond = lambda method, path: answer(account(answered))
    with pytest.raises(NetworkUnavailable, match="another account than asked for"):
        net.account(asked)


@pytest.mark.parametrize(
    ("asked", "answered"),
    [
        ("alice", "alice"),
        ("@Alice", "alice"),
        ("alice@this.example", "alice"),  # a local account asked for by its full address
        ("alice@Social.Example", "alice@social.example"),
        ("alice@bücher.example", "alice@xn--bcher-kva.example"),
        ("alice@faß.example", "alice@xn--fa-hia.example"),  # faß as browsers and DNS spell it
    ],
)
def test_the_asked_account_is_taken(
    server: HostileServer, net: MastodonNetwork, asked: str, answered: str
) -> None:
    server.respond = lambda method, path: answer(account(answered))
    assert net.account(asked).handle == answered
