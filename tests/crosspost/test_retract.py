"""``ds.retract``: every post a crosspost made, threads included, gone on every network; safe twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.lifecycle import Retraction
from tests.contract.harness import Harness

LONG = " ".join(f"بيان {i} statement part {i}." for i in range(40))  # ~1,000 characters, Arabic and Latin


def harness(request: pytest.FixtureRequest, name: str) -> Harness:
    try:
        return cast(Harness, request.getfixturevalue(f"{name}_harness"))
    except pytest.FixtureLookupError:
        pytest.skip(f"the {name} server is not in this run (DECENTSOCIAL_TEST_SERVERS)")


def all_gone(net: ds.Network, post_ids: list[str]) -> None:
    for pid in post_ids:
        with pytest.raises(ds.NotFound):
            net.get_post(pid)


def test_retract_a_three_network_crosspost_with_threads(
    request: pytest.FixtureRequest, sandbox: Callable[..., SandboxNetwork]
) -> None:
    masto = harness(request, "mastodon").me
    nostr = harness(request, "nostr").me
    box = sandbox("main", account="brand", max_length=300)
    result = ds.crosspost(LONG, [box, masto, nostr])
    assert result.ok, result.errors
    parts = {o.network: len(o.posts) for o in result.outcomes}
    assert parts["sandbox"] >= 3  # a thread on the sandbox (300 graphemes)
    assert parts["mastodon"] >= 2  # and on Mastodon (500 characters)
    done = ds.retract(result)
    assert isinstance(done, Retraction)
    assert done.ok, done.errors
    for outcome, retracted in zip(result.outcomes, done.outcomes, strict=True):
        assert retracted.network == outcome.network
        assert sorted(retracted.deleted) == sorted(p.id for p in outcome.posts)
        assert retracted.edited == ()
        all_gone(outcome.connection, [p.id for p in outcome.posts])
    # Safe to run twice: every post counts as already gone.
    again = ds.retract(result)
    assert again.ok
    assert sorted(again.deleted) == sorted(done.deleted)


def test_failed_networks_are_skipped_and_reported(sandbox: Callable[..., SandboxNetwork]) -> None:
    ok = sandbox("main", account="brand", max_length=300)
    cannot_thread = sandbox("other", account="brand", max_length=300, unsupported=["reply"])
    result = ds.crosspost(LONG, [ok, cannot_thread])
    assert not result.ok
    done = ds.retract(result)
    assert done.ok  # nothing failed: the failed network had made nothing to retract
    first, second = done.outcomes
    assert len(first.deleted) == len(result.outcomes[0].posts) >= 3
    assert second.deleted == ()
    assert second.skipped is not None
    assert "made no post" in second.skipped
    assert "reply" in second.skipped  # the crosspost's own error, reported
    all_gone(ok, [p.id for p in result.outcomes[0].posts])


def test_a_thread_cut_half_way_is_retracted_too(sandbox: Callable[..., SandboxNetwork]) -> None:
    net = sandbox("main", account="brand", max_length=300)
    result = ds.crosspost(LONG, [net])
    first = result.outcomes[0]
    half = ds.CrosspostResult(
        (
            ds.Outcome(
                first.network, first.connection, first.drafts, first.posts[:2], ds.NetworkUnavailable("x")
            ),
        ),
        result.key,
    )
    done = ds.retract(half)
    assert sorted(done.outcomes[0].deleted) == sorted(p.id for p in first.posts[:2])
    all_gone(net, [p.id for p in first.posts[:2]])
    assert net.get_post(first.posts[2].id)  # not in the input: untouched


def test_someone_elses_post_is_a_typed_error_not_a_crash(sandbox: Callable[..., SandboxNetwork]) -> None:
    brand = sandbox("main", account="brand")
    result = ds.crosspost("hello", [brand])
    intruder = brand.as_account("intruder")
    forged = ds.CrosspostResult(
        (ds.Outcome("sandbox", cast(Any, intruder), result.outcomes[0].drafts, result.outcomes[0].posts),),
        result.key,
    )
    done = ds.retract(forged)
    assert not done.ok
    assert isinstance(done.outcomes[0].error, ds.PermissionDenied)
    assert brand.get_post(result.outcomes[0].posts[0].id)
    intruder.close()


def test_bad_input() -> None:
    with pytest.raises(ds.InvalidInput, match="crosspost result or a scheduled Job"):
        ds.retract(cast(Any, "not a result"))
    net = ds.connect("sandbox")
    dry = ds.crosspost("x", [net], dry_run=True)
    with pytest.raises(ds.InvalidInput, match="dry run"):
        ds.retract(dry)
    net.close()
