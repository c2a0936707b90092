"""`decentsocial rewards` says "nothing to claim yet" while rewards mature, not "pending: 0.000 SAND".

A sandbox account whose post was liked has 1.000 SAND maturing and nothing claimable;
``pending_rewards`` says so with status "pending" and amounts 0 (docs/networks/sandbox.md), which
the command printed as ``pending: 0.000 SAND, pays out …``: read as "nothing pending".
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("typer", reason="the command needs the cli extra")

from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app


def rewards(db: Path) -> str:
    result = CliRunner().invoke(
        app, ["rewards", "-n", "sandbox", "-s", f"path={db}", "-s", "account=alice"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_maturing_rewards_are_nothing_to_claim_yet_then_claimable(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with ds.connect("sandbox", path=db, account="alice") as alice:
        post = alice.publish("Launch day #acme")
        with ds.connect("sandbox", path=db, account="bob") as bob:
            bob.like(post)
        matures = alice.pending_rewards().payout_at
        assert matures is not None
    shown = rewards(db)
    assert (
        f"sandbox rewards for alice: nothing to claim yet; the next matures {matures:%Y-%m-%d %H:%M} UTC"
        in shown
    )
    assert "0.000" not in shown
    with ds.connect("sandbox", path=db, account="alice") as alice:
        alice.advance_time(8 * 24 * 3600)
    assert "sandbox rewards for alice: claimable: 1.000 SAND" in rewards(db)
