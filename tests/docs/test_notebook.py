"""The documentation notebooks run top to bottom in a real Jupyter kernel, and what they print is right.

Each notebook is executed with nbclient in an IPython kernel started from
this test's own interpreter (a ``python3`` kernelspec written to a
temporary folder), so it runs exactly as in Jupyter: display hooks,
``_repr_html_`` and figures included. The committed notebooks keep their
outputs (the docs show them); after changing one, save it executed with::

    python -m tests.docs.test_notebook
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "docs" / "notebooks"
CAMPAIGN = NOTEBOOKS / "campaign-engagement.ipynb"
ENGAGEMENT = NOTEBOOKS / "engagement-over-time.ipynb"


@contextmanager
def python3_kernels() -> Iterator[Any]:
    """Kernelspecs whose ``python3`` is an IPython kernel on this interpreter, importing this tree."""
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory(prefix="ds-kernels-") as folder:
        spec = Path(folder) / "python3"
        spec.mkdir()
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        (spec / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "Python 3 (decentsocial tests)",
                    "language": "python",
                    "env": {"PYTHONPATH": path},
                }
            ),
            encoding="utf-8",
        )
        yield KernelSpecManager(kernel_dirs=[folder])


def execute(path: Path, probe: str | None = None) -> tuple[Any, str]:
    """``path`` executed in a fresh kernel (in a temporary folder), and what ``probe`` printed after it.

    The probe is code run in the same kernel once the notebook is done, to
    read values the notebook does not print; it is not kept in the notebook.
    """
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    with python3_kernels() as specs, tempfile.TemporaryDirectory(prefix="ds-nb-") as cwd:
        manager = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
        client = NotebookClient(
            notebook,
            km=manager,
            timeout=120,
            record_timing=False,
            resources={"metadata": {"path": cwd}},
        )
        printed = ""
        with client.setup_kernel():
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
            if probe is not None:
                notebook.cells.append(nbformat.v4.new_code_cell(probe))
                client.execute_cell(notebook.cells[-1], len(notebook.cells) - 1)
                printed = text_of(notebook.cells.pop())
    return notebook, printed


def text_of(cell: Any) -> str:
    """Everything a cell printed or returned as text."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif "text/plain" in output.get("data", {}):
            parts.append(output["data"]["text/plain"])
    return "".join(parts)


def streams(cell: Any) -> dict[str, str]:
    """What a cell printed, by stream. The kernel sends what a cell prints in pieces, cut by time (it
    flushes every fraction of a second), so one print after a slow step can come as an output of its
    own on a loaded machine: the pieces are joined, only the text is compared."""
    printed: dict[str, str] = {}
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            printed[output["name"]] = printed.get(output["name"], "") + output["text"]
    return printed


def cell_starting(notebook: Any, start: str) -> Any:
    found = [c for c in notebook.cells if c.cell_type == "code" and c.source.startswith(start)]
    assert len(found) == 1, f"{len(found)} code cells start with {start!r}"
    return found[0]


def html_rows(cell: Any) -> list[list[str]]:
    """The cells of each row of the HTML table a cell showed (a DataFrame, as Jupyter draws it)."""
    html = "".join(o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {}))
    return [
        [
            re.sub(r"<[^>]+>", "", value).strip()
            for value in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    ]


def mime_types(cell: Any) -> set[str]:
    return {mime for output in cell.get("outputs", []) for mime in output.get("data", {})}


@pytest.fixture(scope="module")
def engagement() -> Any:
    pytest.importorskip("nbclient", reason="the notebooks run in a kernel (test extra)")
    pytest.importorskip("matplotlib", reason="the notebook plots (plot extra)")
    pytest.importorskip("pandas", reason="the notebook needs the pandas extra")
    return execute(ENGAGEMENT)[0]


CAMPAIGN_PROBE = """
import json
_likes = dict(zip(df["id"], df["likes"]))
_reposts = dict(zip(df["id"], df["reposts"]))
print(json.dumps({
    "rows": len(df),
    "likes": [int(_likes[p.id]) for p in posts],
    "reposts_of_arabic": int(_reposts[posts[1].id]),
    "acme": int(by_tag["acme"]),
    "engagement": int(df["engagement"].sum()),
    "top_tag": by_tag.index[0],
    "pending_payout_known": pending.payout_at is not None,
    "balance_is_before_plus_claimed": brand.balance() == before + claimed.amounts[0],
}))
"""


def test_campaign_notebook_runs_and_its_numbers_follow_from_the_campaign() -> None:
    pytest.importorskip("nbclient", reason="the notebooks run in a kernel (test extra)")
    pytest.importorskip("pandas", reason="the notebook needs the pandas extra")
    notebook, probed = execute(CAMPAIGN, CAMPAIGN_PROBE)
    facts = json.loads(probed)
    assert facts["rows"] == 3  # the replies are the fans', not the brand's
    # fan i likes post n when n divides i + 1: 6 fans -> 6, 3 and 2 likes
    assert facts["likes"] == [6, 3, 2]
    assert facts["reposts_of_arabic"] == 3  # fans 0, 2 and 4
    assert facts["acme"] == facts["engagement"]
    assert facts["top_tag"] == "acme"
    assert facts["pending_payout_known"]
    assert facts["balance_is_before_plus_claimed"]
    # The table the analyst sees: the Arabic post's 3 likes, 3 reposts and 1 reply make 7.
    rows = html_rows(cell_starting(notebook, "df = ds.to_dataframe"))
    assert rows[0] == ["", "text", "likes", "reposts", "replies", "engagement"]
    assert [row[2:] for row in rows[1:]] == [["3", "3", "1", "7"], ["6", "0", "0", "6"], ["2", "0", "0", "2"]]
    assert rows[1][1].startswith("أثر وسائل التواصل")
    # each fan's like is a pending reward of the sandbox's default 1.000 SAND for the post
    printed = text_of(cell_starting(notebook, "per_post = ")).splitlines()
    assert printed[0] == "[('pending', '6.000 SAND'), ('pending', '3.000 SAND'), ('pending', '2.000 SAND')]"
    assert printed[1].startswith("pending until ")
    assert printed[2] == "claimable ['11.000 SAND']"
    assert printed[3].startswith("claimed ['11.000 SAND'] balance ")


def test_engagement_notebook_connects_crossposts_and_monitors(engagement: Any) -> None:
    assert text_of(cell_starting(engagement, "launch = ")).splitlines() == [
        "sandbox @acme ok",
        "sandbox @acme-es ok",
    ]
    assert text_of(cell_starting(engagement, 'fans[0].publish("Just tried')).splitlines() == [
        "@fan0: Just tried the new #acme app, love it",
        "@fan1: Congrats on the launch #acme!",
    ]
    card = cell_starting(engagement, "mentions[0]")
    html = "".join(o["data"]["text/html"] for o in card.outputs if "text/html" in o.get("data", {}))
    assert "fan0" in html
    assert "Just tried the new #acme app" in html


def test_engagement_notebook_tracks_the_audience_hour_by_hour(engagement: Any) -> None:
    assert text_of(cell_starting(engagement, "def snapshot")) == "10:00 snapshot: 0 likes on 3 posts\n"
    assert text_of(cell_starting(engagement, "brand.advance_time")).splitlines() == [
        "11:00 snapshot: 7 likes on 3 posts",  # 5 on the launch, 2 on the Spanish launch
        "12:00 snapshot: 13 likes on 3 posts",  # then 3 more on each of the others
    ]
    table = cell_starting(engagement, "history = ds.history")
    assert {"text/html", "text/plain"} <= mime_types(table)
    rows = [line.split() for line in text_of(cell_starting(engagement, "likes = history.pivot")).splitlines()]
    assert rows[-3:] == [
        ["2025-06-02", "10:00:00+00:00", "0", "0"],
        ["2025-06-02", "11:00:00+00:00", "5", "2"],
        ["2025-06-02", "12:00:00+00:00", "8", "5"],
    ]
    report = [line.split() for line in text_of(cell_starting(engagement, "report = ds.report")).splitlines()]
    assert report[0][:5] == ["network", "account", "posts", "likes", "reposts"]
    assert report[0][-1] == "rewards_SAND"
    # posts, likes, reposts, replies, quotes, views (none on the sandbox), pending SAND
    assert report[1] == ["sandbox", "acme", "2", "8", "1", "1", "0", "<NA>", "8.000"]
    assert report[2] == ["sandbox", "acme-es", "1", "5", "1", "0", "0", "<NA>", "5.000"]


def test_engagement_notebook_draws_its_plots(engagement: Any) -> None:
    for start in ('ds.plot.engagement(history, by="account"', "labels = "):
        cell = cell_starting(engagement, start)
        assert len(cell.outputs) == 1, "a figure is shown once"
        assert "image/png" in mime_types(cell)


def test_committed_notebooks_keep_their_outputs(engagement: Any) -> None:
    """The docs show the committed notebook: its figures are saved in it, its text is what a run prints."""
    import nbformat

    committed = nbformat.read(ENGAGEMENT, as_version=4)
    for start in ('ds.plot.engagement(history, by="account"', "labels = "):
        png = [o for o in cell_starting(committed, start).outputs if "image/png" in o.get("data", {})]
        assert len(png) == 1, f"the committed notebook has no figure for {start!r}: save it executed"
    assert [c.source for c in committed.cells] == [c.source for c in engagement.cells]
    for saved, fresh in zip(committed.cells, engagement.cells, strict=True):
        assert streams(saved) == streams(fresh), (
            f"stale output in the committed notebook: {saved.source[:40]!r}"
        )
    campaign = nbformat.read(CAMPAIGN, as_version=4)
    assert "claimable ['11.000 SAND']" in text_of(cell_starting(campaign, "per_post = "))


def save_all() -> None:
    """Execute every documentation notebook and save it with its outputs."""
    import nbformat

    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook, _ = execute(path)
        for cell in notebook.cells:
            cell.metadata.pop("execution", None)
        nbformat.write(notebook, path)
        print(f"saved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    save_all()
