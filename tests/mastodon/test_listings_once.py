"""A hostile Mastodon-API server listing an item twice (twice in a page, and again on the next page):
every listing gives each item once, in the server's order, and loses none.

Before, only the text search dropped repeats: ``posts``, ``timeline``,
``search("#tag")``, ``notifications``, ``pinned`` and ``messages`` gave an item
the server repeated as many times as it was sent (a bot acting on each
would like, answer or count it twice). A status and its boosts, and two
accounts' boosts of one status, are still each listed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("mastodon", reason="the Mastodon backend needs the mastodon extra")

from decentsocial.backends.mastodon import MastodonNetwork
from tests.mastodon.server_fixtures import hostile  # noqa: F401 - the server fixture
from tests.mastodon.test_hostile import net_for, status
from tests.servers.mastodon_hostile import HostileServer, answer

ME = "1"


def _account(ident: str, name: str) -> dict[str, Any]:
    made: dict[str, Any] = copy.deepcopy(status()["account"])
    made.update(id=ident, username=name, acct=name)
    return made


def _boost(of: dict[str, Any], ident: str, by: dict[str, Any]) -> dict[str, Any]:
    wrapper = copy.deepcopy(of)
    wrapper.update(id=ident, reblog=copy.deepcopy(of), account=by, content="")
    return wrapper


def _note(ident: str) -> dict[str, Any]:
    return {
        "id": ident,
        "type": "favourite",
        "created_at": "2024-05-01T12:00:00.000Z",
        "account": _account("7", "fan"),
        "status": status("900"),
    }


def _conversation(ident: str) -> dict[str, Any]:
    last = status(ident)
    last.update(visibility="direct", mentions=[])
    return {"id": f"c{ident}", "unread": True, "accounts": [last["account"]], "last_status": last}


Read = Callable[[MastodonNetwork, int | None], Iterator[Any]]

#: Each listing: how it is read (with a limit), the path its pages are asked on, and the item of an id.
LISTINGS: dict[str, tuple[Read, str, Callable[[str], Any]]] = {
    "posts": (lambda net, n: net.posts(limit=n), f"/api/v1/accounts/{ME}/statuses", status),
    "timeline": (lambda net, n: net.timeline(limit=n), "/api/v1/timelines/home", status),
    "hashtag search": (lambda net, n: net.search("#once", limit=n), "/api/v1/timelines/tag/once", status),
    "notifications": (lambda net, n: net.notifications(limit=n), "/api/v1/notifications", _note),
    "pinned": (lambda net, n: net.pinned(limit=n), f"/api/v1/accounts/{ME}/statuses", status),
    "messages": (lambda net, n: net.messages(limit=n), "/api/v1/conversations", _conversation),
}


def _serve(server: HostileServer, path: str, pages: list[list[Any]]) -> None:
    """``pages`` at ``path``, each linking to the next (``max_id`` its page number); the account is ``ME``."""

    def respond(method: str, asked: str) -> bytes:
        if asked.startswith("/api/v1/accounts/verify_credentials"):
            return answer(_account(ME, "me"))
        if not asked.startswith(path):
            return answer({"error": "not found"}, 404)
        number = int(asked.split("max_id=")[1].split("&")[0]) if "max_id=" in asked else 0
        pinned = "&pinned=true" if "pinned=true" in asked else ""
        more = number + 1 < len(pages)
        link = {"Link": f'<{server.base_url}{path}?max_id={number + 1}{pinned}>; rel="next"'} if more else {}
        return answer(pages[number], headers=link)

    server.respond = respond


@pytest.mark.parametrize("listing", list(LISTINGS))
def test_an_item_listed_twice_in_a_page_and_again_on_the_next_comes_out_once(
    server: HostileServer, listing: str
) -> None:
    read, path, item = LISTINGS[listing]
    _serve(server, path, [[item("30"), item("30"), item("20")], [item("20"), item("10")], [item("30")]])
    net = net_for(server)
    try:
        assert [x.id for x in read(net, None)] == ["30", "20", "10"]
    finally:
        net.close()


@pytest.mark.parametrize("listing", list(LISTINGS))
def test_a_limit_counts_each_item_once(server: HostileServer, listing: str) -> None:
    read, path, item = LISTINGS[listing]
    _serve(server, path, [[item("30"), item("30")], [item("30"), item("20"), item("10")]])
    net = net_for(server)
    try:
        assert [x.id for x in read(net, 2)] == ["30", "20"]
    finally:
        net.close()


def test_the_text_search_gives_a_status_listed_twice_once(server: HostileServer) -> None:
    found = {"statuses": [status("30"), status("30"), status("20")], "accounts": [], "hashtags": []}
    server.respond = lambda method, path: (
        answer(found) if path.startswith("/api/v2/search") else answer({"error": "not found"}, 404)
    )
    net = net_for(server)
    try:
        assert [p.id for p in net.search("words", limit=None)] == ["30", "20"]
    finally:
        net.close()


def test_a_status_and_its_boosts_by_two_accounts_are_each_listed(server: HostileServer) -> None:
    """Boosts describe the boosted status (its id): the booster tells them apart, not the id alone."""
    original = status("100")
    bob, carol = _account("8", "bob"), _account("9", "carol")
    page = [_boost(original, "300", bob), _boost(original, "301", carol), original]
    _serve(server, "/api/v1/timelines/home", [page, [_boost(original, "300", bob)]])
    net = net_for(server)
    try:
        listed = [(p.id, p.reposted_by.handle if p.reposted_by else None) for p in net.timeline(limit=None)]
    finally:
        net.close()
    assert listed == [("100", "bob"), ("100", "carol"), ("100", None)]
