"""A variant that makes an unpublishable draft is refused naming the variant, before anything is written."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.crosspost import target_of

TWO_HALVES = [{"account": "a", "percent": 60}, {"account": "b", "percent": 60}]


@pytest.mark.parametrize(
    ("value", "why"),
    [("", "needs text or media"), ({"beneficiaries": TWO_HALVES}, "add up to 120%")],
)
def test_the_variant_at_fault_is_named(
    sandbox: Callable[..., SandboxNetwork], value: object, why: str
) -> None:
    alice = sandbox("a", account="alice")
    bob = sandbox("b", account="bob")
    variants = {"sandbox": "Short", target_of(bob): value}
    with pytest.raises(ds.ContentRejected, match=f"^variant {re.escape(repr(target_of(bob)))}: .*{why}"):
        ds.crosspost("Launch day", [alice, bob], variants=variants)  # type: ignore[arg-type]
    assert list(alice.posts(limit=None)) == []
    assert list(bob.posts(limit=None)) == []
