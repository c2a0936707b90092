"""Two wrong arguments the CLI said as failures (status 1): now status 2, one line, before any store.

docs/cli.md, Errors: a wrong argument is one the command refuses before it reads or writes anything.
``--setting x=[[[…`` (JSON nested past the parser's stack) was "unexpected RecursionError", and how
deep a value could go before that depended on the Python. A post's TEXT holding a byte the command
line could not decode (a lone surrogate in ``sys.argv``) was the network's or the draft's failure,
and ``schedule`` and ``crisis start`` had made their store by then. Text piped in with such a byte
is the file's fault, not the command line's: it stays status 1, said as such.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from decentsocial.cli import UsageProblem, parse_settings
from tests.cli._helpers import invoke, made, one_line, piped, run_with_bytes

# ---------------------------------------------------------------- --setting KEY=<deep JSON>


@pytest.mark.parametrize(
    "args",
    [
        ["timeline", "-n", "sandbox"],
        ["post", "hello", "-n", "sandbox"],
        ["track", "-n", "sandbox", "--store", "METRICS"],  # makes its metrics store before connecting
    ],
)
def test_json_nested_past_the_parser_is_a_wrong_argument(home: Path, args: list[str]) -> None:
    args = [str(home / "metrics.db") if a == "METRICS" else a for a in args]
    line = one_line(invoke(home, *args, "-s", "tags=" + "[" * 100_000), 2, "--setting tags", "not valid JSON")
    assert "RecursionError" not in line
    assert made(home) == []


@pytest.mark.parametrize("depth", [65, 500, 5000])
def test_deep_but_well_formed_json_is_refused_whatever_the_python(depth: int) -> None:
    """Past 64 levels (the SDK's own depth for a server's JSON) it is refused, not parsed: no setting
    nests that deep, and whether the parser's stack held depended on the version and the call."""
    with pytest.raises(UsageProblem, match=r"--setting x: not valid JSON \(nested deeper than 64 levels\)"):
        parse_settings(["x=" + "[" * depth + "]" * depth])


def test_deep_json_from_the_command_line_exits_2(home: Path) -> None:
    deep = "x=" + "[" * 500 + "]" * 500
    one_line(invoke(home, "timeline", "-n", "sandbox", "-s", deep), 2, "deeper than 64")


def test_json_within_the_depth_and_brackets_inside_strings_are_read() -> None:
    nested: Any = "end"
    for _ in range(63):
        nested = [nested]
    quoted = ["[" * 1000 + "{" * 1000]  # brackets in a string nest nothing
    settings = parse_settings([f"a={json.dumps(nested)}", f"b={json.dumps(quoted)}", 'c={"k": [1, 2]}'])
    assert settings == {"a": nested, "b": quoted, "c": {"k": [1, 2]}}


def test_malformed_json_still_says_why() -> None:
    with pytest.raises(UsageProblem, match=r"--setting relays: not valid JSON \(Expecting"):
        parse_settings(["relays=[1,"])


# ---------------------------------------------------------------- TEXT with an undecodable byte


BAD = os.fsdecode(b"hi \xff there")  # as the shell's $'hi \xff there' reaches sys.argv


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["post", "-p", "brand", BAD], "TEXT"),
        (["post", "-p", "brand", "--dry-run", BAD], "TEXT"),
        (["post", "-n", "sandbox", "-s", "path=NET", BAD], "TEXT"),
        (["reply", "id1", BAD, "-p", "brand"], "TEXT"),
        (["edit", "id1", BAD, "-p", "brand"], "TEXT"),
        (["message", "send", "bob", BAD, "-p", "brand"], "TEXT"),
        (["schedule", BAD, "--to", "brand", "--at", "+1h"], "TEXT"),  # made its job store first
        (["crisis", "start", BAD, "--to", "brand"], "STATEMENT"),  # made its store first
    ],
)
def test_text_with_an_undecodable_byte_is_a_wrong_argument(home: Path, args: list[str], name: str) -> None:
    args = [f"path={home / 'n.db'}" if a == "path=NET" else a for a in args]
    line = one_line(invoke(home, *args), 2, f"{name} is not valid Unicode", "could not decode")
    assert "character 3" in line
    assert made(home) == []  # no job store, no sandbox, no idempotency records


def test_a_variant_text_with_an_undecodable_byte_is_a_wrong_argument(home: Path) -> None:
    """``schedule --variant NAME=TEXT``: the same text, typed too; its job store was made first."""
    result = invoke(home, "schedule", "hello", "--to", "brand", "--variant", f"sandbox={BAD}")
    one_line(result, 2, "--variant 'sandbox' is not valid Unicode", "character 3")
    assert made(home) == []


def test_the_statement_message_offers_stdin_as_posts_does(home: Path) -> None:
    """``crisis start`` reads ``-`` from standard input, as ``post`` does: both messages say so."""
    line = one_line(invoke(home, "crisis", "start", BAD, "--to", "brand"), 2)
    assert "- to read it from standard input" in line
    assert "standard input" in one_line(invoke(home, "post", "-p", "brand", BAD), 2)


def test_text_from_undecodable_command_line_bytes_in_a_real_process(tmp_path: Path) -> None:
    said = run_with_bytes(tmp_path, "post", "-n", "sandbox", "-s", f"path={tmp_path / 's.db'}", b"hi\xff")
    assert said.startswith("error: TEXT is not valid Unicode")
    assert not (tmp_path / "s.db").exists()


def test_text_piped_in_with_an_undecodable_byte_is_the_files_fault(home: Path) -> None:
    """Not typed on the command line: status 1, naming standard input and what to do."""
    one_line(piped(home, b"hi \xff", "post", "-", "-p", "brand"), 1, "standard input is not UTF-8")


def test_plain_text_still_posts_and_schedules(home: Path) -> None:
    posted = invoke(home, "post", "héllo 👋", "-p", "brand", "--json")
    assert posted.exit_code == 0, posted.output
    planned = invoke(home, "schedule", "later é", "--to", "brand", "--at", "+1h", "--json")
    assert planned.exit_code == 0, planned.output
    from_a_file = piped(home, b"from a file\n", "schedule", "-", "--to", "brand", "--at", "+2h")
    assert from_a_file.exit_code == 0, from_a_file.output
    jobs = invoke(home, "jobs", "--json")
    assert sorted(j["text"] for j in json.loads(jobs.stdout)) == ["from a file", "later é"]
