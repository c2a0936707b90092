"""What went wrong with a request -> the decentsocial error tree, decided in one place.

The transport reads each exception Mastodon.py or requests raises into a
:class:`Failure` (a plain record: what kind of failure, the HTTP status, the
server's own words, the answer's headers); :func:`mapped` wraps every request
and turns that record into the error :func:`to_error` chooses, chained to
the original. HTTP statuses follow :func:`decentsocial.errors.from_status`;
what is Mastodon's own is on top: a 429 reads its wait from
``X-RateLimit-Reset`` as ISO-8601 (Mastodon) or epoch seconds (GoToSocial,
others), measured against the server's own ``Date`` so clock skew does not
matter. Nothing here imports a network library.
"""

from __future__ import annotations

import math
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Literal

from ... import errors
from ...network import Capability
from ...retry import retry_after_from_headers
from .convert import NETWORK

__all__ = ["Failure", "mapped", "may_have_acted", "stream_refusal", "to_error", "wait_from_headers"]

FailureKind = Literal["status", "unopened", "unreachable", "unreadable", "media", "argument", "version"]


@dataclass(frozen=True)
class Failure:
    """One failed request in plain words, so the mapping to errors needs no network library.

    ``kind``: ``status`` (the server answered ``status``), ``unopened`` (the
    connection did not open: nothing was sent), ``unreachable`` (no answer:
    timed out, dropped), ``unreadable`` (an answer that
    is not the JSON expected), ``media`` (a local file could not be read),
    ``argument`` (the library refused an argument), ``version`` (the
    server's API version lacks the call). ``detail`` is a short description
    that never holds a secret.
    """

    kind: FailureKind
    detail: str = ""
    status: int | None = None
    server_message: str | None = None
    headers: Mapping[str, str] | None = None


def wait_from_headers(headers: Mapping[str, str] | None) -> float | None:
    """Seconds a 429 asks us to wait, from Retry-After or X-RateLimit-Reset (against the server's Date).

    ``None`` when unknown, an endless wait (``inf``) included: no caller can sleep for it.
    """
    if not headers:
        return None
    now = None
    lowered = {k.lower(): v for k, v in headers.items()}
    if "date" in lowered:
        try:
            now = parsedate_to_datetime(lowered["date"])
        except (TypeError, ValueError, IndexError):
            now = None
    wait = retry_after_from_headers(lowered, now=now)
    return wait if wait is not None and math.isfinite(wait) else None


def _status_words(status: int) -> str:
    if status == 401:
        return "the access token was refused"
    if status == 403:
        return "not allowed"
    if status in (404, 410):
        return "not found"
    if status == 429:
        return "rate limited"
    if status >= 500 or status == 408:
        return f"server error {status}"
    return f"refused by the server ({status})"  # 422 (validation), 400, 413 (too large), 415 (media type)…


def to_error(failure: Failure, *, what: str, idempotent: bool) -> errors.DecentSocialError:
    """The error for ``failure`` while doing ``what``.

    ``idempotent`` says whether repeating the request is safe (a read, or a
    write carrying an Idempotency-Key); only then are timeouts, unreadable
    answers and 5xx marked retryable. A 429 is always retryable: the server
    refused it outright.
    """
    kind = failure.kind
    if kind == "status" and failure.status is not None:
        return errors.from_status(
            failure.status,
            network=NETWORK,
            message=f"{what}: {_status_words(failure.status)}",
            server_message=failure.server_message,
            headers=failure.headers,
            safe_to_repeat=idempotent,
            retry_after=wait_from_headers,
        )
    if kind == "media":
        return errors.ContentRejected(f"{what}: cannot read media ({failure.detail})", network=NETWORK)
    if kind == "argument":
        return errors.InvalidInput(f"{what}: {failure.detail}", network=NETWORK)
    if kind == "version":
        return errors.ConfigurationError(
            f"{what}: the server's API version does not offer this ({failure.detail});"
            " check mastodon_version",
            network=NETWORK,
        )
    if kind == "unreadable" or kind == "status":
        # A body that is not JSON (a proxy page, a truncated answer).
        return errors.NetworkUnavailable(
            f"{what}: the server sent an unreadable answer", network=NETWORK, retryable=idempotent
        )
    detail = f" ({failure.detail})" if failure.detail else ""
    unopened = kind == "unopened"  # nothing was sent: safe to repeat, and nothing was made
    return errors.NetworkUnavailable(
        f"{what}: cannot reach the server{detail}",
        network=NETWORK,
        retryable=idempotent or unopened,
        sent=not unopened,
    )


@contextmanager
def mapped(what: str, *, idempotent: bool, describe: Callable[[Exception], Failure | None]) -> Iterator[None]:
    """Run a request's block with every library failure raised as its decentsocial error.

    ``describe`` (the transport's) reads an exception into a :class:`Failure`,
    or returns ``None`` for one that is not a request failure (a bug), which
    is raised unchanged. decentsocial errors pass through.
    """
    try:
        yield
    except errors.DecentSocialError:
        raise
    except Exception as exc:
        typed = _typed_cause(exc)
        if typed is not None:
            # A limit the transport enforced (deadline, size, depth) that Mastodon.py wrapped.
            raise typed from exc
        failure = describe(exc)
        if failure is None:
            raise
        raise to_error(failure, what=what, idempotent=idempotent) from exc


def _typed_cause(exc: BaseException) -> errors.DecentSocialError | None:
    """The decentsocial error a library exception wraps (its cause or context), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, errors.DecentSocialError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def stream_refusal(status: int, kind: str) -> errors.DecentSocialError | None:
    """The error that ends a stream for an answer with ``status`` (``None``: reconnect, or read on).

    A refused token or a server without streaming will not get better by
    reconnecting; a 429 or 5xx will, after a wait.
    """
    if status in (401, 403):
        return errors.AuthenticationError(f"the {kind} stream refused the token", network=NETWORK)
    if status == 404:
        return errors.UnsupportedFeature(NETWORK, Capability.STREAM, "this server has streaming switched off")
    return None


def may_have_acted(exc: errors.DecentSocialError) -> bool:
    """Whether a failed request may have reached the server and acted: a 5xx, a timeout or a lost
    answer (``NetworkUnavailable``); not a refusal (a 429, a 4xx) nor a connection that never opened."""
    return isinstance(exc, errors.NetworkUnavailable) and not _never_connected(exc)


def _never_connected(exc: BaseException) -> bool:
    """Whether ``exc``'s causes hold a refused connection or a host name that did not resolve
    (requests and urllib3 chain them): the request never reached the server."""
    seen: set[int] = set()
    current = exc.__cause__
    while current is not None and id(current) not in seen:
        if isinstance(current, (ConnectionRefusedError, socket.gaierror)):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
