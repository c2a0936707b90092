"""Core benchmarks: import cost and model conversion throughput.

Prints ratios measured side by side in one run (the machine is shared and
noisy, so nothing here is asserted). Goal: ``import decentsocial`` costs at
most 1.5x importing httpx + pydantic + tenacity together.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from _table import Row

ROUNDS = 15


def _bytecode_cached() -> None:
    """Compile decentsocial's modules as an install does (pip writes each module's bytecode cache).

    An editable checkout has none until Python writes it at a first import, and never when
    ``PYTHONDONTWRITEBYTECODE`` is set (as on some CI machines): every import then compiles all of
    decentsocial from source while httpx, pydantic and tenacity load their caches, which measured
    the compiler (1.54 against 1.27 with caches on both sides, on this machine).
    """
    import compileall

    import decentsocial

    compileall.compile_dir(Path(decentsocial.__file__).parent, quiet=1)


def _import_time(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = subprocess.run(
        [sys.executable, "-X", "frozen_modules=on", "-c", code], capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def bench_import() -> None:
    _bytecode_cached()
    ours, theirs = [], []
    for _ in range(ROUNDS):  # interleaved, so both see the same machine load
        theirs.append(_import_time("import httpx, pydantic, tenacity"))
        ours.append(_import_time("import decentsocial"))
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"import decentsocial            {a * 1000:7.1f} ms (median of {ROUNDS})")
    print(f"import httpx+pydantic+tenacity {b * 1000:7.1f} ms")
    print(f"ratio                          {a / b:7.2f}  (goal <= 1.50)")


def _payload(i: int) -> dict[str, object]:
    return {
        "network": "sandbox",
        "id": f"post-{i}",
        "url": f"sandbox://posts/{i}",
        "author": {
            "network": "sandbox",
            "id": f"acct-{i % 50}",
            "handle": f"user{i % 50}",
            "display_name": "مستخدم",
            "followers": i,
            "following": 3,
            "posts_count": 10,
        },
        "text": f"مرحبا #تسويق post number {i} with a link https://example.com/{i} 👩🏽‍💻",
        "created_at": datetime(2026, 1, 1, tzinfo=timezone.utc).isoformat(),
        "tags": ["تسويق", "Marketing"],
        "links": [f"https://example.com/{i}"],
        "metrics": {"likes": i % 7, "reposts": i % 3, "replies": 1},
        "reward": {
            "network": "sandbox",
            "subject": f"post-{i}",
            "status": "pending",
            "amounts": ["1.250 SAND"],
            "parts": [],
        },
        "raw": {"id": i, "content": "<p>hello</p>", "nested": {"a": [1, 2, 3]}},
    }


def bench_conversion(n: int = 10_000) -> None:
    from decentsocial import Post

    payloads = [_payload(i) for i in range(n)]
    start = time.perf_counter()
    posts = [Post.model_validate(p) for p in payloads]
    parsed = time.perf_counter() - start
    start = time.perf_counter()
    blobs = [p.model_dump_json() for p in posts]
    dumped = time.perf_counter() - start
    start = time.perf_counter()
    again = [Post.model_validate_json(b) for b in blobs]
    loaded = time.perf_counter() - start
    assert again == posts  # the round trip must be exact
    print(f"raw dict -> Post   {n / parsed:10,.0f} posts/s")
    print(f"Post -> JSON       {n / dumped:10,.0f} posts/s")
    print(f"JSON -> Post       {n / loaded:10,.0f} posts/s")
    print(f"round trip         {n / (parsed + dumped):10,.0f} posts/s (dict -> Post -> JSON)")


def rows(quick: bool) -> list[Row]:
    """For ``run_all``: the import ratio, one per round (both imports in fresh interpreters)."""
    _bytecode_cached()
    ratios = []
    for _ in range(5 if quick else ROUNDS):
        theirs = _import_time("import httpx, pydantic, tenacity")
        ratios.append(_import_time("import decentsocial") / theirs)
    return [Row("`import decentsocial` ÷ httpx+pydantic+tenacity", ratios, ("<=", 1.5))]


if __name__ == "__main__":
    bench_import()
    bench_conversion()
