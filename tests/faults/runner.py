"""Every write a backend supports, under each fault, retried as a careful user would, counted on the server.

One case is (backend, write, fault): the proxy is armed to spoil the first
request of that write that reaches the server (a backend's
:meth:`~tests.faults.targets.Target.is_write` says which), the write is
called and, when it fails with an error worth retrying (``NetworkUnavailable``,
``RateLimited``), called again with the same arguments and the same
idempotency key, at most :data:`ATTEMPTS` times. Then the proxy is let settle
and the server's own state is read:

* duplicates: more than one effect (post, like, repost, follow, transfer) for one intended write;
* lost: the client said it succeeded and the server has nothing (for a delete: the post is still there);
* over deadline: a call that took longer than ``limits.deadline`` + :data:`GRACE` seconds.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import decentsocial as ds
from decentsocial.errors import DecentSocialError, NetworkUnavailable, NotFound, RateLimited

from .proxy import FAULTS, FaultProxy
from .targets import Subject, Target

ATTEMPTS = 3
GRACE = 1.0
DEADLINE = 3.0
#: A call still running this long after its deadline is abandoned (counted over its deadline).
HANG = 30.0


@dataclass
class Case:
    backend: str
    write: str
    fault: str
    injected: int = 0
    attempts: int = 0
    acknowledged: bool = False
    effects: int = 0
    duplicates: int = 0
    lost: int = 0
    over_deadline: int = 0
    slowest: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def untyped(self) -> int:
        """Failures outside the error tree (a bug whatever the fault)."""
        return sum(1 for e in self.errors if e.startswith("untyped"))


@dataclass
class Row:
    """One backend's totals."""

    backend: str
    cases: list[Case] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def total(self, attr: str, fault: str | None = None) -> int:
        return sum(int(getattr(c, attr)) for c in self.cases if fault is None or c.fault == fault)

    @property
    def writes(self) -> int:
        return len(self.cases)

    @property
    def gave_up(self) -> int:
        return sum(1 for c in self.cases if not c.acknowledged)


def _call(function: Callable[[], Any], hang: float) -> tuple[Any, BaseException | None, float, bool]:
    """(result, exception, seconds, finished) of one call, abandoned after ``hang`` seconds."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = function()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    start = time.monotonic()
    worker.start()
    worker.join(hang)
    return box.get("result"), box.get("error"), time.monotonic() - start, not worker.is_alive()


def _operation(net: Any, write: str, subject: Subject, text: str, key: str, amount: str) -> Callable[[], Any]:
    if write == "publish":
        draft = ds.Draft(text=text, idempotency_key=key)
        return lambda: net.publish(draft)
    if write == "reply":
        draft = ds.Draft(text=text, idempotency_key=key)
        return lambda: net.reply(subject.post, draft)
    if write == "like":
        return lambda: net.like(subject.post)
    if write == "repost":
        return lambda: net.repost(subject.post)
    if write == "follow":
        return lambda: net.follow(subject.account)
    if write == "delete":
        return lambda: net.delete(subject.post)
    if write == "tip":
        return lambda: net.tip(subject.account, amount, text, idempotency_key=key)
    raise ValueError(write)


def run_case(target: Target, proxy: FaultProxy, write: str, fault: str) -> Case:
    case = Case(target.name, write, fault)
    subject = target.prepare(write)
    net = target.client(proxy.url)
    token = uuid.uuid4().hex[:12]
    text = f"fault {fault} on {write} {token}"
    key = f"faults-{token}"
    operation = _operation(net, write, subject, text, key, target.amount)
    before = proxy.injected
    plan = proxy.arm(fault, target.is_write) if fault != "none" else None
    try:
        for attempt in range(1, ATTEMPTS + 1):
            case.attempts = attempt
            _, error, seconds, finished = _call(operation, target.deadline + HANG)
            case.slowest = max(case.slowest, seconds)
            if seconds > target.deadline + GRACE or not finished:
                case.over_deadline += 1
            if not finished:
                case.errors.append("hung")
                break
            if error is None or (attempt > 1 and write == "delete" and isinstance(error, NotFound)):
                case.acknowledged = True  # a retried delete told "not found": the first one did it
                break
            if not isinstance(error, DecentSocialError):
                case.errors.append(f"untyped {type(error).__name__}: {error}"[:200])
                break
            case.errors.append(f"{type(error).__name__}: {error}"[:200])
            if not isinstance(error, (NetworkUnavailable, RateLimited)):
                break
            wait = error.retry_after if isinstance(error, RateLimited) and error.retry_after else 0.2
            time.sleep(min(float(wait), 2.0))
    finally:
        proxy.disarm()
        proxy.settle()
    case.injected = proxy.injected - before
    if plan is not None and plan.hits == 0:
        case.errors.append("no request matched: the fault was not injected")
    case.effects = target.count(write, subject, text)
    if write == "delete":
        case.lost = int(case.acknowledged and case.effects > 0)
    else:
        case.duplicates = max(0, case.effects - 1)
        case.lost = int(case.acknowledged and case.effects == 0)
    return case


def run_backend(target: Target, faults: Iterable[str] = FAULTS, writes: Iterable[str] | None = None) -> Row:
    """Every (write, fault) case of one backend, through a proxy of its own that is closed at the end.

    The target's direct connections stay open (``target.shutdown()`` closes them)."""
    row = Row(target.name, skipped=dict(target.skipped))
    proxy = FaultProxy(target.upstream_port, delay=0.5, drip_interval=0.05, drip_cap=target.deadline + 2)
    chosen = [w for w in (writes or target.writes) if w in target.writes]
    try:
        for write in chosen:
            for fault in faults:
                row.cases.append(run_case(target, proxy, write, fault))
                target.close()  # each case's clients are closed before the next
    finally:
        proxy.close()
        target.close()
    return row
