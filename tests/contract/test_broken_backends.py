"""The contract suite fails a deliberately broken backend: each toy here breaks one promise, and the
case that guards it must catch it (a check that passes a broken backend guards nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from decentsocial import BaseNetwork, Capability, Draft, NetworkSettings, Page, Post
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.errors import UnsupportedFeature
from decentsocial.testing import Harness
from decentsocial.testing.contract import declarations, listings, publishing


class SkipsAtPageBoundaries(SandboxNetwork):
    """Offset paging whose next offset is one too far: a post at every page boundary is never listed."""

    def _posts(self, account: Any, limit: int | None) -> Iterator[Post]:
        def page(offset: int | None, size: int) -> Page[Post, int]:
            start = offset or 0
            every = list(SandboxNetwork._posts(self, account, None))
            items = every[start : start + size]
            return Page(items, start + size + 1 if len(items) == size else None)

        return self._paged(page, limit)


@pytest.fixture
def skipping() -> Iterator[Harness]:
    me = SkipsAtPageBoundaries(SkipsAtPageBoundaries.Settings(account="alice"))
    other = me.as_account("bob")
    try:
        yield Harness(name="skipping", me=me, other=other)
    finally:
        other.close()
        me.close()


def test_pagination_catches_a_backend_that_skips_a_post_between_pages(skipping: Harness) -> None:
    """With posts from earlier cases already there, as on a shared server, the skip must still show."""
    for i in range(skipping.me.page_size * 2):
        skipping.me.publish(f"earlier case {i}")
    with pytest.raises(AssertionError, match="missing across pages"):
        listings.test_pagination(skipping)


def test_pagination_passes_the_sandbox_itself() -> None:
    me = SandboxNetwork(SandboxNetwork.Settings(account="alice"))
    other = me.as_account("bob")
    try:
        for i in range(me.page_size * 2):
            me.publish(f"earlier case {i}")
        listings.test_pagination(Harness(name="sandbox", me=me, other=other))
    finally:
        other.close()
        me.close()


class Toy(BaseNetwork[NetworkSettings]):
    """Publishes into a list; declares search too, but implements no search hook."""

    name = "toy"
    capabilities = frozenset({Capability.PUBLISH, Capability.SEARCH, Capability.PIN})

    def _publish(self, draft: Draft) -> Post:  # pragma: no cover - never called here
        raise NotImplementedError

    def _pin(self, post: Post) -> None:  # pragma: no cover - never called here
        raise NotImplementedError


def test_a_capability_declared_without_its_hooks_is_named() -> None:
    toy = Toy()
    with pytest.raises(AssertionError) as caught:
        declarations.test_every_declared_capability_has_its_hooks(Harness(name="toy", me=toy, other=toy))
    message = str(caught.value)
    assert "search (needs _search or _search_page)" in message
    assert "pin (needs _unpin or _unpin_post)" in message
    assert "pin (needs _pinned or _pinned_page)" in message
    assert "publish" not in message


def test_a_declared_capability_without_its_hook_says_so_at_run_time() -> None:
    """Not "toy does not support search" alone: ``capabilities`` says it does."""
    toy = Toy()
    with pytest.raises(UnsupportedFeature) as caught:
        list(toy.search("marketing"))
    assert caught.value.capability is Capability.SEARCH
    assert "Toy declares it, but does not override its BaseNetwork hook" in str(caught.value)
    with pytest.raises(UnsupportedFeature) as undeclared:
        toy.thread("p1")
    assert "declares" not in str(undeclared.value)


def test_a_backend_with_every_hook_it_declares_passes() -> None:
    class Honest(Toy):
        capabilities = frozenset({Capability.PUBLISH})

    honest = Honest()
    declarations.test_every_declared_capability_has_its_hooks(Harness(name="toy", me=honest, other=honest))


@pytest.mark.parametrize("field", ["apikey", "auth", "passwd", "bearer", "mnemonic", "authToken", "api_key"])
def test_a_secret_kept_as_plain_text_is_caught_however_it_is_spelt(field: str) -> None:
    """The key would show in ``repr(net.settings)``, and so in logs and tracebacks."""
    settings = type("PlainSettings", (NetworkSettings,), {"__annotations__": {field: str}})
    net = type("Plain", (Toy,), {"Settings": settings})(settings(**{field: "sk-live-0123456789"}))
    assert "sk-live-0123456789" in repr(net.settings)
    outcome: BaseException | None = None
    try:
        publishing.test_secrets_not_in_repr(Harness(name="toy", me=net, other=net))
    except (AssertionError, pytest.skip.Exception) as exc:  # a skip: "no secret setting" was seen
        outcome = exc
    assert isinstance(outcome, AssertionError), f"the plain-text secret {field!r} was not caught"
    assert "must be a SecretStr" in str(outcome)


@pytest.mark.parametrize("field", ["author", "keyword", "public_key", "token_url", "keyring_service"])
def test_settings_that_only_name_a_secret_are_left_alone(field: str) -> None:
    assert not publishing.secret_name(field)
