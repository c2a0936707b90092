"""The Celery engine: workers on any number of machines run the jobs of a Redis store.

Start a worker on each machine (the ``celery`` extra installed, the profiles
the jobs name in its config)::

    export DECENTSOCIAL_SCHEDULER_STORE=redis://10.0.0.5:6379/0
    celery -A decentsocial.celery_app worker --concurrency 4

and one dispatcher anywhere (more are harmless: each due job is sent once)::

    sched = ds.Scheduler(store_url, engine="celery", broker=broker_url)
    sched.run()

The dispatcher gives each due job a token in the store and sends a
``decentsocial.run_job(job_id, token)`` task to the ``decentsocial`` queue. A
worker runs the job only if it claims it with that token (atomically, with a
lease), so a task sent twice, redelivered, or made stale by a pause or a
reschedule does nothing. Tasks are acknowledged late (``acks_late``,
``task_reject_on_worker_lost``): a worker that dies mid-job gets its task
redelivered, and once its lease has expired the job is taken over (by the
redelivered task or by the dispatcher's next send), the targets already
published read from the record and the rest published with the same
idempotency keys, so nothing is posted twice.

Configured from the environment:

``DECENTSOCIAL_SCHEDULER_STORE``
    the store's Redis URL (default ``redis://127.0.0.1:6379/0``);
``DECENTSOCIAL_CELERY_BROKER``
    the broker's URL (default: the store's);
``DECENTSOCIAL_SCHEDULER_LEASE``
    seconds a worker holds a job before another may take it over (default 300);
``DECENTSOCIAL_SCHEDULER_MAX_TAKEOVERS``
    how many times one occurrence of a job may be taken over from a worker that
    stopped while running it before it is given up, failed (default 3; see
    :mod:`decentsocial.takeovers`);
``DECENTSOCIAL_CELERY_VISIBILITY_TIMEOUT``
    seconds before a Redis broker redelivers a task that was not acknowledged
    (default 3600; keep it above the longest job).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from . import errors, redis_store
from .redis_store import EXTRA_HINT
from .redis_url import redacted
from .takeovers import MAX_TAKEOVERS

try:
    from celery import Celery
    from celery.app.amqp import AMQP
    from kombu.connection import Connection
except ImportError:
    raise errors.ConfigurationError(f"the celery engine needs its extra: {EXTRA_HINT}") from None

if TYPE_CHECKING:
    from .scheduler import Scheduler

__all__ = ["QUEUE", "TASK", "Dispatcher", "MaskedConnection", "app", "make_app", "run_job"]

#: The task every job runs as, and the queue it is sent to.
TASK = "decentsocial.run_job"
QUEUE = "decentsocial"
DEFAULT_STORE = "redis://127.0.0.1:6379/0"


def store_url() -> str:
    return os.environ.get("DECENTSOCIAL_SCHEDULER_STORE") or DEFAULT_STORE


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):  # nan and inf too: a lease must end
        raise errors.ConfigurationError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def _count(name: str, default: int) -> int:
    """A whole number of times, 0 or more, from the environment variable ``name``."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:  # a fraction or a word: said, not guessed
        value = -1
    if value < 0:
        raise errors.ConfigurationError(f"{name} must be a whole number, 0 or more, got {raw!r}")
    return value


class MaskedConnection(Connection):
    """A broker connection whose URL, wherever Celery shows it, is masked by :func:`redacted`: the
    worker's banner (``transport:``), "Connected to …" and "Cannot connect to …" all show ``as_uri()``.

    kombu masks only a password after its colon: ``redis://PASSWORD@host``, the password written
    without its colon (which redis-py reads as a user name, so the server refuses it), was shown as
    written, as it is not by ``repr(Scheduler)`` or the store's errors. The connection itself is
    made from the URL as given, so it is read as the store reads it.
    """

    def as_uri(self, include_password: bool = False, mask: str = "**", *args: Any, **kwargs: Any) -> str:
        given = super().as_uri(True, mask, *args, **kwargs)
        return given if include_password else redacted(given)


class _MaskingAMQP(AMQP):  # type: ignore[misc]  # celery is untyped
    """Celery's documented hook for the broker connection class (``AMQP.Connection``)."""

    Connection = MaskedConnection


def make_app(broker: str, *, connect_timeout: float = 5.0) -> Any:
    """A Celery app on ``broker`` with the ``decentsocial.run_job`` task and late acknowledgement.

    It is not made Celery's current app: a process with an app of its own keeps it. A broker URL
    that cannot be read is ``ConfigurationError`` here, saying what is wrong and never the URL (the
    worker's own traceback would quote a piece of it, maybe of its password). Every command to the
    broker waits at most ``redis_store.SOCKET_TIMEOUT`` for its answer, as the store's do: a broker
    that stops answering without closing the connection is an error, not a dispatcher that hangs.
    """
    celery = Celery("decentsocial", broker=broker, set_as_current=False, amqp=_MaskingAMQP)
    celery.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        # A task whose broker connection dropped cannot be acknowledged and comes back, but its claim
        # makes the copy a no-op: terminating it would cut a publish short and leave its job to wait
        # out its lease (or be recorded "may have been published" by a worker on another machine).
        worker_cancel_long_running_tasks_on_connection_loss=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": _seconds("DECENTSOCIAL_CELERY_VISIBILITY_TIMEOUT", 3600.0),
            "socket_timeout": redis_store.SOCKET_TIMEOUT,
            "socket_connect_timeout": connect_timeout,
        },
    )
    try:
        with celery.connection_for_write() as connection:
            connection.transport  # noqa: B018 - reads the URL and finds its transport; connects to nothing
    except (KeyError, ValueError, TypeError, ImportError) as exc:
        raise errors.ConfigurationError(_bad_url(exc)) from None
    celery.task(name=TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)(run_job)
    return celery


def run_job(job_id: str, token: str) -> bool:
    """Run the job ``job_id`` if ``token`` still claims it (the Celery task); whether it ran."""
    sched = _take_scheduler()
    try:
        return sched._run_dispatched(job_id, token)
    finally:
        _give_back(sched)


#: Per worker process, its schedulers not running a task now. A task takes one of its own: tasks
#: run side by side in one process (``--pool threads``, gevent) must not share a lease owner, or a
#: task whose job was taken over by another would still find the job its own and publish on.
_schedulers: dict[int, list[Scheduler]] = {}
_schedulers_lock = threading.Lock()


def _take_scheduler() -> Scheduler:
    """An idle scheduler of this worker process (prefork children each open their own), or a new one."""
    pid = os.getpid()
    with _schedulers_lock:
        idle = _schedulers.setdefault(pid, [])
        if idle:
            return idle.pop()
    from .scheduler import Scheduler

    return Scheduler(
        store_url(),
        lease=_seconds("DECENTSOCIAL_SCHEDULER_LEASE", 300.0),
        max_takeovers=_count("DECENTSOCIAL_SCHEDULER_MAX_TAKEOVERS", MAX_TAKEOVERS),
    )


def _give_back(sched: Scheduler) -> None:
    """Keep ``sched`` for this process's next task (its store and network connections stay open)."""
    with _schedulers_lock:
        _schedulers.setdefault(os.getpid(), []).append(sched)


#: Errors (by class name, from redis-py or py-amqp, whichever is installed) that mean the broker refused
#: the credentials: no retry can fix that.
_REFUSED = frozenset(
    {"AuthenticationError", "AuthenticationWrongNumberOfArgsError", "NoPermissionError", "AccessRefused"}
)


def _refused(exc: BaseException) -> bool:
    """Whether ``exc``, or an error it was raised from (kombu wraps them), is a refusal of the credentials."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if any(cls.__name__ in _REFUSED for cls in type(current).__mro__):
            return True
        current = current.__cause__ or current.__context__
    return False


def _bad_url(exc: Exception) -> str:
    """What is wrong with the broker URL, never a part of it: kombu's messages quote the URL's pieces,
    and a password holding ``#``, ``?`` or ``/`` ends up in the piece read as the port."""
    if isinstance(exc, KeyError):
        return "bad Celery broker URL: its scheme names no transport Celery knows (redis://, amqp://…)"
    if isinstance(exc, ImportError):
        return f"the Celery broker's transport needs a library that is not installed ({exc.name or exc})"
    if isinstance(exc, TypeError):  # kombu passes the query's fields on as arguments of its own
        return (
            "bad Celery broker URL: Celery cannot take the settings in its query (after '?'); give the"
            " password in its user part, redis://:PASSWORD@host:6379/0 (%-encoded: '#' as %23)"
        )
    return (
        "bad Celery broker URL: its host, port or password cannot be read (a password holding "
        "'#', '?', '/' or '@' must be %-encoded: '#' as %23)"
    )


class Dispatcher:
    """Sends dispatched jobs to the workers through ``broker``; ``NetworkUnavailable`` if unreachable,
    ``ConfigurationError`` for a bad URL or credentials the broker refuses."""

    def __init__(self, broker: str, *, connect_timeout: float = 5.0) -> None:
        self.broker = broker
        try:
            self.app = make_app(broker, connect_timeout=connect_timeout)
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, interval_start=0, timeout=connect_timeout)
        except (KeyError, ValueError, TypeError, ImportError) as exc:
            raise errors.ConfigurationError(_bad_url(exc)) from None
        except errors.DecentSocialError:  # a setting of ours (a bad visibility timeout): said as it is
            raise
        except Exception as exc:  # kombu's OperationalError, socket errors
            if _refused(exc):
                raise errors.ConfigurationError(f"the Celery broker refused the credentials: {exc}") from None
            raise errors.NetworkUnavailable(
                f"the Celery broker cannot be reached: {exc}", retryable=True
            ) from None

    def send(self, due: Sequence[tuple[str, str]], *, on_failure: Callable[[str, str], None]) -> None:
        """Send one task per ``(job id, token)``; on failure hand the unsent back to ``on_failure``."""
        if not due:
            return
        sent = 0
        try:
            with self.app.producer_or_acquire() as producer:
                for job_id, token in due:
                    self.app.send_task(TASK, args=[job_id, token], producer=producer)
                    sent += 1
        except Exception as exc:
            for job_id, token in due[sent:]:
                on_failure(job_id, token)
            if _refused(exc):  # a rotated password: retrying for ever would not help
                raise errors.ConfigurationError(
                    f"the Celery broker refused the credentials ({sent} of {len(due)} sent): {exc}"
                ) from None
            raise errors.NetworkUnavailable(
                f"the Celery broker stopped taking tasks ({sent} of {len(due)} sent): {exc}", retryable=True
            ) from None

    def close(self) -> None:
        self.app.close()


#: The app ``celery -A decentsocial.celery_app worker`` runs, configured from the environment.
app = make_app(os.environ.get("DECENTSOCIAL_CELERY_BROKER") or store_url())
