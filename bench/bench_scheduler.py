"""Scheduler benchmarks: claiming and running due jobs on the sandbox, embedded and on Celery.

Prints, measured side by side in one run (the machine is shared and noisy, so
nothing here is asserted, and every number is as measured on this machine):

* calling ``crosspost`` directly, one post per call: the baseline;
* the embedded engine (SQLite store): ``run_pending()`` claiming and running
  N due jobs in one process, in jobs per second;
* the Celery engine (Redis store, a real redis-server on loopback): the
  dispatcher sending N due jobs to 1, 2 and 4 solo-pool workers, from the
  first send until the last job is done; throughput against one worker;
* scheduler overhead per job against the direct calls, as a ratio; and,
  interleaved in small chunks over several rounds so that the shared
  machine's slow spells fall on both sides, the median and range of the
  per-round ratios (``--overhead-only`` for just that).

Jobs are spread over four sandbox profiles (a file each) so that workers do
not all wait on one sandbox file. ``python bench/bench_scheduler.py --jobs 500``
for a quick run; N is 5,000 by default.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import decentsocial as ds  # noqa: E402
from decentsocial.celery_app import make_app  # noqa: E402
from decentsocial.redis_store import PREFIX  # noqa: E402

PROFILES = [f"bench-{i}" for i in range(4)]
WORKER_COUNTS = (1, 2, 4)


def write_config(folder: Path) -> Path:
    config = folder / "config.toml"
    config.write_text(
        "".join(
            f'[profiles.{name}]\nnetwork = "sandbox"\npath = "{folder / name}.db"\naccount = "brand"\n'
            for name in PROFILES
        )
    )
    return config


def bench_direct(n: int) -> float:
    """Seconds for ``n`` posts through crosspost, one call per post, on connections held open.

    A program that posts often keeps its connections (so do the scheduler's
    workers, one per profile); connecting and closing per post would mostly
    measure the sandbox's file opening, not crosspost.
    """
    nets = [ds.connect_any(profile=name) for name in PROFILES]
    for name, net in zip(PROFILES, nets, strict=True):  # warm up: imports and each sandbox file's creation
        ds.crosspost(ds.Draft(text="warm-up", idempotency_key=f"warm-{name}"), [net])
    started = time.perf_counter()
    for i in range(n):
        ds.crosspost(ds.Draft(text=f"direct {i}", idempotency_key=f"direct-{i}"), [nets[i % len(nets)]])
    elapsed = time.perf_counter() - started
    for net in nets:
        net.close()
    return elapsed


def bench_overhead(rounds: int, n: int, folder: Path, chunk: int = 20) -> list[float]:
    """Per round, seconds per job of the embedded engine over seconds per direct crosspost.

    The machine is shared, so the two are interleaved in chunks of ``chunk``
    (direct posts, then as many due jobs) and each round gives one ratio:
    slow spells of the machine fall on both sides alike. Both sides are
    warmed up first and then keep their connections, as a program posting
    often and a long-running worker do: one worker (``Scheduler``) runs every
    round, so no round pays for the worker's first connections.
    """
    nets = [ds.connect_any(profile=name) for name in PROFILES]
    for name, net in zip(PROFILES, nets, strict=True):
        ds.crosspost(ds.Draft(text="warm-up", idempotency_key=f"overhead-warm-{name}"), [net])
    store = folder / "overhead.db"
    plan(store, len(PROFILES) + rounds * n, "overhead")
    sched = ds.Scheduler(store)
    assert sched.run_pending(limit=len(PROFILES)) == len(PROFILES)  # the worker's connections, once
    ratios: list[float] = []
    for r in range(rounds):
        direct = embedded = 0.0
        for start in range(0, n, chunk):
            began = time.perf_counter()
            for i in range(start, min(n, start + chunk)):
                draft = ds.Draft(text=f"direct {r} {i}", idempotency_key=f"overhead-{r}-{i}")
                ds.crosspost(draft, [nets[i % len(nets)]])
            direct += time.perf_counter() - began
            began = time.perf_counter()
            ran = sched.run_pending(limit=min(chunk, n - start))
            embedded += time.perf_counter() - began
            assert ran == min(chunk, n - start), ran
        ratios.append(embedded / direct)
    sched.close()
    for net in nets:
        net.close()
    return ratios


def plan(store: str | Path, n: int, label: str) -> None:
    """``n`` jobs due at one instant (planned on a clock stopped there: planning 5,000 takes a while)."""
    now = datetime.now(timezone.utc)
    planner = ds.Scheduler(store, now=lambda: now)
    for i in range(n):
        planner.schedule(f"{label} {i}", [PROFILES[i % len(PROFILES)]], at=now)
    planner.close()


def bench_embedded(n: int, folder: Path) -> float:
    """Seconds for ``run_pending()`` to claim and run ``n`` due jobs (planning not counted)."""
    plan(folder / "campaign.db", n, "embedded")
    sched = ds.Scheduler(folder / "campaign.db")
    started = time.perf_counter()
    ran = sched.run_pending()
    elapsed = time.perf_counter() - started
    assert ran == n, ran
    sched.close()
    return elapsed


class RedisServer:
    def __init__(self, folder: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is missing (apt-get install redis-server)")
        self.process = subprocess.Popen(
            [
                *(
                    binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ),
                *("--dir", str(folder), "--logfile", str(folder / "redis.log")),
            ]
        )
        client = redis.Redis(port=self.port)
        for _ in range(300):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def bench_celery(n: int, workers: int, url: str, folder: Path, config: Path) -> float:
    """Seconds from the first send until ``n`` due jobs are done on ``workers`` Celery workers."""
    client = redis.Redis.from_url(url)
    client.flushdb()
    plan(url, n, f"celery {workers}")
    sched = ds.Scheduler(url, engine="celery")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DECENTSOCIAL_CONFIG": str(config),
        "DECENTSOCIAL_SCHEDULER_STORE": url,
    }
    command = [sys.executable, "-m", "celery", "-A", "decentsocial.celery_app", "worker", "--pool=solo"]
    command += ["--concurrency=1", "--loglevel=WARNING", "--without-heartbeat", "--without-gossip"]
    command += ["--without-mingle"]
    log = (folder / f"workers-{workers}.log").open("ab")
    processes = [
        subprocess.Popen([*command, "-n", f"bench{k}@%h"], env=env, stdout=log, stderr=subprocess.STDOUT)
        for k in range(workers)
    ]
    control = make_app(url)
    try:
        deadline = time.monotonic() + 60
        while len(control.control.ping(timeout=0.5)) < workers:  # every worker consuming
            if time.monotonic() > deadline:
                raise SystemExit(f"the workers did not start; see {log.name}")
        started = time.perf_counter()
        sent = sched.run_pending()
        assert sent == n, sent
        while sum(client.zcard(PREFIX + name) for name in ("due", "queued", "leases")):
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        log.close()
        control.close()
    assert len(sched.jobs(status="done")) == n
    sched.close()
    client.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description="Scheduler benchmarks on the sandbox.")
    parser.add_argument("--jobs", type=int, default=5000, help="due jobs per measurement (default 5000)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of the overhead ratio (default 7)")
    parser.add_argument("--overhead-only", action="store_true", help="measure only the overhead ratio")
    args = parser.parse_args()
    n = args.jobs
    folder = Path(tempfile.mkdtemp(prefix="bench-scheduler-"))
    os.environ["DECENTSOCIAL_STATE_DIR"] = str(folder / "state")
    os.environ["DECENTSOCIAL_CONFIG"] = str(write_config(folder))
    if args.overhead_only:
        report_overhead(bench_overhead(args.rounds, min(n, 500), folder), min(n, 500))
        shutil.rmtree(folder, ignore_errors=True)
        return
    server = RedisServer(folder)
    try:
        ratios = bench_overhead(args.rounds, min(n, 500), folder)
        direct = bench_direct(n)
        embedded = bench_embedded(n, folder)
        celery = {
            k: bench_celery(n, k, f"redis://127.0.0.1:{server.port}/0", folder, folder / "config.toml")
            for k in WORKER_COUNTS
        }
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    cores = os.cpu_count()
    print(f"scheduler: {n} due jobs, one sandbox post each, on {cores} cores (as measured; shared machine)")
    print(f"{'run':<28}{'seconds':>9}{'jobs/s':>9}{'per job ms':>12}{'vs direct':>11}{'vs 1 worker':>13}")
    rows: list[tuple[str, float, float | None]] = [
        ("crosspost directly", direct, None),
        ("embedded engine (SQLite)", embedded, None),
    ]
    rows += [(f"celery, {k} worker{'s' * (k > 1)} (Redis)", celery[k], celery[1] / celery[k]) for k in celery]
    for name, seconds, scale in rows:
        ratio = f"{seconds / direct:>10.2f}x"
        against = "" if scale is None else f"{scale:>12.2f}x"
        print(
            f"{name:<28}{seconds:>9.2f}{n / seconds:>9.0f}{seconds / n * 1000:>12.2f}{ratio:>11}{against:>13}"
        )
    print(
        f"overhead per job over crosspost: embedded {(embedded - direct) / n * 1000:.2f} ms, "
        f"celery (1 worker) {(celery[1] - direct) / n * 1000:.2f} ms"
    )
    report_overhead(ratios, min(n, 500))


def report_overhead(ratios: list[float], n: int) -> None:
    ordered = sorted(ratios)
    median = statistics.median(ordered)
    print(
        f"embedded scheduler vs crosspost directly, per job ({len(ratios)} rounds of {n}, interleaved): "
        f"median {median:.2f}x, range {ordered[0]:.2f}x-{ordered[-1]:.2f}x "
        f"({', '.join(f'{r:.2f}' for r in ratios)})"
    )


if __name__ == "__main__":
    main()
