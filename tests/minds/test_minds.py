"""The experimental Minds backend against the Minds contract server."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.minds import MindsExperimentalWarning, MindsNetwork, MindsSettings
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user


@pytest.fixture
def pair(minds_server: ContractServer) -> Any:
    a, b = minds_user(minds_server), minds_user(minds_server)
    minds_server.control("subscribe", {"user": a["guid"], "to": b["guid"]})
    me, other = minds_connect(minds_server, a), minds_connect(minds_server, b)
    yield me, other, a, b
    me.close()
    other.close()


def stats(server: ContractServer) -> dict[str, Any]:
    result: dict[str, Any] = server.control("stats")
    return result


def test_connect_warns_that_the_api_is_unofficial(minds_server: ContractServer) -> None:
    user = minds_user(minds_server)
    with pytest.warns(MindsExperimentalWarning, match="no supported third-party API"):
        net = ds.connect(
            "minds", base_url=minds_server.url, username=user["username"], password=user["password"]
        )
    net.close()


def test_default_base_url_is_the_real_https_service() -> None:
    settings = MindsSettings(username="a", password="b")
    assert settings.base_url == "https://www.minds.com"


def test_login_is_lazy_and_me_works(minds_server: ContractServer) -> None:
    user = minds_user(minds_server)
    before = stats(minds_server)["logins"]
    net = minds_connect(minds_server, user)
    assert stats(minds_server)["logins"] == before
    assert net.me().handle == user["username"]
    assert net.token_expires_at is not None
    net.close()


def test_wrong_password_is_an_authentication_error(minds_server: ContractServer) -> None:
    user = minds_user(minds_server)
    net = minds_connect(minds_server, {**user, "password": "not-the-password"})
    with pytest.raises(ds.AuthenticationError) as info:
        net.me()
    assert "not-the-password" not in str(info.value)
    net.close()


def test_two_factor_account_explains_itself(minds_server: ContractServer) -> None:
    user = minds_user(minds_server, two_factor_code="123456")
    net = minds_connect(minds_server, user)
    with pytest.raises(ds.AuthenticationError, match="two-factor"):
        net.me()
    net.close()


def test_expired_token_is_refreshed(minds_server: ContractServer) -> None:
    user = minds_user(minds_server)
    net = minds_connect(minds_server, user)
    net.me()
    first_expiry = net.token_expires_at
    logins = stats(minds_server)["logins"]
    minds_server.control("clock", {"advance": 73 * 3600})
    try:
        post = net.publish("still logged in")
        assert post.text == "still logged in"
        assert stats(minds_server)["logins"] == logins  # refreshed, not logged in again
        assert net.token_expires_at > first_expiry
        minds_server.control("clock", {"advance": 31 * 24 * 3600})  # refresh token too old as well
        try:
            assert net.get_post(post.id).id == post.id
        finally:
            minds_server.control("clock", {"advance": -31 * 24 * 3600})
        assert stats(minds_server)["logins"] == logins + 1
    finally:  # the server is shared: a clock left days ahead dates every later test's posts then
        minds_server.control("clock", {"advance": -73 * 3600})
    net.close()


def test_publish_tags_nsfw_and_read_back(pair: Any) -> None:
    me, _, _, _ = pair
    post = me.publish(ds.Draft(text="hello #Minds", tags=("Crypto",), sensitive=True))
    again = me.get_post(post.id)
    assert again.text == "hello #Minds"
    assert again.tags == ("minds", "crypto")  # Draft.all_tags: hashtags in the text first
    assert again.content_warning == "nsfw"
    assert again.raw
    assert again.raw["nsfw"] == [6]
    explicit = me.publish(ds.Draft(text="explicit", options={"nsfw": [3]}))
    assert explicit.raw
    assert explicit.raw["nsfw"] == [3]
    with pytest.raises(ds.InvalidInput):
        me.publish(ds.Draft(text="x", options={"nsfw": [9]}))
    with pytest.raises(ds.ContentRejected, match="public"):
        me.publish(ds.Draft(text="x", visibility="direct"))


def test_group_post(pair: Any, minds_server: ContractServer) -> None:
    me, other, a, _ = pair
    group = minds_server.control("groups", {"name": "bots", "members": [a["guid"]]})["guid"]
    post = me.publish(ds.Draft(text="to the group", community=group))
    assert post.community == group
    with pytest.raises(ds.PermissionDenied):
        other.publish(ds.Draft(text="not a member", community=group))


def test_reply_is_a_comment(pair: Any) -> None:
    me, other, _, _ = pair
    post = other.publish("a post")
    reply = me.reply(post, "a comment")
    assert reply.reply_to == post.id
    assert me.get_post(reply.id).text == "a comment"
    assert other.get_post(post.id).metrics.replies == 1
    me.delete(reply)
    with pytest.raises(ds.NotFound):
        me.get_post(reply.id)


def test_remind_and_quote(pair: Any) -> None:
    me, other, _, b = pair
    post = other.publish("worth a remind")
    remind = me.repost(post)
    assert remind is not None
    assert remind.text == "worth a remind"
    assert remind.author.handle == b["username"]
    assert remind.reposted_by is not None
    assert remind.reposted_by.handle == me.me().handle
    quote = me.publish(ds.Draft(text="my take", quote_of=post.id))
    assert quote.quote_of == post.id
    assert quote.text == "my take"
    assert other.get_post(post.id).metrics.reposts == 2


def test_a_remind_repeated_after_a_lost_answer_reminds_once(pair: Any, minds_server: ContractServer) -> None:
    me, other, _, _ = pair
    post = other.publish("remind me once")
    before = stats(minds_server)["activities"]
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.repost(post)  # made, but the answer was lost
    again = me.repost(post)  # what a careful caller does next
    assert again is not None
    assert again.reposted_by is not None
    assert stats(minds_server)["activities"] == before + 1
    assert other.get_post(post.id).metrics.reposts == 1
    assert me.repost(post).id == again.id


def test_delete_then_not_found(pair: Any) -> None:
    me, other, _, _ = pair
    post = me.publish("bye")
    with pytest.raises(ds.PermissionDenied):
        other.delete(post)
    me.delete(post)
    with pytest.raises(ds.NotFound):
        me.get_post(post.id)


def test_timeline_and_channel_posts_page(pair: Any) -> None:
    me, other, _, b = pair
    for i in range(3):
        other.publish(f"theirs {i}")
    me.publish("mine")
    me.page_size = 2
    assert [p.text for p in me.timeline(limit=None)] == ["mine", "theirs 2", "theirs 1", "theirs 0"]
    assert [p.text for p in me.posts(b["username"], limit=None)] == ["theirs 2", "theirs 1", "theirs 0"]
    assert [p.text for p in me.posts(limit=1)] == ["mine"]


def test_ambiguous_failure_is_not_retried_and_key_finds_the_post(
    pair: Any, minds_server: ContractServer
) -> None:
    me, _, _, _ = pair
    draft = ds.Draft(text="exactly once on minds", idempotency_key="m-1")
    before = stats(minds_server)["activities"]
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.publish(draft)
    assert stats(minds_server)["activities"] == before + 1  # not retried
    post = me.publish(draft)
    assert post.text == draft.text
    assert me.publish(draft).id == post.id
    assert stats(minds_server)["activities"] == before + 1


def test_429_is_retried(pair: Any, minds_server: ContractServer) -> None:
    me, _, _, _ = pair
    me.me()
    minds_server.control("faults", {"rate_limit": 1})
    assert me.publish("after a pause").text == "after a pause"


@pytest.mark.parametrize(
    "call",
    [
        lambda n: n.like("1"),
        lambda n: n.follow("someone"),
        lambda n: list(n.search("x")),
        lambda n: list(n.notifications()),
        lambda n: n.thread("1"),
        lambda n: list(n.communities()),
        lambda n: n.rewards("1"),
        lambda n: n.tip("someone", "1 MINDS"),
        lambda n: n.publish(ds.Draft(text="x", media=(ds.Media(url="https://cdn.example/a.jpg"),))),
    ],
)
def test_everything_else_is_unsupported(pair: Any, call: Any) -> None:
    with pytest.raises(ds.UnsupportedFeature):
        call(pair[0])


def test_secrets_stay_out_of_logs_and_reprs(pair: Any, caplog: pytest.LogCaptureFixture) -> None:
    me, _, a, _ = pair
    caplog.set_level(logging.DEBUG)
    me.publish("quiet")
    session = me._api.session
    assert session is not None
    secrets_ = [a["password"], session.access.get_secret_value()]
    if session.refresh is not None:
        secrets_.append(session.refresh.get_secret_value())
    text = caplog.text + repr(me) + str(me.settings) + repr(session)
    for secret in secrets_:
        assert secret not in text


def test_idempotency_keys_survive_a_new_process_with_state_path(
    minds_server: ContractServer, tmp_path: Any
) -> None:
    user = minds_user(minds_server)
    state = tmp_path / "minds.json"
    first = minds_connect(minds_server, user, state_path=state)
    draft = ds.Draft(text="once across processes", idempotency_key="p-1")
    before = stats(minds_server)["activities"]
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        first.publish(draft)
    second = minds_connect(minds_server, user, state_path=state)  # a new process, same file
    post = second.publish(draft)
    third = minds_connect(minds_server, user, state_path=state)
    assert third.publish(draft).id == post.id
    assert stats(minds_server)["activities"] == before + 1
    assert user["password"] not in state.read_text()
    for net in (first, second, third):
        net.close()


# ---------------------------------------------------------------- review fixes


def test_reply_with_a_key_after_a_lost_answer_is_found_not_repeated(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, _, _ = pair
    post = other.publish("a post to answer")
    draft = ds.Draft(text="one comment only", idempotency_key="reply-1")
    before = stats(minds_server)["comments"]
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.reply(post, draft)
    reply = me.reply(post, draft)
    assert reply.text == "one comment only"
    assert reply.reply_to == post.id
    assert me.reply(post, draft).id == reply.id
    assert stats(minds_server)["comments"] == before + 1
    assert other.get_post(post.id).metrics.replies == 1


def test_reply_with_a_key_is_sent_when_the_lookup_shows_none(pair: Any, minds_server: ContractServer) -> None:
    me, other, _, _ = pair
    post = other.publish("answer me")
    draft = ds.Draft(text="refused first", idempotency_key="reply-2")
    minds_server.control("faults", {"rate_limit": 10})  # refused, outlasting the retries
    with pytest.raises(ds.RateLimited):
        me.reply(post, draft)
    minds_server.control("faults", {"rate_limit": 0})
    reply = me.reply(post, draft)  # nothing was made: the key starts afresh
    assert me.get_post(reply.id).text == "refused first"


def test_group_post_after_a_lost_answer_is_not_published_again(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, a, _ = pair
    group = minds_server.control("groups", {"name": "once", "members": [a["guid"]]})["guid"]
    draft = ds.Draft(text="group, once", community=group, idempotency_key="group-1")
    before = stats(minds_server)["activities"]
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.publish(draft)
    with pytest.raises(ds.NetworkUnavailable, match="may exist") as info:
        me.publish(draft)
    assert info.value.retryable is False
    assert stats(minds_server)["activities"] == before + 1
    # A refusal made nothing, so the same key may simply be tried again (and is refused again).
    refused = ds.Draft(text="not a member", community=group, idempotency_key="group-2")
    for _ in range(2):
        with pytest.raises(ds.PermissionDenied):
            other.publish(refused)


def test_bad_request_on_a_read_is_invalid_input() -> None:
    # A malformed guid is refused before any request now (tests/minds/test_hostile_world.py);
    # a read the server still refuses as a bad request names what was asked for, not content.
    from decentsocial.backends.minds.failures import minds_error

    error = minds_error(
        400, {"status": "error", "message": "Invalid guid"}, {}, method="GET", safe_to_repeat=True
    )
    assert isinstance(error, ds.InvalidInput)
    assert error.server_message == "Invalid guid"
    missing = minds_error(
        400, {"message": "The post could not be found"}, {}, method="GET", safe_to_repeat=True
    )
    assert isinstance(missing, ds.NotFound)


def test_delete_whose_answer_was_lost_is_not_reported_as_not_found(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, _, _ = pair
    post = me.publish("delete me once")
    comment = other.reply(post, "and my comment")
    for item in (comment, post):
        minds_server.control("faults", {"server_error_after_write": 1})
        (other if item is comment else me).delete(item)
        with pytest.raises(ds.NotFound):
            me.get_post(item.id)
    with pytest.raises(ds.NotFound):
        me.delete(post)  # a 404 on the first attempt is still NotFound


@pytest.mark.parametrize(
    ("fault", "error", "cause"),
    [
        ("token_not_json", ds.NetworkUnavailable, ValueError),
        ("token_without_token", ds.AuthenticationError, None),
    ],
)
def test_broken_token_answers_are_typed_errors(
    minds_server: ContractServer, fault: str, error: type[Exception], cause: type[Exception] | None
) -> None:
    user = minds_user(minds_server)
    net = minds_connect(minds_server, user)
    minds_server.control("faults", {fault: 1})
    with pytest.raises(error) as info:
        net.login()
    if cause is not None:
        assert isinstance(info.value.__cause__, cause)
    assert user["password"] not in str(info.value)
    net.close()


def test_a_remind_made_after_a_lost_answer_does_not_hide_the_post(
    pair: Any, minds_server: ContractServer
) -> None:
    me, other, _, _ = pair
    minds_server.control("clock", {"advance": -600})
    old = other.publish("an older post")  # made ten minutes ago
    minds_server.control("clock", {"advance": 600})
    draft = ds.Draft(text="once, even after a remind", idempotency_key="remind-between")
    before = stats(minds_server)["activities"]
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.publish(draft)  # made, but the answer was lost
    me.repost(old)  # the newest item of the channel now shows the old post's time
    post = me.publish(draft)
    assert post.text == draft.text
    assert stats(minds_server)["activities"] == before + 2  # the post and the remind; no second post
    assert [p.text for p in me.posts(limit=None)].count(draft.text) == 1


@pytest.mark.parametrize(
    "draft",
    [
        ds.Draft(text="a spoiler comment", reply_to="1", content_warning="spoilers"),
        ds.Draft(text="a sensitive comment", reply_to="1", sensitive=True),
        ds.Draft(text="an nsfw comment", reply_to="1", options={"nsfw": [3]}),
        ds.Draft(text="read this", link=ds.LinkCard(url="https://acme.example/launch")),
    ],
)
def test_what_minds_cannot_keep_is_refused_not_dropped(
    pair: Any, minds_server: ContractServer, draft: ds.Draft
) -> None:
    me, _, _, _ = pair
    me.me()
    before = stats(minds_server)["requests"]
    with pytest.raises((ds.InvalidInput, ds.ContentRejected)):
        me.publish(draft)
    assert stats(minds_server)["requests"] == before


def test_a_link_already_in_the_text_is_kept(pair: Any) -> None:
    me, _, _, _ = pair
    url = "https://acme.example/launch"
    post = me.publish(ds.Draft(text=f"read {url}", link=ds.LinkCard(url=url)))
    assert post.links == (url,)


def test_the_shared_retry_setting_reaches_the_backend_through_connect(minds_server: ContractServer) -> None:
    user = minds_user(minds_server)
    net = minds_connect(minds_server, user, retry={"attempts": 1})
    assert net.retry.attempts == 1
    net.login()
    minds_server.control("faults", {"rate_limit": 1})
    with pytest.raises(ds.RateLimited):
        net.account(user["username"])  # one attempt: the 429 is not retried
    assert net.account(user["username"]).handle == user["username"]
    net.close()


def test_retry_given_to_the_constructor_still_wins(minds_server: ContractServer) -> None:
    user = minds_user(minds_server)
    settings = MindsSettings(base_url=minds_server.url, username=user["username"], password=user["password"])
    with pytest.warns(MindsExperimentalWarning):
        net = MindsNetwork(settings, retry=ds.RetryPolicy.never())
    net.login()
    minds_server.control("faults", {"rate_limit": 1})
    with pytest.raises(ds.RateLimited):
        net.account(user["username"])
    net.close()
