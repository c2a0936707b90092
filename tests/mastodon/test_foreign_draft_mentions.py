"""On the Mastodon-API server: a ``Draft.mentions`` entry that names no Mastodon account is refused.

One draft goes everywhere, and its ``mentions`` were written for another network: a Bluesky handle
(``bob.bsky.social``) or a Nostr key (``npub1…``). Mastodon wrote each into the status as
``@bob.bsky.social``, which names no account there (a local name has no dot, and a Nostr key is no
account), so the post went out with a mention of nobody, notifying no one, and the crosspost said it
succeeded. Bluesky already refused an entry that is no Bluesky handle; Mastodon now refuses such an
entry the same way, before anything is sent, and the other networks of the crosspost go on.
``user`` and ``user@domain`` still mention as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import ContentRejected, Draft
from tests.servers.mastodon import MastodonServer

NPUB = "npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6"


@pytest.mark.parametrize("handle", ["bob.bsky.social", "@bob.bsky.social", NPUB, f"@{NPUB.upper()}"])
def test_another_networks_handle_is_refused_before_anything_is_sent(
    mastodon_server: MastodonServer, tmp_path: Path, sandbox_net: ds.Network, handle: str
) -> None:
    alice = mastodon_server.connect("alice", state_path=tmp_path / "alice.db")
    before = len(list(alice.posts("alice", limit=40)))
    draft = Draft(text="Launch day!", mentions=(handle,), idempotency_key=f"launch-{handle}")
    result = ds.crosspost(draft, [alice, sandbox_net])
    mastodon, sandbox = result.outcomes
    assert isinstance(mastodon.error, ContentRejected), mastodon  # before: posted, mentioning nobody
    assert "names no Mastodon account" in mastodon.error.message
    assert mastodon.posts == ()
    assert sandbox.ok  # the other network goes on
    assert len(list(alice.posts("alice", limit=40))) == before
    with pytest.raises(ContentRejected):
        alice.check_draft(draft)


def test_mastodon_handles_still_mention(mastodon_server: MastodonServer, tmp_path: Path) -> None:
    alice = mastodon_server.connect("alice", state_path=tmp_path / "alice.db")
    post = alice.publish(Draft(text="Thanks!", mentions=("bob", "@carol", "")))
    assert set(post.mentions) == {"bob", "carol"}
    alice.check_draft(Draft(text="Thanks!", mentions=("dave@mastodon.example", "erin.b@social.example")))


@pytest.fixture
def sandbox_net(tmp_path: Path) -> Iterator[ds.Network]:
    net = ds.connect("sandbox", path=tmp_path / "sandbox.db")
    yield net
    net.close()
