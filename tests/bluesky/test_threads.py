"""Threads on the local stack: all-or-nothing checks, a part failing midway, deep threads, odd parents."""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from tests.contract.harness import poll_until
from tests.servers.bluesky import BlueskyStack

from .conftest import connect_bluesky, list_posts
from .proxy import FaultProxy

pytestmark = pytest.mark.server


def test_publish_thread_checks_every_mention_and_language_before_the_first_part(
    stack: BlueskyStack, make_account: Any
) -> None:
    net, _, _ = make_account("checker")
    did = net.me().id
    with pytest.raises(ds.ContentRejected, match=r"nobody-here\.test"):
        net.publish_thread(["part one", "part two", "hello @nobody-here.test"])
    with pytest.raises(ds.InvalidInput, match="BCP-47"):
        net.publish_thread(["one", ds.Draft(text="two", language="not a language")])
    assert list_posts(stack, did) == []
    # The form Python's locale gives is the same tag in BCP-47 spelling.
    parts = net.publish_thread(["واحد", ds.Draft(text="اثنان", language="ar_SA")])
    assert [r["value"].get("langs") for r in list_posts(stack, did) if r["uri"] == parts[1].id] == [["ar-SA"]]


def test_a_part_failing_midway_names_the_parts_published_and_the_key_resumes(
    stack: BlueskyStack, make_account: Any, proxy: FaultProxy
) -> None:
    _, handle, password = make_account("midway")
    net = connect_bluesky(base_url=proxy.url, handle=handle, password=password, pin_base_url=True)
    did = net.me().id
    # Part 2 looks its parent up first: a rate limit far beyond the policy's wait fails it there.
    proxy.add("app.bsky.feed.getPostThread", "429", times=100, reset_in=600)
    with pytest.raises(ds.RateLimited) as caught:
        net.publish_thread(["first of two", "second of two"], idempotency_key="midway-1")
    published = caught.value.published  # type: ignore[attr-defined]
    assert [p.text for p in published] == ["first of two"]
    assert published[0].id in str(caught.value)
    assert "part 2 of 2 failed" in str(caught.value)
    assert "idempotency_key resumes" in str(caught.value)
    proxy.rules.clear()
    parts = net.publish_thread(["first of two", "second of two"], idempotency_key="midway-1")
    assert parts[0].id == published[0].id
    assert sorted(r["value"]["text"] for r in list_posts(stack, did)) == ["first of two", "second of two"]


def test_a_thread_deeper_than_one_answer_is_read_whole(make_account: Any) -> None:
    net, _, _ = make_account("deep")
    texts = [f"part {i}" for i in range(40)]
    parts = net.publish_thread(texts)
    thread = poll_until(lambda: _complete(net.thread(parts[0]), 40), timeout=60)
    assert [p.text for p in thread] == texts
    assert [p.reply_to for p in thread[1:]] == [p.id for p in parts[:-1]]


def _complete(posts: list[ds.Post], n: int) -> list[ds.Post]:
    assert len(posts) == n
    return posts


@pytest.mark.parametrize(
    "reply",
    [{"root": {"uri": "at://did:plc:x/app.bsky.feed.post/3k"}}, "not an object", {"root": "nope"}],
    ids=["root-without-cid", "string", "root-string"],
)
def test_a_reply_to_a_post_with_a_malformed_reply_field_uses_the_parent_as_root(
    stack: BlueskyStack, alice: Any, bob: Any, reply: Any
) -> None:
    # Any account can store a post record unvalidated; replying to it must not trip over it.
    record = {"$type": "app.bsky.feed.post", "text": "odd", "createdAt": "2026-01-01T00:00:00.000Z"}
    bob_did = bob.me().id
    made = bob.transport.procedure(
        "com.atproto.repo.createRecord",
        {
            "repo": bob_did,
            "collection": "app.bsky.feed.post",
            "record": {**record, "reply": reply},
            "validate": False,
        },
        action="create an unvalidated post",
        safe=False,
    )
    answer = alice.reply(made["uri"], "an answer")
    stored = next(r for r in list_posts(stack, alice.me().id) if r["uri"] == answer.id)["value"]["reply"]
    parent = {"uri": made["uri"], "cid": made["cid"]}
    assert stored == {"root": parent, "parent": parent}


def test_a_later_part_quoting_a_missing_post_fails_before_the_first_part(
    stack: BlueskyStack, make_account: Any
) -> None:
    net, _, _ = make_account("quoter")
    did = net.me().id
    missing = f"at://{did}/app.bsky.feed.post/3jzfcijpj2z2a"
    with pytest.raises(ds.NotFound) as caught:
        net.publish_thread(["part one", ds.Draft(text="part two", quote_of=missing)])
    assert getattr(caught.value, "published", []) == []
    assert list_posts(stack, did) == []


def test_a_later_part_with_its_own_reply_to_is_refused_not_dropped(
    stack: BlueskyStack, make_account: Any
) -> None:
    """Each later part replies to the part before: a reply_to of its own would be silently overridden."""
    net, _, _ = make_account("replier")
    did = net.me().id
    elsewhere = net.publish("a post elsewhere")
    with pytest.raises(ds.InvalidInput, match="part 2"):
        net.publish_thread(["part one", ds.Draft(text="part two", reply_to=elsewhere.id)])
    assert [r["value"]["text"] for r in list_posts(stack, did)] == ["a post elsewhere"]


def test_a_resumed_thread_does_not_ask_again_about_a_published_parts_quote(
    stack: BlueskyStack, make_account: Any
) -> None:
    """A part already published under the key is returned as it is, even if its quoted post is gone since."""
    net, _, _ = make_account("resumer")
    quoted = net.publish("quoted, then deleted")
    texts: list[str | ds.Draft] = ["one", ds.Draft(text="two", quote_of=quoted.id)]
    first = net.publish_thread(texts, idempotency_key="resume-quote")
    net.delete(quoted)
    again = net.publish_thread(texts, idempotency_key="resume-quote")
    assert [p.id for p in again] == [p.id for p in first]
