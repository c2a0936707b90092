"""docs/cli.md's reference is the commands' real ``--help``: the page fails this test when it drifts."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cli_page_is_current() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        gen_cli_docs = importlib.import_module("gen_cli_docs")  # scripts/ is not a package mypy knows
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert gen_cli_docs.generate(page) == page, "run: python scripts/gen_cli_docs.py"
    # Every command has its section, and the page shows flags as flags.
    for name in ("post", "reply", "delete", "like", "repost", "search", "thread", "notifications", "account"):
        assert f"### `decentsocial {name}`" in page
    assert "<bool>" not in page
