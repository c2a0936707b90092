"""Every benchmark in one go, printed as one table (what ``nox -s bench`` runs).

Each bench module has ``rows(quick)``: its comparisons as ratios measured
side by side in this run, with their range over the rounds. A bench whose
server cannot start here gets a row saying so instead of stopping the rest.

    python bench/run_all.py [--quick] [--only sandbox,crosspost] [--skip bluesky]
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from _table import Row, format_table

#: In the order of the table.
BENCHES = ("core", "nostr", "mastodon", "bluesky", "threads", "hive", "sandbox", "crosspost", "convert")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and few rounds (the CI smoke's sizes)"
    )
    parser.add_argument("--only", default="", help="comma-separated benches to run")
    parser.add_argument("--skip", default="", help="comma-separated benches to leave out")
    args = parser.parse_args()
    only = [b for b in args.only.split(",") if b] or list(BENCHES)
    skip = {b for b in args.skip.split(",") if b}
    rows: list[Row] = []
    started = time.monotonic()
    for name in (b for b in BENCHES if b in only and b not in skip):
        print(f"running bench_{name} ...", file=sys.stderr, flush=True)
        try:
            rows += importlib.import_module(f"bench_{name}").rows(args.quick)
        except Exception as exc:  # one bench failing (a server missing here) leaves the others
            rows.append(Row(f"bench_{name}", [], error=f"{type(exc).__name__}: {exc}"[:160]))
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"{when}; {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} cores; {'quick' if args.quick else 'full'} run "
        f"in {time.monotonic() - started:.0f} s; "
        "each ratio is ours ÷ theirs measured side by side per round (median and range over rounds)"
    )
    print(format_table(rows))


if __name__ == "__main__":
    main()
