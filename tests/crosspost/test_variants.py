"""Per-network variants in ``crosspost`` on real sandboxes: which wins, what is kept, bad input, once only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.crosspost import target_of
from decentsocial.variants import check_variants, pick

Open = Callable[..., SandboxNetwork]


def _texts(net: SandboxNetwork) -> list[str]:
    return [p.text for p in net.posts(limit=None)]


def test_an_accounts_variant_wins_over_its_networks_and_the_draft_is_the_fallback(sandbox: Open) -> None:
    alice, bob, carol = (sandbox(name, account=name) for name in ("a", "b", "c"))
    res = ds.crosspost(
        ds.Draft(text="the long form for everyone #acme", idempotency_key="launch"),
        [alice, bob, carol],
        variants={"sandbox": "the network's form", target_of(bob): ds.Draft(text="bob's own form")},
    )
    assert res.ok
    assert _texts(alice) == ["the network's form"] == _texts(carol)
    assert _texts(bob) == ["bob's own form"]
    without = ds.crosspost("no variant at all", [alice])
    assert without.ok
    assert _texts(alice)[0] == "no variant at all"


def test_a_text_variant_keeps_the_rest_of_the_draft_and_a_mapping_replaces_only_its_fields(
    sandbox: Open,
) -> None:
    alice, bob = sandbox("a", account="alice"), sandbox("b", account="bob")
    draft = ds.Draft(text="long form", tags=("acme",), content_warning="launch", language="en")
    ds.crosspost(
        draft,
        [alice, bob],
        variants={
            target_of(alice): "نص قصير للإطلاق",  # Arabic (RTL) text, kept as written
            target_of(bob): {"text": "bob's form", "tags": ["bob"]},
        },
    ).raise_for_errors()
    (a,), (b,) = alice.posts(limit=None), bob.posts(limit=None)
    assert (a.text, a.tags, a.content_warning, a.language) == ("نص قصير للإطلاق", ("acme",), "launch", "en")
    assert (b.text, b.tags, b.content_warning) == ("bob's form", ("bob",), "launch")


def test_running_again_with_the_same_key_and_variants_posts_nothing_twice(sandbox: Open) -> None:
    alice, bob = sandbox("a", account="alice"), sandbox("b", account="bob")
    args: dict[str, Any] = {"variants": {target_of(bob): "bob's form"}}
    first = ds.crosspost(ds.Draft(text="the form", idempotency_key="k-1"), [alice, bob], **args)
    again = ds.crosspost(ds.Draft(text="the form", idempotency_key="k-1"), [bob, alice], **args)
    assert sorted(p.id for p in first.posts) == sorted(p.id for p in again.posts)
    assert _texts(alice) == ["the form"]
    assert _texts(bob) == ["bob's form"]


def test_a_variant_is_planned_by_its_own_networks_limits(sandbox: Open, limited: Open) -> None:
    roomy = sandbox("roomy", account="alice")
    tiny = limited("tiny", account="carol", max_length=20)
    long = "a text that is far too long for the tiny sandbox, which takes twenty"
    res = ds.crosspost(long, [roomy, tiny], split=False, variants={target_of(tiny): "fits in twenty"})
    assert res.ok
    assert _texts(tiny) == ["fits in twenty"]
    assert _texts(roomy) == [long]
    dry = ds.crosspost(long, [tiny], split=False, dry_run=True, variants={"sandbox": "x" * 21})
    assert isinstance(dry.outcomes[0].error, ds.ContentRejected)  # the variant itself is checked


@pytest.mark.parametrize(
    ("variants", "match"),
    [
        ({"bluesky": "no bluesky connection here"}, "matches no target"),
        ({"sandbox:someone-else": "x"}, "matches no target"),
        ({"sandbox": 42}, "must be a Draft, a text or a mapping"),
        ({"sandbox": {"txt": "typo"}}, "no field 'txt'"),
        ({"sandbox": {"idempotency_key": "mine"}}, "keys come from"),
        ({"sandbox": {"tags": "one-string"}}, "list or tuple"),
        ({"": "x"}, "selector"),
        (["sandbox"], "mapping"),
    ],
)
def test_bad_variants_are_invalid_input_before_anything_is_written(
    sandbox: Open, variants: Any, match: str
) -> None:
    alice = sandbox("a", account="alice")
    with pytest.raises(ds.InvalidInput, match=match):
        ds.crosspost("hello", [alice], variants=variants)
    assert _texts(alice) == []


def test_an_empty_variant_is_refused_like_an_empty_draft() -> None:
    with pytest.raises(ds.ContentRejected):
        check_variants(ds.Draft(text="x"), {"sandbox": ""}, ["sandbox"])


def test_pick_takes_the_most_specific_selector_first() -> None:
    base = ds.Draft(text="base")
    chosen = check_variants(base, {"sandbox": "net", "brand": "profile"}, ["sandbox", "brand"])
    assert pick(base, chosen, "brand", "sandbox").text == "profile"
    assert pick(base, chosen, "other", "sandbox").text == "net"
    assert pick(base, chosen, "other", "mastodon") is base
    assert all(d.idempotency_key is None for d in chosen.values())
