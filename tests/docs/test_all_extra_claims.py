"""What the pages say ``[all]`` installs is what pyproject.toml's ``all`` extra holds.

The Quick start said ``[all]`` "installs every extra but [celery]": it leaves out ``testing``
too (the README was put right as "every one of these but `celery`").
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def extras() -> tuple[set[str], set[str]]:
    """The extras ``all`` installs, and every other extra."""
    optional = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    [inside] = re.findall(r"decentsocial\[([^\]]+)\]", " ".join(optional["all"]))
    included = {name.strip() for name in inside.split(",")}
    return included, set(optional) - included - {"all"}


def test_every_extra_but_names_each_extra_all_leaves_out() -> None:
    _, left_out = extras()
    wrong = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8").replace("\n", " ")
        for found in re.finditer(r"every extra but ([^.;)]*)", text):
            named = set(re.findall(r"[a-z]+", found.group(1)))
            if not left_out <= named:
                wrong.append(
                    f"{page.relative_to(ROOT)}: {found.group(0)!r} (all leaves out {sorted(left_out)})"
                )
    assert wrong == []


def test_the_quick_starts_all_line_names_what_all_adds() -> None:
    included, left_out = extras()
    page = (ROOT / "docs" / "quickstart.md").read_text(encoding="utf-8")
    block = page.split("## Install", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    [line] = [line for line in block.splitlines() if "[all]" in line]
    comment = line.split("#", 1)[1]
    shown = set(re.findall(r"\[(\w+)\]", block.replace(line, "")))  # the extras the other lines install
    assert {name for name in included - shown if name not in comment} == set(), line
    said_left_out = set(re.findall(r"not \[(\w+)\]", comment))
    assert said_left_out <= left_out, line
