"""An idempotency key holding a NUL character (U+0000) is ``InvalidInput`` naming it, and nothing is kept.

Drafts, memos and job keys refused a NUL, but the key of ``tip(idempotency_key=...)`` was paid under
and stored with the sandbox's transfer (or claimed in the state store), and a draft copied without
validation (``model_copy``) was published, or crossposted, under one. Now every way in checks the key
once, as a lone surrogate is checked, before anything is paid, posted or stored. Other control
characters are still keys.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import Amount, InvalidInput, aio
from decentsocial.backends.sandbox import SandboxNetwork

HUNDRED = Amount.parse("100.000 SAND")


def _copied(key: str) -> ds.Draft:
    """A draft holding ``key``, made as ``reply`` and ``publish_thread`` make theirs (not validated)."""
    return ds.Draft(text="launch").model_copy(update={"idempotency_key": key})


@pytest.mark.parametrize(("key", "at"), [("tip\x00", 3), ("\x00", 0), ("م\x00ر", 1)])
def test_a_tip_keyed_with_a_nul_pays_nothing(
    alice: SandboxNetwork, bob: SandboxNetwork, key: str, at: int
) -> None:
    with pytest.raises(InvalidInput) as refused:
        alice.tip("@bob", "1.000 SAND", memo="thanks", idempotency_key=key)
    assert refused.value.message == (
        f"an idempotency key holds a NUL character (U+0000) at character {at}: give it as plain text"
    )
    assert refused.value.network == "sandbox"
    assert alice.balance() == bob.balance() == HUNDRED
    assert list(bob.notifications()) == []


@pytest.mark.parametrize("unsupported", [[], ["idempotent_publish"]])
def test_a_draft_copied_with_a_nul_in_its_key_is_not_published(
    tmp_path: Path, unsupported: list[str]
) -> None:
    state = tmp_path / "state.db"
    with ds.connect("sandbox", account="alice", state_path=state, unsupported=unsupported) as alice:
        with pytest.raises(InvalidInput, match=r"an idempotency key holds a NUL character .* at character 6"):
            alice.publish(_copied("launch\x00v2"))
        assert list(alice.posts(limit=None)) == []
        assert not state.exists()  # no record claimed
        parent = alice.publish("the post replied to")
        with pytest.raises(InvalidInput, match=r"NUL character \(U\+0000\) at character 0"):
            alice.reply(parent, _copied("\x00"))
        assert [p.id for p in alice.posts(limit=None)] == [parent.id]


def test_a_crosspost_of_such_a_draft_posts_nowhere(tmp_path: Path) -> None:
    with (
        ds.connect("sandbox", path=tmp_path / "s.db", account="alice") as alice,
        ds.connect("sandbox", path=tmp_path / "s.db", account="bob") as bob,
    ):
        for dry_run in (True, False):
            with pytest.raises(InvalidInput, match=r"NUL character \(U\+0000\) at character 6"):
                ds.crosspost(_copied("launch\x00v2"), [alice, bob], dry_run=dry_run)
        assert list(alice.posts(limit=None)) == list(bob.posts(limit=None)) == []


def test_the_async_tip_and_crosspost_refuse_it_too(tmp_path: Path) -> None:
    async def main() -> tuple[Amount, Amount, int]:
        async with aio.connect("sandbox", path=tmp_path / "s.db", account="alice") as alice:
            sync = alice.sync
            assert isinstance(sync, SandboxNetwork)
            bob = await alice.run(sync.as_account, "bob")
            try:
                with pytest.raises(InvalidInput, match=r"NUL character \(U\+0000\) at character 4"):
                    await alice.tip("@bob", "1.000 SAND", idempotency_key="tip-\x00", memo="thanks")
                with pytest.raises(InvalidInput, match=r"NUL character \(U\+0000\) at character 0"):
                    await aio.crosspost(_copied("\x00"), [alice])
                posts = await alice.run(lambda: list(sync.posts(limit=None)))
                return await alice.run(sync.balance), await alice.run(bob.balance), len(posts)
            finally:
                await alice.run(bob.close)

    assert asyncio.run(main()) == (HUNDRED, HUNDRED, 0)


def test_a_key_with_other_control_characters_still_pays_once(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    key = "tip\t1\x1b\x7f"
    receipt = alice.tip("@bob", "1.000 SAND", idempotency_key=key)
    assert alice.tip("@bob", "1.000 SAND", idempotency_key=key) == receipt
    assert bob.balance() == Amount.parse("101.000 SAND")
