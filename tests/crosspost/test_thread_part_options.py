"""A thread's later parts carry text only: options about the first part's media (Threads'
``carousel``) stay on the first part; options for every post (``reply_control``) go on each."""

from __future__ import annotations

from collections.abc import Callable

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.crosspost import plan

IMAGES = (ds.Media(url="https://cdn.example/a.jpg"), ds.Media(url="https://cdn.example/b.jpg"))


def test_continuations_drop_the_carousel_option(limited: Callable[..., SandboxNetwork]) -> None:
    net = limited("short", account="carol", max_length=40)
    draft = ds.Draft(text="صور من القاهرة " * 6, options={"carousel": True, "reply_control": "everyone"})
    parts = plan(net, draft)
    assert len(parts) > 1
    assert parts[0].options == {"carousel": True, "reply_control": "everyone"}
    assert all(p.options == {"reply_control": "everyone"} for p in parts[1:])


def test_a_threads_carousel_with_a_long_caption_is_a_thread() -> None:
    threads = ds.connect("threads", access_token="t", user_id="123")  # a dry run makes no request
    try:
        long = ds.Draft(text="صور من القاهرة " * 50, media=IMAGES, options={"carousel": True})
        outcome = ds.crosspost(long, [threads], dry_run=True).outcomes[0]
        assert outcome.ok, outcome.error
        assert len(outcome.drafts) == 2
        assert outcome.drafts[0].media == IMAGES
        assert outcome.drafts[0].options == {"carousel": True}
        assert outcome.drafts[1].media == ()
        assert "carousel" not in outcome.drafts[1].options
    finally:
        threads.close()
