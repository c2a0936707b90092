"""The backend's shape: hooks only, and one module on the wire."""

from __future__ import annotations

import ast
from pathlib import Path

import decentsocial.backends.mastodon as package
from decentsocial.backends.mastodon import MastodonNetwork
from decentsocial.network import Network

PACKAGE = Path(package.__file__).parent
WIRE = {"mastodon", "requests", "urllib3", "httpx"}


def imports(path: Path) -> set[str]:
    """Top-level names of absolute imports, and relative module names (``.x`` as ``.x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(
                "." * node.level + (node.module or "") if node.level else (node.module or "").split(".")[0]
            )
    return found


def test_only_the_transport_touches_the_wire() -> None:
    touching = sorted(p.name for p in PACKAGE.glob("*.py") if imports(p) & WIRE)
    assert touching == ["transport.py"]


def test_settings_and_convert_stand_alone() -> None:
    assert not {
        name for name in imports(PACKAGE / "settings.py") if name.startswith(".") and name[1:2] != "."
    }
    assert ".network" not in imports(PACKAGE / "convert.py")


def test_no_public_protocol_member_is_overridden() -> None:
    """The template's members check and validate; the backend implements hooks (``_publish``…)."""
    allowed = {"prepare", "text_limit", "check_draft", "close"}
    protocol = {name for name in dir(Network) if not name.startswith("_")}
    members = vars(MastodonNetwork)
    overridden = {name for name in members if name in protocol and callable(members[name])} - allowed
    assert overridden == set()
