"""The API reference page, built as the docs session builds it, shows every protocol member and its doc."""

from __future__ import annotations

import html
import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from decentsocial.network import Network

ROOT = Path(__file__).resolve().parents[2]


def test_api_page_documents_every_protocol_member(tmp_path: Path) -> None:
    if shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("mkdocs is installed with the docs extra only")
    mkdocs = str(Path(sys.executable).parent / "mkdocs")
    subprocess.run(
        [mkdocs, "build", "--strict", "--quiet", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    raw = (tmp_path / "api" / "index.html").read_text(encoding="utf-8")
    page = html.unescape(re.sub(r"<[^>]+>", "", raw))
    members = [n for n in vars(Network) if not n.startswith("_")]
    for name in members:
        assert f'id="decentsocial.network.Network.{name}"' in raw, f"{name} is not on the API page"
        first_line = (inspect.getdoc(getattr(Network, name)) or "").splitlines()[0]
        words = re.sub(r"``?", "", first_line)[:40]
        assert words in " ".join(page.split()), f"{name}'s docstring is not on the API page"
