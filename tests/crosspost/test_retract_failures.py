"""``ds.retract`` when things go wrong: every post is tried, what remains is named, nothing is lost.

Faults are injected in sandbox subclasses: a publish whose answer is lost
after the post was stored (a read timeout, a proxy's 5xx), a delete that
fails for chosen posts (a 5xx, a rate limit, a revoked token), a
``connect`` that raises, a ``close`` that raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import lifecycle
from decentsocial.backends.sandbox import SandboxNetwork, SandboxSettings
from decentsocial.jobs import Job, TargetOutcome
from decentsocial.models import Draft
from decentsocial.network import PostRef

LONG = " ".join(f"w{i}" for i in range(25))  # a thread of 3 parts at 40 characters


class LostAnswer(SandboxNetwork):
    """Stores the post, then loses the answer from the ``lose_from``-th publish on (1-based)."""

    lose_from = 1
    published = 0

    def _publish(self, draft: Draft) -> ds.Post:
        post = super()._publish(draft)
        self.published += 1
        if self.published >= self.lose_from:
            raise ds.NetworkUnavailable("timed out waiting for the answer", network=self.name)
        return post


class Flaky(SandboxNetwork):
    """Deleting a post listed in ``failing`` raises its error (each call: the same error)."""

    failing: dict[str, Exception]
    tried: list[str]

    def _delete(self, post: PostRef) -> None:
        pid = self.post_id(post)
        self.tried.append(pid)
        if pid in self.failing:
            raise self.failing[pid]
        super()._delete(post)


@pytest.fixture
def opened() -> Iterator[list[SandboxNetwork]]:
    nets: list[SandboxNetwork] = []
    yield nets
    for net in nets:
        net.close()


def make(cls: type[SandboxNetwork], tmp_path: Path, opened: list[SandboxNetwork], **settings: Any) -> Any:
    settings = {"path": tmp_path / "s.db", "account": "brand", "max_length": 40, **settings}
    net = cls(SandboxSettings(**settings))
    if isinstance(net, Flaky):
        net.failing, net.tried = {}, []
    opened.append(net)
    return net


def live(net: ds.Network, ids: list[str]) -> list[str]:
    found = []
    for pid in ids:
        try:
            net.get_post(pid)
            found.append(pid)
        except ds.NotFound:
            pass
    return found


def job_of(target: str, *outcomes: TargetOutcome) -> Job:
    return Job(
        id="j1",
        status="done",
        at=datetime.now(timezone.utc),
        targets=tuple(dict.fromkeys(o.target for o in outcomes)) or (target,),
        key="k",
        draft=Draft(text="weekly deal"),
        outcomes=outcomes,
    )


# ---------------------------------------------------------------- F1: a publish whose answer was lost


def test_a_single_post_whose_answer_was_lost_is_not_reported_as_no_post(
    tmp_path: Path, opened: list[SandboxNetwork]
) -> None:
    net = make(LostAnswer, tmp_path, opened)
    result = ds.crosspost("Our product X is perfectly safe", [net])
    assert result.outcomes[0].posts == ()
    assert isinstance(result.outcomes[0].error, ds.NetworkUnavailable)
    assert [p.text for p in net.posts()] == ["Our product X is perfectly safe"]  # it IS live
    done = ds.retract(result)
    assert not done.ok
    outcome = done.outcomes[0]
    assert outcome.skipped is None  # not "it made no post here"
    assert isinstance(outcome.error, ds.NetworkUnavailable)
    assert "may have been published" in str(outcome.error)
    assert "not verified" in str(outcome.error)


def test_a_thread_whose_last_part_was_lost_is_not_ok_and_its_parts_are_deleted(
    tmp_path: Path, opened: list[SandboxNetwork]
) -> None:
    net = make(LostAnswer, tmp_path, opened)
    net.lose_from = 3
    result = ds.crosspost(LONG, [net])
    outcome = result.outcomes[0]
    assert (len(outcome.posts), len(outcome.drafts)) == (2, 3)
    done = ds.retract(result)
    assert not done.ok
    assert sorted(done.outcomes[0].deleted) == sorted(p.id for p in outcome.posts)
    assert "part 3 of 3 may have been published" in str(done.outcomes[0].error)


def test_a_failure_that_certainly_made_nothing_is_still_skipped_and_ok(
    tmp_path: Path, opened: list[SandboxNetwork]
) -> None:
    net = make(Flaky, tmp_path, opened)
    never_sent = ds.NetworkUnavailable("connection refused", retryable=True, sent=False)  # never opened
    refused = ds.ContentRejected("422")
    job = job_of(
        "t", TargetOutcome("t", 0, "sandbox", (), never_sent), TargetOutcome("u", 0, "sandbox", (), refused)
    )
    done = ds.retract(job, connect=lambda name: net)
    assert done.ok
    assert all(o.skipped is not None and "made no post" in o.skipped for o in done.outcomes)


def test_a_job_whose_answer_was_lost_is_not_ok(tmp_path: Path, opened: list[SandboxNetwork]) -> None:
    net = make(Flaky, tmp_path, opened)
    kept = net.publish("occurrence 0")
    lost = ds.NetworkUnavailable("read timed out", network="sandbox")  # not retryable: may have been made
    job = job_of(
        "brand",
        TargetOutcome("brand", 0, "sandbox", (kept.id,), None),
        TargetOutcome("brand", 1, "sandbox", (), lost),
    )
    done = ds.retract(job, connect=lambda name: net)
    assert not done.ok
    assert done.outcomes[0].deleted == (kept.id,)
    assert "may have been published" in str(done.outcomes[0].error)


# ---------------------------------------------------------------- F2: every post is tried


def test_a_thread_part_that_cannot_be_deleted_does_not_keep_the_root_up(
    tmp_path: Path, opened: list[SandboxNetwork]
) -> None:
    net = make(Flaky, tmp_path, opened)
    result = ds.crosspost(" ".join(f"word{i}" for i in range(22)), [net])
    thread = [p.id for p in result.outcomes[0].posts]
    assert len(thread) >= 4
    boom = ds.NetworkUnavailable("502 from the proxy", network="sandbox")
    net.failing[thread[2]] = boom
    done = ds.retract(result)
    outcome = done.outcomes[0]
    assert not done.ok
    assert not outcome.ok
    assert outcome.remaining == ((thread[2], boom),)
    assert outcome.error is boom
    assert sorted(outcome.deleted) == sorted(set(thread) - {thread[2]})
    assert live(net, thread) == [thread[2]]  # the root and every other part are gone
    assert done.remaining == [(thread[2], boom)]
    del net.failing[thread[2]]
    assert ds.retract(result).ok  # running it again finishes the job


def test_every_occurrence_of_a_job_is_tried_after_one_fails(
    tmp_path: Path, opened: list[SandboxNetwork]
) -> None:
    net = make(Flaky, tmp_path, opened)
    posts = [net.publish(f"Weekly deal #{i}") for i in range(3)]
    job = job_of("brand", *(TargetOutcome("brand", i, "sandbox", (p.id,), None) for i, p in enumerate(posts)))
    boom = ds.DecentSocialError("unexpected", network="sandbox")
    net.failing[posts[2].id] = boom
    done = ds.retract(job, connect=lambda name: net)
    outcome = done.outcomes[0]
    assert sorted(outcome.deleted) == sorted(p.id for p in posts[:2])
    assert outcome.remaining == ((posts[2].id, boom),)
    assert live(net, [p.id for p in posts]) == [posts[2].id]


@pytest.mark.parametrize(
    "stop",
    [ds.RateLimited("slow down", retry_after=60, network="sandbox"), ds.AuthenticationError("token revoked")],
)
def test_an_account_wide_error_stops_and_lists_the_posts_not_tried(
    tmp_path: Path, opened: list[SandboxNetwork], stop: ds.DecentSocialError
) -> None:
    net = make(Flaky, tmp_path, opened)
    posts = [net.publish(f"post {i}") for i in range(4)]
    job = job_of("brand", TargetOutcome("brand", 0, "sandbox", tuple(p.id for p in posts), None))
    net.failing[posts[2].id] = stop  # tried newest first: post 3, then post 2 fails
    done = ds.retract(job, connect=lambda name: net)
    outcome = done.outcomes[0]
    assert net.tried == [posts[3].id, posts[2].id]  # nothing after the account-wide error
    assert outcome.deleted == (posts[3].id,)
    assert outcome.remaining == tuple((p.id, stop) for p in (posts[2], posts[1], posts[0]))
    assert outcome.error is stop
    assert not done.ok


def test_a_post_the_network_cannot_delete_nor_edit_is_named(
    tmp_path: Path, opened: list[SandboxNetwork]
) -> None:
    net = make(Flaky, tmp_path, opened, unsupported=["edit"])
    posts = [net.publish(f"post {i}") for i in range(2)]
    refused = ds.ContentRejected("has votes", network="sandbox")
    net.failing[posts[1].id] = refused
    job = job_of("brand", TargetOutcome("brand", 0, "sandbox", tuple(p.id for p in posts), None))
    outcome = ds.retract(job, connect=lambda name: net).outcomes[0]
    assert outcome.deleted == (posts[0].id,)
    assert outcome.remaining == ((posts[1].id, refused),)


# ---------------------------------------------------------------- F4: connect and close


def test_a_target_that_cannot_connect_is_a_typed_outcome_and_the_others_go_on(
    tmp_path: Path, opened: list[SandboxNetwork]
) -> None:
    a = make(Flaky, tmp_path, opened, account="brand_a")
    c = make(Flaky, tmp_path, opened, account="brand_c")
    pa, pc = a.publish("deal on A"), c.publish("deal on C")
    job = job_of(
        "a",
        TargetOutcome("a", 0, "sandbox", (pa.id,), None),
        TargetOutcome("b", 0, "mastodon", ("111",), None),
        TargetOutcome("c", 0, "sandbox", (pc.id,), None),
    )
    nets = {"a": a, "c": c}  # no connection for "b": a KeyError, not one of ours
    done = ds.retract(job, connect=nets.__getitem__)
    by_target = {o.target: o for o in done.outcomes}
    assert by_target["a"].deleted == (pa.id,)
    assert by_target["a"].ok
    assert by_target["c"].deleted == (pc.id,)
    assert by_target["c"].ok
    failed = by_target["b"]
    assert isinstance(failed.error, ds.ConfigurationError)
    assert "KeyError" in str(failed.error)
    assert failed.remaining == (("111", failed.error),)
    assert not done.ok
    assert live(a, [pa.id]) == []
    assert live(c, [pc.id]) == []


def test_a_connection_that_fails_to_close_does_not_lose_the_report(
    tmp_path: Path, opened: list[SandboxNetwork], monkeypatch: pytest.MonkeyPatch
) -> None:
    class BadClose(Flaky):
        def close(self) -> None:
            super().close()
            raise OSError("socket already gone")

    first = make(BadClose, tmp_path, opened)
    second = make(Flaky, tmp_path, opened, account="brand_2")
    p1, p2 = first.publish("one"), second.publish("two")
    job = job_of(
        "first",
        TargetOutcome("first", 0, "sandbox", (p1.id,), None),
        TargetOutcome("second", 0, "sandbox", (p2.id,), None),
    )
    profiles = {"first": first, "second": second}
    monkeypatch.setattr(lifecycle, "_connect_profile", profiles.__getitem__)
    done = ds.retract(job)  # profiles: retract closes each connection it opened
    assert done.ok
    assert done.deleted == [p1.id, p2.id]
    opened.remove(first)  # closed by retract already
