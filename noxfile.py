"""Developer and CI sessions: ``nox -s lint typecheck tests docs``.

``scripts/test`` (the README's test command) prepares one environment with
every dependency and the local servers, then runs these sessions in it with
``--no-venv``; run on their own, each session builds its own virtualenv.
"""

from __future__ import annotations

import re
from pathlib import Path

import nox
import tomllib

nox.options.sessions = ["lint", "typecheck", "tests", "docs"]
nox.options.reuse_venv = "yes"

PYTHON = "3.12"  # hiveio-wax (the Hive signature oracle) ships wheels for 3.12 only
SUPPORTED = ["3.10", "3.11", "3.12", "3.13"]


def test_pins(*names: str) -> list[str]:
    """The ``test`` extra's requirements for ``names``, so every session installs the same versions."""
    extra = tomllib.loads(Path("pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    wanted = [r for r in extra if re.split(r"[\[<>=!~;\s]", r, maxsplit=1)[0] in names]
    assert len(wanted) == len(names), f"not all of {names} are in the test extra"
    return wanted


def install(session: nox.Session, *args: str) -> None:
    """Install into the session's virtualenv; with --no-venv the caller has done it."""
    if session.venv_backend == "none":
        return
    session.install(*args)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    install(session, "ruff>=0.6")
    session.run("ruff", "check", "decentsocial", "tests", "bench", "noxfile.py")
    session.run("ruff", "format", "--check", "decentsocial", "tests", "bench", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    install(session, "-e", ".[all,celery,test]", "mypy>=1.10", "types-regex")
    session.run("mypy")  # decentsocial, tests and bench (pyproject.toml)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole suite, every backend against its local server (installed by tests/servers)."""
    install(session, "-e", ".[all,celery,test]")
    session.run("bash", "tests/servers/bluesky/install.sh", external=True)
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python=SUPPORTED)
def compat(session: nox.Session) -> None:
    """The core, the sandbox, the contract suite and Nostr on every supported Python.

    Only the sandbox and Nostr harnesses are loaded: nostr-relay is a Python
    package, and the Nostr backend's event-loop handling differs between
    Python versions (eager tasks from 3.12), so it is worth running on each.
    """
    pins = test_pins("pytest", "pytest-timeout", "hypothesis", "nostr-relay", "bolt11", "bitstring")
    install(session, "-e", ".[pandas,nostr,cli]", *pins)
    session.run(
        "python",
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        *session.posargs,
        env={"DECENTSOCIAL_TEST_SERVERS": "sandbox,nostr"},
    )


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    install(session, "-e", ".[all]", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.25")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Every benchmark in one go, printed as one table of side-by-side ratios (never asserted).

    ``nox -s bench -- --quick`` runs small sizes; ``-- --only sandbox,crosspost`` some benches.
    Granary, the conversion baseline, is installed by the bench into its own virtualenv.
    """
    install(session, "-e", ".[all,celery,test]")
    session.run("python", "bench/run_all.py", *session.posargs)
