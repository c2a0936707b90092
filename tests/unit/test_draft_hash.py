"""A ``Draft`` is frozen, so it hashes (pydantic's hash of every field failed on its ``options`` dict):
drafts go into sets, serve as dict keys and as ``functools.cache`` arguments."""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from decimal import Decimal

import decentsocial as ds
from decentsocial.models import Beneficiary, LinkCard, PayoutOptions, Poll


def full() -> ds.Draft:
    return ds.Draft(
        text="مرحبا 👩‍👩‍👧 #Launch",
        media=[ds.Media(data=b"\x89PNG", alt_text="logo", url="https://cdn.example/logo.png")],
        tags=["acme"],
        beneficiaries=[Beneficiary(account="alice", percent=Decimal("12.5"))],
        payout=PayoutOptions(max_accepted_payout=ds.Amount.parse("10.000 HBD")),
        link=LinkCard(url="https://acme.example", thumbnail=ds.Media(url="https://cdn.example/t.png")),
        scheduled_at=datetime(2026, 12, 1, 9, tzinfo=timezone.utc),
        idempotency_key="launch-1",
        options={"topic_tag": "marketing", "nested": {"a": [1, 2]}},
    )


def test_drafts_hash_and_equal_drafts_hash_alike() -> None:
    draft = full()
    again = ds.Draft.model_validate_json(draft.model_dump_json())
    assert again == draft
    assert hash(again) == hash(draft)
    assert len({draft, again, ds.Draft(text="other"), ds.Draft(text="other")}) == 2
    assert {draft: "sent"}[again] == "sent"
    assert hash(ds.Draft(text="poll?", poll=Poll(options=["yes", "no"]))) is not None


def test_drafts_differing_only_in_options_are_unequal_but_may_share_a_hash() -> None:
    one, two = ds.Draft(text="x", options={"a": 1}), ds.Draft(text="x", options={"a": 2})
    assert one != two
    assert len({one, two}) == 2


def test_a_draft_is_a_cache_key() -> None:
    calls: list[str] = []

    @functools.cache
    def prepared(draft: ds.Draft) -> str:
        calls.append(draft.text)
        return draft.text.upper()

    assert prepared(ds.Draft(text="hi")) == prepared(ds.Draft(text="hi")) == "HI"
    assert calls == ["hi"]
