"""The Celery engine's job store: the scheduler's records in Redis, shared by workers on every machine.

The records and state machine are those of the SQLite store
(:mod:`decentsocial.jobs`); every change that reads before it writes is one
Lua script, so claims and leases are atomic however many workers race. Keys
(all under ``decentsocial:scheduler:``)::

    job:<id>   hash   the job: key, status, at, every, until, local_at, occurrence, targets, draft, lease…
                      (``takeovers``: the occurrence's, when it has any)
    out:<id>   hash   "<occurrence>|<target>" -> the target's outcome (JSON; with the account that posted,
                      or the mark of its publish under way)
    keys       hash   job key -> id (scheduling is exactly-once)
    all        zset   every job, by ``at``
    due        zset   scheduled jobs not yet sent to a worker, by ``at``
    queued     zset   jobs sent to a worker and not yet claimed, by the time they count as sent (the time
                      sent, put off by each re-send's longer wait; ``resent`` in the job: "<count> <token>")
    leases     zset   running jobs, by the end of their lease

Dispatching (the Celery engine) gives a due job a **token** and sends it in a
task; a worker runs the job only if it claims it with that token (or, for a
redelivered task, if the lease taken with that token has expired). A paused,
moved or finished job forgets its token, so a stale or repeated task is a
no-op. A job sent long ago and never claimed (a message lost with a broker)
is sent again with the same token: first after :data:`REDISPATCH_AFTER`, then
after twice the wait before, up to :data:`REDISPATCH_MAX_WAIT`, so a job that
only waits behind a long backlog is not queued again every two minutes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from . import errors
from .crisis_backlog import Skip, skip_in_redis
from .held_jobs import resume_in_redis
from .jobs import (
    BY_HAND,
    UNREADABLE,
    Finished,
    Job,
    OutcomeFields,
    Plan,
    Record,
    TargetOutcome,
    build_job,
    dumps,
    next_state,
    outcome_json,
    paused_end,
    unreadable_job,
)
from .jobs import CRISIS_NOTE as CRISIS_NOTE  # (the names the scripts' move left unused: still here)
from .redis_scripts import (
    _ADD,
    _CLAIM_DUE,
    _CLAIM_TOKEN,
    _DISPATCH,
    _FINISH,
    _MARK,
    _MOVE,
    _RENEW,
    _SET_AT,
    _SWAP_NOTE,
    _UNDISPATCH,
)
from .redis_scripts import _CLAIM as _CLAIM
from .redis_scripts import _DUE_AT as _DUE_AT
from .redis_scripts import _IN_CRISIS as _IN_CRISIS
from .redis_scripts import _UNUSABLE as _UNUSABLE
from .redis_url import port_out_of_range as _port_out_of_range
from .redis_url import redacted as _redacted

try:
    import redis
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    redis = None  # type: ignore[assignment]

__all__ = ["EXTRA_HINT", "PREFIX", "RedisStore", "open_redis"]

EXTRA_HINT = "pip install 'decentsocial[celery]'"
#: Every key of the store starts with this.
PREFIX = "decentsocial:scheduler:"
#: Marks a Redis database as holding a scheduler store of this format.
_MAGIC = "decentsocial-scheduler-redis-1"
#: A job sent to the workers and still not claimed after this many seconds is sent again (once; each
#: re-send after that waits twice as long as the one before, up to :data:`REDISPATCH_MAX_WAIT`).
REDISPATCH_AFTER = 120.0
#: The longest wait (seconds) between two sendings of a job nobody claims: a task lost by the broker
#: after a long wait is still sent again within this time.
REDISPATCH_MAX_WAIT = 3600.0
#: How long (seconds) one command waits for Redis's answer: a server that stops answering without
#: closing the connection (a network partition, a frozen machine) is then ``NetworkUnavailable``, not a hang.
SOCKET_TIMEOUT = 60.0


def open_redis(url: str) -> RedisStore:
    """The store in the Redis database at ``url``; ``NetworkUnavailable`` at once if unreachable."""
    if redis is None:
        raise errors.ConfigurationError(f"a Redis store needs the celery extra: {EXTRA_HINT}")
    return RedisStore(url)


class RedisStore:
    """Jobs in the Redis database at ``url`` (see :class:`~decentsocial.jobs.JobStore`)."""

    def __init__(self, url: str, *, connect_timeout: float = 5.0) -> None:
        self.url = url
        try:
            self.where = _redacted(url)
            self._redis = redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_connect_timeout=connect_timeout,
                socket_timeout=SOCKET_TIMEOUT,
                health_check_interval=30,
            )
        except ValueError as exc:  # its text may hold a piece of the password: never shown
            if _port_out_of_range(url):
                why = "its port is out of range (0-65535)"
            elif "port" in str(exc).lower():
                why = "its port is not a number (a '#', '?', '/' or '@' in the password must be %-encoded)"
            else:
                why = "redis-py cannot read it (look at its scheme, host, port and database)"
            raise errors.ConfigurationError(f"bad Redis URL {self.where}: {why}") from None
        script: Callable[[str], Any] = self._redis.register_script
        self._add, self._move, self._set_at = script(_ADD), script(_MOVE), script(_SET_AT)
        self._claim_due, self._claim_token = script(_CLAIM_DUE), script(_CLAIM_TOKEN)
        self._renew, self._finish, self._mark = script(_RENEW), script(_FINISH), script(_MARK)
        self._dispatch, self._undispatch = script(_DISPATCH), script(_UNDISPATCH)
        self._swap_note = script(_SWAP_NOTE)
        with self._errors():
            self._redis.set(PREFIX + "format", _MAGIC, nx=True)
            found = self._redis.get(PREFIX + "format")
        if found != _MAGIC:
            self.close()
            raise errors.ConfigurationError(
                f"{self.where} holds a scheduler store of another format ({found!r}); use another database"
            )

    def close(self) -> None:
        self._redis.close()

    def _call(self, script: Any, *args: object) -> Any:
        with self._errors():
            return script(keys=[], args=[PREFIX, *("" if a is None else _text(a) for a in args)])

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Redis's errors as the SDK's: unreachable is NetworkUnavailable, refused ConfigurationError.

        A server that refuses writes as a read-only replica was demoted in a failover: its connections
        are dropped (the next command connects anew, to the new primary behind the same name) and it is
        ``NetworkUnavailable`` for a while, as redis-py's Sentinel client takes it, so a dispatcher or
        worker waits it out instead of ending.
        """
        try:
            yield
        except (redis.AuthenticationError, redis.exceptions.NoPermissionError) as exc:
            raise errors.ConfigurationError(f"Redis at {self.where} refused the credentials: {exc}") from None
        except redis.ReadOnlyError as exc:
            self._redis.connection_pool.disconnect(inuse_connections=False)  # not other threads' commands
            raise errors.NetworkUnavailable(
                f"Redis at {self.where} is a read-only replica now (a failover under way?): {exc}",
                retryable=True,
            ) from None
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise errors.NetworkUnavailable(
                f"Redis at {self.where} cannot be reached: {exc}", retryable=True
            ) from None
        except redis.RedisError as exc:
            raise errors.ConfigurationError(f"Redis at {self.where} refused a command: {exc}") from None

    # ---------------------------------------------------------------- notes (the active crisis)

    def note(self, name: str) -> str | None:
        with self._errors():
            found = self._redis.get(PREFIX + "note:" + name)
        return None if found is None else _text(found)

    def swap_note(self, name: str, old: str | None, new: str | None) -> bool:
        flags = ("0" if old is None else "1", old or "", "0" if new is None else "1", new or "")
        return bool(self._call(self._swap_note, name, *flags))

    # ---------------------------------------------------------------- the JobStore interface

    def add(self, plan: Plan) -> str:
        job_id = uuid.uuid4().hex[:16]
        found = str(
            self._call(
                self._add,
                plan.key,
                job_id,
                plan.at,
                plan.every,
                plan.until,
                dumps(list(plan.targets)),
                plan.draft_json,
                plan.created_at,
                plan.local_at,
            )
        )
        if found != job_id:
            existing = self._fields(found)
            if existing is None:  # the key's job was removed by hand: the key stays taken
                raise errors.InvalidInput(f"the key {plan.key!r} names a job no longer in {self.where}")
            plan.check_same(
                existing["draft"],
                existing["at"],
                existing["every"],
                existing["until"],
                existing["targets"],
                existing["local_at"],
            )
        return found

    def load(self, job_id: str, occurrence: int | None = None) -> Job | None:
        if occurrence is not None:
            return self._load_occurrence(job_id, occurrence)
        with self._errors(), self._redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(PREFIX + "job:" + job_id)
            pipe.hgetall(PREFIX + "out:" + job_id)
            raw, outcomes = _readable(pipe.execute(raise_on_error=False))
        return None if not raw else _job(raw, outcomes, job_id)

    def load_current(self, job_id: str) -> Job | None:
        """The job with the outcomes of the occurrence it is at only (see :meth:`claim`), or ``None``."""
        return self._load_occurrence(job_id, None)

    def _load_occurrence(self, job_id: str, occurrence: int | None) -> Job | None:
        """The job with the outcomes of ``occurrence`` only (``None``: the one it is at), or ``None``.

        A recurring job's outcomes hash grows by its targets every occurrence: reading all of it for
        each run made a run's cost grow with the job's age. A record whose plan cannot be read is
        read whole (its error says why, and the outcomes it has are kept, as :meth:`load` does).
        """
        with self._errors(), self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(PREFIX + "job:" + job_id)
            (raw,) = _readable(pipe.execute(raise_on_error=False))
            if not raw:
                return None
            fields = _current_fields(raw, occurrence)
            if fields is None:
                pipe.hgetall(PREFIX + "out:" + job_id)
            else:
                pipe.hmget(PREFIX + "out:" + job_id, fields or ["-"])
            (found,) = _readable(pipe.execute(raise_on_error=False))
            if fields is None or isinstance(found, Unreadable):
                outcomes = found
            else:
                outcomes = {name: value for name, value in zip(fields, found, strict=False) if value}
        return _job(raw, outcomes, job_id)

    def _current_outcomes(self, job_id: str, fields: list[str]) -> list[str | None]:
        """The outcomes kept under ``fields`` of the job's outcomes hash (``None`` for each one absent)."""
        if not fields:
            return []
        with self._errors():
            return cast("list[str | None]", self._redis.hmget(PREFIX + "out:" + job_id, fields))

    def find(self, key: str) -> str | None:
        with self._errors():
            found = self._redis.hget(PREFIX + "keys", key)
        return None if found is None else _text(found)

    def load_all(self) -> list[Job]:
        with self._errors():
            ids = cast("list[str]", self._redis.zrange(PREFIX + "all", 0, -1))
            with self._redis.pipeline(transaction=False) as pipe:
                for job_id in ids:
                    pipe.hgetall(PREFIX + "job:" + job_id)
                    pipe.hgetall(PREFIX + "out:" + job_id)
                replies = _readable(pipe.execute(raise_on_error=False))
        found = [
            (job_id, raw, out)
            for job_id, raw, out in zip(ids, replies[::2], replies[1::2], strict=True)
            if raw  # removed since the listing was read
        ]
        found.sort(key=lambda entry: _soonest(entry[1]))
        return [_job(raw, out, job_id) for job_id, raw, out in found]

    def move(
        self,
        job_id: str | None,
        sources: tuple[str, ...],
        target: str,
        by: str | None = None,
        held_by: str | None = None,
    ) -> list[str] | None:
        who = (by or BY_HAND) if target == "paused" else ""
        held = ("0", "") if held_by is None else ("1", held_by)
        moved = self._call(self._move, job_id or "", target, who, *held, "", *sources)
        return None if moved is None else [str(i) for i in moved[0]]

    def resume(
        self, job_id: str | None, now: float, held_by: str | None = None, crisis: str | None = None
    ) -> list[str] | None:
        held = ("0", "") if held_by is None else ("1", held_by)
        found = self._call(self._move, job_id or "", "scheduled", "", *held, now, "paused")
        if found is None:
            return None
        # Those under a live lease (a worker may be publishing one of their targets): decided one by one.
        left = [str(i) for i in found[1] if resume_in_redis(self, str(i), now, held_by, crisis)]
        return [str(i) for i in found[0]] + left

    def set_at(self, job_id: str, at: float, local_at: str | None = None) -> bool:
        return bool(self._call(self._set_at, job_id, at, local_at))

    def skip_held(self, job_id: str, crisis: str, now: float) -> Skip | None:
        return skip_in_redis(self, job_id, crisis, now)  # under WATCH: see there

    def claim(self, now: float, lease_until: float, owner: str, limit: int = 1) -> list[Job]:
        claimed: list[Job] = []
        while len(claimed) < limit:
            # A job taken over (its worker stopped) is claimed alone, as in the SQLite store: if it
            # stops every worker, the jobs of its batch are not counted (nor given up) with it.
            found = self._call(self._claim_due, now, lease_until, owner, "1" if claimed else "0")
            job = None if found is None else self.load_current(str(found[0]))
            if job is None:
                break
            claimed.append(job)
            if int(found[1]):
                break
        return claimed

    def renew(self, job_id: str, owner: str, lease_until: float) -> bool:
        return bool(self._call(self._renew, job_id, owner, lease_until))

    def holds(self, job_id: str, owner: str) -> bool:
        with self._errors():
            status, lease_owner = self._redis.hmget(PREFIX + "job:" + job_id, ["status", "lease_owner"])
        return bool(status == "running" and lease_owner == owner)

    def record(
        self, job_id: str, occurrence: int, outcome: TargetOutcome, when: float, owner: str | None = None
    ) -> bool:
        field, kept = f"{occurrence}|{outcome.target}", dumps(outcome_json(outcome, when))
        if owner is not None:  # only while the job is still owner's, checked in the same script
            return bool(self._call(self._mark, job_id, owner, field, kept))
        with self._errors():
            self._redis.hset(PREFIX + "out:" + job_id, field, kept)
        return True

    def finish(self, owner: str, finished: Sequence[Finished], now: float) -> list[str]:
        return [job_id for job_id, last, at in finished if self._finish_one(job_id, owner, last, at, now)]

    def _finish_one(self, job_id: str, owner: str, last: Record | None, ran_at: float, now: float) -> bool:
        if last is not None:
            self.record(job_id, *last)
        with self._errors():
            raw = cast("dict[str, str]", self._redis.hgetall(PREFIX + "job:" + job_id))
        was = raw.get("status")
        # A job paused after its last target began is still under this claim (a pause keeps the
        # lease's owner): every target is done, so the occurrence ends too (see paused_end).
        if was not in ("running", "paused") or raw.get("lease_owner") != owner:
            return False  # cancelled or taken over meanwhile
        # This occurrence's outcomes only, not the job's history.
        found = self._current_outcomes(job_id, _current_fields(raw) or [])
        failed = any(json.loads(o)["error_type"] is not None for o in found if o is not None)
        fields = _fields(raw)
        plan = (fields["at"], fields["every"], fields["until"], failed, now, fields["local_at"])
        then = paused_end(*plan, ran_at)  # a running one too: a time set while it was paused
        if was == "running":  # (its resume handed it back to this worker) is its next post
            then = then or next_state(*plan)
        if then is None:
            return False  # paused with nothing after it: left paused, its resume ends it
        return bool(
            self._call(
                self._finish,
                job_id,
                owner,
                raw["at"],
                raw["occurrence"],
                then.status,
                then.following,
                int(raw["occurrence"]) + 1,
                was,
            )
        )

    # ---------------------------------------------------------------- the Celery engine's dispatching

    def dispatch(self, now: float, limit: int) -> list[tuple[str, str]]:
        """Give up to ``limit`` due jobs a token each, atomically; the ``(job id, token)`` pairs to send.

        Due: scheduled and due and not sent yet; running with an expired
        lease and not sent since; or sent and still not claimed (sent again,
        with the same token): :data:`REDISPATCH_AFTER` seconds after it was
        sent, then after twice the wait before each time, up to
        :data:`REDISPATCH_MAX_WAIT`. A task lost by the broker is sent again
        soon; one only waiting behind a long backlog is not queued again and
        again (each copy would cost a claim and lengthen the backlog).
        """
        wait = (now - REDISPATCH_AFTER, REDISPATCH_AFTER, REDISPATCH_MAX_WAIT)
        flat = self._call(self._dispatch, now, limit, *wait)
        return [(str(job_id), str(token)) for job_id, token in zip(flat[::2], flat[1::2], strict=True)]

    def undispatch(self, job_id: str, token: str) -> None:
        """Forget a token whose task could not be sent: the job is due again at the next dispatch."""
        self._call(self._undispatch, job_id, token)

    def claim_token(self, job_id: str, token: str, now: float, lease_until: float, owner: str) -> bool:
        """Claim the job a task names, if ``token`` is its current one (or its expired lease's)."""
        return bool(self._call(self._claim_token, job_id, token, now, lease_until, owner))

    def _fields(self, job_id: str) -> dict[str, Any] | None:
        with self._errors():
            raw = cast("dict[str, str]", self._redis.hgetall(PREFIX + "job:" + job_id))
        return _fields(raw) if raw else None


def _text(value: object) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _current_fields(raw: dict[str, str], occurrence: int | None = None) -> list[str] | None:
    """The outcome fields (``"<occurrence>|<target>"``) of ``occurrence`` of the job ``raw`` (``None``:
    the one it is at); ``None`` when its occurrence or targets cannot be read."""
    try:
        targets = json.loads(raw["targets"])
        if occurrence is None:
            occurrence = int(raw["occurrence"])
    except UNREADABLE:
        return None
    if not isinstance(targets, list):
        return None
    return [f"{occurrence}|{target}" for target in targets if isinstance(target, str)]


def _fields(raw: dict[str, str]) -> dict[str, Any]:
    every, until = raw.get("every"), raw.get("until")
    return {
        "id": raw["id"],
        "key": raw["key"],
        "status": raw["status"],
        "at": float(raw["at"]),
        "every": None if every is None else float(every),
        "until": None if until is None else float(until),
        "occurrence": int(raw["occurrence"]),
        "targets": json.loads(raw["targets"]),
        "draft": raw["draft"],
        "local_at": raw.get("local_at"),
        "takeovers": int(raw.get("takeovers") or 0),  # absent: none (or kept before they were counted)
    }


def _job(raw: dict[str, str], outcomes: dict[str, str], job_id: str | None = None) -> Job:
    """The job from its hash and outcomes (``job_id``: the id it was read under, when known); one
    whose record cannot be read is reported failed (see :func:`~decentsocial.jobs.unreadable_job`),
    never raised: the other jobs stay readable."""
    recorded: list[OutcomeFields] = []
    try:
        for problem in (raw, outcomes):
            if isinstance(problem, Unreadable):
                raise ValueError(f"its record is another kind of Redis key ({problem.problem})")
        for o in map(json.loads, outcomes.values()):
            recorded.append(
                (
                    o["target"],
                    int(o["occurrence"]),
                    o["network"],
                    o["post_ids"],  # checked to be a list of text by build_job (never tuple("abc"))
                    o["error_type"],
                    o["error"],
                    o.get("account"),  # absent from records kept before outcomes named the account
                    o.get("started_by"),  # a publish under way (absent from older records)
                )
            )
        return build_job(_fields(raw), recorded)
    except UNREADABLE as exc:  # with the outcomes read before
        return unreadable_job(job_id or str(raw.get("id")), raw, exc, recorded)


def _soonest(raw: dict[str, str]) -> tuple[float, float]:
    """A job's place in a listing: its time, then when it was planned (a damaged record first)."""
    try:
        return float(raw["at"]), float(raw["created_at"])
    except UNREADABLE:
        return float("-inf"), float("-inf")


class Unreadable(dict[str, str]):
    """A job's hash (or outcomes hash) that is some other kind of Redis key (a string, a list…):
    read as empty but truthy, with the reason, so the job is listed as one that cannot be read
    (:func:`~decentsocial.jobs.unreadable_job`) instead of failing every listing and every claim."""

    def __init__(self, problem: Exception) -> None:
        super().__init__()
        self.problem = problem

    def __bool__(self) -> bool:
        return True


def _readable(replies: list[Any]) -> list[Any]:
    """A pipeline's replies (run with ``raise_on_error=False``), a key of the wrong kind as
    :class:`Unreadable`; any other error is raised."""
    for reply in replies:
        if isinstance(reply, Exception) and not _wrong_kind(reply):
            raise reply
    return [Unreadable(reply) if isinstance(reply, Exception) else reply for reply in replies]


def _wrong_kind(error: Exception) -> bool:
    return isinstance(error, redis.ResponseError) and str(error).startswith("WRONGTYPE")
