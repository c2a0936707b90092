"""The one module that talks to the server: a logged-in atproto client, its XRPC calls and session reuse.

* Logs in once (``createSession`` is rate limited: 30 per 5 minutes, 300 a
  day per account); the access token is refreshed by atproto before it expires.
* A saved session (``session_string`` or ``session_file``) is reused instead
  of logging in; every new or refreshed session is written back to the file
  (or ``keyring_session``'s entry) while it still holds what this process
  last read or wrote there, checked under the config file's lock: after a
  logout or a new sign-in of the profile the session stays in memory only.
  A connection made from a profile also reads and writes them only while the
  profile is still the sign-in it was made from (``ProfileSource``): the
  store is read at the first call, so a logout before it left nothing to
  compare with.
* When the session cannot be refreshed any more (expired or revoked refresh
  token) it logs in again with the password exactly once, then gives up with
  ``AuthenticationError``: never a login loop.
* Every atproto error becomes one of decentsocial's (``failures.mapped``), chained with ``from``.
* Every request goes through :func:`decentsocial.limits.guarded_transport`
  (atproto's ``Request`` passes its keyword arguments to ``httpx.Client``, so
  it takes our transport): the ``limits`` deadline, a capped, bomb-proof
  body, and JSON no deeper than ``max_json_depth`` (checked before atproto
  parses it). Below that, every request (redirects and the PDS a DID
  document names included) must go to an endpoint ``check_endpoint``
  accepts: no credentials over plain http except to loopback or with
  ``allow_http=True``. The PDS a saved session or the login answer's DID
  document names must be on ``base_url``'s host (see ``_check_pds``):
  atproto would move every later request, bearer token included, there.
* The session file is written with :func:`decentsocial.private_files.write_private_file`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from ...errors import AuthenticationError, ConfigurationError, NetworkUnavailable
from ...httpclient import secret_safe
from ...keyring_store import entry_named
from ...limits import check_json_depth, guarded_transport
from ...private_files import MAX_SESSION_FILE_BYTES, read_small_file, write_private_file
from ...urls import check_endpoint, is_loopback_host, redirect_refused
from .failures import is_session_gone, mapped
from .ids import DID_RE, HANDLE_RE

if TYPE_CHECKING:
    from .settings import BlueskySettings

__all__ = ["Transport"]

log = logging.getLogger(__name__)

#: Entryways that hand their accounts over to PDSes on other hosts: the host suffix they may name.
_ENTRYWAYS = {"bsky.social": ".bsky.network"}


class _Payload:
    """Plain JSON for atproto's invoke methods, which take its models (or DotDict, which deep-copies)."""

    __slots__ = ("value",)

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return self.value

    def model_dump_json(self, **_: Any) -> str:
        return json.dumps(self.value, ensure_ascii=False, separators=(",", ":"))


class _CheckedTransport(httpx.BaseTransport):
    """Below atproto's httpx client: only endpoints ``check_endpoint`` accepts, JSON within the depth limit.

    ``inner`` is the guarded transport (deadline, body cap), so a JSON answer
    arrives here whole and is depth-checked before atproto's parser (whose
    own recursion error would escape untyped) sees it.
    """

    def __init__(self, inner: httpx.BaseTransport, *, network: str, allow_http: bool, max_json_depth: int):
        self.inner = inner
        self.network = network
        self.allow_http = allow_http
        self.max_json_depth = max_json_depth

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # A DID document may name another server: it gets no credentials over plain http.
        check_endpoint(str(request.url), network=self.network, setting="server", allow_http=self.allow_http)
        response = self.inner.handle_request(request)
        if response.is_redirect:
            # Not followed: atproto's client would follow up to 20, each with a deadline of its own.
            # An XRPC server answers where it is asked; one that moved needs a new base_url.
            response.close()
            raise redirect_refused(
                response.status_code,
                response.headers.get("location", ""),
                network=self.network,
                base=str(request.url),
            )
        if "json" in response.headers.get("content-type", "").lower():
            try:
                check_json_depth(response.content, max_depth=self.max_json_depth, network=self.network)
            except NetworkUnavailable:
                response.close()
                raise
        return response

    def close(self) -> None:
        self.inner.close()


class Transport:
    """A lazily logged-in atproto ``Client`` and the XRPC calls made through it.

    It holds no reference to the network object, so ``close`` can run at
    garbage collection or interpreter exit when nobody closed the connection.
    """

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
        #: What this process last read from or wrote to each store ("file", "keyring"): a session is
        #: written back only over that (another process's sign-in or logout wins).
        self._stored: dict[str, str | None] = {}
        self._unsaved_said = False
        #: Set when the profile this connection was made from was found logged out or signed in again.
        self._profile_left = False

    # ---------------------------------------------------------------- session

    def _read_session_file(self) -> str | None:
        """The saved session, remembered as what the file held; see :meth:`_current_session_file`."""
        text = self._current_session_file()
        self._stored["file"] = text
        return text

    def _current_session_file(self) -> str | None:
        """What the session file holds; a pipe, device, huge or non-UTF-8 file is ``ConfigurationError``."""
        path = self.settings.session_file
        if path is None:
            return None
        try:
            data = read_small_file(path, MAX_SESSION_FILE_BYTES)
            text = data.decode("utf-8").strip() if data is not None else ""
        except OSError as exc:
            why = exc.strerror
        except UnicodeDecodeError:
            why = "not UTF-8 text, so no saved session"
        except ValueError:  # raised by os.open
            why = "a path cannot hold a NUL character"
        else:
            return text or None
        raise ConfigurationError(f"cannot read session file {path}: {why}", network=self.network)

    def _write_session_file(self, session_string: str) -> None:
        path = self.settings.session_file
        if path is None:
            return
        try:
            write_private_file(path, session_string.encode())
        except OSError as exc:
            raise ConfigurationError(
                f"cannot write session file {path}: {exc.strerror}", network=self.network
            ) from exc

    def _read_session_keyring(self) -> str | None:
        entry = self.settings.keyring_session
        if entry is None:
            return None
        from ...keyring_store import get_secret

        value = get_secret(entry)
        self._stored["keyring"] = value
        return value

    def _on_session_change(self, event: Any, session: Any) -> None:
        self._saved = session.encode()
        file, entry = self.settings.session_file, self.settings.keyring_session
        if file is None and entry is None:
            return
        from ...keyring_store import get_secret, set_secret

        # Under the lock a sign-in or logout of the profile holds while it changes the entry or file:
        # the compare and the write below see its change whole or not at all (and this process's
        # other threads wait: ours first, then the file lock, always in that order).
        with self._lock, self._profile_lock():
            if not self._profile_kept():
                self._not_saved(
                    f"the profile {self._profile_name()!r} this connection was made from was logged out "
                    "or signed in again"
                )
                return
            if file is not None and self._unchanged("file", self._current_session_file()):
                self._write_session_file(self._saved)
                self._stored["file"] = self._saved
            if entry is not None and self._unchanged("keyring", get_secret(entry)):
                set_secret(entry, self._saved)
                self._stored["keyring"] = self._saved

    def _profile_lock(self) -> AbstractContextManager[Any]:
        """The config file's lock, when there is a config file (no profile, no sign-in or logout to race)."""
        from ...config import config_path, profile_lock

        return profile_lock() if config_path().exists() else nullcontext()

    def _unchanged(self, store: str, current: str | None) -> bool:
        """Whether ``store`` still holds what this process last read or wrote (never read: taken as is).

        Else another process signed the profile in again or logged it out: its
        session (or its removal) stays, and this one is kept in memory only.
        """
        if self._stored.get(store, current) == current:
            return True
        where = (
            f"session file {self.settings.session_file}"
            if store == "file"
            else entry_named(self.settings.keyring_session or "")
        )
        self._not_saved(f"{where} was changed or removed by another process (a sign-in or logout)")
        return False

    def _not_saved(self, why: str) -> None:
        """Say once (a warning; later, debug) that a new session stays in memory only, and ``why``."""
        log.log(
            logging.DEBUG if self._unsaved_said else logging.WARNING,
            "%s: the new session was not saved: %s, so this connection keeps it in memory only",
            self.network,
            why,
        )
        self._unsaved_said = True

    def _profile_kept(self) -> bool:
        """Whether the profile this connection was made from is still that sign-in (no profile: always).

        Call under :meth:`_profile_lock`. Once gone it is gone for this
        connection: a profile signed in again later is another sign-in.
        """
        source = self.settings.profile_source
        if source is not None and not self._profile_left and not source.is_current():
            self._profile_left = True
        return not self._profile_left

    def _profile_name(self) -> str:
        source = self.settings.profile_source
        return source.name if source is not None else ""

    def _read_saved(self) -> str | None:
        """The session the file or keyring entry keeps; none when the profile this connection was made
        from was logged out or signed in again (a new sign-in's session is not this connection's)."""
        if self.settings.session_file is None and self.settings.keyring_session is None:
            return None
        with self._profile_lock():
            if not self._profile_kept():
                return None
            return self._read_session_file() or self._read_session_keyring()

    def _build_client(self) -> Any:
        from atproto_client import Client
        from atproto_client.request import Request

        pinned = self.settings.base_url if self.settings.pin_base_url else None
        check_pds = self._check_pds

        class _PinnedClient(Client):  # type: ignore[misc]
            """Stays on the configured server when ``pin_base_url`` is set, and on an allowed one always."""

            def _update_pds_endpoint(self, pds_endpoint: str) -> None:
                target = pinned or pds_endpoint
                check_pds(target)
                super()._update_pds_endpoint(target)

        request = Request(
            timeout=self.settings.timeout,
            transport=_CheckedTransport(
                guarded_transport(self.settings.limits, network=self.network),
                network=self.network,
                allow_http=self.settings.allow_http,
                max_json_depth=self.settings.limits.max_json_depth,
            ),
        )
        client = _PinnedClient(base_url=self.settings.base_url, request=request)
        client.on_session_change(self._on_session_change)
        return client

    def _check_pds(self, url: str) -> None:
        """Refuse a PDS off ``base_url``'s host (before any request goes to it).

        atproto moves the bearer token to whatever PDS a session or a DID
        document names: a redirect by another name, so it gets the same rule.
        Allowed: ``base_url``'s host and its subdomains, this machine when
        ``base_url`` is on it, and Bluesky's own PDSes behind its entryway.
        """
        base = (urlsplit(self.settings.base_url).hostname or "").lower()
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            host = ""
        if host and (host == base or host.endswith(f".{base}")):
            return
        if is_loopback_host(host) and is_loopback_host(base):
            return
        if base in _ENTRYWAYS and host.endswith(_ENTRYWAYS[base]):
            return
        raise ConfigurationError(
            f"the session names the PDS {host or '(none)'!r}, not base_url's host {base!r}: refused, so no"
            " token goes there (if it is the account's PDS, set base_url to it; pin_base_url=True stays"
            " on base_url; or delete the saved session)",
            network=self.network,
        )

    def client(self) -> Any:
        """The logged-in client: a saved session when there is one, else one ``createSession``."""
        with self._lock:
            if self._client is None:
                client = self._build_client()
                saved = self._saved or self._read_saved()
                if saved and saved.count(":::") == 3:
                    # atproto's older four-field format names no PDS; atproto would use its default host.
                    saved = f"{saved}:::{self.settings.base_url}"
                if saved and not self._is_configured_account(saved):
                    saved = None  # e.g. a session file kept after the settings moved to another account
                if saved:
                    try:
                        client.login(session_string=saved, fetch_bsky_profile=False)
                        # atproto decodes the tokens only at the first call: a corrupt one must fail here.
                        _ = client._session.access_jwt_payload, client._session.refresh_jwt_payload
                    except ConfigurationError:
                        raise
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
        if not self._can_login():
            where = self.settings.keyring_session
            hint = (
                f" (profile {self._profile_name()!r} was logged out or signed in again since this "
                "connection was made: connect again)"
                if self._profile_left
                else f" ({entry_named(where)} holds none: sign in again with decentsocial login bluesky)"
                if where is not None
                else ""
            )
            raise AuthenticationError(
                f"no usable session and no handle/password to log in{hint}", network=self.network
            )
        assert self.settings.handle is not None
        assert self.settings.password is not None
        self.logins += 1
        password = self.settings.password.get_secret_value()

        def login() -> None:
            with mapped(self.network, "log in", safe=False, write=False):
                client.login(self.settings.handle, password, fetch_bsky_profile=False)

        secret_safe(login, secrets=[password])  # httpx's error keeps the request, the password in its body

    def relogin(self) -> None:
        """Replace a dead session with one fresh password login."""
        with self._lock:
            client = self._build_client()
            self._password_login(client)
            old, self._client = self._client, client
            if old is not None:
                old.request.close()

    def export(self) -> str:
        """The current session as a string (a secret: store it like a password). Through
        :func:`secret_safe`, as every call is: a corrupt saved session's error chains atproto's, which
        quotes the token's claims."""
        return secret_safe(lambda: str(self.client().export_session_string()))

    def identity(self) -> tuple[str, str]:
        """(DID, handle) of the logged-in account (through :func:`secret_safe`, as :meth:`export`)."""

        def read() -> tuple[str, str]:
            session = self.client()._session
            return str(session.did), str(session.handle)

        return secret_safe(read)

    def close(self) -> None:
        """Close the HTTP connections; a later call logs in again (or reuses the saved session)."""
        with self._lock:
            if self._client is not None:
                self._client.request.close()
                self._client = None

    # ---------------------------------------------------------------- calls

    def _invoke(self, fn: Callable[[Any], Any], *, action: str, safe: bool, write: bool) -> Any:
        """``fn(client)`` mapped; a failure is raised with a scrubbed chain (httpx's error keeps the
        request, the session's token in its ``Authorization`` header)."""
        return secret_safe(lambda: self._invoke_mapped(fn, action=action, safe=safe, write=write))

    def _invoke_mapped(self, fn: Callable[[Any], Any], *, action: str, safe: bool, write: bool) -> Any:
        try:
            with mapped(self.network, action, safe=safe, write=write):
                return fn(self.client())
        except AuthenticationError as exc:
            if not (is_session_gone(exc) and self._can_login()):
                raise
        # The session is gone: one fresh login, one more try, then give up.
        self.relogin()
        with mapped(self.network, action, safe=safe, write=write):
            return fn(self.client())

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
