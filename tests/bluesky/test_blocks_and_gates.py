"""Posts the AppView would hide a reply to (or a quote of): a block, the author's thread or post gate.

Each is ``PermissionDenied`` before anything is written: the PDS takes such a
reply, but nobody sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from atproto_client import exceptions as ax
from atproto_client.models.common import XrpcError
from atproto_client.request import Response

import decentsocial as ds
from decentsocial.backends.bluesky.failures import map_error
from tests.contract.harness import poll_until
from tests.servers.bluesky import BlueskyStack

from .conftest import list_posts


def _write(stack: BlueskyStack, handle: str, password: str, collection: str, record: dict[str, Any]) -> None:
    """Create a record in ``handle``'s repo with plain HTTP (not through the backend)."""
    session = httpx.post(
        f"{stack.pds_url}/xrpc/com.atproto.server.createSession",
        json={"identifier": handle, "password": password},
        timeout=30,
    ).json()
    rkey = record["post"].rsplit("/", 1)[1] if "post" in record else None  # a gate's key is its post's
    answer = httpx.post(
        f"{stack.pds_url}/xrpc/com.atproto.repo.createRecord",
        headers={"Authorization": f"Bearer {session['accessJwt']}"},
        json={
            "repo": session["did"],
            "collection": collection,
            "record": {"$type": collection, "createdAt": "2026-01-01T00:00:00Z", **record},
            **({"rkey": rkey} if rkey else {}),
        },
        timeout=30,
    )
    answer.raise_for_status()


def _block_indexed(net: Any, handle: str) -> None:
    """Passes once the AppView knows the block (``pytest.raises`` would end ``poll_until`` at once)."""
    try:
        list(net.posts(handle, limit=3))
    except ds.PermissionDenied:
        return
    raise AssertionError("the posts were listed: the block is not indexed yet")


def test_a_blockers_posts_are_permission_denied_and_never_replied_to_or_quoted(
    stack: BlueskyStack, make_account: Callable[..., Any]
) -> None:
    me, _, _ = make_account("blocked")
    blocker, handle, password = make_account("blocker")
    post = blocker.publish("a post before the block")
    _write(stack, handle, password, "app.bsky.graph.block", {"subject": me.me().id})
    poll_until(lambda: _block_indexed(me, handle))
    with pytest.raises(ds.PermissionDenied, match="BlockedByActor"):  # not InvalidInput: the input is fine
        list(me.posts(handle, limit=3))
    with pytest.raises(ds.PermissionDenied, match="block"):
        me.thread(post.id)  # not NotFound: the post is there
    # The PDS takes a reply or quote, but nobody would see it: refused before anything is written.
    for draft in (ds.Draft(text="hello?", reply_to=post.id), ds.Draft(text="look", quote_of=post.id)):
        with pytest.raises(ds.PermissionDenied, match="block"):
            me.publish(draft)
    assert list_posts(stack, me.me().id) == []


def _gated(net: Any, post_id: str) -> None:
    viewer = net.get_post(post_id).raw.get("viewer", {})
    assert viewer.get("replyDisabled") is True
    assert viewer.get("embeddingDisabled") is True


def test_a_post_whose_gates_allow_no_reply_or_quote_is_neither_replied_to_nor_quoted(
    stack: BlueskyStack, make_account: Callable[..., Any]
) -> None:
    me, _, _ = make_account("gated-out")
    author, handle, password = make_account("gatekeeper")
    post = author.publish("no replies, no quotes")
    _write(stack, handle, password, "app.bsky.feed.threadgate", {"post": post.id, "allow": []})
    rule = {"$type": "app.bsky.feed.postgate#disableRule"}
    _write(stack, handle, password, "app.bsky.feed.postgate", {"post": post.id, "embeddingRules": [rule]})
    poll_until(lambda: _gated(me, post.id))
    with pytest.raises(ds.PermissionDenied, match="no reply"):
        me.reply(post.id, "replying anyway")
    with pytest.raises(ds.PermissionDenied, match="no quote"):
        me.publish(ds.Draft(text="quoting anyway", quote_of=post.id))
    assert list_posts(stack, me.me().id) == []
    # The author's own gate does not stop the author.
    assert author.reply(post.id, "the author may").reply_to == post.id


def test_a_block_named_by_the_server_is_permission_denied_for_reads_and_writes() -> None:
    for name in ("BlockedActor", "BlockedByActor"):
        content = XrpcError(error=name, message="Requester has blocked actor")
        exc = ax.BadRequestError(Response(success=False, status_code=400, content=content, headers={}))
        for write in (False, True):
            error = map_error(exc, network="bluesky", action="act", safe=True, write=write)
            assert type(error) is ds.PermissionDenied
