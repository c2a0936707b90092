"""One logged-in atproto client: XRPC calls, error mapping, and session reuse.

* Logs in once (``createSession`` is rate limited: 30 per 5 minutes, 300 a
  day per account); the access token is refreshed by atproto before it expires.
* A saved session (``session_string`` or ``session_file``) is reused instead
  of logging in; every new or refreshed session is written back to the file.
* When the session cannot be refreshed any more (expired or revoked refresh
  token) it logs in again with the password exactly once, then gives up with
  ``AuthenticationError``: never a login loop.
* Every atproto error becomes one of decentsocial's, chained with ``from``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ...errors import (
    AuthenticationError,
    ConfigurationError,
    ContentRejected,
    DecentSocialError,
    InvalidInput,
    NetworkUnavailable,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from ...retry import retry_after_from_headers
from .ids import DID_RE, HANDLE_RE

if TYPE_CHECKING:
    from .settings import BlueskySettings

__all__ = ["XrpcSession", "map_error"]

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
_NOT_FOUND_ERRORS = {
    "NotFound",
    "RecordNotFound",
    "BlobNotFound",
    "ProfileNotFound",
    "ActorNotFound",
    "RepoNotFound",
    "NotFoundError",
}
_NOT_FOUND_WORDS = ("not found", "could not locate", "unable to resolve", "could not find")
_TOO_LARGE = {"BlobTooLarge", "PayloadTooLarge"}


def _error_parts(response: Any) -> tuple[str | None, str | None]:
    """(error name, message) from an XRPC error body."""
    content = getattr(response, "content", None)
    name = getattr(content, "error", None)
    message = getattr(content, "message", None)
    if isinstance(content, dict):
        name, message = content.get("error"), content.get("message")
    return (str(name) if name else None), (str(message) if message else None)


def map_error(exc: Exception, *, network: str, action: str, safe: bool, write: bool) -> DecentSocialError:
    """The decentsocial error for an atproto exception.

    ``safe``: repeating the request cannot duplicate anything (so transport
    failures and 5xx are marked retryable). ``write``: a refused write is
    ``ContentRejected``, a refused read ``InvalidInput``.
    """
    from atproto_client import exceptions as ax

    if isinstance(exc, ax.LoginRequiredError):
        return AuthenticationError(f"{action}: not logged in", network=network)
    response = getattr(exc, "response", None)
    if isinstance(exc, ax.RequestErrorBase) and response is None:
        cause = exc.__cause__
        reason = type(cause).__name__ if cause is not None else type(exc).__name__
        if isinstance(exc, ax.InvokeTimeoutError):
            reason = "timed out"
        return NetworkUnavailable(
            f"{action}: no answer from the server ({reason})", network=network, retryable=safe
        )
    if response is None:
        return NetworkUnavailable(
            f"{action}: unexpected answer ({type(exc).__name__})", network=network, retryable=False
        )
    status = int(getattr(response, "status_code", 0) or 0)
    name, message = _error_parts(response)
    server = ": ".join(x for x in (name, message) if x) or None
    lowered = (message or "").lower()
    if status == 429 or name == "RateLimitExceeded":
        headers = {str(k): str(v) for k, v in (getattr(response, "headers", None) or {}).items()}
        return RateLimited(
            f"{action}: rate limited",
            retry_after=retry_after_from_headers(headers),
            network=network,
            server_message=server,
        )
    if status == 401 or name in _AUTH_ERRORS:
        return AuthenticationError(f"{action}: authentication failed", network=network, server_message=server)
    if status == 403:
        return PermissionDenied(f"{action}: not allowed", network=network, server_message=server)
    if status == 404 or name in _NOT_FOUND_ERRORS or any(w in lowered for w in _NOT_FOUND_WORDS):
        return NotFound(f"{action}: not found", network=network, server_message=server)
    if status == 413 or name in _TOO_LARGE:
        return ContentRejected(f"{action}: too large for the server", network=network, server_message=server)
    if status >= 500 or status in (409, 502):
        return NetworkUnavailable(
            f"{action}: server error {status}", network=network, server_message=server, retryable=safe
        )
    if write:
        return ContentRejected(f"{action}: refused by the server", network=network, server_message=server)
    return InvalidInput(f"{action}: refused by the server", network=network, server_message=server)


def is_session_gone(exc: Exception) -> bool:
    """The server no longer accepts this session's tokens (expired or revoked)."""
    from atproto_client import exceptions as ax

    if isinstance(exc, ax.LoginRequiredError):
        return True
    name, _ = _error_parts(getattr(exc, "response", None))
    return name in _SESSION_GONE


class _Payload:
    """Plain JSON for atproto's invoke methods, which take its models (or DotDict, which deep-copies)."""

    __slots__ = ("value",)

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return self.value

    def model_dump_json(self, **_: Any) -> str:
        return json.dumps(self.value, ensure_ascii=False, separators=(",", ":"))


class XrpcSession:
    """A lazily logged-in atproto ``Client`` and the calls made through it."""

    def __init__(self, settings: BlueskySettings, network: str) -> None:
        self.settings = settings
        self.network = network
        self._client: Any = None
        self._lock = threading.RLock()
        #: How many times this session called createSession (tests and operators read it).
        self.logins = 0
        self._saved: str | None = (
            settings.session_string.get_secret_value() if settings.session_string else None
        )

    # ---------------------------------------------------------------- session

    def _read_session_file(self) -> str | None:
        path = self.settings.session_file
        if path is None or not path.exists():
            return None
        try:
            text = path.read_text().strip()
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read session file {path}: {exc.strerror}", network=self.network
            ) from exc
        return text or None

    def _write_session_file(self, session_string: str) -> None:
        path = self.settings.session_file
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(f"{path}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(session_string)
            os.replace(tmp, path)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot write session file {path}: {exc.strerror}", network=self.network
            ) from exc

    def _on_session_change(self, event: Any, session: Any) -> None:
        self._saved = session.encode()
        self._write_session_file(self._saved)

    def _build_client(self) -> Any:
        from atproto_client import Client
        from atproto_client.request import Request

        pinned = self.settings.base_url if self.settings.pin_base_url else None

        class _PinnedClient(Client):  # type: ignore[misc]
            """Stays on the configured server when ``pin_base_url`` is set."""

            def _update_pds_endpoint(self, pds_endpoint: str) -> None:
                super()._update_pds_endpoint(pinned or pds_endpoint)

        client = _PinnedClient(
            base_url=self.settings.base_url, request=Request(timeout=self.settings.timeout)
        )
        client.on_session_change(self._on_session_change)
        return client

    def client(self) -> Any:
        """The logged-in client: a saved session when there is one, else one ``createSession``."""
        with self._lock:
            if self._client is None:
                client = self._build_client()
                saved = self._saved or self._read_session_file()
                if saved and saved.count(":::") == 3:
                    # atproto's older four-field format names no PDS; atproto would use its default host.
                    saved = f"{saved}:::{self.settings.base_url}"
                if saved and not self._is_configured_account(saved):
                    saved = None  # e.g. a session file kept after the settings moved to another account
                if saved:
                    try:
                        client.login(session_string=saved, fetch_bsky_profile=False)
                    except Exception as exc:  # a corrupt saved session: log in instead
                        if not self._can_login():
                            raise AuthenticationError(
                                "the saved session cannot be read and no password is configured",
                                network=self.network,
                            ) from exc
                        self._password_login(client)
                else:
                    self._password_login(client)
                self._client = client
            return self._client

    def _is_configured_account(self, saved: str) -> bool:
        """Whether a saved session is the account ``handle`` names (an e-mail login cannot be compared)."""
        wanted = (self.settings.handle or "").lower()
        fields = saved.split(":::")
        if not (HANDLE_RE.match(wanted) or DID_RE.match(wanted)) or len(fields) < 2:
            return True
        return wanted in (fields[0].lower(), fields[1])

    def _can_login(self) -> bool:
        return bool(self.settings.handle and self.settings.password)

    def _password_login(self, client: Any) -> None:
        from atproto.exceptions import AtProtocolError

        if not self._can_login():
            raise AuthenticationError(
                "no usable session and no handle/password to log in", network=self.network
            )
        assert self.settings.handle is not None
        assert self.settings.password is not None
        self.logins += 1
        try:
            client.login(
                self.settings.handle, self.settings.password.get_secret_value(), fetch_bsky_profile=False
            )
        except httpx.TransportError as exc:  # atproto passes some (e.g. a dropped connection) through bare
            raise self._transport_error(exc, action="log in", safe=False) from exc
        except AtProtocolError as exc:
            raise map_error(exc, network=self.network, action="log in", safe=False, write=False) from exc

    def relogin(self) -> None:
        """Replace a dead session with one fresh password login."""
        with self._lock:
            client = self._build_client()
            self._password_login(client)
            old, self._client = self._client, client
            if old is not None:
                old.request.close()

    def export(self) -> str:
        """The current session as a string (a secret: store it like a password)."""
        client = self.client()
        return str(client.export_session_string())

    def identity(self) -> tuple[str, str]:
        """(DID, handle) of the logged-in account."""
        client = self.client()
        session = client._session
        return str(session.did), str(session.handle)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.request.close()
                self._client = None

    # ---------------------------------------------------------------- calls

    def _invoke(self, fn: Callable[[Any], Any], *, action: str, safe: bool, write: bool) -> Any:
        from atproto.exceptions import AtProtocolError

        try:
            return fn(self.client())
        except httpx.TransportError as exc:  # atproto passes some (e.g. a dropped connection) through bare
            raise self._transport_error(exc, action=action, safe=safe) from exc
        except AtProtocolError as exc:
            if not (is_session_gone(exc) and self._can_login()):
                raise map_error(exc, network=self.network, action=action, safe=safe, write=write) from exc
            first = exc
        # The session is gone: one fresh login, one more try, then give up.
        self.relogin()
        try:
            return fn(self.client())
        except httpx.TransportError as exc:
            raise self._transport_error(exc, action=action, safe=safe) from exc
        except AtProtocolError as exc:
            raise map_error(exc, network=self.network, action=action, safe=safe, write=write) from first

    def _transport_error(self, exc: Exception, *, action: str, safe: bool) -> NetworkUnavailable:
        return NetworkUnavailable(
            f"{action}: no answer from the server ({type(exc).__name__})",
            network=self.network,
            retryable=safe,
        )

    def query(self, nsid: str, params: dict[str, Any] | None = None, *, action: str) -> dict[str, Any]:
        """GET an XRPC query; the JSON answer as a dict."""

        def call(client: Any) -> Any:
            return client.invoke_query(nsid, params=_Payload(params) if params else None)

        response = self._invoke(call, action=action, safe=True, write=False)
        content = response.content
        return content if isinstance(content, dict) else {}

    def procedure(
        self,
        nsid: str,
        data: dict[str, Any] | None = None,
        *,
        action: str,
        safe: bool,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> dict[str, Any]:
        """POST an XRPC procedure (JSON ``data`` or raw ``body``); the JSON answer as a dict."""

        def call(client: Any) -> Any:
            if body is not None:
                return client.invoke_procedure(
                    nsid, content=body, headers={"Content-Type": content_type or "application/octet-stream"}
                )
            return client.invoke_procedure(
                nsid, data=_Payload(data) if data else None, input_encoding="application/json"
            )

        response = self._invoke(call, action=action, safe=safe, write=True)
        content = response.content
        return content if isinstance(content, dict) else {}
