"""The examples in README.md and docs/ run as written on the sandbox, and name real settings elsewhere.

Examples for other networks cannot run without a server, but ``connect()``
checks its settings before any I/O, so a setting that does not exist or a
required one left out is caught here, from the page's own text. A network
whose library is not installed (an extra) is left out of those checks.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from decentsocial.base import BaseNetwork
from decentsocial.errors import ConfigurationError
from decentsocial.network import Capability
from decentsocial.registry import backend_class

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BUILT_IN = ("sandbox", "mastodon", "bluesky", "hive", "steem", "nostr", "threads", "minds")


def blocks(page: Path, lang: str) -> list[tuple[int, str]]:
    """Each ``lang`` code block of ``page``: the line it starts on, and its text."""
    text = page.read_text(encoding="utf-8")
    return [
        (text[: m.start()].count("\n") + 2, m.group(1))
        for m in re.finditer(rf"^```{lang}\n(.*?)^```", text, re.S | re.M)
    ]


def section_code(page: str, heading: str) -> str:
    """The first Python block under ``heading`` of a page (README.md, or a page of docs/)."""
    text = (ROOT / page).read_text(encoding="utf-8").split(heading + "\n", 1)[1]
    found = re.search(r"```python\n(.*?)```", text, re.S)
    assert found is not None, f"{page} has no Python example under {heading!r}"
    return found.group(1)


def backend(name: str) -> type[BaseNetwork[Any]] | None:
    """A built-in network's class, or None when its library (an extra) is not installed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Minds warns that it is experimental
        try:
            return backend_class(name)
        except ConfigurationError:
            return None


def settings_of(name: str) -> dict[str, bool] | None:
    """A built-in network's settings, each with whether it is required (None: not installed)."""
    cls = backend(name)
    if cls is None:
        return None
    return {field: info.is_required() for field, info in cls.Settings.model_fields.items()}


def test_connect_calls_in_examples_name_real_settings() -> None:
    problems = []
    for page in PAGES:
        for line, code in blocks(page, "python"):
            where = f"{page.relative_to(ROOT)}:{line}"
            try:
                tree = compile(code, where, "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            except SyntaxError as exc:
                problems.append(f"{where}: not Python: {exc.msg}")
                continue
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = getattr(node.func, "attr", getattr(node.func, "id", None))
                first = node.args[0]
                if func != "connect" or not isinstance(first, ast.Constant) or first.value not in BUILT_IN:
                    continue
                settings = settings_of(first.value)
                if settings is None:
                    continue
                given = {k.arg for k in node.keywords}
                at = f"{page.relative_to(ROOT)}:{line + node.lineno - 1}"
                unknown = {k for k in given if k is not None} - {*settings, "profile"}
                problems += [f"{at}: {first.value} has no setting {k!r}" for k in sorted(unknown)]
                if "profile" not in given and None not in given:  # no profile, no **settings
                    needed = {k for k, required in settings.items() if required} - given
                    problems += [f"{at}: {first.value} needs {k!r}" for k in sorted(needed)]
    assert problems == []


def test_profile_examples_name_real_settings() -> None:
    problems = []
    for page in PAGES:
        for line, text in blocks(page, "toml"):
            for name, profile in tomllib.loads(text).get("profiles", {}).items():
                settings = settings_of(profile["network"])
                if settings is None:
                    continue
                for key in set(profile) - {"network"}:
                    if re.sub(r"_(env|keyring)$", "", key) not in settings:
                        problems.append(f"{page.relative_to(ROOT)}:{line}: [profiles.{name}] {key!r}")
    assert problems == []


def run(code: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_readme_example_is_the_quick_starts_and_runs_exactly_once(tmp_path: Path) -> None:
    code = section_code("README.md", "## Example")
    assert code == section_code("docs/quickstart.md", "## Ten lines")
    first = run(code, tmp_path).splitlines()
    assert "pending 1.000 SAND" in first  # as the comment says
    assert first[-1].startswith("True ['sandbox://posts/")
    # "run the script again and publish and crosspost return the posts already made"
    assert run(code, tmp_path).splitlines()[-1] == first[-1]


def test_the_home_page_and_sandbox_examples_print_what_their_comments_say(tmp_path: Path) -> None:
    home = run(section_code("docs/index.md", "# decentsocial"), tmp_path)
    assert "('decentsocial',)" in home.splitlines()[0]
    sandbox = run(section_code("docs/networks/sandbox.md", "# Sandbox"), tmp_path).splitlines()
    assert "status='pending' amounts='1.000 SAND'" in sandbox[0]
    assert "status='paid' amounts='1.000 SAND'" in sandbox[1]


#: Rows of the table on docs/networks/index.md, and the capability each stands for.
ROWS = {
    "repost": Capability.REPOST,
    "quote (`Draft.quote_of`)": Capability.QUOTE,
    "follow": Capability.FOLLOW,
    "rewards / claim / tip": Capability.REWARDS,
    "edit (else `replace=True`)": Capability.EDIT,
    "media (`Draft.media`)": Capability.MEDIA,
    "polls / scheduled posts (`scheduled_at`)": Capability.POLL,
    "live `stream()`": Capability.STREAM,
    "[direct messages](../messages.md)": Capability.MESSAGING,
}


def test_the_networks_table_matches_each_backends_capabilities() -> None:
    lines = (ROOT / "docs" / "networks" / "index.md").read_text(encoding="utf-8").splitlines()
    table = [[c.strip() for c in line.strip("|").split("|")] for line in lines if line.startswith("| ")]
    columns = [c.split(" / ")[0] for c in table[0][1:]]  # "hive / steem": the Hive column
    rows = {row[0]: row[1:] for row in table[1:]}
    assert set(ROWS) <= set(rows), f"rows missing: {set(ROWS) - set(rows)}"
    classes = {}
    for network in columns:
        try:
            classes[network] = backend_class(network)
        except ConfigurationError:  # its extra is not installed here (the compat sessions): not checked
            continue
    assert "sandbox" in classes
    wrong = []
    for label, capability in ROWS.items():
        for network, cell in zip(columns, rows[label], strict=True):
            if network not in classes:
                continue
            has = capability in classes[network].capabilities
            if has == (cell == "—"):
                wrong.append(
                    f"{label} / {network}: page says {cell!r}, backend {'has' if has else 'lacks'} it"
                )
    assert wrong == []


@pytest.mark.parametrize("network", BUILT_IN)
def test_every_built_in_network_has_a_column(network: str) -> None:
    header = (ROOT / "docs" / "networks" / "index.md").read_text(encoding="utf-8").splitlines()[2]
    assert network in header
