"""Answers of the wrong shape on the calls that read them outside the converters: media uploads and
their processing polls, the remote-account search and the full-text search. Each is the server's
malformed answer (``NetworkUnavailable``), never a library exception nor the caller's ``InvalidInput``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from decentsocial import Draft, Media, NetworkUnavailable, NotFound
from decentsocial.backends.mastodon import MastodonNetwork
from tests.mastodon.server_fixtures import hostile  # noqa: F401 - the server fixture
from tests.servers.mastodon_hostile import HostileServer, answer

from .test_hostile import net_for, status

INSTANCE = {"uri": "127.0.0.1", "version": "4.2.0", "configuration": {}}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def publish_with_media(net: MastodonNetwork) -> Any:
    return net.publish(Draft(text="مرحبا 🌍", media=(Media(data=PNG, mime_type="image/png"),)))


def upload_answers(body: Any) -> Callable[[str, str], bytes]:
    def respond(method: str, path: str) -> bytes:
        if "instance" in path:
            return answer(INSTANCE)
        if path.startswith("/api/v2/media"):
            return answer(body)
        return answer(status())

    return respond


@pytest.mark.parametrize("body", [["x"], "text", {"url": "http://127.0.0.1/m.png"}, {"id": "../5"}])
def test_an_upload_answer_without_a_usable_attachment_is_malformed(server: HostileServer, body: Any) -> None:
    server.respond = upload_answers(body)
    with pytest.raises(NetworkUnavailable, match="malformed media attachment"):
        publish_with_media(net_for(server))
    assert not any(m == "POST" and p == "/api/v1/statuses" for m, p in server.requests)


def test_a_processing_poll_of_the_wrong_shape_is_malformed_at_once(server: HostileServer) -> None:
    def respond(method: str, path: str) -> bytes:
        if "instance" in path:
            return answer(INSTANCE)
        if path.startswith("/api/v2/media"):
            return answer({"id": "5", "url": None}, 202)
        if path.startswith("/api/v1/media"):
            return answer(["still", "processing"])
        return answer(status())

    server.respond = respond
    net = net_for(server)
    net.sleep = lambda seconds: None
    with pytest.raises(NetworkUnavailable, match="malformed media attachment"):
        publish_with_media(net)
    assert [p for _, p in server.requests].count("/api/v1/media/5") == 1  # not polled until the timeout


@pytest.mark.parametrize("body", [{"accounts": 1}, ["junk", 5, None]])
def test_a_remote_account_search_of_the_wrong_shape_finds_nothing(server: HostileServer, body: Any) -> None:
    def respond(method: str, path: str) -> bytes:
        if "lookup" in path:
            return answer({"error": "Record not found"}, 404)
        return answer(body)

    server.respond = respond
    with pytest.raises(NotFound):
        net_for(server).account("bob@remote.example")


@pytest.mark.parametrize("body", [[1, 2], "text", 7])
def test_a_search_answer_of_the_wrong_shape_is_typed(server: HostileServer, body: Any) -> None:
    server.respond = lambda method, path: answer(body)
    with pytest.raises(NetworkUnavailable):
        list(net_for(server).search("سلام"))


def test_an_error_names_a_right_to_left_hashtag_as_written(server: HostileServer) -> None:
    server.respond = lambda method, path: answer({"error": "boom"}, 500)
    with pytest.raises(NetworkUnavailable) as caught:
        list(net_for(server).search("#سلام"))
    assert "#سلام" in caught.value.message
    assert "%D8" not in caught.value.message
