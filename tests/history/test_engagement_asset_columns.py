"""Reward assets named like a column, or like another asset but for case, in history and report.

An asset is any name ``Amount`` takes (a sandbox pays in the one its settings name, capitals; a
network's node names its own). Before, an asset named ``status`` made history's ``reward_status``
column, which overwrote the reward's status (the amounts came out as the status text); a sandbox
paying in ``STATUS``, or ``sand`` beside ``SAND``, made two columns one case apart: one column for a
case-blind reader (a SQL table: ``duplicate column name``), and report had them too. Now such an
asset's column is told apart with ``#2`` (``reward_status#2``); an ordinary one keeps its name.
"""

from __future__ import annotations

import json
import sqlite3
import textwrap
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial import engagement
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.cli import app
from decentsocial.engagement import HISTORY_COLUMNS, REPORT_COLUMNS
from decentsocial.models import Amount, Reward

pytest.importorskip("pandas", reason="history and report need the pandas extra")


def paying(tmp_path: Path, asset: str, likes: int = 1) -> tuple[SandboxNetwork, ds.Post]:
    """A brand on a sandbox of its own paying in ``asset``, with a post ``likes`` fans liked."""
    net = ds.connect("sandbox", path=tmp_path / f"{asset}.db", account="brand", asset=asset)
    post = net.publish(f"paid in {asset}")
    for n in range(likes):
        with net.as_account(f"fan{n}") as fan:
            fan.like(post)
    return net, post


def paid(tmp_path: Path, amount: str) -> ds.Post:
    """A post with a reward in ``amount`` (as a network whose node names its asset so would give it)."""
    with ds.connect("sandbox", path=tmp_path / "hand.db") as net:
        post = net.publish(f"paid {amount}")
    reward = Reward(network="sandbox", subject=post.id, status="paid", amounts=(Amount.parse(amount),))
    return post.model_copy(update={"reward": reward})


def casefolded(columns: Iterable[object]) -> list[str]:
    return [str(c).casefold() for c in columns]


def test_an_asset_named_status_keeps_the_reward_status_column(tmp_path: Path) -> None:
    ds.track([paid(tmp_path, "2.5 status")], tmp_path / "metrics.db")
    frame = ds.history(tmp_path / "metrics.db")
    row = frame.iloc[0]
    assert row["reward_status"] == "paid"  # the reward's status, not its amount
    assert row["reward_status#2"] == Decimal("2.5")
    assert list(frame.columns) == [*HISTORY_COLUMNS, "reward_status#2"]


def test_assets_one_case_apart_and_named_like_columns_are_columns_apart(tmp_path: Path) -> None:
    store = tmp_path / "metrics.db"
    likes = {"SAND": 1, "STATUS": 3, "LIKES": 2, "NETWORK": 1, "POST": 1}
    for asset, count in likes.items():
        net, post = paying(tmp_path, asset, count)
        with net:
            ds.track([post], store, networks=[net])
    ds.track([paid(tmp_path, "2 sand"), paid(tmp_path, "4 taken_at")], store)
    frame = ds.history(store)
    names = casefolded(frame.columns)
    assert len(names) == len(set(names))  # one column per name, also for a case-blind reader
    assert list(frame.columns[: len(HISTORY_COLUMNS)]) == list(HISTORY_COLUMNS)
    # Ordinary assets keep reward_<ASSET>; the second "sand" and a "status" of any case are told apart.
    columns = {
        "SAND": "reward_SAND",
        "STATUS": "reward_STATUS#2",
        "LIKES": "reward_LIKES",
        "NETWORK": "reward_NETWORK",
        "POST": "reward_POST",
        "sand": "reward_sand#2",
        "taken_at": "reward_taken_at",
    }
    assert set(frame.columns[len(HISTORY_COLUMNS) :]) == set(columns.values())
    for asset, amount in {**likes, "sand": 2, "taken_at": 4}.items():
        column = columns[asset]
        assert list(frame[column].dropna()) == [Decimal(amount)], (asset, column)
    assert set(frame["reward_status"]) == {"pending", "paid"}
    assert set(frame["network"]) == {"sandbox"}
    # A SQL table takes the frame as it is: its column names are not told apart by case.
    with sqlite3.connect(tmp_path / "export.db") as db:
        frame.astype(str).to_sql("snapshots", db, index=False)
    db.close()


def test_report_names_each_asset_once_for_all_accounts(tmp_path: Path) -> None:
    upper, _ = paying(tmp_path, "SAND", likes=1)
    status, _ = paying(tmp_path, "STATUS", likes=2)
    week_ago = datetime.now(timezone.utc) - timedelta(days=7)
    with upper, status:
        frame = ds.report([upper, status], since=week_ago)
        accounts = [engagement.account_report(upper, week_ago), engagement.account_report(status, week_ago)]
    assert list(frame.columns) == [*REPORT_COLUMNS, "rewards_SAND", "rewards_STATUS"]
    assert list(frame["rewards_STATUS"].fillna(0)) == [0, Decimal("2.000")]
    # A node that writes its asset in small letters (``sand``) beside one that does not: two columns.
    (record, _), lower = accounts[0], accounts[1][0]
    frame = engagement.report_frame(
        [(record, {"SAND": Decimal(1)}), ({**lower, "account": "b"}, {"sand": Decimal(2)})]
    )
    assert list(frame.columns) == [*REPORT_COLUMNS, "rewards_SAND", "rewards_sand#2"]
    assert list(frame["rewards_SAND"].fillna(0)) == [Decimal(1), 0]
    assert list(frame["rewards_sand#2"].fillna(0)) == [0, Decimal(2)]


def test_the_report_command_keeps_each_accounts_assets_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paying(tmp_path, "SAND", likes=1)[0].close()
    paying(tmp_path, "STATUS", likes=2)[0].close()
    config = tmp_path / "config.toml"
    config.write_text(
        textwrap.dedent(
            f"""
            [profiles.sand]
            network = "sandbox"
            path = "{tmp_path / "SAND.db"}"
            account = "brand"
            [profiles.status]
            network = "sandbox"
            path = "{tmp_path / "STATUS.db"}"
            account = "brand"
            """
        )
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    done = CliRunner().invoke(app, ["report", "-p", "status", "-p", "sand", "--json"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    rows = json.loads(done.output)["rows"]
    assert [(r["posts"], r["rewards_SAND"], r["rewards_STATUS"]) for r in rows] == [
        (1, None, "2.000"),
        (1, "1.000", None),
    ]


def test_asset_columns_are_stable_and_unique_in_any_case() -> None:
    assets = ["status", "Status", "STATUS", "HBD", "hbd", "SAT"]
    assert engagement.asset_columns("reward_", assets, HISTORY_COLUMNS) == {
        "HBD": "reward_HBD",
        "SAT": "reward_SAT",
        "STATUS": "reward_STATUS#2",
        "Status": "reward_Status#3",
        "hbd": "reward_hbd#2",
        "status": "reward_status#4",
    }
    assert engagement.asset_columns("reward_", assets[::-1], []) == engagement.asset_columns(
        "reward_", assets, []
    )
    # A name a stored asset could only mimic (another program's store) is passed over too.
    assert engagement.asset_columns("reward_", ["a", "A#2", "A"], []) == {
        "A": "reward_A",
        "A#2": "reward_A#2",
        "a": "reward_a#3",
    }
