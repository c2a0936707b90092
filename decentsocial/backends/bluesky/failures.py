"""atproto and HTTP failures -> decentsocial's error tree, mapped once, around every XRPC call.

The transport wraps each call in :func:`mapped`; nothing else catches
atproto's exceptions. The HTTP status decides the error through
:func:`decentsocial.errors.from_status`; on top of it come the XRPC error
names Bluesky sends (``ExpiredToken`` on a 400 is an authentication
failure, ``RecordNotFound`` on a 400 is ``NotFound``, ``BlockedByActor`` is
``PermissionDenied``…).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from ... import errors
from ...httpclient import unsendable

__all__ = ["is_session_gone", "map_error", "mapped"]

_AUTH_ERRORS = {
    "AuthenticationRequired",
    "InvalidToken",
    "ExpiredToken",
    "AccountTakedown",
    "AuthFactorTokenRequired",
    "AccountDeactivated",
    "InvalidAuth",
}
_SESSION_GONE = {"ExpiredToken", "InvalidToken"}
#: About this session's own account on a 401 (the PDS), about someone else's on a 400 (the AppView
#: reading a deactivated or suspended profile): that account is not there to read, not our login failing.
_ACCOUNT_GONE = {"AccountDeactivated", "AccountTakedown"}
_NOT_FOUND_ERRORS = {
    "NotFound",
    "RecordNotFound",
    "BlobNotFound",
    "ProfileNotFound",
    "ActorNotFound",
    "RepoNotFound",
    "RepoDeactivated",  # a repo its account deactivated, or one taken down or suspended: not there to read
    "RepoTakendown",
    "RepoSuspended",
    "NotFoundError",
}
_NOT_FOUND_WORDS = ("not found", "could not locate", "unable to resolve", "could not find")
_TOO_LARGE = {"BlobTooLarge", "PayloadTooLarge"}
#: A block between the two accounts (a 400 from the AppView): not the caller's input, a refusal.
_BLOCKED = {"BlockedActor", "BlockedByActor"}


@contextmanager
def mapped(network: str, action: str, *, safe: bool, write: bool) -> Iterator[None]:
    """Turn any atproto or httpx failure inside the block into a decentsocial error (chained).

    ``safe``: repeating the request cannot duplicate anything, so a lost
    answer or a 5xx is marked retryable. ``write``: a refused write is
    ``ContentRejected``, a refused read ``InvalidInput``.
    """
    from atproto.exceptions import AtProtocolError

    try:
        yield
    except httpx.TimeoutException as exc:
        raise _deadline_passed(network, action, sent=not _never_sent(exc)) from exc
    except httpx.InvalidURL as exc:  # not an HTTPError: raised before anything is sent
        raise unsendable(network, action) from exc
    except httpx.HTTPError as exc:  # atproto passes some (e.g. a dropped connection) through bare
        raise _no_answer(network, action, exc, safe=safe) from exc
    except AtProtocolError as exc:
        raise map_error(exc, network=network, action=action, safe=safe, write=write) from exc
    except ValueError as exc:  # atproto parses answers as it gets them: corrupt JSON, or the wrong shape
        raise errors.NetworkUnavailable(
            f"{action}: the server's answer could not be read ({type(exc).__name__})",
            network=network,
            retryable=safe,
        ) from exc


def _deadline_passed(network: str, action: str, *, sent: bool = True) -> errors.NetworkUnavailable:
    """The server kept a request past the ``limits`` deadline: not retried (it would do it again)."""
    return errors.NetworkUnavailable(
        f"{action}: the server did not answer within the deadline",
        network=network,
        retryable=False,
        sent=sent,
    )


def _never_sent(exc: BaseException | None) -> bool:
    """Whether a transport failure came before the request left: the connection did not open."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))


def _no_answer(network: str, action: str, exc: BaseException, *, safe: bool) -> errors.NetworkUnavailable:
    """A request that got no answer; one that never left did nothing, so it may be sent again."""
    sent = not _never_sent(exc)
    return errors.NetworkUnavailable(
        f"{action}: no answer from the server ({type(exc).__name__})",
        network=network,
        retryable=safe or not sent,
        sent=sent,
    )


def _error_parts(response: Any) -> tuple[str | None, str | None]:
    """(error name, message) from an XRPC error body."""
    content = getattr(response, "content", None)
    name = getattr(content, "error", None)
    message = getattr(content, "message", None)
    if isinstance(content, dict):
        name, message = content.get("error"), content.get("message")
    return (str(name) if name else None), (str(message) if message else None)


def _status_meant(status: int, name: str | None, message: str | None) -> int:
    """The HTTP status an XRPC error stands for: its error name can say more than the status."""
    lowered = (message or "").lower()
    if status == 429 or name == "RateLimitExceeded":
        return 429
    if name in _ACCOUNT_GONE and status == 400:
        return 404
    if status == 401 or name in _AUTH_ERRORS:
        return 401
    if status == 403 or name in _BLOCKED:
        return 403
    if name in _NOT_FOUND_ERRORS or any(word in lowered for word in _NOT_FOUND_WORDS):
        return 404
    if name in _TOO_LARGE:
        return 413
    if status == 409:
        return 503  # a repo write that raced another one: the server may take it a moment later
    return status


def map_error(
    exc: Exception, *, network: str, action: str, safe: bool, write: bool
) -> errors.DecentSocialError:
    """The decentsocial error for one atproto exception (see :func:`mapped` for the flags)."""
    from atproto.exceptions import InvalidTokenError
    from atproto_client import exceptions as ax

    if isinstance(exc, ax.LoginRequiredError):
        return errors.AuthenticationError(f"{action}: not logged in", network=network)
    if isinstance(exc, InvalidTokenError):  # a session token that does not decode (never shown)
        return errors.AuthenticationError(f"{action}: the session's token cannot be read", network=network)
    response = getattr(exc, "response", None)
    if response is None:
        if isinstance(exc, ax.RequestErrorBase):
            if isinstance(exc, ax.InvokeTimeoutError):
                return _deadline_passed(network, action, sent=not _never_sent(exc.__cause__))
            return _no_answer(network, action, exc.__cause__ or exc, safe=safe)
        return errors.NetworkUnavailable(
            f"{action}: unexpected answer ({type(exc).__name__})", network=network, retryable=False
        )
    status = int(getattr(response, "status_code", 0) or 0)
    name, message = _error_parts(response)
    server = ": ".join(x for x in (name, message) if x) or None
    headers = {str(k): str(v) for k, v in (getattr(response, "headers", None) or {}).items()}
    meant = _status_meant(status, name, message)
    error = errors.from_status(
        meant,
        network=network,
        message=f"{action}: failed (HTTP {status})",
        server_message=server,
        headers=headers,
        safe_to_repeat=safe,
    )
    if not write and meant != 413 and type(error) is errors.ContentRejected:
        return errors.InvalidInput(error.message, network=network, server_message=server)
    return error


def is_session_gone(error: BaseException) -> bool:
    """Whether ``error`` (a mapped error) says the server no longer accepts this session's tokens."""
    from atproto.exceptions import InvalidTokenError
    from atproto_client import exceptions as ax

    cause = error.__cause__ if isinstance(error, errors.DecentSocialError) else error
    if isinstance(cause, (ax.LoginRequiredError, InvalidTokenError)):
        return True
    name, _ = _error_parts(getattr(cause, "response", None))
    return name in _SESSION_GONE
