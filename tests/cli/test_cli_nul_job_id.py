"""A job id holding a NUL character (U+0000) is a wrong argument (status 2), said before any store.

No shell passes a NUL, but a program running the CLI with its arguments can (``app([...])``, a
``CliRunner``): ``pause``, ``resume``, ``cancel``, ``reschedule``, ``retry`` and ``retract`` opened the
job store first, and said status 1: "no scheduler store" when there was none, else the scheduler's
``InvalidInput`` for the id. Now the argument is refused as ``--key`` with a NUL is, and as a job id
with a byte the command line could not decode: one line naming it, status 2, before any store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli._helpers import invoke, made, refused

COMMANDS = [
    ["pause"],
    ["resume"],
    ["cancel", "--yes"],
    ["reschedule", "--at", "+2h"],
    ["retry"],
    ["retract", "--yes"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(("job_id", "at"), [("job-1\x00", 5), ("\x00job-1", 0)])
def test_a_job_id_holding_a_nul_is_refused_and_nothing_is_made(
    home: Path, command: list[str], job_id: str, at: int
) -> None:
    name = "JOB_OR_KEY" if command[0] == "retract" else "JOB_ID"
    line = refused(invoke(home, command[0], job_id, *command[1:]), f"{name} holds a NUL character (U+0000)")
    assert f"at character {at}" in line
    assert made(home) == []  # no job store


@pytest.mark.parametrize(
    "command", [["pause"], ["resume"], ["cancel", "--yes"], ["retry"]], ids=lambda c: c[0]
)
def test_a_planned_job_is_left_as_it_was(home: Path, command: list[str]) -> None:
    planned = invoke(home, "schedule", "launch", "--to", "brand", "--at", "2031-01-01T09:00+00:00", "--json")
    assert planned.exit_code == 0, planned.output
    job = json.loads(planned.stdout)["id"]
    refused(invoke(home, command[0], job + "\x00", *command[1:]), "NUL character")
    jobs = json.loads(invoke(home, "jobs", "--json").stdout)
    assert [(j["id"], j["status"]) for j in jobs] == [(job, "scheduled")]
    moved = invoke(home, "pause", job)  # the id as given works
    assert moved.exit_code == 0, moved.output
