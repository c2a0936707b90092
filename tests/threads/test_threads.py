"""The Threads backend against the Threads contract server (written from Meta's documented API)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.threads import (
    AccountInsights,
    PublishingQuota,
    ThreadsNetwork,
    ThreadsSettings,
)
from decentsocial.state import StateStore
from tests.servers._process import ContractServer
from tests.servers.threads import threads_connect

IMG = "https://cdn.example/photo.jpg"
VIDEO = "https://cdn.example/clip.mp4"


def stats(server: ContractServer) -> dict[str, Any]:
    result: dict[str, Any] = server.control("stats")
    return result


def own_texts(net: Any) -> list[str]:
    return [p.text for p in net.posts(limit=None)]


# ---------------------------------------------------------------- publishing


def test_text_post_reads_back_with_topic_tag_and_link(net: Any) -> None:
    draft = ds.Draft(
        text="Launch day @bob https://acme.example/a",
        tags=("Launch",),
        link=ds.LinkCard(url="https://acme.example/landing"),
    )
    post = net.publish(draft)
    again = net.get_post(post.id)
    assert again.id == post.id
    assert again.text == draft.text
    assert again.tags[0] == "launch"
    assert "https://acme.example/landing" in again.links
    assert again.mentions == ("bob",)
    assert again.author.id == again.author.handle == net.me().handle
    assert again.url
    assert again.url.startswith("https://www.threads.net/@")


def test_image_with_alt_text(net: Any) -> None:
    post = net.publish(ds.Draft(text="pic", media=(ds.Media(url=IMG, alt_text="a red door"),)))
    assert post.media == (ds.Media(kind="image", url=IMG, alt_text="a red door"),)


def test_video_waits_while_container_is_in_progress(make_net: Callable[..., Any]) -> None:
    sleeps: list[float] = []
    net, _ = make_net()

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(seconds)

    net._publisher.sleep = sleep
    post = net.publish(ds.Draft(text="clip", media=(ds.Media(kind="video", url=VIDEO),)))
    assert post.media[0].kind == "video"
    assert sleeps, "a 0.3 s video should have been IN_PROGRESS at least once"
    assert sleeps == sorted(sleeps)
    assert max(sleeps) <= 0.2


def test_carousel(net: Any) -> None:
    items = [ds.Media(url=f"https://cdn.example/{i}.jpg", alt_text=f"item {i}") for i in range(3)]
    post = net.post_carousel(items, "three")
    assert [m.url for m in post.media] == [m.url for m in items]
    assert [m.alt_text for m in post.media] == ["item 0", "item 1", "item 2"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://cdn.example/fail-download.mp4", "FAILED_DOWNLOADING_VIDEO"),
        ("https://cdn.example/bad-aspect.mp4", "INVALID_ASPEC_RATIO"),
    ],
)
def test_error_container_is_rejected_with_its_reason(
    net: Any, threads_server: ContractServer, url: str, reason: str
) -> None:
    before = stats(threads_server)["media"]
    with pytest.raises(ds.ContentRejected, match=reason):
        net.publish(ds.Draft(text="bad", media=(ds.Media(kind="video", url=url),)))
    assert stats(threads_server)["media"] == before


def test_an_expired_container_is_replaced_not_rejected(
    make_net: Callable[..., Any], threads_server: ContractServer
) -> None:
    """EXPIRED: never published within 24 hours. The draft is fine: resuming it makes a new container."""
    net, _ = make_net(publish_timeout=0.3)
    draft = ds.Draft(
        text="slow",
        media=(ds.Media(kind="video", url="https://cdn.example/slow.mp4"),),
        idempotency_key="slow-1",
    )
    with pytest.raises(ds.NetworkUnavailable, match="idempotency_key"):
        net.publish(draft)
    containers = stats(threads_server)["containers"]
    threads_server.control("clock", {"advance": 25 * 3600})
    try:
        with pytest.raises(ds.NetworkUnavailable, match="idempotency_key"):
            net.publish(draft)  # the new container of a slow video is processing in its turn
    finally:
        threads_server.control("clock", {"advance": -25 * 3600})  # the server is shared
    assert stats(threads_server)["containers"] == containers + 1  # one new container, no more


def test_not_ready_subcode_is_waited_out(net: Any, threads_server: ContractServer) -> None:
    threads_server.control("faults", {"media_not_ready": 1})
    post = net.publish("patience")
    assert own_texts(net) == ["patience"]
    assert post.text == "patience"


def test_lost_publish_answer_does_not_post_twice(net: Any, threads_server: ContractServer) -> None:
    threads_server.control("faults", {"publish_lost_response": 1})
    post = net.publish("exactly once")
    assert post.text == "exactly once"
    assert own_texts(net) == ["exactly once"]
    calls = stats(threads_server)["publish_calls"]
    assert max(calls.values()) == 1
    assert stats(threads_server)["publish_requests"][_container_of(threads_server, calls)] == 1


def _container_of(server: ContractServer, calls: dict[str, int]) -> str:
    """The newest container (ids grow) that was published."""
    return max((c for c, n in calls.items() if n), key=int)


def test_lost_publish_answer_with_a_short_timeout_returns_the_post(
    make_net: Callable[..., Any], threads_server: ContractServer
) -> None:
    # No time left to wait after the lost answer: the container's status still decides,
    # and the resume with the same key returns the one post without publishing again.
    net, _ = make_net(publish_timeout=0.01)
    draft = ds.Draft(text="lost but made", idempotency_key="lost-short-1")
    threads_server.control("faults", {"publish_lost_response": 1})
    post = net.publish(draft)
    assert post.text == "lost but made"
    assert net.publish(draft).id == post.id
    assert own_texts(net) == ["lost but made"]
    container = _container_of(threads_server, stats(threads_server)["publish_calls"])
    assert stats(threads_server)["publish_requests"][container] == 1


def test_resume_after_a_crash_finds_the_published_post_and_never_publishes_again(
    make_net: Callable[..., Any], threads_server: ContractServer, tmp_path: Path
) -> None:
    state = tmp_path / "threads-state.db"
    first, user = make_net(state_path=state, publish_timeout=0.05)
    draft = ds.Draft(
        text="crashed after sending", media=(ds.Media(kind="video", url=VIDEO),), idempotency_key="crash-1"
    )
    with pytest.raises(ds.NetworkUnavailable):
        first.publish(draft)  # the video is still IN_PROGRESS when this process gives up
    records = {key: data for key, _, data in StateStore(state).items(f"records:threads:{user['id']}")}
    container = records["crash-1"]["container_id"]
    threads_server.control("clock", {"advance": 1})  # the video is processed
    # The threads_publish a crashed process sent without living to read the answer:
    sent = httpx.post(
        f"{threads_server.url}/v1.0/{user['id']}/threads_publish",
        data={"creation_id": container},
        headers={"Authorization": f"Bearer {user['access_token']}"},
    )
    assert sent.status_code == 200
    second = threads_connect(threads_server, user, state_path=state)  # the restarted process
    post = second.publish(draft)
    assert post.id == sent.json()["id"]
    assert stats(threads_server)["publish_requests"][container] == 1
    assert own_texts(second) == ["crashed after sending"]
    second.close()


def test_idempotency_key_returns_the_same_post(net: Any, threads_server: ContractServer) -> None:
    draft = ds.Draft(text="only one", idempotency_key="k-1")
    containers = stats(threads_server)["containers"]
    first = net.publish(draft)
    second = net.publish(draft)
    assert first.id == second.id
    assert own_texts(net) == ["only one"]
    assert stats(threads_server)["containers"] == containers + 1
    with pytest.raises(ds.InvalidInput):
        net.publish(ds.Draft(text="another text", idempotency_key="k-1"))


def test_reply_quote_and_thread_order(make_net: Callable[..., Any]) -> None:
    me, _ = make_net()
    other, _ = make_net()
    root = me.publish("root")
    r1 = other.reply(root, "first")
    r2 = me.reply(r1, "second")
    quote = other.publish(ds.Draft(text="look", quote_of=root.id))
    assert quote.quote_of == root.id
    assert [p.id for p in me.thread(root)] == [root.id, r1.id, r2.id]
    assert r2.reply_to == r1.id
    assert r2.root_id == root.id


# ---------------------------------------------------------------- bad input, before any I/O


def test_text_over_500_is_rejected_before_io(net: Any, threads_server: ContractServer) -> None:
    before = stats(threads_server)["requests"]
    with pytest.raises(ds.ContentRejected) as info:
        net.publish("x" * 501)
    assert "501" in str(info.value)
    assert "500" in str(info.value)
    assert stats(threads_server)["requests"] == before
    net.publish("y" * 500)  # exactly the limit is fine


def test_local_file_is_rejected_before_io(net: Any, threads_server: ContractServer, tmp_path: Path) -> None:
    image = tmp_path / "a.jpg"
    image.write_bytes(b"\xff\xd8\xff")
    before = stats(threads_server)["requests"]
    with pytest.raises(ds.ContentRejected, match="public"):
        net.publish(ds.Draft(text="x", media=(ds.Media(path=image),)))
    with pytest.raises(ds.ContentRejected, match="public"):
        net.publish(ds.Draft(text="x", media=(ds.Media(url="file:///etc/passwd"),)))
    assert stats(threads_server)["requests"] == before


def test_carousel_sizes_are_one_rule_with_one_error_type(net: Any, threads_server: ContractServer) -> None:
    one = [ds.Media(url=IMG)]
    many = [ds.Media(url=f"https://cdn.example/{i}.jpg") for i in range(21)]
    before = stats(threads_server)["requests"]
    errors = []
    calls: list[Callable[[], object]] = [
        lambda: net.post_carousel(one, "one"),
        lambda: net.post_carousel(many, "many"),
        lambda: net.publish(ds.Draft(text="many", media=tuple(many))),
        lambda: net.publish(ds.Draft(text="one", media=tuple(one), options={"carousel": True})),
        lambda: net.check_carousel(tuple(one)),
    ]
    for call in calls:
        with pytest.raises(ds.DecentSocialError) as info:
            call()
        errors.append(info.value)
    assert {type(e) for e in errors} == {ds.ContentRejected}
    assert [str(e).rsplit("got ", 1)[-1] for e in errors] == ["1", "21", "21", "1", "1"]
    assert stats(threads_server)["requests"] == before


@pytest.mark.parametrize(
    "draft",
    [
        ds.Draft(text="x", visibility="followers"),
        ds.Draft(text="x", content_warning="spoilers"),
        ds.Draft(text="x", sensitive=True),
        ds.Draft(text="x", reply_to="1", quote_of="2"),
    ],
)
def test_what_threads_cannot_keep_is_refused_not_dropped(
    net: Any, threads_server: ContractServer, draft: ds.Draft
) -> None:
    before = stats(threads_server)["requests"]
    with pytest.raises((ds.ContentRejected, ds.InvalidInput)):
        net.publish(draft)
    assert stats(threads_server)["requests"] == before


def test_more_than_one_topic_tag_is_rejected(net: Any) -> None:
    with pytest.raises(ds.ContentRejected, match="one topic tag"):
        net.publish(ds.Draft(text="x", tags=("a", "b")))


# ---------------------------------------------------------------- quota and rate limits


def test_quota_reports_usage(net: Any) -> None:
    net.publish("one")
    q = net.quota()
    assert isinstance(q, PublishingQuota)
    assert (q.posts_used, q.posts_total, q.posts_left) == (1, 250, 249)


def test_publish_over_quota_raises_before_making_a_container(
    make_net: Callable[..., Any], threads_server: ContractServer
) -> None:
    net, user = make_net()
    threads_server.control("seed", {"user_id": user["id"], "count": 250})
    containers = stats(threads_server)["containers"]
    with pytest.raises(ds.RateLimited, match="250 of 250"):
        net.publish("one too many")
    assert stats(threads_server)["containers"] == containers


def test_server_quota_answer_is_rate_limited_not_retried(
    make_net: Callable[..., Any], threads_server: ContractServer
) -> None:
    net, user = make_net(check_quota=False)
    threads_server.control("seed", {"user_id": user["id"], "count": 250})
    with pytest.raises(ds.RateLimited) as info:
        net.publish("one too many")
    assert info.value.retryable is False


def test_429_is_retried_after_retry_after(net: Any, threads_server: ContractServer) -> None:
    threads_server.control("faults", {"rate_limit": 1})
    assert net.me().raw["id"] == net.settings.user_id


def test_429_without_retries_is_rate_limited(threads_server: ContractServer) -> None:
    user = threads_server.control("users", {})
    net = ThreadsNetwork(
        ThreadsSettings(base_url=threads_server.url, access_token=user["access_token"], user_id=user["id"]),
        retry=ds.RetryPolicy.never(),
    )
    threads_server.control("faults", {"rate_limit": 1})
    with pytest.raises(ds.RateLimited) as info:
        net.me()
    assert info.value.retry_after == pytest.approx(1.0)
    net.close()


# ---------------------------------------------------------------- tokens


def test_expired_token_says_how_to_refresh(make_net: Callable[..., Any]) -> None:
    net, user = make_net({"expires_in": -1})
    with pytest.raises(ds.AuthenticationError, match="refresh_token") as info:
        net.me()
    assert user["access_token"] not in str(info.value)
    assert user["access_token"] not in repr(info.value)


def test_exchange_and_refresh(threads_server: ContractServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    user = threads_server.control("users", {"long_lived": False})
    long = ThreadsNetwork.exchange_token(
        user["access_token"], user["app_secret"], base_url=threads_server.url
    )
    assert long.expires_in == 60 * 86400
    assert long.expires_at is not None
    net = threads_connect(
        threads_server,
        {**user, "access_token": long.access_token.get_secret_value()},
        token_expires_at=long.expires_at,
    )
    assert net.token_expires_at == long.expires_at
    assert not net.needs_refresh()
    with pytest.raises(ds.AuthenticationError, match="24 hours"):
        net.refresh_token()  # too young to refresh
    threads_server.control("clock", {"advance": 25 * 3600})
    try:
        fresh = net.refresh_token()
    finally:  # the server is shared: a clock left a day ahead dates every later test's posts tomorrow
        threads_server.control("clock", {"advance": -25 * 3600})
    assert fresh.access_token != long.access_token
    assert net.me().handle == user["username"]  # the connection uses the new token
    with pytest.raises(ds.AuthenticationError):
        ThreadsNetwork.exchange_token(user["access_token"], "wrong-secret", base_url=threads_server.url)
    text = caplog.text + repr(long) + repr(fresh) + repr(net)
    assert "GET /access_token: 200" in text  # the token requests are logged, their query is not
    assert "GET /refresh_access_token: 200" in text
    for secret in (
        user["access_token"],
        user["app_secret"],
        long.access_token.get_secret_value(),
        fresh.access_token.get_secret_value(),
    ):
        assert secret not in text
    net.close()


def test_token_never_in_logs_or_reprs(net: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    net.publish("quiet")
    token = net.settings.access_token.get_secret_value()
    assert token not in caplog.text
    assert token not in repr(net)
    assert token not in str(net.settings)


def test_default_base_url_is_the_real_https_service() -> None:
    settings = ThreadsSettings(access_token="t", user_id="1")
    assert settings.base_url == "https://graph.threads.net"


# ---------------------------------------------------------------- reading


def test_posts_page_by_cursor_newest_first(net: Any) -> None:
    for i in range(5):
        net.publish(f"post {i}")
    net.page_size = 2
    assert [p.text for p in net.posts(limit=None)] == [f"post {i}" for i in reversed(range(5))]
    assert [p.text for p in net.posts(limit=3)] == ["post 4", "post 3", "post 2"]
    assert len(list(net.posts(limit=1))) == 1


def test_posts_of_another_profile_need_profile_discovery(make_net: Callable[..., Any]) -> None:
    me, _ = make_net()
    other, other_user = make_net()
    post = other.publish("public post")
    assert [p.id for p in me.posts(other_user["username"])] == [post.id]
    bare, _ = make_net({"scopes": ["threads_basic", "threads_content_publish"]})
    with pytest.raises(ds.UnsupportedFeature, match="threads_profile_discovery"):
        bare.posts(other_user["username"])


def test_delete_then_not_found(net: Any) -> None:
    post = net.publish("short-lived")
    net.delete(post)
    with pytest.raises(ds.NotFound):
        net.get_post(post.id)


def test_a_repost_repeated_after_a_lost_answer_reposts_once(
    make_net: Callable[..., Any], threads_server: ContractServer
) -> None:
    me, _ = make_net()
    other, _ = make_net()
    post = other.publish("share me once")
    threads_server.control("faults", {"repost_lost_response": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.repost(post)  # made, but the answer was lost
    again = me.repost(post)  # what a careful caller does next
    assert again is not None
    assert again.reposted_by is not None
    assert again.raw
    assert again.raw["reposted_post"]["id"] == post.id
    assert other.get_post(post.id).metrics.reposts == 1
    assert me.repost(post).id == again.id  # and any later call finds the same repost


def test_repost(make_net: Callable[..., Any]) -> None:
    me, _ = make_net()
    other, _ = make_net()
    post = other.publish("worth sharing")
    repost = me.repost(post)
    assert repost is not None
    assert repost.raw
    assert repost.raw["reposted_post"]["id"] == post.id
    assert repost.id != post.id
    assert repost.text == "worth sharing"
    assert repost.author.handle == post.author.handle
    assert repost.reposted_by is not None
    assert repost.reposted_by.handle == me.me().handle
    assert other.get_post(post.id).metrics.reposts == 1
    # Listed, a repost (REPOST_FACADE, no content of its own) is resolved to what was shared.
    listed = next(p for p in me.posts(limit=None) if p.id == repost.id)
    assert (listed.text, listed.author.handle) == ("worth sharing", post.author.handle)
    assert listed.reposted_by is not None
    assert listed.reposted_by.handle == me.me().handle
    # Once the original is gone the repost is listed bare, not as an error.
    other.delete(post)
    bare = next(p for p in me.posts(limit=None) if p.id == repost.id)
    assert bare.text == ""
    assert bare.reposted_by is not None
    assert bare.reposted_by.handle == me.me().handle


def test_search_needs_the_scope(make_net: Callable[..., Any]) -> None:
    searcher, _ = make_net()
    author, _ = make_net()
    word = "zyzzyva42"
    post = author.publish(ds.Draft(text=f"about {word}", tags=("birds",)))
    assert [p.id for p in searcher.search(word)] == [post.id]
    assert post.id in [p.id for p in searcher.search("#birds")]
    without, _ = make_net({"scopes": ["threads_basic", "threads_content_publish"]})
    with pytest.raises(ds.UnsupportedFeature, match="threads_keyword_search"):
        without.search(word)
    declared, _ = make_net(scopes=frozenset({"threads_basic"}))
    with pytest.raises(ds.UnsupportedFeature):
        declared.search(word)


def test_notifications_are_mentions_and_replies(make_net: Callable[..., Any]) -> None:
    me, user = make_net()
    other, _ = make_net()
    mention = other.publish(f"hey @{user['username']}")
    mine = me.publish("my thread")
    reply = other.reply(mine, "a reply")
    me.reply(mine, "my own reply is not a notification")
    notes = list(me.notifications())
    assert [(n.kind, n.post.id if n.post else None) for n in notes] == [
        ("reply", reply.id),
        ("mention", mention.id),
    ]
    assert len(list(me.notifications(limit=1))) == 1
    bare, _ = make_net({"scopes": ["threads_basic"]})
    with pytest.raises(ds.UnsupportedFeature):
        list(bare.notifications())


def test_hide_and_unhide_reply(make_net: Callable[..., Any]) -> None:
    me, _ = make_net()
    other, _ = make_net()
    root = me.publish("my post")
    reply = other.reply(root, "rude reply")
    me.hide_reply(reply)
    assert me.get_post(reply.id).raw["hide_status"] == "HIDDEN"
    me.unhide_reply(reply)
    assert me.get_post(reply.id).raw["hide_status"] == "NOT_HUSHED"
    with pytest.raises(ds.PermissionDenied):
        other.hide_reply(reply)  # only the root's author moderates


def test_metrics_and_account_insights(make_net: Callable[..., Any], threads_server: ContractServer) -> None:
    me, _ = make_net()
    other, _ = make_net()
    post = me.publish("measured")
    other.reply(post, "nice")
    threads_server.control("engage", {"id": post.id, "views": 120, "likes": 7, "shares": 2})
    metrics = me.get_post(post.id).metrics
    assert metrics == ds.Engagement(views=120, likes=7, replies=1, reposts=0, quotes=0, shares=2)
    insights = me.account_insights()
    assert isinstance(insights, AccountInsights)
    assert insights.views == 120
    assert insights.likes == 7
    assert insights.followers == 0
    assert sum(d.value for d in insights.views_by_day) == 120
    with pytest.raises(ds.InvalidInput):
        me.account_insights(since=date(2026, 2, 1), until=date(2026, 1, 1))


def test_idempotency_keys_survive_a_new_process_with_state_path(
    make_net: Callable[..., Any], threads_server: ContractServer, tmp_path: Path
) -> None:
    state = tmp_path / "state" / "threads.json"
    first, user = make_net(state_path=state, publish_timeout=0.3)
    slow = ds.Draft(
        text="slow",
        media=(ds.Media(kind="video", url="https://cdn.example/slow.mp4"),),
        idempotency_key="resume-1",
    )
    with pytest.raises(ds.NetworkUnavailable):
        first.publish(slow)  # still IN_PROGRESS when this "process" gives up
    containers = stats(threads_server)["containers"]
    second = threads_connect(threads_server, user, state_path=state)  # a new process, same file
    post = second.publish(slow)
    assert stats(threads_server)["containers"] == containers  # resumed the same container
    third = threads_connect(threads_server, user, state_path=state)
    assert third.publish(slow).id == post.id
    assert own_texts(third) == ["slow"]
    assert user["access_token"] not in state.read_text()
    for net in (second, third):
        net.close()


# ---------------------------------------------------------------- review fixes: errors, deletes, laziness


def test_delete_whose_answer_was_lost_is_not_reported_as_not_found(
    net: Any, threads_server: ContractServer
) -> None:
    post = net.publish("to be deleted")
    threads_server.control("faults", {"delete_lost_response": 1})
    net.delete(post)  # deleted by the first attempt; the retry's 404 means success
    with pytest.raises(ds.NotFound):
        net.get_post(post.id)
    with pytest.raises(ds.NotFound):
        net.delete(post)  # a 404 on the first attempt is still NotFound


@pytest.mark.parametrize(
    ("fault", "error", "cause"),
    [
        ("token_not_json", ds.NetworkUnavailable, ValueError),
        ("token_without_token", ds.AuthenticationError, None),
    ],
)
def test_broken_token_answers_are_typed_errors(
    threads_server: ContractServer, fault: str, error: type[Exception], cause: type[Exception] | None
) -> None:
    user = threads_server.control("users", {"long_lived": False})
    threads_server.control("faults", {fault: 1})
    with pytest.raises(error) as info:
        ThreadsNetwork.exchange_token(user["access_token"], user["app_secret"], base_url=threads_server.url)
    if cause is not None:
        assert isinstance(info.value.__cause__, cause)
    assert user["access_token"] not in str(info.value)
    assert user["app_secret"] not in str(info.value)


def test_unreadable_timestamp_is_a_typed_error(net: Any, threads_server: ContractServer) -> None:
    post = net.publish("when?")
    threads_server.control("faults", {"bad_timestamp": 1})
    with pytest.raises(ds.NetworkUnavailable, match="malformed timestamp") as info:
        net.get_post(post.id)
    assert info.value.network == "threads"
    assert info.value.retryable is False


def test_notifications_page_lazily(make_net: Callable[..., Any], threads_server: ContractServer) -> None:
    me, user = make_net(notification_posts=1)
    other, _ = make_net()
    mine = me.publish("a popular thread")
    replies = [other.reply(mine, f"reply {i}") for i in range(7)]
    mention = other.publish(f"hi @{user['username']}")
    me.page_size = 2  # 7 replies: 4 pages
    before = stats(threads_server)["requests"]
    notes = me.notifications(limit=None)
    first = next(notes)
    # Own threads (1 page), the first page of replies, the first page of mentions, me(): no more.
    assert stats(threads_server)["requests"] - before <= 4
    rest = [first, *notes]
    assert sorted(n.post.id for n in rest if n.post) == sorted([*(r.id for r in replies), mention.id])
    assert [n.created_at for n in rest] == sorted((n.created_at for n in rest), reverse=True)


# ---------------------------------------------------------------- review fixes: documented limits


def test_emoji_count_as_their_utf8_bytes_before_io(net: Any, threads_server: ContractServer) -> None:
    # Meta: "Text posts are limited to 500 characters. Emojis are counted as the number of UTF-8 bytes."
    before = stats(threads_server)["requests"]
    for text in ("😀" * 126, "a" * 497 + "👍", "🇫🇷" * 63):  # 504, 501 and 504 by Threads' count
        with pytest.raises(ds.ContentRejected, match="500"):
            net.publish(text)
    assert stats(threads_server)["requests"] == before
    assert net.publish("😀" * 125).text == "😀" * 125  # exactly 500 bytes
    assert net.publish("é" * 500).text == "é" * 500  # not an emoji: one character each
    assert net.text_limit().measure("a😀") == 5


def test_the_contract_server_counts_emoji_as_documented(net: Any, threads_server: ContractServer) -> None:
    user = net.settings.user_id
    token = net.settings.access_token.get_secret_value()
    sent = httpx.post(
        f"{threads_server.url}/v1.0/{user}/threads",
        data={"media_type": "TEXT", "text": "😀" * 126},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert sent.status_code == 400
    assert sent.json()["error"]["code"] == 100


def test_more_than_five_links_are_refused_before_io(net: Any, threads_server: ContractServer) -> None:
    # Meta: posts with more than 5 unique links fail at container creation
    # (THREADS_API__LINK_LIMIT_EXCEEDED); a link attachment is one more unless it is in the text.
    five = " ".join(f"https://acme.example/{i}" for i in range(5))
    before = stats(threads_server)["requests"]
    for draft in (
        ds.Draft(text=five + " https://acme.example/5"),
        ds.Draft(text=five, link=ds.LinkCard(url="https://acme.example/other")),
    ):
        with pytest.raises(ds.ContentRejected, match="5 links"):
            net.publish(draft)
    assert stats(threads_server)["requests"] == before
    # Repeats count once, and an attachment already in the text adds nothing.
    same = ds.Draft(text=five + " https://acme.example/0", link=ds.LinkCard(url="https://acme.example/4"))
    assert net.publish(same).text == same.text


def test_the_contract_server_refuses_more_than_five_links(net: Any, threads_server: ContractServer) -> None:
    six = " ".join(f"https://acme.example/{i}" for i in range(6))
    sent = httpx.post(
        f"{threads_server.url}/v1.0/{net.settings.user_id}/threads",
        data={"media_type": "TEXT", "text": six},
        headers={"Authorization": f"Bearer {net.settings.access_token.get_secret_value()}"},
    )
    assert sent.status_code == 400
    assert "THREADS_API__LINK_LIMIT_EXCEEDED" in sent.json()["error"]["message"]


def test_get_post_of_a_repost_reads_as_the_listing_does(make_net: Callable[..., Any]) -> None:
    me, _ = make_net()
    other, _ = make_net()
    post = other.publish("shared once")
    repost = me.repost(post)
    assert repost is not None
    again = me.get_post(repost.id)
    assert (again.id, again.text, again.author.handle) == (repost.id, "shared once", post.author.handle)
    assert again.reposted_by is not None
    assert again.reposted_by.handle == me.me().handle


def test_publishing_needs_only_the_publishing_scopes(
    make_net: Callable[..., Any], threads_server: ContractServer
) -> None:
    # Documented: the post quota needs threads_basic and threads_content_publish; the reply
    # quota fields also need threads_manage_replies. A publishing-only token must still post.
    net, user = make_net({"scopes": ["threads_basic", "threads_content_publish"]})
    post = net.publish("posted with the minimum scopes")
    assert post.text == "posted with the minimum scopes"
    q = net.quota()
    assert (q.posts_used, q.posts_total, q.replies_used, q.replies_left) == (1, 250, None, None)
    threads_server.control("seed", {"user_id": user["id"], "count": 249})
    with pytest.raises(ds.RateLimited, match="250 of 250"):
        net.publish("one too many")


def test_the_contract_server_guards_reply_quota_and_replies_by_scope(
    make_net: Callable[..., Any], threads_server: ContractServer
) -> None:
    net, user = make_net({"scopes": ["threads_basic", "threads_content_publish"]})
    auth = {"Authorization": f"Bearer {user['access_token']}"}
    url = f"{threads_server.url}/v1.0/{user['id']}/threads_publishing_limit"
    assert httpx.get(url, params={"fields": "quota_usage,config"}, headers=auth).status_code == 200
    refused = httpx.get(url, params={"fields": "reply_quota_usage,reply_config"}, headers=auth)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 10
    # Replying to someone else's thread needs threads_keyword_search or threads_manage_mentions.
    other, _ = make_net()
    theirs = other.publish("not yours")
    with pytest.raises(ds.PermissionDenied):
        net.reply(theirs, "may I?")
    mine = net.publish("mine")
    assert net.reply(mine, "to myself").reply_to == mine.id


def test_reply_control_takes_only_the_documented_values(net: Any, threads_server: ContractServer) -> None:
    before = stats(threads_server)["requests"]
    with pytest.raises(ds.InvalidInput, match="reply_control"):
        net.publish(ds.Draft(text="who may answer?", options={"reply_control": "followers"}))
    assert stats(threads_server)["requests"] == before
    post = net.publish(ds.Draft(text="followers may answer", options={"reply_control": "followers_only"}))
    assert post.text == "followers may answer"
    sent = httpx.post(
        f"{threads_server.url}/v1.0/{net.settings.user_id}/threads",
        data={"media_type": "TEXT", "text": "x", "reply_control": "nobody"},
        headers={"Authorization": f"Bearer {net.settings.access_token.get_secret_value()}"},
    )
    assert sent.status_code == 400


def test_replies_metric_of_a_root_post_counts_every_depth(make_net: Callable[..., Any]) -> None:
    # Meta: for a root post "replies" includes total replies; for a reply, direct replies only.
    me, _ = make_net()
    other, _ = make_net()
    root = me.publish("root of a conversation")
    first = other.reply(root, "first")
    me.reply(first, "nested")
    assert me.get_post(root.id).metrics.replies == 2
    assert me.get_post(first.id).metrics.replies is None  # not mine: no insights


def test_reposts_do_not_take_the_place_of_your_threads_in_notifications(make_net: Callable[..., Any]) -> None:
    me, _ = make_net(notification_posts=1)
    other, _ = make_net()
    mine = me.publish("my newest own thread")
    reply = other.reply(mine, "a reply to it")
    me.repost(other.publish("something I shared"))  # now the newest item of my profile
    assert [n.post.id for n in me.notifications() if n.post] == [reply.id]


def test_the_shared_retry_setting_reaches_the_backend_through_connect(threads_server: ContractServer) -> None:
    user = threads_server.control("users", {})
    net = threads_connect(threads_server, user, retry={"attempts": 1})
    assert net.retry.attempts == 1
    threads_server.control("faults", {"rate_limit": 1})
    with pytest.raises(ds.RateLimited):
        net.me()  # one attempt: the 429 is not retried
    assert net.me().handle == user["username"]
    net.close()
