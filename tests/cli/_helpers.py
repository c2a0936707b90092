"""What the CLI's wrong-argument tests share: a folder with a config, the command run there, and the
checks that it said one line and made nothing (docs/cli.md, Errors: a wrong argument is status 2, one
line, refused before any store is made or anything sent)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from decentsocial.cli import app

__all__ = [
    "ROOT",
    "invoke",
    "made",
    "one_line",
    "piped",
    "post_body",
    "refused",
    "run_process",
    "run_with_bytes",
    "sandbox_profile",
    "write_config",
]

#: The checkout the tests run from: first on a child process's path.
ROOT = Path(__file__).resolve().parents[2]

runner = CliRunner()


def sandbox_profile(name: str, path: Path, account: str) -> str:
    """A ``[profiles.NAME]`` table (TOML): the sandbox ``account`` in the file at ``path``."""
    return f'[profiles.{name}]\nnetwork = "sandbox"\npath = {json.dumps(str(path))}\naccount = "{account}"\n'


def write_config(folder: Path, extra: str = "") -> Path:
    """``folder/config.toml``: profile ``brand`` (a sandbox at ``folder/s.db``), then ``extra`` (TOML)."""
    (folder / "config.toml").write_text(
        sandbox_profile("brand", folder / "s.db", "brand") + extra, encoding="utf-8"
    )
    return folder


def invoke(home: Path, /, *args: str, **env: str) -> Any:
    """The command run in-process, its config, stores and state all in ``home`` (where ``made`` looks),
    ``env`` over those."""
    return piped(home, None, *args, **env)


def piped(home: Path, stdin: bytes | None, /, *args: str, **env: str) -> Any:
    """``invoke`` with ``stdin`` on standard input."""
    return runner.invoke(
        app,
        list(args),
        input=stdin,
        env={
            "DECENTSOCIAL_CONFIG": str(home / "config.toml"),
            "DECENTSOCIAL_STORE": str(home / "campaign.db"),
            "DECENTSOCIAL_METRICS": str(home / "metrics.db"),
            "DECENTSOCIAL_STATE_DIR": str(home / "state"),
            "COLUMNS": "200",
            **env,
        },
    )


def made(home: Path, *kept: str) -> list[str]:
    """What a command left in ``home`` besides the config and the ``kept`` files a test put there:
    a job or metrics store, a sandbox, idempotency records."""
    return sorted(p.name for p in home.iterdir() if p.name not in ("config.toml", *kept))


def one_line(result: Any, status: int, *said: str) -> str:
    """``result`` is one ``error:`` line on stderr with exit ``status``, nothing on stdout, holding each
    of ``said``; the line, for more checks."""
    assert result.exit_code == status, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for words in said:
        assert words in result.stderr, result.stderr
    return str(result.stderr)


def refused(result: Any, *said: str) -> str:
    """``one_line`` with status 2: a wrong argument."""
    return one_line(result, 2, *said)


def _run(folder: Path, args: Sequence[str | bytes], env: dict[str, str], *, text: bool) -> Any:
    environ = {
        **os.environ,
        "DECENTSOCIAL_CONFIG": str(folder / "config.toml"),
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
        "COLUMNS": "200",
        **env,
    }
    return subprocess.run(
        [sys.executable.encode(), b"-m", b"decentsocial.cli", *(os.fsencode(a) for a in args)],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=text,
        timeout=120,
        check=False,
    )


def run_process(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m decentsocial.cli ARGS`` in a fresh process in ``folder`` (this checkout first on its
    path, ``folder/config.toml`` its config, ``env`` over the rest), as a user runs it."""
    ran: subprocess.CompletedProcess[str] = _run(folder, args, env, text=True)
    return ran


def run_with_bytes(folder: Path, *args: str | bytes, **env: str) -> str:
    """``decentsocial ARGS`` in a real process in ``folder`` (no config unless ``env`` names one), given
    bytes as a shell passes them (``os.fsdecode`` makes an undecodable byte a lone surrogate in
    ``sys.argv``); it must refuse them as a wrong argument: status 2, nothing on stdout. What it said
    on stderr."""
    if os.name != "posix":
        pytest.skip("bytes on the command line are a POSIX thing")
    defaults = {
        "DECENTSOCIAL_CONFIG": str(folder / "none.toml"),
        "DECENTSOCIAL_STATE_DIR": str(folder / "state"),
    }
    ran = _run(folder, args, {**defaults, **env}, text=False)
    assert ran.returncode == 2, ran.stderr
    assert ran.stdout == b""
    return str(ran.stderr.decode("utf-8"))


def post_body(output: str, post_id: str) -> list[str]:
    """The lines under post ``post_id``'s header in a command's text output, up to the next header or rule."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith(post_id) and line.startswith("@"))
    rest = lines[start + 1 :]
    end = next((i for i, line in enumerate(rest) if not line.startswith("  ")), len(rest))
    return rest[:end]
