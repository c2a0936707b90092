"""Publishing again with the idempotency key of a status that exists, or was deleted.

Mastodon keeps a key for an hour and answers a key whose status was deleted
with a 404 (``Record not found``); some servers answer it with a 500. Either
way the caller gets ``NotFound`` naming the key, and nothing is posted again.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from decentsocial import Draft, NotFound
from tests.mastodon.server_fixtures import local_server  # noqa: F401 - the server fixture
from tests.servers.mastodon import MastodonServer

from .cassettes import exchanges


def texts(server: MastodonServer) -> list[str]:
    with server.connect("alice") as net:
        return [p.text for p in net.posts(limit=None)]


def test_key_of_a_deleted_status_is_not_found_and_posts_nothing(server: MastodonServer) -> None:
    text = f"retracted سلام 👋🏽 {uuid.uuid4().hex[:8]}"
    draft = Draft(text=text, idempotency_key=f"gone-{uuid.uuid4().hex}")
    with server.connect("alice") as net:
        post = net.publish(draft)
        net.delete(post.id)
        with pytest.raises(NotFound) as caught:
            net.publish(draft)
    assert draft.idempotency_key is not None
    assert draft.idempotency_key in caught.value.message
    assert "new key" in caught.value.message
    assert not caught.value.retryable
    assert text not in texts(server)


def test_repeat_with_a_key_reads_its_status_back(server: MastodonServer) -> None:
    """The status a key made is read, not posted again (Mastodon forgets a key after an hour)."""
    draft = Draft(text=f"once ✨ {uuid.uuid4().hex[:8]}", idempotency_key=f"kept-{uuid.uuid4().hex}")
    with server.connect("alice") as net:
        first = net.publish(draft)
        server.add_fault(
            {"match": {"methods": ["POST"], "path": "/api/v1/statuses"}, "effect": {"status": 500}}
        )
        again = net.publish(draft)
    assert again.id == first.id
    assert again.text == first.text


def test_servers_404_for_a_key_names_the_key(server: MastodonServer) -> None:
    """Mastodon's own answer for a key whose status was deleted elsewhere (no local record)."""
    body = next(e for e in exchanges("test_account_lookup.yaml") if e.status == 404).body
    server.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": 404, "body": body},
            "count": 1,
        }
    )
    key = f"elsewhere-{uuid.uuid4().hex}"
    with server.connect("alice") as net, pytest.raises(NotFound) as caught:
        net.publish(Draft(text="deleted from the web", idempotency_key=key))
    assert key in caught.value.message
    assert "new key" in caught.value.message
    assert caught.value.server_message == "Record not found"


def scheduled_texts(server: MastodonServer) -> list[str]:
    answer = httpx.get(
        f"{server.base_url}/api/v1/scheduled_statuses",
        headers={"Authorization": f"Bearer {server.tokens['alice']}"},
        timeout=5,
    )
    answer.raise_for_status()
    return [str(item["params"]["text"]) for item in answer.json()]


def test_a_scheduled_publish_repeated_with_its_key_schedules_once(server: MastodonServer) -> None:
    text = f"later مساء 🌙 {uuid.uuid4().hex[:8]}"
    when = datetime.now(timezone.utc) + timedelta(hours=2)
    draft = Draft(text=text, scheduled_at=when, idempotency_key=f"sched-{uuid.uuid4().hex}")
    with server.connect("alice") as net:
        first = net.publish(draft)
        again = net.publish(draft)
        assert again.id == first.id
        assert scheduled_texts(server).count(text) == 1
        net.delete(first)  # cancelled
        with pytest.raises(NotFound, match="no longer scheduled"):
            net.publish(draft)
    assert text not in scheduled_texts(server)
    assert text not in texts(server)


@pytest.mark.parametrize("key", ["حملة-رمضان-١", "launch 🚀", "café", " padded ", "two\r\nlines"])
def test_any_text_is_a_key_the_server_keeps(server: MastodonServer, tmp_path: Path, key: str) -> None:
    """The server itself finds the status (a second machine has no local record of the key)."""
    key = f"{key}-{uuid.uuid4().hex[:8]}"
    draft = Draft(text=f"مرحبا {key}", idempotency_key=key)
    with server.connect("alice") as here, server.connect("alice", state_path=tmp_path / "other.db") as there:
        first = here.publish(draft)
        again = there.publish(draft)
    assert again.id == first.id
