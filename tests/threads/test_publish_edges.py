"""Threads publishing at its edges: refusals that quote the token, answers that cannot be read after
the post was made, lookups the token may not do, accounts set up as ``me``, and the documented rules
(topic tag, link count) checked before any request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork, ThreadsSettings
from tests.servers._process import ContractServer
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.servers.threads import threads_user
from tests.threads.scripted import first_steps, lost_publish, scripted_threads

TOKEN = "EAAGsecretTokenValue0123456789"


def stats(server: ContractServer) -> dict[str, Any]:
    result: dict[str, Any] = server.control("stats")
    return result


def scripted(url: str) -> ThreadsNetwork:
    return scripted_threads(url, access_token=TOKEN)


# ---------------------------------------------------------------- secrets


def test_a_publish_refusal_quoting_the_token_does_not_carry_it() -> None:
    def answer(r: Request) -> Reply:
        if (step := first_steps(r)) is not None:
            return step
        if r.method == "POST" and r.path.endswith("/threads_publish"):
            return Reply(400, {"error": {"message": f"Invalid parameter with token {TOKEN}", "code": 100}})
        return Reply(200, {"status": "FINISHED", "id": "100"})

    with scripted_server(answer) as server:
        net = scripted(server.url)
        with pytest.raises(ds.ContentRejected) as info:
            net.publish("hello")
        net.close()
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(info.value)
    assert TOKEN not in (info.value.server_message or "")
    assert "Invalid parameter with token ***" in (info.value.server_message or "")


# ---------------------------------------------------------------- once the post may exist


def test_a_publish_answer_whose_id_is_not_an_id_is_resolved_through_the_container() -> None:
    """The post was made; the answer names it with something that is not an id: the status decides."""
    published: list[Request] = []
    listed = Reply(200, {"data": [{"id": "901", "text": "hello", "timestamp": "2026-12-05T15:00:00+0000"}]})
    answer = lost_publish(published, lambda r: listed, publish=Reply(200, {"id": "../../me"}))

    with scripted_server(answer) as server:
        net = scripted(server.url)
        post = net.publish("hello")
        net.close()
    assert post.id == "901"
    assert server.count("POST", "/threads_publish") == 1


def test_a_reply_whose_answer_was_lost_is_not_reported_as_a_missing_permission(
    threads_server: ContractServer, tmp_path: Path
) -> None:
    """Publishing a reply needs no threads_read_replies; finding it after a lost answer does. The reply
    exists, so the error must say so (``NetworkUnavailable``, not retryable), never "no permission"."""
    user = threads_user(threads_server, scopes=["threads_basic", "threads_content_publish"])
    net = ds.connect(
        "threads",
        base_url=threads_server.url,
        access_token=user["access_token"],
        user_id=user["id"],
        poll_interval=0.05,
        state_path=tmp_path / "state.db",
    )
    root = net.publish("a root to reply to")
    before = stats(threads_server)["media"]
    draft = ds.Draft(text="a reply", reply_to=root.id, idempotency_key="reply-lost")
    threads_server.control("faults", {"publish_lost_response": 1})
    for _ in range(2):  # the retry with the same key says the same, and publishes nothing
        with pytest.raises(ds.NetworkUnavailable, match="published the post") as info:
            net.publish(draft)
        assert not info.value.retryable
        assert "threads_read_replies" in str(info.value)
    assert stats(threads_server)["media"] == before + 1
    net.close()


# ---------------------------------------------------------------- accounts set up as "me"


def test_two_accounts_set_up_as_me_keep_their_own_keys(
    threads_server: ContractServer, tmp_path: Path
) -> None:
    """``user_id="me"`` names no account: one key used by two such accounts is two posts."""
    state = tmp_path / "state.db"
    made = []
    for _ in range(2):
        user = threads_user(threads_server)
        net = ds.connect(
            "threads",
            base_url=threads_server.url,
            access_token=user["access_token"],
            user_id="me",
            poll_interval=0.05,
            state_path=state,
        )
        post = net.publish(ds.Draft(text="Campaign launch", idempotency_key="campaign-42"))
        made.append((post.id, [p.id for p in net.posts(limit=5)]))
        assert net.publish(ds.Draft(text="Campaign launch", idempotency_key="campaign-42")).id == post.id
        net.close()
    (first, first_posts), (second, second_posts) = made
    assert first != second
    assert first_posts == [first]
    assert second_posts == [second]


def test_own_posts_have_metrics_with_user_id_me_too(threads_server: ContractServer) -> None:
    user = threads_user(threads_server)
    net = ds.connect(
        "threads",
        base_url=threads_server.url,
        access_token=user["access_token"],
        user_id="me",
        poll_interval=0.05,
    )
    post = net.publish("how is it doing")
    assert net.get_post(post.id).metrics.views == 0  # read from insights, not left unknown
    net.close()


# ---------------------------------------------------------------- documented rules, before any request


def test_a_topic_tag_option_that_is_not_text_is_refused_before_any_request(
    net: Any, threads_server: ContractServer
) -> None:
    net.me()
    before = stats(threads_server)["requests"]
    for option in (["launch"], 2026, {"tag": "launch"}):
        with pytest.raises(ds.InvalidInput, match="topic_tag"):
            net.publish(ds.Draft(text="launch day", options={"topic_tag": option}))
    assert stats(threads_server)["requests"] == before
    post = net.publish(ds.Draft(text="launch day", options={"topic_tag": "launch"}))
    assert net.get_post(post.id).raw["topic_tag"] == "launch"


def test_the_documented_link_count_examples() -> None:
    from decentsocial.backends.threads.convert import link_count

    # Meta's examples: a text link and the same attachment are one link; two text links and
    # another attachment are three; links are counted whether written with a scheme or not.
    assert link_count("www.facebook.com", "www.facebook.com") == 1
    assert link_count("www.instagram.com and www.threads.com", "www.facebook.com") == 3
    assert link_count("https://www.facebook.com", "www.facebook.com") == 1
    assert link_count("mail me at a@www.example.com, or see v1.www.example.com", None) == 0
    assert link_count("(www.a.com) www.b.com. https://c.com/x", None) == 3


def test_links_written_without_a_scheme_count_towards_the_five_before_any_request(
    net: Any, threads_server: ContractServer
) -> None:
    net.me()
    before = stats(threads_server)["requests"]
    text = " ".join(f"www.site{i}.com" for i in range(6))
    with pytest.raises(ds.ContentRejected, match="at most 5 links"):
        net.publish(text)
    with pytest.raises(ds.ContentRejected, match="has 6"):
        net.publish(
            ds.Draft(
                text=" ".join(f"www.site{i}.com" for i in range(5)),
                link=ds.LinkCard(url="https://x.example/"),
            )
        )
    assert stats(threads_server)["requests"] == before
    assert net.publish(" ".join(f"www.site{i}.com" for i in range(5))).text.startswith("www.site0.com")


def test_the_me_identity_is_per_token_and_names_no_secret() -> None:
    def identity(token: str) -> str:
        return ThreadsNetwork(ThreadsSettings(access_token=token, user_id="me")).identity

    assert identity("token-a") == identity("token-a") != identity("token-b")
    assert identity("token-a").startswith("me-")
    assert "token-a" not in identity("token-a")
    assert ThreadsNetwork(ThreadsSettings(access_token="t", user_id="1784")).identity == "1784"


def test_post_carousel_options_that_are_not_a_dict_are_invalid_input(
    net: Any, threads_server: ContractServer
) -> None:
    items = [ds.Media(kind="image", url=f"https://cdn.example/{n}.jpg") for n in "ab"]
    net.me()
    before = stats(threads_server)["requests"]
    for options in (["carousel"], "carousel", 1):
        with pytest.raises(ds.InvalidInput, match="options"):
            net.post_carousel(items, "two pictures", options=options)
    assert stats(threads_server)["requests"] == before
    assert len(net.post_carousel(items, "two pictures", options=None).media) == 2
