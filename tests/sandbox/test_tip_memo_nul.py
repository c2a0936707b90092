"""A tip's memo holding a NUL character (U+0000) is ``InvalidInput`` before anything is paid or kept.

Drafts and messages refuse a NUL, but ``tip(memo=...)`` took one: the sandbox's ledger stored it
with the transfer, a Hive transfer or a Nostr zap request carried it to a node, relay or LNURL
server, which refuses it (or keeps it) only once the tip is signed and sent. Now it is refused as a
lone surrogate is, naming the position; a keyed tip refused so leaves its key unused. Other control
characters are still paid: tab and newline are text.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from decentsocial import Amount, InvalidInput, aio
from decentsocial.backends.sandbox import SandboxNetwork

HUNDRED = Amount.parse("100.000 SAND")


@pytest.mark.parametrize(
    ("memo", "at"),
    [
        ("thanks\x00", 6),
        ("\x00", 0),
        ("ش\x00كرا", 1),
        ("t\x00h\x00x\x00", 1),
    ],  # the last: UTF-16 read as UTF-8
)
def test_a_memo_holding_a_nul_pays_nothing(
    alice: SandboxNetwork, bob: SandboxNetwork, memo: str, at: int
) -> None:
    with pytest.raises(InvalidInput) as refused:
        alice.tip("@bob", "1.000 SAND", memo=memo)
    assert (
        refused.value.message == f"memo holds a NUL character (U+0000) at character {at}: networks refuse it"
    )
    assert alice.balance() == bob.balance() == HUNDRED
    assert list(bob.notifications()) == []


def test_a_keyed_tip_refused_for_its_memo_leaves_its_key_unused(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    with pytest.raises(InvalidInput, match="NUL character"):
        alice.tip("@bob", "1.000 SAND", memo="thanks\x00", idempotency_key="thanks-1")
    receipt = alice.tip("@bob", "1.000 SAND", memo="thanks", idempotency_key="thanks-1")
    assert alice.tip("@bob", "1.000 SAND", memo="thanks", idempotency_key="thanks-1") == receipt
    assert bob.balance() == Amount.parse("101.000 SAND")


def test_an_async_tip_is_refused_the_same_way(tmp_path: Path) -> None:
    async def main() -> tuple[Amount, Amount]:
        async with aio.connect("sandbox", path=tmp_path / "s.db", account="alice") as alice:
            sync = alice.sync
            assert isinstance(sync, SandboxNetwork)
            bob = await alice.run(sync.as_account, "bob")
            try:
                with pytest.raises(
                    InvalidInput, match=r"memo holds a NUL character \(U\+0000\) at character 1"
                ):
                    await alice.tip("@bob", "1.000 SAND", memo="a\x00")
                return await alice.run(sync.balance), await alice.run(bob.balance)
            finally:
                await alice.run(bob.close)

    assert asyncio.run(main()) == (HUNDRED, HUNDRED)


def test_other_control_characters_in_a_memo_are_still_paid(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    alice.tip("@bob", "1.000 SAND", memo="line\nnext\ttab \x1b[0m\x0c\x7f")
    assert bob.balance() == Amount.parse("101.000 SAND")
