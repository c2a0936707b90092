"""What a hostile server sends reaches the terminal without its escape sequences, whatever the command."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from decentsocial.cli import app
from tests.servers.mastodon_hostile import HostileServer, answer, hostile_server

# Sets the terminal's window title, then clears the screen.
EVIL = "\x1b]0;owned\x07\x1b[2J"

ACCOUNT = {
    "id": "9",
    "username": "bob",
    "acct": "bob",
    "display_name": "Bob",
    "url": "http://127.0.0.1/@bob",
    "created_at": "2026-01-01T00:00:00Z",
    "note": "",
    "followers_count": 0,
    "following_count": 0,
    "statuses_count": 0,
}


def status(status_id: str) -> dict[str, Any]:
    return {
        "id": status_id,
        "uri": "x",
        "url": None,
        "created_at": "2026-12-01T00:00:00Z",
        "content": "<p>hi @bob</p>",
        "visibility": "direct",
        "account": ACCOUNT,
        "mentions": [],
        "tags": [],
        "media_attachments": [],
        "favourites_count": 0,
        "reblogs_count": 0,
        "replies_count": 0,
        "spoiler_text": "",
        "sensitive": False,
    }


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        yield running


def mastodon(server: HostileServer) -> list[str]:
    return ["--network", "mastodon", "-s", f"base_url={server.base_url}", "-s", "access_token=t"]


def test_message_send_prints_the_servers_id_without_escape_sequences(server: HostileServer) -> None:
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")

    def respond(method: str, path: str) -> bytes:
        if path.startswith("/api/v2/instance"):
            return answer({"domain": "127.0.0.1", "version": "4.2.0"})
        if path.startswith("/api/v1/accounts/lookup"):
            return answer(ACCOUNT)
        if (method, path) == ("POST", "/api/v1/statuses"):
            return answer(status(f"10{EVIL}7"))
        return answer({"error": "not here"}, 404)

    server.respond = respond
    sent = CliRunner().invoke(app, ["message", "send", "bob", "hi @bob", *mastodon(server)])
    assert sent.exit_code == 0, sent.output
    assert sent.output == "107\n"
    assert ("POST", "/api/v1/statuses") in server.requests
