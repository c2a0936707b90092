"""An amount is refused for what it is worth, not for how it is written.

``"1.0000 SAND"`` (an f-string's ``:.4f``) is exactly 1.000 SAND, and was refused as having
"more than 3 decimal places"; ``"0.0005 SAND"`` still is.
"""

from __future__ import annotations

import pytest

from decentsocial import Amount, ConfigurationError, InvalidInput
from decentsocial.backends.sandbox import SandboxNetwork

from .conftest import sandbox


@pytest.mark.parametrize("text", ["1.0000 SAND", "1.000000000 SAND", f"{1:.4f} SAND"])
def test_trailing_zeros_are_the_same_amount(alice: SandboxNetwork, bob: SandboxNetwork, text: str) -> None:
    alice.tip("@bob", text)
    assert bob.balance() == Amount.parse("101.000 SAND")
    assert alice.balance() == Amount.parse("99.000 SAND")


@pytest.mark.parametrize("text", ["0.0005 SAND", "1.0001 SAND", "2.5000001 SAND"])
def test_a_fraction_of_a_unit_is_still_refused(alice: SandboxNetwork, bob: SandboxNetwork, text: str) -> None:
    with pytest.raises(InvalidInput, match="decimal places"):
        alice.tip("@bob", text)
    assert bob.balance() == Amount.parse("100.000 SAND")


def test_settings_take_trailing_zeros_too() -> None:
    net = sandbox(like_reward="0.50000", starting_balance="10.0000")
    assert net.balance() == Amount.parse("10.000 SAND")
    net.close()
    with pytest.raises(ConfigurationError, match="decimal places"):
        sandbox(like_reward="0.0001")
