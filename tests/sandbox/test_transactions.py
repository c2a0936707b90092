"""Nothing half-written: a publish that fails at any point leaves no row behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from decentsocial import ContentRejected, Draft, InvalidInput, Media, NetworkUnavailable, NotFound
from decentsocial.backends.sandbox import SandboxNetwork

from .conftest import sandbox

TABLES = ("posts", "post_tags", "idempotency", "notifications", "votes", "accruals", "transfers")


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture
def pair(tmp_path: Path) -> tuple[SandboxNetwork, SandboxNetwork, Path]:
    path = tmp_path / "tx.db"
    alice = sandbox(path=str(path), account="alice")
    bob = sandbox(path=str(path), account="bob")
    bob.me()
    return alice, bob, path


def test_failure_after_the_first_insert_rolls_everything_back(
    pair: tuple[SandboxNetwork, SandboxNetwork, Path],
) -> None:
    """SQLite itself aborts the write half-way (a trigger on the tags table), after the post row."""
    alice, bob, path = pair
    parent = bob.publish("parent")
    before = counts(path)
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TRIGGER fail_on_boom BEFORE INSERT ON post_tags WHEN NEW.tag = 'boom'"
            " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    with pytest.raises(NetworkUnavailable, match="nothing was written") as caught:
        alice.reply(parent, Draft(text="this #boom mentions @bob", idempotency_key="k1"))
    assert isinstance(caught.value.__cause__, sqlite3.Error)
    assert counts(path) == before
    # The key was not used up, and the connection still works.
    post = alice.publish(Draft(text="fine now", idempotency_key="k1"))
    assert alice.get_post(post.id).text == "fine now"
    assert counts(path)["posts"] == before["posts"] + 1


@pytest.mark.parametrize(
    ("draft", "error"),
    [
        (Draft(text="x" * 501), ContentRejected),
        (Draft(text="into nowhere", community="no-such-community"), NotFound),
        (Draft(text="quoting nothing", quote_of="0000000000000000"), NotFound),
        (Draft(text="reply to nothing", reply_to="0000000000000000"), NotFound),
        (Draft(text="missing file", media=(Media(path=Path("/nonexistent/image.png")),)), ContentRejected),
        (Draft(text="x", media=tuple(Media(data=b"x") for _ in range(5))), ContentRejected),
        (Draft(text="x", idempotency_key="k" * 201), InvalidInput),
    ],
)
def test_rejected_publish_writes_nothing(
    pair: tuple[SandboxNetwork, SandboxNetwork, Path], draft: Draft, error: type[Exception]
) -> None:
    alice, _, path = pair
    before = counts(path)
    with pytest.raises(error):
        alice.publish(draft)
    assert counts(path) == before


def test_scheduling_in_the_past_writes_nothing(pair: tuple[SandboxNetwork, SandboxNetwork, Path]) -> None:
    alice, _, path = pair
    before = counts(path)
    with pytest.raises(InvalidInput, match="scheduled_at"):
        alice.publish(Draft(text="too late", scheduled_at=alice.current_time()))
    assert counts(path) == before


def test_failed_tip_moves_nothing(pair: tuple[SandboxNetwork, SandboxNetwork, Path]) -> None:
    alice, bob, path = pair
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TRIGGER fail_transfer BEFORE INSERT ON transfers"
            " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    with pytest.raises(NetworkUnavailable):
        alice.tip("bob", "1.000 SAND")
    assert str(alice.balance()) == "100.000 SAND"
    assert str(bob.balance()) == "100.000 SAND"
