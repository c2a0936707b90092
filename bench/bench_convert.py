"""Conversion throughput against Granary on the same recorded payloads (statuses per second).

Granary (``granary`` on PyPI) converts Mastodon statuses to ActivityStreams
objects (``mastodon.Mastodon.status_to_as1_object``) and Bluesky post views
(``bluesky.to_as1``); we convert the same payloads to ``Post``. Granary runs
in its own virtual environment, made here on first use under the cache
directory (``$DECENTSOCIAL_BENCH_CACHE``, default ``~/.cache/decentsocial-bench``)
and installed with pip; each round times one pass of each side back to back,
both processes on one CPU, and the row is the per-round ratio of statuses per
second (ours ÷ Granary's).

Run from the repository root: ``python bench/bench_convert.py [--quick]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _table import Row, format_table

CACHE = Path(os.environ.get("DECENTSOCIAL_BENCH_CACHE", Path.home() / ".cache" / "decentsocial-bench"))

#: Runs inside Granary's environment: one timed pass per line read from stdin, seconds printed back.
_GRANARY_SIDE = r"""
import json, sys, time
kind, path = sys.argv[1], sys.argv[2]
items = json.load(open(path))
if kind == "mastodon":
    from granary.mastodon import Mastodon
    # Loopback and a user id: Granary then makes no request at all (nothing listens on port 9).
    source = Mastodon("http://127.0.0.1:9", access_token="unused", user_id="1")
    convert = source.status_to_as1_object
else:
    from granary import bluesky
    # getAuthorFeed's post views carry no $type of their own: it is given, as the feed's schema says.
    def convert(obj):
        return bluesky.to_as1(obj, type="app.bsky.feed.defs#postView")
for obj in items:  # warm up, and fail now on anything Granary cannot read
    convert(obj)
print("ready", flush=True)
for _ in sys.stdin:
    started = time.perf_counter()
    for obj in items:
        convert(obj)
    print(time.perf_counter() - started, flush=True)
"""


def granary_python() -> Path:
    """The interpreter of Granary's own environment, created and installed on first use."""
    env = CACHE / "granary-venv"
    python = env / "bin" / "python"
    if not (env / "installed").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(env)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "granary"], check=True)
        (env / "installed").write_text("granary\n")
    return python


def _ours_mastodon() -> tuple[list[dict[str, object]], object]:
    from decentsocial.backends.mastodon.convert import to_post
    from tests.mastodon.cassettes import recorded_statuses

    return recorded_statuses(), to_post


def _ours_bluesky() -> tuple[list[dict[str, object]], object]:
    """The post views recorded from the reference AppView, and the backend's converter of one (no
    author cache across posts: Granary converts each on its own too)."""
    from decentsocial.backends.bluesky.convert import post_from_view
    from tests.bluesky.recorded import recorded_post_views

    return recorded_post_views(), partial(post_from_view, web_url="https://bsky.app")


@contextlib.contextmanager
def one_cpu() -> Iterator[None]:
    """This process, and the processes it starts meanwhile, on one CPU (where the OS allows it).

    The two sides run in two processes: left free, each may run on its own
    core, and on a shared machine one core can run at half the speed of the
    other for seconds at a time; on one CPU both sides of a round see the same.
    """
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)


def compare(kind: str, items: list[dict[str, object]], ours: object, rounds: int) -> Row:
    with one_cpu():
        return _compare(kind, items, ours, rounds)


def _compare(kind: str, items: list[dict[str, object]], ours: object, rounds: int) -> Row:
    assert callable(ours)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(items, file)
    side = subprocess.Popen(
        [str(granary_python()), "-c", _GRANARY_SIDE, kind, file.name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert side.stdin is not None
    assert side.stdout is not None
    try:
        if side.stdout.readline().strip() != "ready":
            raise RuntimeError("Granary could not convert the payloads")
        for obj in items:  # warm up ours too
            ours(obj)
        ratios = []
        for i in range(rounds):
            if i % 2:
                side.stdin.write("go\n")
                side.stdin.flush()
                theirs = float(side.stdout.readline())
            started = time.perf_counter()
            for obj in items:
                ours(obj)
            mine = time.perf_counter() - started
            if not i % 2:
                side.stdin.write("go\n")
                side.stdin.flush()
                theirs = float(side.stdout.readline())
            ratios.append(theirs / mine)  # our statuses per second over Granary's
    finally:
        side.stdin.close()
        side.wait(30)
        os.unlink(file.name)
    return Row(
        f"{kind} → Post ÷ Granary ({len(items)} recorded payloads, items/s)",
        ratios,
        (">=", 1.5 if kind == "mastodon" else 5.0),
        "ours gives plain text" if kind == "mastodon" else "",
    )


def rows(quick: bool) -> list[Row]:
    rounds = 7 if quick else 21
    found = []
    for kind, payloads in (("mastodon", _ours_mastodon), ("bluesky", _ours_bluesky)):
        items, ours = payloads()
        try:
            found.append(compare(kind, items, ours, rounds))
        except Exception as exc:  # no Granary to be had here: say so
            found.append(Row(f"{kind} → Post ÷ Granary", [], error=f"{type(exc).__name__}: {exc}"[:120]))
    return found


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    print(format_table(rows(parser.parse_args().quick)))
