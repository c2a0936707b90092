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
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from decentsocial.cli import UsageProblem, app, parse_settings

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A folder with a config (profile ``brand`` on a sandbox); the stores would be made here."""
    db = json.dumps(str(tmp_path / "s.db"))
    (tmp_path / "config.toml").write_text(
        f'[profiles.brand]\nnetwork = "sandbox"\npath = {db}\naccount = "brand"\n'
    )
    return tmp_path


def invoke(home: Path, *args: str, stdin: bytes | None = None) -> Any:
    return runner.invoke(
        app,
        list(args),
        input=stdin,
        env={
            "DECENTSOCIAL_CONFIG": str(home / "config.toml"),
            "DECENTSOCIAL_STORE": str(home / "campaign.db"),
            "DECENTSOCIAL_STATE_DIR": str(home / "state"),
            "COLUMNS": "200",
        },
    )


def one_line(result: Any, status: int, *said: str) -> str:
    """``result`` is one line on stderr with exit ``status``, nothing on stdout; the line."""
    assert result.exit_code == status, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    for words in said:
        assert words in result.stderr, result.stderr
    return str(result.stderr)


def made(home: Path) -> list[str]:
    return sorted(p.name for p in home.iterdir() if p.name != "config.toml")


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


def test_the_statement_message_does_not_offer_stdin(home: Path) -> None:
    """``crisis start`` does not read ``-`` from standard input: the message does not say it does."""
    line = one_line(invoke(home, "crisis", "start", BAD, "--to", "brand"), 2)
    assert "standard input" not in line
    assert "standard input" in one_line(invoke(home, "post", "-p", "brand", BAD), 2)


def test_text_from_undecodable_command_line_bytes_in_a_real_process(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("bytes on the command line are a POSIX thing")
    env = {**os.environ, "DECENTSOCIAL_CONFIG": str(tmp_path / "none.toml"), "PYTHONIOENCODING": "utf-8"}
    env["DECENTSOCIAL_STATE_DIR"] = str(tmp_path / "state")
    args = [sys.executable, "-m", "decentsocial.cli", "post", "-n", "sandbox"]
    ran = subprocess.run(
        [os.fsencode(a) for a in args] + [b"-s", os.fsencode(f"path={tmp_path / 's.db'}"), b"hi\xff"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 2, ran.stderr
    assert ran.stdout == b""
    assert ran.stderr.decode("utf-8").startswith("error: TEXT is not valid Unicode")
    assert not (tmp_path / "s.db").exists()


def test_text_piped_in_with_an_undecodable_byte_is_the_files_fault(home: Path) -> None:
    """Not typed on the command line: status 1, naming standard input and what to do."""
    one_line(invoke(home, "post", "-", "-p", "brand", stdin=b"hi \xff"), 1, "standard input is not UTF-8")


def test_plain_text_still_posts_and_schedules(home: Path) -> None:
    posted = invoke(home, "post", "héllo 👋", "-p", "brand", "--json")
    assert posted.exit_code == 0, posted.output
    planned = invoke(home, "schedule", "later é", "--to", "brand", "--at", "+1h", "--json")
    assert planned.exit_code == 0, planned.output
    piped = invoke(home, "schedule", "-", "--to", "brand", "--at", "+2h", stdin=b"from a file\n")
    assert piped.exit_code == 0, piped.output
    jobs = invoke(home, "jobs", "--json")
    assert sorted(j["text"] for j in json.loads(jobs.stdout)) == ["from a file", "later é"]
