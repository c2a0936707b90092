"""``--key`` holding a NUL character (U+0000) is a wrong argument (status 2), said before any store.

No shell passes a NUL, but a program running the CLI with its arguments can (``app([...])``, a
``CliRunner``): ``schedule --key`` planned the job under it in its SQLite store, and ``post --key``
was refused by the draft only after the profile was connected (status 1). Now ``--key`` refuses it
as it refuses a blank key or a byte the command line could not decode: one line, status 2, nothing made.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli._helpers import invoke, made, refused


@pytest.mark.parametrize(
    "args",
    [
        ["schedule", "launch", "--to", "brand", "--at", "+1h"],
        ["schedule", "launch", "--to", "brand"],
        ["post", "launch", "-p", "brand"],
        ["post", "launch", "-p", "brand", "--dry-run"],
    ],
)
def test_a_key_holding_a_nul_is_refused_and_nothing_is_made(home: Path, args: list[str]) -> None:
    line = refused(invoke(home, *args, "--key", "launch\x00v2"), "--key holds a NUL character (U+0000)")
    assert "at character 6" in line
    assert made(home) == []  # no job store, no sandbox, no idempotency records


def test_a_plain_key_is_still_planned_once(home: Path) -> None:
    for _ in range(2):
        planned = invoke(
            home,
            "schedule",
            "launch",
            "--to",
            "brand",
            "--at",
            "2031-01-01T09:00+00:00",
            "--key",
            "launch-v2",
        )
        assert planned.exit_code == 0, planned.output
    jobs = json.loads(invoke(home, "jobs", "--json").stdout)
    assert [j["key"] for j in jobs] == ["launch-v2"]
