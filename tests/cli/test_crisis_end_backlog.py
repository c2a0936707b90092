"""``crisis end --skip-backlog``: the one-off posts the crisis held past their time are cancelled, not sent
in a burst at its end; without it they go out as before. Through the real entry point, on sandboxes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from decentsocial.scheduler import Scheduler
from tests.cli.test_json_everywhere import document, home
from tests.cli.test_lifecycle_cli import run, sandbox

__all__ = ["home"]  # the fixture, used by name


def planned_an_hour_ago(home: Path) -> tuple[str, str]:
    """Two jobs: one due an hour ago (planned when that was still ahead), one due tomorrow."""
    now = datetime.now(timezone.utc)
    sched = Scheduler(home / "campaign.db", now=lambda: now - timedelta(hours=2))
    try:
        overdue = sched.schedule("SALE ends tonight! تخفيضات", ["brand-b"], at=now - timedelta(hours=1))
        later = sched.schedule("next week's news", ["brand-b"], at=now + timedelta(days=1))
    finally:
        sched.close()
    return overdue.id, later.id


def statuses(home: Path, *ids: str) -> list[str]:
    sched = Scheduler(home / "campaign.db")
    try:
        return [sched.job(i).status for i in ids]
    finally:
        sched.close()


def test_skip_backlog_cancels_what_the_crisis_held_past_its_time(home: Path) -> None:
    overdue, later = planned_an_hour_ago(home)
    document(run(home, "crisis", "start", "we are on it", "--to", "brand", "--json"))
    ended = document(run(home, "crisis", "end", "--skip-backlog", "--json"))
    assert (ended["ok"], ended["skipped"], ended["resumed"]) == (True, [overdue], [later])
    assert statuses(home, overdue, later) == ["cancelled", "scheduled"]
    sched = Scheduler(home / "campaign.db")
    try:
        assert sched.run_pending() == 0
    finally:
        sched.close()
    with sandbox(home, "b.db") as net:
        assert list(net.posts()) == []


def test_without_it_the_overdue_post_is_resumed_to_go_out_now(home: Path) -> None:
    overdue, later = planned_an_hour_ago(home)
    document(run(home, "crisis", "start", "we are on it", "--to", "brand", "--json"))
    ended = document(run(home, "crisis", "end", "--json"))
    assert (ended["skipped"], sorted(ended["resumed"])) == ([], sorted([overdue, later]))
    assert statuses(home, overdue, later) == ["scheduled", "scheduled"]


def test_the_text_summary_says_how_many_were_cancelled(home: Path) -> None:
    planned_an_hour_ago(home)
    run(home, "crisis", "start", "we are on it", "--to", "brand")
    result = run(home, "crisis", "end", "--skip-backlog")
    assert result.returncode == 0, result.stderr
    assert "1 job(s) resumed, 1 overdue job(s) cancelled" in result.stdout
