"""Amounts are written in fixed point, read back exactly, bounded, and summed exactly (audit F1/F2).

``str(Decimal)`` writes an exponent (``0E-8``, ``1E+3``) that the parser did
not read, so a valid amount made JSON its own models could not load: a
scheduled draft with such a payout cap poisoned the job store. A hostile
exponent must be refused before anything formats it.
"""

from __future__ import annotations

import decimal
import time
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import Amount, Draft, InvalidInput, PayoutOptions, Reward, RewardPart
from decentsocial.jobs import content_json, parse_content

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

#: Valid amounts whose ``Decimal`` is in exponent form, and what ``str()`` writes for each.
EXPONENT_FORMS = [
    (Amount.zero("BTC", 8), "0.00000000 BTC"),
    (Amount(value=Decimal("1000.000").normalize(), asset="HBD"), "1000 HBD"),
    (Amount(value=1e16, asset="SAT"), "10000000000000000 SAT"),
    (Amount(value=Decimal("0.0000001"), asset="ETH"), "0.0000001 ETH"),
    (Amount(value=Decimal("0E+3"), asset="HIVE"), "0 HIVE"),
    (Amount(value=Decimal("1E+39"), asset="X"), "1" + "0" * 39 + " X"),  # 40 digits: the most
    (Amount(value=Decimal("1E-40"), asset="X"), "0." + "0" * 39 + "1 X"),  # 40 places: the most
]
IDS = [text for _, text in EXPONENT_FORMS]


@pytest.mark.parametrize(("amount", "text"), EXPONENT_FORMS, ids=IDS)
def test_str_is_fixed_point_and_parses_back(amount: Amount, text: str) -> None:
    assert str(amount) == text
    assert "E" not in str(amount).split()[0].upper()  # the number: no exponent
    again = Amount.parse(str(amount))
    assert again == amount
    assert str(again) == text


@pytest.mark.parametrize(("amount", "text"), EXPONENT_FORMS, ids=IDS)
def test_every_model_holding_the_amount_reads_back_its_json(amount: Amount, text: str) -> None:
    reward = Reward(
        network="hive",
        subject="@alice/post",
        status="pending",
        amounts=(amount,),
        parts=(RewardPart(role="author", account="alice", amounts=(amount,)),),
    )
    draft = Draft(text="capped", payout=PayoutOptions(max_accepted_payout=amount))
    notification = ds.Notification(
        network="nostr", id="n1", kind="zap", created_at=WHEN, amount=amount, raw={"k": 1}
    )
    for model in (amount, reward, draft, notification):
        assert type(model).model_validate_json(model.model_dump_json()) == model
        assert type(model).model_validate(model.model_dump(mode="json")) == model
    assert f'"{text}"' in reward.model_dump_json()


@pytest.mark.parametrize(("amount", "text"), EXPONENT_FORMS, ids=IDS)
def test_a_scheduled_draft_with_the_amount_reads_back_from_its_store_text(amount: Amount, text: str) -> None:
    """The job stores keep ``content_json``; ``parse_content`` must read it (audit F2)."""
    draft = Draft(text="capped payout", payout=PayoutOptions(max_accepted_payout=amount))
    variant = Draft(text="variant", payout=PayoutOptions(max_accepted_payout=amount))
    for variants in ({}, {"hive": variant}):
        stored = content_json(draft, variants)
        assert parse_content(stored) == (draft, variants)


@pytest.mark.parametrize(
    ("stored", "value", "written"),
    [
        ("1E+3 HBD", Decimal(1000), "1000 HBD"),
        ("2.5E-3 HIVE", Decimal("0.0025"), "0.0025 HIVE"),
        ("1.23E+5 HIVE", Decimal(123000), "123000 HIVE"),
        ("0E-8 BTC", Decimal(0), "0.00000000 BTC"),
        (" 1.000E+2  SAND ", Decimal(100), "100.0 SAND"),
    ],
)
def test_an_exponent_already_in_a_store_is_read(stored: str, value: Decimal, written: str) -> None:
    amount = Amount.parse(stored)
    assert amount.value == value
    assert str(amount) == written
    assert Amount.model_validate_json(f'"{stored}"') == amount
    reward = Reward.model_validate_json(
        f'{{"network": "hive", "subject": "s", "status": "paid", "amounts": ["{stored}"]}}'
    )
    assert reward.amounts == (amount,)
    draft = Draft.model_validate_json(f'{{"text": "x", "payout": {{"max_accepted_payout": "{stored}"}}}}')
    assert draft.payout is not None
    assert draft.payout.max_accepted_payout == amount


@pytest.mark.parametrize("text", ["1e5 HIVE", "1E5 HIVE", "1e+3 HBD", "1E HBD", "E+3 HBD", "1.E+3 HBD"])
def test_only_the_exponent_str_decimal_writes_is_read(text: str) -> None:
    """``str(Decimal)`` writes ``E`` and a sign: what earlier versions stored. Nothing else is read."""
    with pytest.raises(InvalidInput, match="malformed"):
        Amount.parse(text)


HOSTILE_TEXT = [
    "1E+999999999 HBD",
    "1e999999999 HBD",
    "0E-999999999 HBD",
    "1E-999999999 HBD",
    "0E+999999999 HBD",
    "1E+99999999999999999999999999 HBD",  # past what a Decimal holds
    "1E+40 HBD",  # 41 digits
    "1E-41 HBD",  # 41 places
    "9" * 41 + " HBD",
    "0." + "0" * 40 + "1 HBD",
    "1" * 100_000 + " HBD",
]


@pytest.mark.parametrize("text", HOSTILE_TEXT, ids=lambda t: t[:30])
def test_absurd_magnitudes_are_invalid_input_fast(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInput):
        Amount.parse(text)
    with pytest.raises(InvalidInput):
        Amount.model_validate_json(f'"{text}"')
    with pytest.raises(InvalidInput):
        Reward.model_validate_json(
            f'{{"network": "hive", "subject": "s", "status": "paid", "amounts": ["{text}"]}}'
        )
    with pytest.raises(InvalidInput):
        Draft.model_validate_json(f'{{"text": "x", "payout": {{"max_accepted_payout": "{text}"}}}}')
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "value",
    [
        Decimal("1E+999999999"),
        Decimal("0E-999999999"),
        Decimal("1E-41"),
        Decimal("1E+40"),
        "1e+999999999",
        10.0**40,
    ],
    ids=str,
)
def test_absurd_values_are_refused_at_validation(value: Any) -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match="at most 40"):
        Amount(value=value, asset="HBD")
    with pytest.raises(InvalidInput):
        PayoutOptions.model_validate({"max_accepted_payout": {"value": value, "asset": "HBD"}})
    with pytest.raises(InvalidInput):
        Amount.zero("BTC", 41)
    assert time.perf_counter() - started < 1.0


def test_the_message_never_writes_the_value_out() -> None:
    with pytest.raises(InvalidInput) as caught:
        Amount(value=Decimal("1E+999999"), asset="HBD")
    assert len(str(caught.value)) < 200


def test_sums_and_differences_are_exact_past_28_digits() -> None:
    big = Amount.parse("99999999999999999999999999999.999 X")
    total = big + Amount.parse("0.001 X")
    assert total.value == Decimal("100000000000000000000000000000.000")
    assert str(total) == "100000000000000000000000000000.000 X"
    assert Amount.parse(str(total)) == total
    assert total - Amount.parse("0.001 X") == big
    widest = Amount.parse("1" + "0" * 39 + " X") + Amount.parse("0." + "0" * 39 + "1 X")
    assert str(widest) == "1" + "0" * 39 + "." + "0" * 39 + "1 X"
    assert Amount.model_validate_json(widest.model_dump_json()) == widest


def test_sums_do_not_depend_on_the_callers_decimal_context() -> None:
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.traps[decimal.Inexact] = True
        total = Amount.parse("1234.567 X") + Amount.parse("0.001 X")
        rest = Amount.parse("1234.567 X") - Amount.parse("0.567 X")
    assert total.value == Decimal("1234.568")
    assert rest.value == Decimal("1234.000")


def test_a_sum_past_the_bound_is_invalid_input_not_rounded() -> None:
    most = Amount.parse("9" * 40 + " X")
    with pytest.raises(InvalidInput, match="41 digits"):
        most + Amount.parse("1 X")
    with pytest.raises(InvalidInput, match="negative"):
        Amount.parse("1 X") - Amount.parse("2 X")
