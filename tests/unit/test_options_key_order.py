"""One idempotency key, one draft, whatever order the draft's ``options`` keys come in.

A retry of the same publish may build its options in another order (from another dict, read back
from JSON): it is the same draft, never "another content". A key recorded by an earlier version
(its digest took the options in the order given) still matches the draft it was recorded for, and
a draft that really differs (a value of another type too) is still refused.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import idempotency
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.idempotency import PublishLog, PublishRecord, draft_digest, key_record
from tests.unit.test_kit_publish import WORLD, ToyNetwork, ToySettings

OPTIONS: dict[str, Any] = {
    "topic_tag": "marketing",
    "nested": {"z": 1, "a": [{"y": True, "b": None}], "m": {"q": 1.5, "c": "é😀"}},
    "audience": ["x", "y"],
}


def reordered(value: Any) -> Any:
    """``value`` with the keys of every dict in it in reverse order (the same options, built otherwise)."""
    if isinstance(value, dict):
        return {k: reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reordered(item) for item in value]
    return value


def legacy_digest(draft: ds.Draft) -> str:
    """The digest versions before this one kept: the draft's JSON, options in the order given."""
    return hashlib.sha256(draft.model_dump_json().encode()).hexdigest()


def draft(options: dict[str, Any] = OPTIONS, key: str | None = "launch-1", text: str = "launch") -> ds.Draft:
    return ds.Draft(text=text, idempotency_key=key, options=options)


#: Options that differ from OPTIONS, some only in a value's type.
OTHERS = [
    {**OPTIONS, "topic_tag": "sales"},
    {**OPTIONS, "nested": {**OPTIONS["nested"], "z": True}},
    {**OPTIONS, "nested": {**OPTIONS["nested"], "z": 1.0}},
    {**OPTIONS, "nested": {**OPTIONS["nested"], "z": "1"}},
    {**OPTIONS, "audience": ["y", "x"]},
    {k: v for k, v in OPTIONS.items() if k != "audience"},
]


def test_the_digest_ignores_the_order_of_option_keys_at_every_level() -> None:
    assert draft(reordered(OPTIONS)).model_dump_json() != draft().model_dump_json()
    assert draft_digest(draft(reordered(OPTIONS))) == draft_digest(draft())
    assert draft_digest(ds.Draft.model_validate_json(draft().model_dump_json())) == draft_digest(draft())


@pytest.mark.parametrize("other", OTHERS)
def test_other_options_are_another_digest(other: dict[str, Any]) -> None:
    assert draft_digest(draft(other)) != draft_digest(draft())
    assert not set(idempotency.draft_digests(draft(other))) & set(idempotency.draft_digests(draft()))


def test_a_draft_with_empty_or_sorted_options_keeps_the_digest_it_had() -> None:
    for same in (
        ds.Draft(text="plain", idempotency_key="k"),
        draft({"a": {"b": 1, "c": [{"d": 2, "e": 3}]}}),
    ):
        assert idempotency.draft_digests(same) == (legacy_digest(same),)
    unsorted = draft()
    assert idempotency.draft_digests(unsorted) == (draft_digest(unsorted), legacy_digest(unsorted))


# ---------------------------------------------------------------- the publish log (Threads, Minds)


@dataclass(kw_only=True)
class Record(PublishRecord):
    container_id: str = ""


def test_the_publish_log_resumes_the_same_draft_in_another_order(tmp_path: Path) -> None:
    log = PublishLog(Record, tmp_path / "state.db", network="demo")
    record = log.remember("k", Record(digest=draft_digest(draft()), text="launch"))
    assert log.resume("k", draft(reordered(OPTIONS))) is record
    with pytest.raises(ds.InvalidInput, match="different draft"):
        log.resume("k", draft(OTHERS[1]))


def test_the_publish_log_accepts_a_record_an_earlier_version_kept(tmp_path: Path) -> None:
    log = PublishLog(Record, tmp_path / "state.db", network="demo")
    log.store.put(
        log.scope, "k", legacy_digest(draft()), {"digest": legacy_digest(draft()), "text": "launch"}
    )
    resumed = log.resume("k", draft())
    assert resumed is not None
    assert resumed.digest == legacy_digest(draft())
    log.finish(resumed, "post-1")
    found = log.store.get(log.scope, "k")
    assert found is not None
    assert found[0] == legacy_digest(draft())  # left as it was kept
    with pytest.raises(ds.InvalidInput, match="different draft"):
        log.resume("k", draft(OTHERS[0]))


# ---------------------------------------------------------------- BaseNetwork's keyed publish


@pytest.fixture
def settings(tmp_path: Path) -> ToySettings:
    WORLD.clear()
    return ToySettings(state_path=tmp_path / "state.db")


def test_a_key_published_again_with_options_in_another_order_gives_its_post(settings: ToySettings) -> None:
    first = ToyNetwork(settings).publish(draft())
    assert ToyNetwork(settings).publish(draft(reordered(OPTIONS))).id == first.id
    assert (
        ToyNetwork(settings).publish(ds.Draft.model_validate_json(draft().model_dump_json())).id == first.id
    )
    for other in OTHERS:
        with pytest.raises(ds.InvalidInput, match="different content"):
            ToyNetwork(settings).publish(draft(other))
    assert list(WORLD) == [first.id]


def test_a_key_an_earlier_version_recorded_gives_its_post(settings: ToySettings) -> None:
    net = ToyNetwork(settings)
    made = net._publish(draft())  # what the earlier version published, and recorded as it did
    WORLD.clear()
    scope, name = net.state_scope, "publish:launch-1"
    assert net.state.claim(scope, name, legacy_digest(draft())) is None
    net.state.put(scope, name, legacy_digest(draft()), key_record(made))
    assert net.publish(draft()).id == made.id
    assert WORLD == {}  # not published again
    kept = net.state.get(scope, name)
    assert kept is not None
    assert kept[0] == legacy_digest(draft())  # the store is not rewritten
    with pytest.raises(ds.InvalidInput, match="different content"):
        net.publish(draft(OTHERS[0]))


# ---------------------------------------------------------------- the sandbox's own key table


def _sandbox(tmp_path: Path, **settings: Any) -> SandboxNetwork:
    net = ds.connect(
        "sandbox", path=tmp_path / "s.db", account="alice", state_path=tmp_path / "state.db", **settings
    )
    assert isinstance(net, SandboxNetwork)
    return net


def test_the_sandbox_gives_the_keys_post_for_options_in_another_order(tmp_path: Path) -> None:
    net = _sandbox(tmp_path)
    made = net.publish(draft())
    assert net.publish(draft(reordered(OPTIONS))).id == made.id
    media = ds.Media(data=b"\x89PNG\r\n\x1a\n", alt_text="logo")
    with_media = net.publish(ds.Draft(text="m", media=[media], idempotency_key="m", options=OPTIONS))
    again = ds.Draft(text="m", media=[media], idempotency_key="m", options=reordered(OPTIONS))
    assert net.publish(again).id == with_media.id
    for other in OTHERS:
        with pytest.raises(ds.InvalidInput, match="different content"):
            net.publish(draft(other))
    assert sorted(p.id for p in net.posts(limit=None)) == sorted([made.id, with_media.id])
    net.close()


def test_the_sandbox_accepts_a_key_stored_with_the_earlier_digest(tmp_path: Path) -> None:
    net = _sandbox(tmp_path)
    made = net.publish(draft())
    with sqlite3.connect(tmp_path / "s.db") as db:  # as the earlier version stored it
        db.execute("UPDATE idempotency SET digest = ?", (legacy_digest(draft()),))
    db.close()
    assert net.publish(draft()).id == made.id
    with pytest.raises(ds.InvalidInput, match="different content"):
        net.publish(draft(OTHERS[0]))
    assert [p.id for p in net.posts(limit=None)] == [made.id]
    net.close()


def test_without_idempotent_publish_the_state_store_claims_the_same_draft(tmp_path: Path) -> None:
    net = _sandbox(tmp_path, unsupported=["idempotent_publish"])
    net.publish(draft())
    net.publish(draft(reordered(OPTIONS)))  # the same content: not refused
    with pytest.raises(ds.InvalidInput, match="different content"):
        net.publish(draft(OTHERS[0]))
    legacy = draft(key="old")
    assert net.state.claim(net.state_scope, "publish:old", legacy_digest(legacy)) is None
    net.publish(legacy)  # claimed by the earlier version with its digest: the same draft
    with pytest.raises(ds.InvalidInput, match="different content"):
        net.publish(draft(OTHERS[0], key="old"))
    net.close()
