"""A backend written from docs/backends.md that leaves tip idempotency keys to ``BaseNetwork``: a key
used again gives the first receipt, and a key whose answer was lost is never paid a second time."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import ClassVar

import pytest

import decentsocial as ds
from decentsocial import Amount, Capability, NetworkSettings
from decentsocial.base import BaseNetwork
from decentsocial.network import READING, AccountRef, PostRef


class ToySettings(NetworkSettings):
    handle: str = "brand"


#: The toy network's ledger: every payment it ever made, shared by every connection.
PAID: list[tuple[str, str, str]] = []
_RECEIPTS = itertools.count(1)


class TippingNetwork(BaseNetwork[ToySettings]):
    """Pays whatever it is asked to: keys are the base class's job (``resolves_tip_keys`` is False)."""

    name = "toytip"
    Settings = ToySettings
    capabilities = READING | {Capability.TIP}

    @property
    def identity(self) -> str:
        return self.settings.handle

    def _tip(self, to: AccountRef | PostRef, amount: Amount, memo: str, idempotency_key: str | None) -> str:
        PAID.append((str(to), str(amount), memo))
        return f"r{next(_RECEIPTS)}"


class LostAnswer(TippingNetwork):
    """Pays, then loses the answer (a timeout after the network moved the money)."""

    def _tip(self, to: AccountRef | PostRef, amount: Amount, memo: str, idempotency_key: str | None) -> str:
        super()._tip(to, amount, memo, idempotency_key)
        raise ds.NetworkUnavailable("the answer was lost", network=self.name, retryable=False)


class Refused(TippingNetwork):
    """Refuses before paying (a balance too low): nothing moved, so the key is free again."""

    def _tip(self, to: AccountRef | PostRef, amount: Amount, memo: str, idempotency_key: str | None) -> str:
        raise ds.ContentRejected("balance too low", network=self.name)


@pytest.fixture
def settings(tmp_path: Path) -> ToySettings:
    PAID.clear()
    return ToySettings(state_path=tmp_path / "state.db")


def test_a_key_used_again_gives_the_first_receipt(settings: ToySettings) -> None:
    first = TippingNetwork(settings).tip("alice", "1.5 TOY", "thanks", idempotency_key="tip-1")
    again = TippingNetwork(settings).tip("alice", "1.5 TOY", "thanks", idempotency_key="tip-1")
    assert again == first
    assert PAID == [("alice", "1.5 TOY", "thanks")]
    with pytest.raises(ds.InvalidInput, match="different content"):
        TippingNetwork(settings).tip("alice", "2 TOY", "thanks", idempotency_key="tip-1")
    assert len(PAID) == 1


def test_a_retry_after_a_lost_answer_never_pays_again(settings: ToySettings) -> None:
    with pytest.raises(ds.NetworkUnavailable, match="lost"):
        LostAnswer(settings).tip("alice", "3 TOY", idempotency_key="tip-2")
    for net in (LostAnswer(settings), TippingNetwork(settings)):  # the retry, from any connection
        with pytest.raises(ds.NetworkUnavailable, match="may have been paid") as caught:
            net.tip("alice", "3 TOY", idempotency_key="tip-2")
        assert not caught.value.retryable
    assert PAID == [("alice", "3 TOY", "")]


def test_a_refused_tip_gives_its_key_back(settings: ToySettings) -> None:
    with pytest.raises(ds.ContentRejected):
        Refused(settings).tip("alice", "3 TOY", idempotency_key="tip-3")
    TippingNetwork(settings).tip("alice", "3 TOY", idempotency_key="tip-3")
    assert PAID == [("alice", "3 TOY", "")]


class Resolving(LostAnswer):
    """Says its ``_tip`` finds what a key paid itself: a repeat after a lost answer reaches it."""

    resolves_tip_keys = True
    keys: ClassVar[list[str | None]] = []

    def _tip(self, to: AccountRef | PostRef, amount: Amount, memo: str, idempotency_key: str | None) -> str:
        self.keys.append(idempotency_key)
        if self.keys.count(idempotency_key) > 1:
            return "r-found"  # found in its own records, not paid again
        return super()._tip(to, amount, memo, idempotency_key)


def test_a_backend_that_resolves_tip_keys_is_called_again(settings: ToySettings) -> None:
    Resolving.keys.clear()
    with pytest.raises(ds.NetworkUnavailable):
        Resolving(settings).tip("alice", "1 TOY", idempotency_key="tip-4")
    assert Resolving(settings).tip("alice", "1 TOY", idempotency_key="tip-4") == "r-found"
    assert Resolving.keys == ["tip-4", "tip-4"]
    assert len(PAID) == 1
