"""``thread()`` keeps every reply the server sends: under a reply it leaves out (hidden from this
account, or deleted), in a chain thousands deep, and in a malformed answer whose replies loop."""

from __future__ import annotations

from typing import Any

from tests.mastodon.server_fixtures import hostile  # noqa: F401 - the server fixture
from tests.servers.mastodon_hostile import HostileServer, answer

from .test_hostile import net_for, status


def reply(ident: int, parent: int | None) -> dict[str, Any]:
    data = status(str(ident))
    data["in_reply_to_id"] = None if parent is None else str(parent)
    data["content"] = f"<p>رد {ident} 🧵</p>"
    return data


def thread_ids(server: HostileServer, descendants: list[dict[str, Any]]) -> list[str]:
    def respond(method: str, path: str) -> bytes:
        if path.endswith("/context"):
            return answer({"ancestors": [], "descendants": descendants})
        return answer(reply(1, None))

    server.respond = respond
    net = net_for(server, limits={"deadline": 20.0, "max_body_bytes": 64 * 1024 * 1024})
    return [post.id for post in net.thread("1")]


def test_replies_under_a_reply_the_server_left_out_are_kept(server: HostileServer) -> None:
    # 2 answers the root; 10 and 11 answer 99, which this account cannot see; 20 answers 10.
    descendants = [reply(2, 1), reply(10, 99), reply(11, 99), reply(20, 10), reply(30, 2)]
    assert thread_ids(server, descendants) == ["1", "2", "30", "10", "20", "11"]


def test_a_reply_chain_thousands_deep_is_read_whole(server: HostileServer) -> None:
    chain = [reply(100 + i, 1 if i == 0 else 99 + i) for i in range(1500)]
    ids = thread_ids(server, chain)
    assert ids == ["1", *(str(100 + i) for i in range(1500))]


def test_replies_that_answer_each_other_in_a_loop_are_kept_once(server: HostileServer) -> None:
    descendants = [reply(2, 1), reply(5, 6), reply(6, 5), reply(2, 1)]
    ids = thread_ids(server, descendants)
    assert sorted(ids) == ["1", "2", "5", "6"]
