"""Minds' HTTP failures -> the error tree, in one function (:func:`minds_error`).

Minds answers errors with ``{"status": "error", "message": …}`` (the engine)
or OAuth's ``{"error", "error_description"}`` (the token endpoint). The
shared status table (:func:`decentsocial.errors.from_status`) decides the
class; on top of it, a read refused as a bad request (a 400) names the id
or parameter asked for, not content, and a two-factor challenge at login says
what it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import errors
from ...coerce import as_dict, as_str
from ...httpclient import server_words

NAME = "minds"
TWO_FACTOR_ERROR = "Minds::Core::Security::TwoFactor::TwoFactorRequiredException"

_WORDS = {
    401: "Minds refused the session",
    403: "Minds does not allow this",
    404: "not found on Minds (or deleted)",
    429: "Minds rate limit reached",
}
_NOT_FOUND_WORDS = (
    "not found",
    "could not be found",
    "could not find",
    "does not exist",
    "does not appear to exist",
)
#: The engine's words for a write it does not allow this session ("You can not delete this comment":
#: someone else's comment on someone else's post).
_NOT_ALLOWED_WORDS = ("permission", "can not delete", "cannot delete")


def minds_error(
    status: int, body: Any, headers: Mapping[str, str], *, method: str, safe_to_repeat: bool
) -> errors.DecentSocialError:
    """The error a Minds error answer means (``body``: its JSON, or ``None``)."""
    said = server_words(body) or f"HTTP {status}"
    refused_content = (
        status < 500 and errors.STATUS_ERRORS.get(status, errors.ContentRejected) is errors.ContentRejected
    )
    if method == "GET" and status == 400:
        # A read refused as a bad request: the id or parameter asked for, not content. Only a 400:
        # a 405, 407 or 451 says nothing about the caller's argument (``timeline()`` takes none).
        if any(words in said.lower() for words in _NOT_FOUND_WORDS):
            return errors.NotFound(_WORDS[404], network=NAME, server_message=said)
        return errors.InvalidInput(
            "Minds refused the request as malformed", network=NAME, server_message=said
        )
    if status >= 500:
        words: str | None = f"Minds server error (HTTP {status})"
    else:
        words = _WORDS.get(status, "Minds refused the request" if refused_content else None)
    return errors.from_status(
        status,
        network=NAME,
        message=words,
        server_message=said,
        headers=headers,
        safe_to_repeat=safe_to_repeat,
    )


def refusal_with_200(method: str, body: Any) -> errors.DecentSocialError:
    """A refusal sent with a 200 (``{"status": "error"}``), as the engine's v1 controllers answer.

    On a read, no message (``newsfeed/single`` of a missing or deleted post) or "not found" words
    mean the object asked for is not there, and "permission" that it may not be read: not content.
    A write is answered so too: "The post does not appear to exist" (a DELETE of a post that is not
    there: ``NotFound``, which a delete repeated after a lost answer takes for the first attempt's
    success), "We could not find that post" (a comment on a post that is not there: ``NotFound``) and
    "You can not delete this comment" (another's comment on another's post: ``PermissionDenied``).
    """
    said = server_words(body)
    words = (said or "").lower()
    if any(w in words for w in _NOT_ALLOWED_WORDS):
        return errors.PermissionDenied(_WORDS[403], network=NAME, server_message=said)
    if any(w in words for w in _NOT_FOUND_WORDS) or (method == "GET" and not said):
        return errors.NotFound(_WORDS[404], network=NAME, server_message=said)
    return errors.ContentRejected("Minds refused the request", network=NAME, server_message=said)


def login_error(
    status: int, body: Any, headers: Mapping[str, str], *, username: str
) -> errors.DecentSocialError:
    """The error a refused password or refresh grant means (a login changes nothing: safe to repeat)."""
    said = server_words(body) or f"HTTP {status}"
    data = as_dict(body)
    if (as_str(data.get("errorId")) or as_str(data.get("error"))) == TWO_FACTOR_ERROR:
        return errors.AuthenticationError(
            f"Minds asks for a two-factor code for {username!r}: the account has two-factor "
            "authentication on, and the password grant cannot complete it without a code sent to the "
            "owner. decentsocial does not support Minds 2FA; use an account without it for automation",
            network=NAME,
            server_message=said,
        )
    if status in (400, 401):
        return errors.AuthenticationError(
            f"Minds refused the login for {username!r}", network=NAME, server_message=said
        )
    return minds_error(status, body, headers, method="POST", safe_to_repeat=True)
