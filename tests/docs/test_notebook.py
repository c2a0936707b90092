"""The documentation notebook runs top to bottom and measures what its campaign did."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebooks" / "campaign-engagement.ipynb"


def run_notebook(path: Path) -> dict[str, Any]:
    """Execute every code cell in order in one namespace, as a kernel would."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), f"{path.name} cell", "exec"), namespace)
    return namespace


def test_notebook_runs_and_its_numbers_follow_from_the_campaign() -> None:
    pytest.importorskip("pandas", reason="the notebook needs the pandas extra")
    ns = run_notebook(NOTEBOOK)
    df = ns["df"]
    assert len(df) == 3  # the replies are the fans', not the brand's
    likes = dict(zip(df["id"], df["likes"], strict=True))
    posts = ns["posts"]
    # fan i likes post n when n divides i + 1: 6 fans -> 6, 3 and 2 likes
    assert [likes[p.id] for p in posts] == [6, 3, 2]
    reposts = dict(zip(df["id"], df["reposts"], strict=True))
    assert reposts[posts[1].id] == 3  # fans 0, 2 and 4
    assert ns["by_tag"]["acme"] == int(df["engagement"].sum())
    assert ns["by_tag"].index[0] == "acme"
    # each fan's like is a pending reward of the sandbox's default 1.000 SAND for the post
    assert [(r.status, str(r.amounts[0])) for r in ns["per_post"]] == [
        ("pending", "6.000 SAND"),
        ("pending", "3.000 SAND"),
        ("pending", "2.000 SAND"),
    ]
    assert ns["pending"].status == "pending"
    assert ns["pending"].payout_at is not None
    assert ns["claimable"].status == "claimable"
    assert [str(a) for a in ns["claimed"].amounts] == ["11.000 SAND"]
    assert ns["brand"].balance() == ns["before"] + ns["claimed"].amounts[0]
