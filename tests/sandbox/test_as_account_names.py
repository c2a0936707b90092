"""``as_account(display_name=...)`` follows the ``display_name`` setting's rule (text, at most 100).

``model_copy`` does not validate, so any object or length was stored as the account's name.
"""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial import InvalidInput, NotFound
from decentsocial.backends.sandbox import SandboxNetwork


@pytest.mark.parametrize("bad", ["x" * 101, 5, b"bob", ["B"]])
def test_a_bad_display_name_is_invalid_input_and_makes_no_account(alice: SandboxNetwork, bad: Any) -> None:
    with pytest.raises(InvalidInput, match="display_name"):
        alice.as_account("bob", display_name=bad)
    with pytest.raises(NotFound):  # refused before the account was made
        alice.account("bob")


def test_good_names_still_work(alice: SandboxNetwork) -> None:
    bob = alice.as_account("bob", display_name="بوب 👨‍👩‍👧‍👦" + "x" * 80)
    assert bob.me().display_name == "بوب 👨‍👩‍👧‍👦" + "x" * 80
    bob.close()
