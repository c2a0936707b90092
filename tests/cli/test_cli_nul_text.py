"""Text piped in holding a NUL character (U+0000) is refused before any store is made or post sent.

A UTF-16 file saved without its byte-order mark reads as UTF-8 with a NUL after every ASCII letter:
``schedule -`` planned it in its SQLite store, and the job failed hours later on the servers that
keep text in PostgreSQL; ``post -`` published it on the sandbox. Now it is the file's fault, status 1,
naming the position, and nothing is made. (A command-line argument cannot hold a NUL.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli._helpers import invoke, made, one_line, piped

UTF16_NO_MARK = "Launch day\n".encode("utf-16-le")  # b"L\x00a\x00u\x00…": valid UTF-8, full of NULs


@pytest.mark.parametrize(
    "args",
    [
        ["schedule", "-", "--to", "brand", "--at", "+1h"],
        ["schedule", "-", "--to", "brand"],
        ["post", "-", "-p", "brand"],
        ["post", "-", "-p", "brand", "--dry-run"],
        ["reply", "some-id", "-", "-p", "brand"],
    ],
)
def test_a_nul_piped_in_is_refused_and_nothing_is_made(home: Path, args: list[str]) -> None:
    line = one_line(piped(home, UTF16_NO_MARK, *args), 1, "text holds a NUL character (U+0000)")
    assert "at character 1" in line
    assert made(home) == []  # no job store, no sandbox, no idempotency records


def test_a_nul_at_the_end_of_a_utf8_file_is_refused_too(home: Path) -> None:
    line = one_line(piped(home, "مرحبا\x00\n".encode(), "schedule", "-", "--to", "brand"), 1, "NUL")
    assert "at character 5" in line
    assert made(home) == []


def test_tabs_and_other_controls_are_still_planned(home: Path) -> None:
    planned = piped(home, b"a\tb\nc\x0c\x1b[0m\n", "schedule", "-", "--to", "brand", "--at", "+2h")
    assert planned.exit_code == 0, planned.output
    jobs = invoke(home, "jobs", "--json")
    assert [j["text"] for j in json.loads(jobs.stdout)] == ["a\tb\nc\x0c\x1b[0m"]
