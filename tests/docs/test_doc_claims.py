"""Claims in README.md and docs/ that a reader acts on match the code: names, lists, tables."""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.errors import ConfigurationError
from decentsocial.network import Capability
from decentsocial.registry import backend_class

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_the_readme_names_every_core_dependency() -> None:
    """The README's "need only …" list: a dependency left out is a surprise at install time."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=;\[ ]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sentence = readme.split("The core and the sandbox need only", 1)[1].split(". ", 1)[0]
    assert {n for n in names if n not in sentence.lower()} == set()


def test_no_table_is_cut_in_two_by_a_blank_line() -> None:
    """Rows after a blank line are no table any more: Markdown shows them as a paragraph of pipes."""
    cut = []
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        for i in range(2, len(lines)):
            row, blank, above = lines[i], lines[i - 1], lines[i - 2]
            if blank.strip() == "" and row.startswith("|") and above.startswith("|"):
                separator = lines[i + 1] if i + 1 < len(lines) else ""
                if not re.fullmatch(r"\|[\s:|-]+\|", separator.strip()):  # not a new table's header
                    cut.append(f"{page.relative_to(ROOT)}:{i + 1}")
    assert cut == []


def test_the_messages_pages_way_to_rehearse_a_network_without_messages_works() -> None:
    page = (ROOT / "docs" / "messages.md").read_text(encoding="utf-8")
    section = page.split("## Sandbox", 1)[1].split("\n## ", 1)[0]
    spans = [s for s in re.findall(r"`([^`]+)`", section.replace("\n", " ")) if "unsupported=" in s]
    assert spans, "the Sandbox section names no way to leave messages out"
    for span in spans:
        net = eval(span, {"ds": ds})  # the page's own expression, on the sandbox
        try:
            assert Capability.MESSAGING not in net.capabilities
            with pytest.raises(ds.UnsupportedFeature):
                net.send_message("@someone", "hello")
        finally:
            net.close()


#: What a network's page calls each capability in its list of what the network cannot do.
WORDS = {
    Capability.LIKE: "likes",
    Capability.FOLLOW: "follows",
    Capability.TIMELINE: "timeline",
    Capability.SEARCH: "search",
    Capability.THREAD: "threads",
    Capability.NOTIFICATIONS: "notifications",
    Capability.COMMUNITIES: "communities",
    Capability.REWARDS: "rewards",
    Capability.TIP: "tips",
    Capability.MEDIA: "media",
    Capability.POLL: "polls",
    Capability.SCHEDULE: "scheduling",
    Capability.STREAM: "streams",
    Capability.EDIT: "edits",
    Capability.PIN: "pins",
    Capability.MESSAGING: "direct messages",
}

#: Each page's list: the words before it, and the words after it.
LISTS = {
    "threads": ("Not available on Threads:", "(`UnsupportedFeature`)"),
    "minds": ("Everything else (", ") raises `UnsupportedFeature`"),
}


@pytest.mark.parametrize("network", sorted(LISTS))
def test_a_networks_page_lists_what_the_network_cannot_do(network: str) -> None:
    page = (ROOT / "docs" / "networks" / f"{network}.md").read_text(encoding="utf-8")
    before, after = LISTS[network]
    sentence = " ".join(page.split(before, 1)[1].split(after, 1)[0].split())
    named = {c for c, word in WORDS.items() if re.search(rf"\b{word}\b", sentence)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Minds warns that it is experimental
        try:
            lacks = set(Capability) - backend_class(network).capabilities
        except ConfigurationError:  # pragma: no cover - neither needs an extra
            pytest.skip(f"{network} is not installed")
    assert sorted(WORDS[c] for c in (lacks & set(WORDS)) - named) == []  # left out of the list
    assert sorted(WORDS[c] for c in named - lacks) == []  # listed, yet the network can


def test_the_threads_page_points_to_the_sign_in_it_has() -> None:
    """The page once said the SDK runs no OAuth flow for Threads; `decentsocial login threads` does."""
    page = (ROOT / "docs" / "networks" / "threads.md").read_text(encoding="utf-8")
    assert "does not run the OAuth" not in page
    assert "decentsocial login threads" in page
    from decentsocial.auth import start

    flow = start(
        "threads", client_id="1234567890", client_secret="app-secret", redirect_uri="https://brand.example/t"
    )
    assert flow.url.startswith("https://threads.net/oauth/authorize?")  # made without any request
