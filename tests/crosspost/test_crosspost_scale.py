"""``crosspost`` at scale: long texts planned quickly and bounded, targets run without waste.

A text needing more than ``max_parts`` parts is that network's
``ContentRejected`` naming the number of parts; threads of 100 parts or
more still fit the limit; in-process targets (the sandbox) run in the
calling thread; others share one bounded pool.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.crosspost import DEFAULT_MAX_PARTS, DEFAULT_WORKERS, run_each
from decentsocial.errors import ContentRejected
from decentsocial.text import grapheme_len

#: About 100 kB of Arabic and Latin words with a tag and a link now and then.
BIG = " ".join(
    f"كلمة{i} #وسم{i % 7}" if i % 11 == 0 else (f"https://example.com/{i}" if i % 13 == 0 else f"word{i}")
    for i in range(12_000)
)


def test_a_text_over_max_parts_is_rejected_naming_the_number_of_parts() -> None:
    net = ds.connect("sandbox")
    res = ds.crosspost(BIG, [net], dry_run=True)
    (outcome,) = res.outcomes
    assert isinstance(outcome.error, ContentRejected)
    whole = ds.crosspost(BIG, [net], dry_run=True, max_parts=10_000).outcomes[0]
    assert whole.ok
    parts = len(whole.drafts)
    assert parts > 100 > DEFAULT_MAX_PARTS
    assert f"{parts} parts" in str(outcome.error)
    assert f"max_parts={DEFAULT_MAX_PARTS}" in str(outcome.error)
    assert all(grapheme_len(d.text) <= 500 for d in whole.drafts)  # " (123/205)" fits too
    assert whole.drafts[-1].text.endswith(f" \u2066({parts}/{parts})\u2069")  # BIG holds Arabic: isolated
    assert list(net.posts(limit=None)) == []  # a dry run writes nothing


@pytest.mark.parametrize("bad", [0, -1, True, 2.5])
def test_max_parts_must_be_a_positive_integer(bad: Any) -> None:
    with pytest.raises(ds.InvalidInput):
        ds.crosspost("hi", [ds.connect("sandbox")], max_parts=bad)


def test_a_thread_within_max_parts_is_published_in_order() -> None:
    net = ds.connect("sandbox", max_length=40)
    text = " ".join(f"word{i}" for i in range(40))
    res = ds.crosspost(text, [net], max_parts=12)
    assert res.ok, res.errors
    posts = res.outcomes[0].posts
    assert len(posts) == len(res.outcomes[0].drafts) > 5
    assert [p.reply_to for p in posts[1:]] == [p.id for p in posts[:-1]]


def test_in_process_items_run_in_the_calling_thread_others_in_the_pool() -> None:
    caller = threading.get_ident()
    both_running = threading.Barrier(2, timeout=10)  # passes only if two remote items overlap

    def fn(item: tuple[str, int]) -> tuple[int, int]:
        if item[0] == "remote":
            both_running.wait()
        return item[1], threading.get_ident()

    items = [("local", 0), ("remote", 1), ("local", 2), ("remote", 3)]
    results = run_each(fn, items, 4, inline=lambda item: item[0] == "local")
    assert [index for index, _ in results] == [0, 1, 2, 3]
    assert results[0][1] == caller
    assert results[2][1] == caller
    assert results[1][1] != results[3][1]  # the two remote ones ran at the same time


def test_one_worker_or_one_item_never_uses_a_thread() -> None:
    caller = threading.get_ident()
    assert run_each(lambda _: threading.get_ident(), [1, 2, 3], 1) == [caller] * 3
    assert run_each(lambda _: threading.get_ident(), [1], 8) == [caller]


def test_the_pool_is_shared_and_bounded() -> None:
    for _ in range(20):
        assert run_each(lambda x: x * 2, list(range(10)), 8) == [x * 2 for x in range(10)]
    named = [t for t in threading.enumerate() if t.name.startswith("decentsocial-crosspost")]
    assert 0 < len(named) <= DEFAULT_WORKERS


def test_an_error_in_an_item_is_raised_after_the_others_finish() -> None:
    done: list[int] = []

    def fn(x: int) -> int:
        if x == 2:
            raise RuntimeError("boom")
        done.append(x)
        return x

    with pytest.raises(RuntimeError, match="boom"):
        run_each(fn, [0, 1, 2, 3], 2)
    assert 0 in done


def test_each_target_checks_a_fitting_draft_once(sandbox) -> None:  # type: ignore[no-untyped-def]
    """``prepare`` checks the draft; publishing the prepared draft does not check it again."""
    nets = [sandbox("main", account=name) for name in ("alice", "bob")]
    calls: list[str] = []
    for net in nets:
        checks = net.check_draft

        def counted(draft: ds.Draft, checks: Any = checks, name: str = net.handle) -> None:
            calls.append(name)
            checks(draft)

        net.check_draft = counted  # the real checks, counted
    result = ds.crosspost("مرحبا once", nets)
    assert result.ok
    assert sorted(calls) == ["alice", "bob"]
    assert [p.text for p in result.posts] == ["مرحبا once", "مرحبا once"]
