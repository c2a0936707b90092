"""The neutral models: frozen, UTC, exact JSON round trips, exact amounts."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import decentsocial as ds
from decentsocial.models import as_draft, normalise_tags
from tests.trusted import same


def _post(**changes: object) -> ds.Post:
    base: dict[str, object] = {
        "network": "sandbox",
        "id": "p1",
        "author": ds.Account(network="sandbox", id="a1", handle="alice"),
        "text": "مرحبا بالعالم #تسويق 👩🏽‍💻",
        "created_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=3))),
        "tags": ["#Marketing", "marketing", "تسويق"],
        "metrics": ds.Engagement(likes=3, reposts=1),
        "reward": ds.Reward(
            network="sandbox",
            subject="p1",
            status="pending",
            amounts=(ds.Amount.parse("1.250 SAND"),),
            parts=(ds.RewardPart(role="author", account="alice", amounts=(ds.Amount.parse("1.000 SAND"),)),),
        ),
        "raw": {"nested": {"list": [1, "two", None]}},
    }
    base.update(changes)
    return ds.Post.model_validate(base)


def test_post_is_frozen() -> None:
    post = _post()
    with pytest.raises(ValidationError):
        post.text = "changed"  # type: ignore[misc]


def test_datetimes_become_utc() -> None:
    post = _post()
    assert post.created_at.tzinfo == timezone.utc
    assert post.created_at.hour == 0  # 03:04 at +03:00
    naive = _post(created_at=datetime(2016, 4, 7, 19, 49, 36))
    assert naive.created_at == datetime(2016, 4, 7, 19, 49, 36, tzinfo=timezone.utc)


def test_tags_normalised() -> None:
    assert _post().tags == ("marketing", "تسويق")


def test_json_round_trip_is_exact() -> None:
    post = _post(media=(ds.Media(kind="image", data=b"\x00\xffbinary", alt_text="صورة"),))
    again = ds.Post.model_validate_json(post.model_dump_json())
    assert again == post
    assert again.reward is not None
    assert str(again.reward.amounts[0]) == "1.250 SAND"


def test_a_trusted_build_is_the_model_validation_builds_on_this_pydantic() -> None:
    """``_Model._trusted`` (the Hive converter's path) sets pydantic's own slots: checked on every
    supported Python and pydantic, with fields left to their defaults and with every field given."""
    validated = _post()
    nested = [validated, validated.author, validated.metrics, validated.reward]
    for model in nested:
        assert model is not None
        cls = type(model)
        given = model.model_fields_set
        set_fields = {name: value for name, value in model.__dict__.items() if name in given}
        for trusted in (cls._trusted(set_fields), cls._trusted(dict(model.__dict__), frozenset(given))):
            assert type(trusted) is cls
            assert list(trusted.__dict__) == list(model.__dict__)
            assert trusted.model_fields_set == model.model_fields_set
            assert trusted.__pydantic_extra__ == model.__pydantic_extra__
            assert trusted.__pydantic_private__ == model.__pydantic_private__
            assert trusted == model
            assert repr(trusted) == repr(model)
            assert trusted.model_dump_json() == model.model_dump_json()
            assert cls.model_validate_json(trusted.model_dump_json()) == model
            with pytest.raises(ValidationError):  # frozen, as a validated one
                setattr(trusted, next(iter(cls.model_fields)), None)


def test_amount_parse_and_format_exact() -> None:
    amount = ds.Amount.parse("1.000 HBD")
    assert amount.value == Decimal("1.000")
    assert amount.asset == "HBD"
    assert str(amount) == "1.000 HBD"
    assert str(ds.Amount.parse("0.000001 VESTS")) == "0.000001 VESTS"
    assert ds.Amount.parse(amount) is amount


def test_amount_arithmetic_only_between_equal_assets() -> None:
    total = ds.Amount.parse("1.000 HIVE") + ds.Amount.parse("0.250 HIVE")
    assert str(total) == "1.250 HIVE"
    assert str(total - ds.Amount.parse("1.250 HIVE")) == "0.000 HIVE"
    with pytest.raises(ds.InvalidInput, match="HBD"):
        ds.Amount.parse("1.000 HIVE") + ds.Amount.parse("1.000 HBD")
    with pytest.raises(ds.InvalidInput, match="negative"):
        ds.Amount.parse("1.000 HIVE") - ds.Amount.parse("2.000 HIVE")


@pytest.mark.parametrize(
    "text", ["", "1.000", "HIVE", "1,5 HIVE", "1.000 HIVE extra", "nan HIVE", "1e5 HIVE"]
)
def test_malformed_amount(text: str) -> None:
    with pytest.raises(ds.InvalidInput, match="malformed"):
        ds.Amount.parse(text)


def test_negative_amount() -> None:
    with pytest.raises(ds.InvalidInput, match="negative"):
        ds.Amount.parse("-0.001 HIVE")
    with pytest.raises(ds.InvalidInput, match="negative"):
        ds.Amount(value=Decimal("-1"), asset="HIVE")


@given(
    st.decimals(min_value=0, max_value=10**12, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from(["HIVE", "HBD", "STEEM", "SBD", "SAND", "sats"]),
)
def test_amount_string_round_trip(value: Decimal, asset: str) -> None:
    amount = ds.Amount(value=value, asset=asset)
    assert ds.Amount.parse(str(amount)) == amount
    assert ds.Amount.model_validate_json(amount.model_dump_json()) == amount


@given(
    st.from_regex(r"\A\s{0,2}-?[0-9]{1,20}(\.[0-9]{1,12})?\s{1,3}[A-Za-z][A-Za-z0-9_.-]{0,8}\s{0,2}\Z"),
    st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False, allow_infinity=False),
)
def test_amount_parse_and_sum_build_what_validation_builds(text: str, more: Decimal) -> None:
    """``parse`` and ``+`` skip validation (Hive reads several a post): each must equal what it builds."""
    value, asset = text.split()
    if Decimal(value) < 0:
        with pytest.raises(ds.InvalidInput, match="negative"):
            ds.Amount.parse(text)
        return
    parsed = ds.Amount.parse(text)
    same(parsed, ds.Amount.model_validate({"value": Decimal(value), "asset": asset}))
    total = parsed + ds.Amount(value=more, asset=asset)
    exact = Context(prec=100).add(Decimal(value), more)  # the default context would round at 28 digits
    same(total, ds.Amount.model_validate({"value": exact, "asset": asset}))


def test_draft_needs_text_or_media() -> None:
    with pytest.raises(ds.ContentRejected):
        ds.Draft(text="   ")
    with pytest.raises(ds.ContentRejected):
        as_draft("")
    assert ds.Draft(media=(ds.Media(url="https://example.invalid/a.png"),)).text == ""


def test_draft_rejects_beneficiaries_over_100_percent() -> None:
    with pytest.raises(ds.ContentRejected, match="100"):
        ds.Draft(
            text="hi",
            beneficiaries=(
                ds.Beneficiary(account="a", percent=Decimal(60)),
                ds.Beneficiary(account="b", percent=Decimal(41)),
            ),
        )


def test_media_needs_bytes_or_a_url_and_may_have_both() -> None:
    with pytest.raises(ds.InvalidInput, match="a url, or both"):
        ds.Media()
    with pytest.raises(ds.InvalidInput, match="not both"):
        ds.Media(path=Path("a.png"), data=b"x")
    both = ds.Media(url="https://example.invalid/a.png", data=b"x")
    assert both.has_bytes
    assert both.read_bytes() == b"x"
    assert not ds.Media(url="https://example.invalid/a.png").has_bytes


def test_poll_needs_two_options() -> None:
    with pytest.raises(ds.InvalidInput, match="2 options"):
        ds.Poll(options=("only",))


def test_as_draft_rejects_other_types() -> None:
    with pytest.raises(ds.InvalidInput):
        as_draft(42)  # type: ignore[arg-type]


def test_unknown_visibility_is_invalid_input() -> None:
    with pytest.raises(ds.InvalidInput, match="unknown visibility 'friends'"):
        ds.Draft(text="hi", visibility="friends")
    assert ds.Draft(text="hi", visibility="followers").visibility == "followers"


@pytest.mark.parametrize("field", ["text", "content_warning", "title", "tags", "mentions"])
def test_half_a_character_is_invalid_input_before_any_network_sees_it(field: str) -> None:
    broken = "launch \ud83d day"  # the first half of an emoji's UTF-16 pair, alone
    value: object = (broken,) if field in ("tags", "mentions") else broken
    fields: dict[str, object] = {"text": "hi", field: value}
    with pytest.raises(ds.InvalidInput, match=f"{field} is not valid Unicode.*character 7"):
        ds.Draft(**fields)


def test_a_broken_string_is_refused_by_publish_and_nothing_is_stored(tmp_path: Path) -> None:
    net = ds.connect("sandbox", path=str(tmp_path / "s.db"), account="brand")
    with pytest.raises(ds.InvalidInput):
        net.publish("launch \ud83d day")
    assert list(net.posts(limit=None)) == []
    assert net.publish("launch 🚀 day").text == "launch 🚀 day"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26T13:15:00Z", datetime(2026, 11, 26, 13, 15, tzinfo=timezone.utc)),
        ("2026-11-26T13:15:00+0000", datetime(2026, 11, 26, 13, 15, tzinfo=timezone.utc)),  # Graph API
        ("2026-11-26T15:15:00+02:00", datetime(2026, 11, 26, 13, 15, tzinfo=timezone.utc)),
        ("2026-11-26T13:15:00.5Z", datetime(2026, 11, 26, 13, 15, 0, 500_000, tzinfo=timezone.utc)),
        ("2026-11-26T13:15:00.123456789Z", datetime(2026, 11, 26, 13, 15, 0, 123_456, tzinfo=timezone.utc)),
        ("2026-11-26T13:15:00", datetime(2026, 11, 26, 13, 15, tzinfo=timezone.utc)),  # naive is UTC
        # 19 characters, the length read at once as UTC: only a time with no offset may be.
        ("2026-11-26 13:15:00", datetime(2026, 11, 26, 13, 15, tzinfo=timezone.utc)),
        pytest.param(
            "2026-11-26T15:15+02",
            datetime(2026, 11, 26, 13, 15, tzinfo=timezone.utc),
            marks=pytest.mark.skipif(
                sys.version_info < (3, 11), reason="Python 3.10 reads no hours-only offset ('+02')"
            ),
        ),
        ("2026-11-26T13:15:0Z", None),
    ],
)
def test_iso_timestamps_as_servers_send_them_read_as_utc(text: str, expected: datetime | None) -> None:
    from decentsocial.models import parse_iso_datetime

    if expected is None:
        with pytest.raises(ValueError):
            parse_iso_datetime(text)
        return
    parsed = parse_iso_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is timezone.utc  # the very object validation gives (models built trusted)


def test_an_unreadable_timestamp_is_a_value_error() -> None:
    from decentsocial.models import parse_iso_datetime

    with pytest.raises(ValueError):
        parse_iso_datetime("yesterday")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": "x", "tags": "acme"}, "tags"),
        ({"text": "x", "mentions": "bob"}, "mentions"),
        ({"text": "x", "media": "cat.png"}, "media"),
        ({"text": "x", "beneficiaries": "alice"}, "beneficiaries"),
    ],
)
def test_a_string_where_a_list_belongs_is_refused_not_split(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ds.InvalidInput, match=rf"Draft\.{field} must be a list or tuple"):
        ds.Draft(**kwargs)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ds.Draft(text=5), "text"),
        (lambda: ds.Draft(text="x", scheduled_at="tomorrow"), "scheduled_at"),
        (lambda: ds.Draft(text="x", sensitive="maybe"), "sensitive"),
        (lambda: ds.Draft(text="x", unknown_field=1), "unknown_field"),  # type: ignore[call-arg]  # deliberately unknown
        (lambda: ds.Media(kind="image", path="a.png", alt_text=3), "alt_text"),
        (lambda: ds.Amount(value="lots", asset="HIVE"), "value"),
        (lambda: ds.Poll(options="ab"), "options"),
        (lambda: ds.Draft(text="x", media=[{"kind": "image"}]), "Media"),
    ],
)
def test_every_construction_error_is_invalid_input_naming_the_field(build: Any, field: str) -> None:
    with pytest.raises(ds.InvalidInput) as caught:
        build()
    assert field in str(caught.value)
    assert not isinstance(caught.value, ValidationError)


def test_all_tags_merge_text_hashtags_first_then_draft_tags() -> None:
    draft = ds.Draft(text="Launch #Acme today #launch", tags=["brand", "#ACME"])
    assert draft.all_tags == ("acme", "launch", "brand")
    assert ds.Draft(text="no tags").all_tags == ()


def test_tags_normalised_once_for_all() -> None:
    """ "# Tag" is "tag" (not " tag"): normalising again, as validating a post again does, changes nothing."""
    tags = ["# TavernTest", "taverntest", " #  #Life ", "#", "  ", "مرحبا", "#تسويق"]
    once = normalise_tags(tags)
    assert once == ("taverntest", "life", "مرحبا", "تسويق")
    assert normalise_tags(once) == once
    post = _post(tags=tags)
    assert ds.Post.model_validate_json(post.model_dump_json()) == post
