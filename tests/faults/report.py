"""``python -m tests.faults.report``: start each backend's local server, run every write under every
fault through the proxy, print the table; ``--write-docs`` puts it in docs/reliability.md.

    python -m tests.faults.report                      # every backend with a local server
    python -m tests.faults.report --only threads,minds --details
    python -m tests.faults.report --write-docs

Every server is started on loopback and stopped at the end (by the pid or
object its start gave); Bluesky's stack is started only when it is chosen
and installed.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from .proxy import FAULTS
from .runner import ATTEMPTS, DEADLINE, GRACE, Row, run_backend
from .targets import Target

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "reliability.md"
BEGIN = "<!-- fault-table:begin (written by python -m tests.faults.report --write-docs) -->"
END = "<!-- fault-table:end -->"
BACKENDS = ("mastodon", "threads", "minds", "hive", "nostr", "bluesky")
NO_WIRE = {"sandbox": "embedded SQLite, no wire to spoil (its exactly-once is tested in tests/sandbox)"}
COLUMNS = ("faults injected", "writes", "duplicates", "lost acknowledged", "over deadline", "gave up")


# ---------------------------------------------------------------------- servers outside pytest


@contextmanager
def _threads(state: Path) -> Iterator[Target]:
    from tests.servers._process import start_server
    from tests.servers.threads import PORTS

    from .targets import ThreadsTarget

    server = start_server("tests.servers._threads_app", PORTS, "--video-seconds", "0.3")
    try:
        yield ThreadsTarget(server, state, DEADLINE)
    finally:
        server.stop()


@contextmanager
def _minds(state: Path) -> Iterator[Target]:
    from tests.servers._process import start_server
    from tests.servers.minds import PORTS

    from .targets import MindsTarget

    server = start_server("tests.servers._minds_app", PORTS)
    try:
        yield MindsTarget(server, state, DEADLINE)
    finally:
        server.stop()


@contextmanager
def _mastodon(state: Path) -> Iterator[Target]:
    from tests.servers.mastodon import PORT, start_server

    from .targets import MastodonTarget

    # Beside the test session's servers (PORT, PORT + 1), never on them.
    with start_server(PORT + 5, ratelimit=False) as server:
        yield MastodonTarget(server, state, DEADLINE)


@contextmanager
def _hive(state: Path) -> Iterator[Target]:
    from tests.servers._jsonrpc_replay import ReplayServer, load_cases
    from tests.servers.hive import FIXTURE

    from .targets import HiveTarget

    replay = ReplayServer(load_cases(FIXTURE), port=0).start()
    try:
        yield HiveTarget(replay, state, DEADLINE)
    finally:
        replay.stop()


@contextmanager
def _nostr(state: Path) -> Iterator[Target]:
    from tests.servers.nostr import start_relay

    from .targets import NostrTarget

    relay = start_relay(Path(tempfile.mkdtemp(prefix="faults-nostr-")))
    try:
        yield NostrTarget(relay.url, state, DEADLINE)
    finally:
        relay.stop()


@contextmanager
def _bluesky(state: Path) -> Iterator[Target]:
    from tests.servers.bluesky import BlueskyStack

    from .targets import BlueskyTarget

    stack = BlueskyStack.start()
    try:
        accounts = {"me": stack.create_account("alice"), "other": stack.create_account("bob")}
        yield BlueskyTarget(stack.pds_url, accounts, state, DEADLINE)
    finally:
        stack.stop()


STARTERS: dict[str, Callable[[Path], AbstractContextManager[Target]]] = {
    "mastodon": _mastodon,
    "threads": _threads,
    "minds": _minds,
    "hive": _hive,
    "nostr": _nostr,
    "bluesky": _bluesky,
}


# ---------------------------------------------------------------------- the table


def table(rows: list[Row]) -> str:
    lines = [
        "| backend | " + " | ".join(COLUMNS) + " |",
        "|---|" + "---:|" * len(COLUMNS),
    ]
    for row in rows:
        values = (
            row.total("injected"),
            row.writes,
            row.total("duplicates"),
            row.total("lost"),
            row.total("over_deadline"),
            row.gave_up,
        )
        lines.append(f"| {row.backend} | " + " | ".join(str(v) for v in values) + " |")
    for name, why in NO_WIRE.items():
        lines.append(f"| {name} | " + " | ".join("–" for _ in COLUMNS) + f" |\n\n{name}: skipped, {why}.")
    notes = [f"{row.backend} {write}: not run, {why}." for row in rows for write, why in row.skipped.items()]
    return "\n".join(lines) + ("\n\n" + "\n".join(f"- {n}" for n in notes) if notes else "")


def details(rows: list[Row]) -> str:
    """Per fault: duplicates / lost / over deadline / gave up, for each backend."""
    head = "| fault | " + " | ".join(r.backend for r in rows) + " |"
    lines = [
        "Per fault, duplicates / lost / over deadline / gave up:",
        "",
        head,
        "|---|" + "---|" * len(rows),
    ]
    for fault in ("none", *FAULTS):
        cells = []
        for row in rows:
            cases = [c for c in row.cases if c.fault == fault]
            if not cases:
                cells.append("–")
                continue
            dup = sum(c.duplicates for c in cases)
            lost = sum(c.lost for c in cases)
            over = sum(c.over_deadline for c in cases)
            gave = sum(1 for c in cases if not c.acknowledged)
            cells.append(f"{dup} / {lost} / {over} / {gave}")
        lines.append(f"| {fault} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def problems(rows: list[Row]) -> str:
    out = []
    for row in rows:
        for c in row.cases:
            if c.duplicates or c.lost or c.over_deadline or c.untyped:
                out.append(
                    f"{c.backend} {c.write} under {c.fault}: effects={c.effects} duplicates={c.duplicates} "
                    f"lost={c.lost} over={c.over_deadline} slowest={c.slowest:.1f}s errors={c.errors}"
                )
    return "\n".join(out)


def run(backends: list[str], faults: tuple[str, ...]) -> list[Row]:
    state = Path(tempfile.mkdtemp(prefix="faults-state-"))
    os.environ.setdefault("DECENTSOCIAL_STATE_DIR", str(state))
    rows = []
    for name in backends:
        with STARTERS[name](state) as target:
            try:
                rows.append(run_backend(target, faults))
            finally:
                target.shutdown()
    return rows


def write_docs(text: str, command: str) -> None:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    block = (
        f"{BEGIN}\n"
        f"Measured {stamp} on {machine} with `{command}` (deadline {DEADLINE:g} s, grace {GRACE:g} s, "
        f"at most {ATTEMPTS} tries per write):\n\n{text}\n{END}"
    )
    doc = DOC.read_text(encoding="utf-8")
    if BEGIN in doc and END in doc:
        doc = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, doc, flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.report", description=__doc__)
    parser.add_argument("--only", help="comma-separated backends (default: all with a local server)")
    parser.add_argument("--faults", help=f"comma-separated faults (default: none and {', '.join(FAULTS)})")
    parser.add_argument(
        "--details", action="store_true", help="also print the per-fault table and each problem"
    )
    parser.add_argument("--write-docs", action="store_true", help="replace the table in docs/reliability.md")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.only.split(",")] if args.only else list(BACKENDS)
    unknown = [b for b in backends if b not in STARTERS]
    if unknown:
        parser.error(f"no local server for {unknown}; known: {', '.join(STARTERS)}")
    faults = tuple(f.strip() for f in args.faults.split(",")) if args.faults else ("none", *FAULTS)
    rows = run(backends, faults)
    text = table(rows)
    print(text)
    if args.details:
        print()
        print(details(rows))
        print()
        print(problems(rows) or "no problems")
    if args.write_docs:
        command = "python -m tests.faults.report " + " ".join(argv if argv is not None else sys.argv[1:])
        write_docs(text + "\n\n" + details(rows), command.strip())
    bad = sum(r.total("duplicates") + r.total("lost") + r.total("over_deadline") for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
