"""An ``Amount`` holds only an asset name its own text form reads back.

``Amount(value=1, asset="HBD ")`` (or ``"HI VE"``, ``"@@000000099"``) was
accepted, and its ``str()``/JSON (``"1 HI VE"``) was then refused by
``Amount.parse``: a reward or a scheduled draft holding it was written to a
store and could not be read back. A Hive node's amount with an unknown NAI
became such an amount; it is the node's malformed answer now.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from decentsocial import InvalidInput, NetworkUnavailable
from decentsocial.backends.hive.chain import HIVE
from decentsocial.backends.hive.convert import amount_of
from decentsocial.models import Amount, Reward


@pytest.mark.parametrize(
    "asset", ["HBD ", " HBD", " ", "HI VE", "HBD\n", "@@000000099", "١", "1SAT", "SAT/BTC"]
)
def test_an_asset_the_text_form_cannot_read_back_is_invalid_input(asset: str) -> None:
    with pytest.raises(InvalidInput):
        Amount(value=Decimal(1), asset=asset)
    with pytest.raises(InvalidInput):
        Amount.model_validate({"value": "1", "asset": asset})


@pytest.mark.parametrize("asset", ["HBD", "SAT", "sand", "VESTS", "X_1.b-2"])
def test_every_asset_accepted_reads_back_from_its_json(asset: str) -> None:
    amount = Amount(value=Decimal("1.500"), asset=asset)
    reward = Reward(network="hive", subject="a/b", status="paid", amounts=(amount,))
    assert Reward.model_validate_json(reward.model_dump_json()) == reward
    assert Amount.parse(str(amount)) == amount


def test_a_hive_amount_with_an_unknown_nai_is_a_malformed_answer() -> None:
    with pytest.raises(NetworkUnavailable, match="malformed amount"):
        amount_of({"amount": "1000", "precision": 3, "nai": "@@000000099"}, HIVE)
    known = amount_of({"amount": "1000", "precision": 3, "nai": "@@000000013"}, HIVE)
    assert known == Amount(value=Decimal("1.000"), asset="HBD")
