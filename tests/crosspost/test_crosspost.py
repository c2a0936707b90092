"""``crosspost`` against real sandbox networks: adapted per network, concurrent, ordered, exactly once."""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from decentsocial.base import BaseNetwork
from decentsocial.crosspost import derive_key, target_of
from decentsocial.network import Capability
from decentsocial.settings import NetworkSettings
from decentsocial.text import grapheme_len

LONG = (
    "Decentralized networks reward the people who create and curate. "
    "Our launch thread explains how #acme pays its community back, step by step."
)


def _all_posts(net: BaseNetwork[Any]) -> list[ds.Post]:
    return list(net.posts(limit=None))


def test_one_network_rejects_the_others_publish(sandbox) -> None:  # type: ignore[no-untyped-def]
    alice = sandbox("main", account="alice")
    bob = sandbox("main", account="bob")
    tiny = sandbox("tiny", account="carol", max_length=40)
    res = ds.crosspost(ds.Draft(text=LONG, tags=("acme",)), [alice, bob, tiny], split=False)

    assert not res.ok
    assert [o.connection for o in res.outcomes] == [alice, bob, tiny]
    assert [o.network for o in res.outcomes] == ["sandbox"] * 3
    first, second, rejected = res.outcomes
    assert first.ok
    assert second.ok
    assert first.posts[0].author.handle == "alice"
    assert second.posts[0].author.handle == "bob"
    assert alice.get_post(first.posts[0].id).text == LONG
    assert isinstance(rejected.error, ds.ContentRejected)
    assert "40" in str(rejected.error)
    assert rejected.posts == ()
    assert _all_posts(tiny) == []
    assert res.errors == [rejected.error]
    with pytest.raises(ds.ContentRejected):
        res.raise_for_errors()


def test_too_long_text_becomes_a_thread_where_the_network_can_reply(sandbox, limited) -> None:  # type: ignore[no-untyped-def]
    roomy = sandbox("main", account="alice")
    tiny = limited("tiny", account="carol", max_length=40)
    res = ds.crosspost(LONG, [roomy, tiny])

    assert res.ok, res.errors
    whole, thread = res.outcomes
    assert len(whole.posts) == 1
    assert whole.posts[0].text == LONG
    assert len(thread.drafts) == len(thread.posts) > 1
    assert all(grapheme_len(p.text) <= 40 for p in thread.posts)
    # Published as a reply chain, in order, and nothing lost between the words.
    for parent, child in zip(thread.posts, thread.posts[1:], strict=False):
        assert child.reply_to == parent.id
    assert [p.id for p in tiny.thread(thread.posts[0])] == [p.id for p in thread.posts]
    words = " ".join(p.text.rsplit(" (", 1)[0] for p in thread.posts).split()
    assert words == LONG.split()
    assert any("acme" in p.tags for p in thread.posts)  # the #acme in the text stayed whole


def test_dry_run_creates_nothing(sandbox, limited) -> None:  # type: ignore[no-untyped-def]
    alice = sandbox("main", account="alice")
    tiny = limited("tiny", account="carol", max_length=40)
    draft = ds.Draft(text=LONG, idempotency_key="launch-1", title="Launch", tags=("news",), language="en")
    res = ds.crosspost(draft, [alice, tiny], dry_run=True)

    assert res.dry_run
    assert res.ok
    assert res.key == "launch-1"
    assert next(len(o.drafts) for o in res.outcomes) == 1
    assert len(res.outcomes[1].drafts) > 1
    assert all(o.posts == () for o in res.outcomes)
    assert _all_posts(alice) == []
    assert _all_posts(tiny) == []
    keys = [d.idempotency_key for o in res.outcomes for d in o.drafts]
    assert len(set(keys)) == len(keys)
    # Only the first part of a thread carries the title and extra tags; every part keeps the language.
    head, *rest = res.outcomes[1].drafts
    assert (head.title, head.tags) == ("Launch", ("news",))
    assert all(d.title is None and d.tags == () and d.language == "en" for d in rest)
    # The dry run shows the very keys a real run uses.
    assert res.outcomes[0].drafts[0].idempotency_key == derive_key("launch-1", target_of(alice), 0)


def test_running_again_with_the_same_key_does_not_post_twice(sandbox, limited) -> None:  # type: ignore[no-untyped-def]
    alice = sandbox("main", account="alice")
    bob = sandbox("main", account="bob")
    tiny = limited("tiny", account="carol", max_length=40)
    assert Capability.IDEMPOTENT_PUBLISH in alice.capabilities
    draft = ds.Draft(text=LONG, idempotency_key="campaign-42")
    first = ds.crosspost(draft, [alice, bob, tiny])
    again = ds.crosspost(draft, [alice, bob, tiny])

    assert first.ok
    assert again.ok
    assert [p.id for p in again.posts] == [p.id for p in first.posts]
    assert len(_all_posts(alice)) == 1
    assert len(_all_posts(bob)) == 1
    assert len(_all_posts(tiny)) == len(first.outcomes[2].posts) > 1


def test_a_long_caller_key_is_fine_everywhere(sandbox) -> None:  # type: ignore[no-untyped-def]
    alice = sandbox("main", account="alice")  # the sandbox itself accepts keys of at most 200 characters
    draft = ds.Draft(text="campaign post", idempotency_key="campaign/" + "x" * 300)
    first = ds.crosspost(draft, [alice])
    assert first.ok, first.errors
    assert ds.crosspost(draft, [alice]).posts[0].id == first.posts[0].id


def test_a_generated_key_is_returned_for_a_safe_retry(sandbox) -> None:  # type: ignore[no-untyped-def]
    alice = sandbox("main", account="alice")
    first = ds.crosspost("no key given", [alice])
    assert first.ok
    assert len(first.key) == 32
    retry = ds.crosspost(ds.Draft(text="no key given", idempotency_key=first.key), [alice])
    assert retry.posts[0].id == first.posts[0].id
    assert len(_all_posts(alice)) == 1


def test_keys_differ_per_network_account_and_part() -> None:
    keys = {
        derive_key("k", "sandbox:alice", 0),
        derive_key("k", "sandbox:bob", 0),
        derive_key("k", "sandbox:alice", 1),
        derive_key("k", "mastodon:alice", 0),
        derive_key("k2", "sandbox:alice", 0),
        derive_key("ключ 🔑", "sandbox:alice", 0),
    }
    assert len(keys) == 6
    assert derive_key("k", "sandbox:alice", 0) == derive_key("k", "sandbox:alice", 0)
    assert all(len(k) == 32 and int(k, 16) >= 0 for k in keys)


def test_a_rerun_with_a_subset_or_another_order_posts_nothing_new(sandbox) -> None:  # type: ignore[no-untyped-def]
    alice = sandbox("main", account="alice")
    bob = sandbox("main", account="bob")
    carol = sandbox("other", account="carol")
    draft = ds.Draft(text="one campaign post", idempotency_key="campaign-7")
    first = ds.crosspost(draft, [alice, bob, carol])
    assert first.ok, first.errors
    again = ds.crosspost(draft, [carol, alice])  # a subset, in another order
    assert again.ok, again.errors
    made = {o.connection.identity: o.posts[0].id for o in first.outcomes}
    assert {o.connection.identity: o.posts[0].id for o in again.outcomes} == {
        carol.identity: made[carol.identity],
        alice.identity: made[alice.identity],
    }
    assert len(_all_posts(alice)) == 1
    assert len(_all_posts(carol)) == 1


def test_the_same_key_with_an_edited_draft_is_refused(sandbox) -> None:  # type: ignore[no-untyped-def]
    alice = sandbox("main", account="alice")
    assert ds.crosspost(ds.Draft(text="v1", idempotency_key="k-edit"), [alice]).ok
    edited = ds.crosspost(ds.Draft(text="v2", idempotency_key="k-edit"), [alice])
    assert isinstance(edited.errors[0], ds.InvalidInput)
    assert [p.text for p in _all_posts(alice)] == ["v1"]


class BrokenNetwork(BaseNetwork[NetworkSettings]):
    """A third-party backend whose server is down: its publish always fails."""

    name = "broken"
    capabilities = frozenset({Capability.PUBLISH, Capability.REPLY})

    def publish(self, draft: ds.Draft | str) -> ds.Post:
        raise RuntimeError("connection reset while sending token=s3cr3t-value")


def test_a_failing_network_never_stops_the_others(sandbox) -> None:  # type: ignore[no-untyped-def]
    alice = sandbox("main", account="alice")
    bob = sandbox("main", account="bob")
    broken = BrokenNetwork()
    res = ds.crosspost("hello everyone", [alice, broken, bob], max_workers=2)

    assert [o.ok for o in res.outcomes] == [True, False, True]
    error = res.outcomes[1].error
    assert isinstance(error, ds.DecentSocialError)
    assert error.network == "broken"
    assert isinstance(error.__cause__, RuntimeError)
    assert "s3cr3t" not in str(error)
    assert "s3cr3t" not in repr(error)
    assert len(_all_posts(alice)) == 1
    assert len(_all_posts(bob)) == 1


def test_bad_input_fails_before_any_io(sandbox) -> None:  # type: ignore[no-untyped-def]
    alice = sandbox("main", account="alice")
    with pytest.raises(ds.InvalidInput):
        ds.crosspost("hi", [])
    with pytest.raises(ds.InvalidInput, match="twice"):
        ds.crosspost("hi", [alice, alice])
    with pytest.raises(ds.InvalidInput):
        ds.crosspost("hi", ["sandbox"])  # type: ignore[list-item]
    with pytest.raises(ds.InvalidInput):
        ds.crosspost(42, [alice])  # type: ignore[arg-type]
    with pytest.raises(ds.InvalidInput):
        ds.crosspost("hi", [alice], max_workers=0)
    with pytest.raises(ds.InvalidInput, match="max_workers"):
        ds.crosspost("hi", [alice], max_workers="2")  # type: ignore[arg-type]
    with pytest.raises(ds.InvalidInput, match=r"write \[net\] for one"):
        ds.crosspost("hi", alice)
    with pytest.raises(ds.ContentRejected):
        ds.crosspost("", [alice])
    assert _all_posts(alice) == []


def test_a_network_without_reply_rejects_instead_of_splitting(sandbox) -> None:  # type: ignore[no-untyped-def]
    class NoReplies(BaseNetwork[NetworkSettings]):
        """A network with a 20-character limit that cannot thread."""

        name = "noreplies"
        capabilities = frozenset({Capability.PUBLISH})

        def text_limit(self, draft: ds.Draft | None = None) -> ds.network.TextLimit:
            from decentsocial.network import TextLimit

            return TextLimit(20, len)

    res = ds.crosspost(LONG, [NoReplies()], dry_run=True)
    error = res.outcomes[0].error
    assert isinstance(error, ds.ContentRejected)
    assert "cannot reply" in str(error)


def test_a_thread_cut_short_is_finished_by_running_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from decentsocial.backends.sandbox import SandboxNetwork, SandboxSettings

    class ReplyFailsOnce(SandboxNetwork):
        """The real sandbox whose server drops the first reply (a transient outage mid-thread)."""

        failed = False

        def reply(self, to: ds.network.PostRef, draft: ds.Draft | str) -> ds.Post:
            if not ReplyFailsOnce.failed:
                ReplyFailsOnce.failed = True
                raise ds.NetworkUnavailable("connection reset", network="sandbox")
            return super().reply(to, draft)

    with ReplyFailsOnce(SandboxSettings(path=tmp_path / "t.db", account="carol", max_length=40)) as tiny:
        draft = ds.Draft(text=LONG, idempotency_key="thread-1")
        first = ds.crosspost(draft, [tiny])
        assert isinstance(first.outcomes[0].error, ds.NetworkUnavailable)
        assert len(first.outcomes[0].posts) == 1  # the root was published before the outage
        again = ds.crosspost(draft, [tiny])
        assert again.ok
        parts = again.outcomes[0].posts
        assert parts[0].id == first.outcomes[0].posts[0].id  # the root was not posted twice
        assert len(parts) == len(again.outcomes[0].drafts) > 2
        assert len(_all_posts(tiny)) == len(parts)
