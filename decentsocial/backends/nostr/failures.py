"""Relay and lookup failures, mapped once onto the decentsocial error tree.

Inside the transport a relay that cannot be reached or stops answering is a
:class:`RelayError` (one relay's failure: the pool moves on to the others);
the context managers here turn the websocket and socket exceptions of
``websockets`` into it, so the transport has no ``try/except`` per call.
What reaches the caller is built here too: ``NetworkUnavailable`` when no
relay answered, and NIP-01's machine-readable refusal prefixes
(``rate-limited:``, ``auth-required:``…) as their typed errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import httpx
from websockets.exceptions import WebSocketException

from ... import errors
from .events import PublishOutcome

__all__ = [
    "ConnectionLost",
    "Lookup",
    "Refused",
    "RelayError",
    "closed_during_call",
    "connection_lost",
    "lookup",
    "no_relay_answered",
    "publish_failure",
    "read_refused",
    "relay_words",
    "stream_lost",
    "timed_out",
    "unreachable",
    "unread",
    "unsent",
]

NETWORK = "nostr"

#: Everything the wire raises when a relay goes away: sockets, timeouts, the websocket protocol.
_WIRE_FAILURES = (OSError, asyncio.TimeoutError, WebSocketException)
#: What an HTTP look-up (NIP-11, NIP-05, LNURL) may raise: transport errors, unreadable JSON
#: (RecursionError: nested deeper than the parser goes), a breach of the ``limits`` (typed errors)
#: and running out of time.
_LOOKUP_FAILURES = (
    httpx.HTTPError,
    ValueError,
    RecursionError,
    errors.DecentSocialError,
    asyncio.TimeoutError,
)


class RelayError(Exception):
    """A relay could not be reached or did not answer in time (the pool tries the others)."""


class Refused(RelayError):
    """The relay closed a subscription (NIP-01 ``CLOSED``); ``reason``: its words, prefix first."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ConnectionLost(RelayError):
    """The connection ended mid-call; ``delivered``: some of the answer had already arrived."""

    def __init__(self, message: str, delivered: bool = False) -> None:
        super().__init__(message)
        self.delivered = delivered


#: The most of a relay's own words (an ``OK``, ``CLOSED`` or ``NOTICE`` reason) kept: a hostile
#: relay's megabyte reason must not become every error message and log line.
MAX_REASON = 300
#: Control characters (a terminal escape clearing the screen…), shown as a space.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def relay_words(value: object) -> str:
    """A relay's reason as it goes into errors and logs: one line, at most ``MAX_REASON`` characters."""
    text = _CONTROL.sub(" ", str(value)[: MAX_REASON + 1])  # one past the most: it is marked as cut
    return text if len(text) <= MAX_REASON else text[:MAX_REASON] + "…"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@contextlib.contextmanager
def unreachable(what: str) -> Iterator[None]:
    """Inside: a wire failure becomes ``RelayError(what: …)`` (opening a connection, a subscription)."""
    try:
        yield
    except _WIRE_FAILURES as exc:
        raise RelayError(f"{what}: {_describe(exc)}") from exc


@contextlib.contextmanager
def connection_lost(delivered: Callable[[], bool] = lambda: False) -> Iterator[None]:
    """Inside: a wire failure becomes ``ConnectionLost`` (the caller may replace the connection once)."""
    try:
        yield
    except _WIRE_FAILURES as exc:
        raise ConnectionLost(f"connection failed: {_describe(exc)}", delivered()) from exc


@contextlib.contextmanager
def unsent() -> Iterator[None]:
    """Inside: a wire failure is ignored (a best-effort message, such as ``CLOSE``, on a dying connection)."""
    with contextlib.suppress(*_WIRE_FAILURES):
        yield


@dataclass
class Lookup:
    """How an HTTP look-up went: ``failure`` says why it found nothing (``None``: it did not fail)."""

    failure: str | None = None


@contextlib.contextmanager
def lookup() -> Iterator[Lookup]:
    """Inside: an HTTP or JSON failure ends the block and is recorded, never raised.

    NIP-11 documents, NIP-05 names and LNURL endpoints are optional: one that
    cannot be read is treated as absent.
    """
    outcome = Lookup()
    try:
        yield outcome
    except _LOOKUP_FAILURES as exc:
        outcome.failure = _describe(exc)


def timed_out(timeout: float) -> errors.NetworkUnavailable:
    """A call that got no answer in time (retryable: reads, and publishes of the same signed event)."""
    return errors.NetworkUnavailable(f"no answer within {timeout:.1f}s", network=NETWORK, retryable=True)


def closed_during_call() -> errors.NetworkUnavailable:
    """A call cut short because ``close()`` stopped the connection's loop."""
    return errors.NetworkUnavailable("the connection was closed during the call", network=NETWORK)


def no_relay_answered(
    failures: Mapping[str, str] | Sequence[str], *, retryable: bool
) -> errors.NetworkUnavailable:
    """Every relay failed; ``failures`` says how each did."""
    if isinstance(failures, Mapping):
        failures = [f"{url}: {why}" for url, why in failures.items()]
    detail = "; ".join(failures)
    return errors.NetworkUnavailable(f"no relay answered ({detail})", network=NETWORK, retryable=retryable)


#: NIP-01 prefixes of a ``CLOSED`` that asking again will not change, as errors.
_READ_REFUSALS: dict[str, type[errors.DecentSocialError]] = {
    "auth-required": errors.AuthenticationError,
    "restricted": errors.PermissionDenied,
    "blocked": errors.PermissionDenied,
    "rate-limited": errors.RateLimited,
}


def read_refused(failures: Mapping[str, str], reasons: Sequence[str]) -> errors.DecentSocialError:
    """Every relay failed a read: ``reasons`` are the ``CLOSED`` reasons of those that refused it.

    When every relay refused it for one of the reasons above (all the same error), that typed
    error; else ``no_relay_answered``.
    """
    classes = {_READ_REFUSALS.get(r.partition(":")[0].strip()) for r in reasons}
    error_class = classes.pop() if len(classes) == 1 and len(reasons) == len(failures) else None
    if error_class is None:
        return no_relay_answered(failures, retryable=True)
    detail = "; ".join(f"{url}: {why}" for url, why in failures.items())
    return error_class(f"relays refused the read ({detail})", network=NETWORK, server_message=reasons[0])


def unread(failures: Mapping[str, str]) -> errors.NetworkUnavailable:
    """A replaceable event not updated: some relays did not answer the read, and one may hold
    the newest copy (retryable: nothing was written)."""
    detail = "; ".join(f"{url}: {why}" for url, why in failures.items())
    return errors.NetworkUnavailable(
        f"nothing changed: a relay that did not answer the read may hold the newest copy, "
        f"and rewriting it from the others' could lose entries ({detail})",
        network=NETWORK,
        retryable=True,
    )


def stream_lost(reason: str) -> errors.NetworkUnavailable:
    """A stream whose every relay was given up on."""
    return errors.NetworkUnavailable(f"every relay of the stream was lost ({reason})", network=NETWORK)


#: NIP-01's machine-readable prefixes of a refusal, as errors (anything else: ContentRejected).
_REFUSALS: dict[str, type[errors.DecentSocialError]] = {
    "rate-limited": errors.RateLimited,
    "auth-required": errors.AuthenticationError,
    "restricted": errors.PermissionDenied,
    "blocked": errors.PermissionDenied,
    "invalid": errors.ContentRejected,
    "pow": errors.ContentRejected,
    "error": errors.NetworkUnavailable,
}


def publish_failure(outcomes: Sequence[PublishOutcome], needed: int) -> errors.DecentSocialError | None:
    """The error for a publish too few relays took (``None``: enough did).

    A relay's refusal is its typed error, with the relay's words as
    ``server_message``, unless other relays took the event: then it is
    published, and the error a non-retryable ``NetworkUnavailable`` (a
    refusal would say nothing was made). Relays that could not be reached make a retryable
    ``NetworkUnavailable``: a resend is the same signed event, so it cannot
    post twice.
    """
    accepted = [o for o in outcomes if o.accepted]
    if len(accepted) >= min(needed, len(outcomes)):
        return None
    summary = "; ".join(f"{o.relay}: {o.error or o.message or 'refused'}" for o in outcomes)
    refusals = [o for o in outcomes if not o.accepted and o.error is None]
    if refusals and accepted:  # published, on too few relays: not a refusal (nothing made) but a lost answer
        return errors.NetworkUnavailable(
            f"{len(accepted)} of {len(outcomes)} relays took the event, {needed} needed; the others refused"
            f" it ({summary})",
            network=NETWORK,
            server_message=refusals[0].message,
            retryable=False,
        )
    if refusals:
        reason = refusals[0].message
        error_class = _REFUSALS.get(reason.partition(":")[0].strip(), errors.ContentRejected)
        return error_class(f"relays refused the event ({summary})", network=NETWORK, server_message=reason)
    return errors.NetworkUnavailable(
        f"{len(accepted)} of {len(outcomes)} relays took the event, {needed} needed ({summary})",
        network=NETWORK,
        retryable=True,
    )
