"""What the converter reads only once stays exact: edit times, names, the amounts paid posts share.

A post's edit time is read only when its text differs from the creation
time's; an author and permlink already non-empty strings skip their reader; the
posts of one answer paid the same amounts share them. Each case here is what
validation builds, and bad values still give the typed errors they gave.
"""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial.backends.hive import HIVE, STEEM, Chain
from decentsocial.backends.hive.convert import Seen, post_from_bridge, reward_of_post
from decentsocial.errors import NetworkUnavailable
from tests.trusted import as_validation_builds

from .test_trusted import RECORDED, Text

T0, T1 = "2016-07-26T03:57:24", "2016-07-27T10:00:00"
U0, U1 = f"{T0}+00:00", f"{T1}+00:00"

BASE: dict[str, Any] = next(p for p in RECORDED if p.get("is_paidout") and p.get("depth") == 1)


def post(**fields: Any) -> dict[str, Any]:
    return {**BASE, **fields}


@pytest.mark.parametrize(
    ("created", "updated", "created_at", "edited_at"),
    [
        (T0, T0, U0, None),
        (T0, T1, U0, U1),
        (T0, "2016-07-26T03:57:24Z", U0, None),  # same time
        ("not a time", "not a time", "1970-01-01T00:00:00+00:00", None),
        ("not a time", T1, "1970-01-01T00:00:00+00:00", U1),
        (T0, None, U0, None),
        (1469505444, 1469505444, U0, None),
        (1469505444, 1469591844, U0, "2016-07-27T03:57:24+00:00"),
        (Text(T0), T0, U0, None),
        (T0, Text("2016-07-28T00:00:00"), U0, "2016-07-28T00:00:00+00:00"),
    ],
)
def test_the_edit_time_is_the_updated_time_only_when_it_differs(
    created: Any, updated: Any, created_at: str, edited_at: str | None
) -> None:
    for seen in (None, Seen()):
        converted = post_from_bridge(post(created=created, updated=updated), HIVE, seen)
        as_validation_builds(converted)
        assert converted.created_at.isoformat() == created_at
        assert (converted.edited_at.isoformat() if converted.edited_at else None) == edited_at


@pytest.mark.parametrize("field", ["author", "permlink"])
@pytest.mark.parametrize("value", ["", None, 5.5, [], {"a": 1}])
def test_a_missing_or_unreadable_name_is_still_a_typed_error(field: str, value: Any) -> None:
    for convert in (post_from_bridge, reward_of_post):
        with pytest.raises(NetworkUnavailable, match=f"malformed post \\(no {field}\\)"):
            convert(post(**{field: value}), HIVE)


def test_names_sent_as_numbers_or_str_subclasses_become_exact_text() -> None:
    converted = post_from_bridge(post(author=Text("bob"), permlink=12), HIVE)
    as_validation_builds(converted)
    assert converted.id == "bob/12"
    assert type(converted.author.handle) is str


@pytest.mark.parametrize("chain", [HIVE, STEEM], ids=["hive", "steem"])
def test_posts_paid_the_same_amounts_share_them_and_each_gets_its_own_author_share(chain: Chain) -> None:
    seen = Seen()
    backed = chain.backed  # in the chain's own asset (the other chain's is a node of that chain)
    paid = {
        "author_payout_value": f"0.024 {backed}",
        "curator_payout_value": f"0.003 {backed}",
        "is_paidout": True,
    }
    first = post_from_bridge(post(author="bob", permlink="a", **paid), chain, seen)
    second = post_from_bridge(post(author="carol", permlink="b", **paid), chain, seen)
    for converted in (first, second):
        as_validation_builds(converted)
    assert first.reward is not None
    assert second.reward is not None
    assert [(p.role, p.account) for p in first.reward.parts] == [("author", "bob"), ("curator", "")]
    assert [(p.role, p.account) for p in second.reward.parts] == [("author", "carol"), ("curator", "")]
    assert str(first.reward.amounts[0].value) == "0.027"
    assert str(first.reward.parts[0].amounts[0].value) == "0.024"
    assert first.reward.parts[1] is second.reward.parts[1]  # frozen: one curators' share serves both
    with_beneficiary = post_from_bridge(
        post(author="dave", permlink="c", beneficiaries=[{"account": "erin", "weight": 500}], **paid),
        chain,
        seen,
    )
    as_validation_builds(with_beneficiary)
    assert with_beneficiary.reward is not None
    assert [(p.role, p.account) for p in with_beneficiary.reward.parts] == [
        ("author", "dave"),
        ("curator", ""),
        ("beneficiary", "erin"),
    ]


TAGS: list[Any] = [
    ["Meta", "#life", "meta"],
    "Meta",
    ["Meta"],
    [],
    None,
    [{"x": 1}, "a"],
    [1, "a"],
    [True, "a"],
    [1.0, "a"],
    ["", " ", "a"],
    [Text("Tag")],
    ("a",),
    5,
]


def test_tags_worked_out_once_an_answer_are_each_posts_own() -> None:
    """Equal metadata tags and categories share their result; each post's tags are what it gets alone."""
    seen = Seen()
    expected = {
        (0, "Life", "'Meta'"): ("life", "meta"),
        (1, "Life", "['Meta']"): ("meta",),
        (0, "", "None"): (),
        (0, "meta", "['Meta', '#life', 'meta']"): ("meta", "life"),
        (0, 7, "[1, 'a']"): ("7", "a"),
    }
    for _ in range(2):  # the second time from what the first left in ``seen``
        for tags in TAGS:
            for depth in (0, 1):
                for category in ("meta", "Life", None, "", 7):
                    item = post(depth=depth, category=category, json_metadata={"tags": tags})
                    shared = post_from_bridge(item, HIVE, seen)
                    alone = post_from_bridge(item, HIVE)
                    as_validation_builds(shared)
                    assert shared.tags == alone.tags, (tags, depth, category)
                    want = expected.get((depth, category, repr(tags)))
                    assert want is None or shared.tags == want
