"""One retry policy for every backend, built on tenacity.

Rules:

* only errors marked ``retryable`` are retried (a backend marks an error
  retryable only when repeating the request cannot post twice);
* bounded in attempts AND in total seconds;
* a server's ``Retry-After`` (seconds or HTTP date) or rate-limit reset
  header (epoch seconds, seconds from now, or ISO-8601) sets the wait;
* when the server asks for a longer wait than the policy allows, the call
  fails at once with ``RateLimited(retry_after=…)`` instead of sleeping;
* a repeated DELETE answered "not found" is success only after an attempt
  that may have acted (:func:`repeated_delete`, the one rule every backend's
  delete follows);
* under an :class:`~decentsocial.interrupt.Interrupt` (a stream connecting or
  catching up, an async stream opening, a monitor's stream), its stop ends the
  wait between attempts at once and no attempt follows (:func:`pause`).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_any
from tenacity.stop import stop_base

from .errors import DecentSocialError, NetworkUnavailable, NotFound
from .interrupt import current
from .models import parse_iso_datetime, utc
from .stopping import wait as wait_or_stop

__all__ = [
    "RetryPolicy",
    "jittered",
    "parse_retry_after",
    "pause",
    "reconnect_backoff",
    "repeated_delete",
    "retry_after_from_headers",
]

T = TypeVar("T")

#: Jitter comes from a generator of our own: drawing from the global ``random`` would move the state
#: a program (or its test) seeded for itself, from whatever thread happened to retry.
_jitter = random.Random()


def jittered(base: float, fraction: float) -> float:
    """``base`` seconds plus up to ``fraction`` of it at random (so clients retrying together spread out)."""
    return base + _jitter.uniform(0.0, base * fraction)


def pause(seconds: float) -> None:
    """The wait between two attempts: ``time.sleep``, but one the stop of the
    :class:`~decentsocial.interrupt.Interrupt` in force on this thread ends at once.

    A stream's ``stop()`` (an ``aclose()``, a monitor's end) from another thread
    would otherwise wait for a retry's sleep, up to ``max_wait``.
    """
    interrupt = current()
    if interrupt is None:
        time.sleep(seconds)
    else:
        wait_or_stop(seconds, interrupt.event)


def reconnect_backoff(failures: int) -> float:
    """Seconds before reopening a stream after ``failures`` failures in a row: 0.5 s doubling to 30 s."""
    return jittered(min(30.0, 0.5 * 2.0 ** (failures - 1)), 0.1)


#: Values below this are a number of seconds to wait; above, a Unix time.
_EPOCH_THRESHOLD = 1_000_000_000


def parse_retry_after(value: str | float | int | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After``/reset value, or ``None`` if unreadable.

    Accepts delta seconds (``"30"``), a Unix time (``"1732623000"``), an HTTP
    date (``"Wed, 21 Oct 2026 07:28:00 GMT"``) or ISO-8601
    (``"2026-11-26T12:00:00.000Z"``, as Mastodon sends ``X-RateLimit-Reset``).
    Never negative; an infinite or NaN number is unreadable. ``now`` (a server's ``Date``) may
    be naive, as ``parsedate_to_datetime`` reads a ``-0000`` zone: it is read as UTC.
    """
    if value is None:
        return None
    now = _as_utc(now)
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int past any float: no wait anyone can keep
            return None
    else:
        text = value.strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            when = _parse_date(text)
            if when is None:
                return None
            return max(0.0, (when - now).total_seconds())
    if not math.isfinite(number):  # "1e999", "nan": no wait anyone can keep (or sleep: an OverflowError)
        return None
    if number >= _EPOCH_THRESHOLD:
        return max(0.0, number - now.timestamp())
    return max(0.0, number)


def _as_utc(now: datetime | None) -> datetime:
    """``now`` as aware UTC (naive means UTC: subtracting it from an aware date is a TypeError);
    this machine's clock when there is none or it cannot be UTC (``9999-12-31 23:59 -2359``)."""
    if now is not None:
        try:
            return utc(now)
        except ValueError:
            pass
    return datetime.now(timezone.utc)


def _parse_date(text: str) -> datetime | None:
    """ISO-8601 or an HTTP date, as UTC; ``None`` for any other text.

    ``parsedate_to_datetime`` raises ``OverflowError`` for a field too long for
    the calendar (a zone of ``+99999999999999999999``): a server's junk, not a crash.
    """
    try:
        return parse_iso_datetime(text)
    except ValueError:
        try:
            return utc(parsedate_to_datetime(text))
        except (TypeError, ValueError, IndexError, OverflowError):
            return None


_RESET_HEADERS = ("retry-after", "ratelimit-reset", "x-ratelimit-reset", "x-rate-limit-reset")


def retry_after_from_headers(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """The wait a response's headers ask for: ``Retry-After`` first, then rate-limit resets."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in _RESET_HEADERS:
        if name in lowered:
            seconds = parse_retry_after(lowered[name], now=now)
            if seconds is not None:
                return seconds
    return None


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, DecentSocialError) and exc.retryable


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded, server-aware retries.

    ``attempts`` counts the first try; ``total_seconds`` bounds the time spent
    waiting and trying; ``max_wait`` is the longest single wait the policy
    will sleep (a server asking for more gets ``RateLimited`` at once).
    ``sleep`` waits between attempts (:func:`pause`: a stop of the thread's
    :class:`~decentsocial.interrupt.Interrupt` ends it); once that interrupt
    is set no attempt follows, and the last attempt's error is raised.
    """

    attempts: int = 4
    total_seconds: float = 60.0
    max_wait: float = 30.0
    backoff: float = 0.5  # first backoff in seconds, doubled each time
    backoff_cap: float = 8.0
    jitter: float = 0.1  # fraction of the backoff added at random
    sleep: Callable[[float], None] = field(default=pause, repr=False, compare=False)

    @classmethod
    def never(cls) -> RetryPolicy:
        return cls(attempts=1)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, DecentSocialError):
            server_wait = getattr(exc, "retry_after", None)
            if isinstance(server_wait, (int, float)):
                return float(server_wait)
        return jittered(min(self.backoff_cap, self.backoff * 2.0 ** (state.attempt_number - 1)), self.jitter)

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` under this policy and return its result (or raise its last error).

        The first attempt runs as it is: most calls succeed at once, and
        building tenacity's machinery for them cost about 13 µs a call. Only a
        retryable failure builds it, with that failure as its first attempt
        (counted in the attempts, timed from before it).
        """
        started = time.monotonic()
        try:
            return fn()
        except BaseException as exc:
            if not _is_retryable(exc):
                raise
            first: BaseException = exc
        replayed = False
        sent = _sent(first)  # whether an attempt may have acted (its answer lost)
        last = first
        interrupt = current()  # its stop (another thread's) ends the retrying: no attempt after it

        def attempt() -> T:
            nonlocal replayed, sent, last
            if not replayed:  # the first attempt's outcome, already known: not a second call
                replayed = True
                raise first
            if interrupt is not None and interrupt.is_set():
                raise last  # stopped during the wait: the stop's owner ends (a stream: quietly)
            try:
                return fn()
            except BaseException as exc:
                sent = sent or _sent(exc)
                last = exc
                raise

        def before_sleep(state: RetryCallState) -> None:
            # Give up now rather than sleep past the bounds; the last error
            # (RateLimited carries the server's retry_after) reaches the caller.
            wait = state.next_action.sleep if state.next_action else 0.0
            elapsed = time.monotonic() - started
            exc = state.outcome.exception() if state.outcome else None
            if exc is not None and (wait > self.max_wait or elapsed + wait > self.total_seconds):
                raise exc
            if exc is not None and interrupt is not None and interrupt.is_set():
                raise exc  # stopped already: no wait, no attempt

        retrying = Retrying(
            stop=stop_any(stop_after_attempt(self.attempts), _stop_after_total(self.total_seconds, started)),
            wait=self._wait,
            retry=retry_if_exception(_is_retryable),
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except NetworkUnavailable as exc:
            # A last attempt that never left says nothing of an earlier one whose answer was lost:
            # the call may have been made (a keyed write keeps its key for its draft).
            exc.sent = exc.sent or sent
            raise


def _sent(exc: BaseException) -> bool:
    """Whether a failed attempt may have reached the server and acted (see ``NetworkUnavailable.sent``)."""
    return isinstance(exc, NetworkUnavailable) and exc.sent


class _stop_after_total(stop_base):
    """Stop when the time since ``started`` has run out (tenacity's own clock starts late)."""

    def __init__(self, seconds: float, started: float) -> None:
        self.seconds = seconds
        self.started = started

    def __call__(self, state: RetryCallState) -> bool:
        return time.monotonic() - self.started >= self.seconds


def repeated_delete(
    retry: RetryPolicy,
    once: Callable[[], object],
    may_have_acted: Callable[[DecentSocialError], bool],
) -> bool:
    """One DELETE (``once``) under ``retry``, where "not found" on a repeat may mean success.

    A DELETE is idempotent, so the policy repeats it after a failure marked
    retryable. When a repeat is answered ``NotFound``, an earlier attempt
    whose answer was lost deleted the thing, but only if that attempt may
    have reached the server and acted: ``may_have_acted`` says so of each
    failure (a 5xx, a timeout, a dropped answer). After refusals only (a
    429, a connection that never opened) nothing was deleted and the thing
    may never have existed, so the ``NotFound`` is raised, as it is on the
    first attempt.

    Returns whether a repeat found the thing gone (an earlier attempt deleted it).
    """
    acted = False
    gone = False

    def attempt() -> None:
        nonlocal acted, gone
        try:
            once()
        except NotFound:
            if not acted:
                raise
            gone = True
        except DecentSocialError as exc:
            acted = acted or may_have_acted(exc)
            raise

    retry.call(attempt)
    return gone
