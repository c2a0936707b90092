"""Posts: limits, tags, media, polls, schedules, quotes, threads, feeds, search, notifications, stream."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from decentsocial import ContentRejected, Draft, InvalidInput, Media, NotFound, Poll, Post
from decentsocial.backends.sandbox import SandboxNetwork

from .conftest import START, sandbox


def test_text_limit_in_graphemes(alice: SandboxNetwork) -> None:
    thumbs = "👍🏽" * 500  # 500 graphemes, 1000 code points
    assert alice.publish(thumbs).text == thumbs
    with pytest.raises(ContentRejected) as caught:
        alice.publish("👍🏽" * 501)
    assert "501 graphemes" in str(caught.value)
    assert "500" in str(caught.value)
    assert caught.value.network == "sandbox"


def test_custom_text_limit() -> None:
    net = sandbox(max_length=10)
    net.publish("0123456789")
    with pytest.raises(ContentRejected, match="limit of 10"):
        net.publish("0123456789x")
    net.close()


def test_empty_drafts(alice: SandboxNetwork) -> None:
    for text in ("", "  ", "\n\t"):
        with pytest.raises(ContentRejected):
            alice.publish(text)
    with pytest.raises(InvalidInput):
        alice.publish(42)  # type: ignore[arg-type]
    assert list(alice.posts(limit=None)) == []


def test_empty_draft_error_names_the_sandbox(alice: SandboxNetwork) -> None:
    with pytest.raises(ContentRejected) as caught:
        alice.publish("  ")
    assert caught.value.network == "sandbox"
    with pytest.raises(InvalidInput) as wrong:
        alice.reply("sandbox-1", 42)  # type: ignore[arg-type]
    assert wrong.value.network == "sandbox"


def test_tags_mentions_links(alice: SandboxNetwork) -> None:
    post = alice.publish(
        Draft(text="New #Release for #python, see https://example.org @Bob", tags=("#extra",))
    )
    assert post.tags == ("release", "python", "extra")
    assert post.mentions == ("bob",)
    assert post.links == ("https://example.org",)
    assert post.url == f"sandbox://posts/{post.id}"
    assert post.created_at == START


def test_post_json_round_trip(alice: SandboxNetwork) -> None:
    image = Media(data=b"\x89PNG fake", mime_type="image/png", alt_text="alt")
    post = alice.publish(Draft(text="round trip #json", media=(image,), poll=Poll(options=("a", "b"))))
    assert Post.model_validate_json(post.model_dump_json()) == post
    assert alice.get_post(post.id) == post


def test_media_from_a_file_is_kept(alice: SandboxNetwork, tmp_path: Path) -> None:
    picture = tmp_path / "pic.png"
    picture.write_bytes(b"not really a png")
    post = alice.publish(Draft(text="with a file", media=(Media(path=picture, alt_text="a pic"),)))
    (media,) = post.media
    assert media.data == b"not really a png"
    assert media.path is None
    assert media.mime_type == "image/png"
    assert media.alt_text == "a pic"
    linked = alice.publish(Draft(text="by url", media=(Media(url="https://example.org/a.png"),)))
    assert linked.media[0].url == "https://example.org/a.png"


def test_poll_limits(alice: SandboxNetwork) -> None:
    post = alice.publish(Draft(text="vote", poll=Poll(options=("yes", "no"), expires_in=60)))
    assert post.raw is not None
    assert post.raw["poll"]["options"] == ["yes", "no"]
    with pytest.raises(ContentRejected):
        alice.publish(Draft(text="vote", poll=Poll(options=("a", "b", "c", "d", "e"))))
    with pytest.raises(ContentRejected):
        alice.publish(Draft(text="vote", poll=Poll(options=("a", "b" * 51))))


def test_scheduled_posts_appear_on_time(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    when = START + timedelta(hours=2)
    post = alice.publish(Draft(text="later #sched", scheduled_at=when))
    assert post.created_at == when
    assert post.raw is not None
    assert post.raw["scheduled"] is True
    assert alice.get_post(post.id).id == post.id  # the author sees it
    with pytest.raises(NotFound):
        bob.get_post(post.id)
    assert list(bob.search("#sched")) == []
    assert list(alice.posts()) == []
    alice.advance_time(timedelta(hours=2))
    assert [p.id for p in bob.search("#sched")] == [post.id]


def test_quotes(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    original = alice.publish("quotable")
    quote = bob.publish(Draft(text="so true", quote_of=original.id))
    assert quote.quote_of == original.id
    assert alice.get_post(original.id).metrics.quotes == 1
    assert [n.kind for n in alice.notifications()] == ["quote"]


def test_thread_is_depth_first_in_reply_order(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    root = alice.publish("root")
    a = bob.reply(root, "a")
    b = alice.reply(root, "b")
    a1 = alice.reply(a, "a1")
    b1 = bob.reply(b.id, "b1")
    a2 = bob.reply(a, "a2")
    a1x = bob.reply(a1, "a1x")
    assert a1x.root_id == root.id
    assert a1x.reply_to == a1.id
    assert [p.text for p in alice.thread(root)] == ["root", "a", "a1", "a1x", "a2", "b", "b1"]
    assert [p.text for p in alice.thread(a)] == ["a", "a1", "a1x", "a2"]
    alice.delete(a1)  # its replies stay in the thread
    assert [p.text for p in bob.thread(root)] == ["root", "a", "a1x", "a2", "b", "b1"]
    assert alice.get_post(root.id).metrics.replies == 2
    with pytest.raises(NotFound):
        bob.reply(a1, "too late")
    assert b1.reply_to == b.id
    assert a2.reply_to == a.id


def test_replies_inherit_the_community(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    top = alice.publish(Draft(text="in python", community="python"))
    reply = bob.reply(top, "me too")
    assert reply.community == "python"
    assert [p.id for p in alice.community_posts("python")] == [top.id]  # top-level posts only


def test_timeline_has_follows_and_reposts(
    alice: SandboxNetwork, bob: SandboxNetwork, carol: SandboxNetwork
) -> None:
    own = alice.publish("mine")
    carols = carol.publish("carol's")
    bobs = bob.publish("bob's")
    assert [p.id for p in alice.timeline()] == [own.id]
    alice.follow("bob")
    alice.advance_time(1)
    boosted = bob.repost(carols)
    assert boosted is not None
    assert boosted.reposted_by is not None
    assert boosted.reposted_by.handle == "bob"
    assert boosted.metrics.reposts == 1
    bob.repost(carols)  # twice is once
    feed = list(alice.timeline())
    assert [(p.id, p.reposted_by.handle if p.reposted_by else None) for p in feed] == [
        (carols.id, "bob"),
        (bobs.id, None),
        (own.id, None),
    ]
    assert [n.kind for n in carol.notifications()] == ["repost"]


def test_search(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    one = alice.publish("Grüße aus KÖLN #Reise")
    two = bob.publish("grüße aus Berlin #reise #winter")
    assert [p.id for p in bob.search("köln")] == [one.id]
    assert [p.id for p in bob.search("GRÜSSE")] == [two.id, one.id]  # casefold: ß matches ss
    assert [p.id for p in bob.search("grüße aus")] == [two.id, one.id]
    assert [p.id for p in bob.search("#REISE")] == [two.id, one.id]
    assert [p.id for p in bob.search("#reise #winter")] == [two.id]
    assert [p.id for p in bob.search("#reise berlin")] == [two.id]
    assert list(bob.search("100%_")) == []  # no wildcards
    for bad in ("", "   ", "#"):
        with pytest.raises(InvalidInput):
            bob.search(bad)


def test_paging_is_exact(alice: SandboxNetwork) -> None:
    size = SandboxNetwork.page_size
    made = [alice.publish(f"p{i}").id for i in range(2 * size + 3)]
    newest = list(reversed(made))
    for limit in (1, size - 1, size, size + 1, 2 * size, 2 * size + 3, 1000, None):
        got = [p.id for p in alice.posts(limit=limit)]
        assert got == newest[: limit if limit is not None else None]


def test_communities(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    assert [c.id for c in alice.communities()] == ["general", "photography", "python"]
    assert [c.id for c in alice.communities("code")] == ["python"]
    created = alice.create_community("birds", title="Birds", description="Feathers")
    assert created.members == 0
    with pytest.raises(ContentRejected):
        bob.create_community("birds")
    bob.join("birds")
    alice.join(created)
    alice.join(created)
    assert alice.community("birds").members == 2
    assert alice.community("birds").raw == {"id": "birds", "joined": True}
    bob.leave("birds")
    assert bob.community("birds").members == 1
    with pytest.raises(NotFound):
        alice.community("nope")
    with pytest.raises(NotFound):
        alice.join("nope")
    with pytest.raises(NotFound):
        next(alice.community_posts("nope"))


def test_notification_kinds_and_order(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("notice me")
    bob.reply(post, "a reply that also says @alice")  # one notification per post: a reply
    bob.publish("just mentioning @alice")
    bob.like(post)
    bob.repost(post)
    bob.follow("alice")
    bob.tip("alice", "1.000 SAND")
    alice.advance_time(3600)
    kinds = [n.kind for n in alice.notifications(limit=None)]
    assert kinds == ["reward", "zap", "follow", "repost", "like", "mention", "reply"]
    assert [n.kind for n in alice.notifications(limit=2)] == ["reward", "zap"]
    assert all(n.account is not None and n.account.handle == "bob" for n in alice.notifications())


def test_notifications_of_deleted_posts_go(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = bob.publish("hey @alice")
    assert [n.kind for n in alice.notifications()] == ["mention"]
    bob.delete(post)
    assert list(alice.notifications()) == []


def test_stream_delivers_new_posts(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    alice.publish("before the stream")
    stream = alice.stream(tag="live")
    got: list[str] = []

    def watch() -> None:
        for post in stream:
            got.append(post.text)
            if len(got) == 2:
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    bob.publish("not tagged")
    bob.publish("one #live")
    alice.publish("two #live")
    watcher.join(timeout=10)
    assert got == ["one #live", "two #live"]
    with pytest.raises(InvalidInput):
        alice.stream(kind="everything")


def test_bad_ids(alice: SandboxNetwork) -> None:
    with pytest.raises(NotFound):
        alice.get_post("0000000000000000")
    with pytest.raises(InvalidInput):
        alice.get_post("  ")
    with pytest.raises(InvalidInput):
        alice.like(None)  # type: ignore[arg-type]


def test_time_only_moves_forward(alice: SandboxNetwork) -> None:
    assert alice.current_time() == START
    assert alice.advance_time(timedelta(minutes=5)) == START + timedelta(minutes=5)
    for bad in (-1, float("inf"), "5"):
        with pytest.raises(InvalidInput):
            alice.advance_time(bad)  # type: ignore[arg-type]


def _next_posts(stream: Iterator[Post], count: int, timeout: float = 10) -> list[str]:
    """The texts of the next ``count`` posts of ``stream`` (read on a thread, so a hang fails the test)."""
    got: list[str] = []

    def read() -> None:
        for post in stream:
            got.append(post.text)
            if len(got) == count:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    return got


def test_a_scheduled_post_streams_once_when_it_goes_live(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    early = bob.publish(Draft(text="scheduled before the stream", scheduled_at=START + timedelta(hours=1)))
    stream = alice.stream()
    later = bob.publish(Draft(text="scheduled after the stream", scheduled_at=START + timedelta(hours=2)))
    bob.publish("now")
    assert _next_posts(stream, 1) == ["now"]
    alice.advance_time(timedelta(hours=1, minutes=30))
    bob.publish("after the first went live")
    assert _next_posts(stream, 2) == ["scheduled before the stream", "after the first went live"]
    alice.advance_time(timedelta(hours=1))
    bob.publish("last")
    # Each post once: the scheduled one at its time, nothing delivered twice.
    assert _next_posts(stream, 2) == ["scheduled after the stream", "last"]
    assert {early.id, later.id} <= {p.id for p in bob.posts()}


def test_a_scheduled_post_streams_on_the_real_clock(tmp_path: Path) -> None:
    net = sandbox(path=tmp_path / "s.db", account="alice", stream_interval=0.05)
    try:
        stream = net.stream(kind="home", tag="soon")
        net.publish(Draft(text="soon #soon", scheduled_at=datetime.now(timezone.utc) + timedelta(seconds=1)))
        net.publish("now #soon")
        assert _next_posts(stream, 2) == ["now #soon", "soon #soon"]
    finally:
        net.close()
