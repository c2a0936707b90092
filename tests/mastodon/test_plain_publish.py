"""Publishing reads the server's plain JSON (no Mastodon.py cast): the same post, less CPU held under the GIL.

Checked against the local Mastodon-API server: the transport's ``plain``
answer is the server's JSON as a ``dict``; without it Mastodon.py's typed
cast still applies everywhere else (the type comes from the API method's
annotation, read one frame further up through our override); a published
post reads back the same through ``get_post`` (which still casts); and a
publish is one request whose deadline alarm starts no thread.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from mastodon.return_types import Account as MastodonAccount
from mastodon.return_types import Status

from decentsocial import Draft
from tests.servers.mastodon import MastodonServer


def test_a_plain_answer_is_the_servers_json_and_others_keep_their_types(
    mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    net = mastodon_server.connect("alice", state_path=tmp_path / "state.db")
    made = net.publish("plain answers مرحبا #plain")
    plain = net.transport.request(lambda api: api.status(made.id), "read", plain=True)
    assert type(plain) is dict
    assert plain["id"] == made.id
    typed = net.transport.request(lambda api: api.status(made.id), "read")
    assert isinstance(typed, Status)  # given by status_post's override_type
    me = net.transport.request(lambda api: api.account_verify_credentials(), "me")
    assert isinstance(me, MastodonAccount)  # found from the method's annotation, two frames up


def test_a_keyed_publish_reads_back_the_same_and_starts_no_thread(
    mastodon_server: MastodonServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = mastodon_server.connect("bob", state_path=tmp_path / "state.db")
    net.publish("warm up")  # the client and the alarm thread exist from here on
    started: list[str] = []
    start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread.name)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    draft = Draft(text="مرحبا #launch https://example.com/launch", idempotency_key=uuid.uuid4().hex)
    made = net.publish(draft)
    monkeypatch.undo()
    assert started == []  # a Timer per request used to start one here
    again = net.get_post(made.id)
    assert (made.id, made.text, made.url, made.tags, made.created_at) == (
        again.id,
        again.text,
        again.url,
        again.tags,
        again.created_at,
    )
    assert made.author.id == again.author.id
    assert net.publish(draft).id == made.id  # the same key: the same post, not a second one
