"""Each ``login NETWORK --help`` gives a profile name of that network as its ``--profile`` example.

Every login said ``(brand-mastodon)``, even Threads, Bluesky, Hive and Nostr's: a reader
copying it named a Bluesky profile after Mastodon. docs/cli.md shows these helps, so the
page says it too (tests/cli/test_cli_docs.py keeps the page to the real help).
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("typer", reason="the command needs the cli extra")

from typer.testing import CliRunner

from decentsocial.cli import app

NETWORKS = ("mastodon", "threads", "bluesky", "hive", "steem", "nostr")


def profile_help(network: str) -> str:
    done = CliRunner().invoke(app, ["login", network, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert done.exit_code == 0, done.output
    [line] = [line for line in done.output.splitlines() if "--profile" in line]
    return line


@pytest.mark.parametrize("network", NETWORKS)
def test_each_login_names_a_profile_of_its_own_network(network: str) -> None:
    line = profile_help(network)
    assert f"(brand-{network})" in line, line
    others = set(re.findall(r"brand-(\w+)", line)) - {network}
    assert not others, line


def test_the_cli_page_shows_each_logins_own_example() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    for network in NETWORKS:
        section = page.split(f"### `decentsocial login {network}`\n", 1)[1].split("\n### ", 1)[0]
        assert f"(brand-{network})" in section, network
