"""What every sign-in shares: the result, state and PKCE values, and an all-or-nothing save."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from pydantic import SecretStr

from ..config import (
    KEYRING_SUFFIX,
    LOGIN_TABLE,
    check_profile_name,
    profile_lock,
    profile_table,
    save_profile,
)
from ..errors import AuthenticationError, ConfigurationError, InvalidInput
from ..keyring_store import delete_secret, entry_name, get_secret, set_secret
from ..limits import Limits
from ..models import Account
from ..text import lone_surrogate_at
from .loopback import LoopbackReceiver, is_loopback_redirect

__all__ = [
    "CodeFlow",
    "SignIn",
    "check_replaceable",
    "check_seconds",
    "check_state",
    "new_state",
    "pkce_pair",
    "read_code",
    "receiver_for",
    "save_signed_in",
    "scope_names",
]


@dataclass(frozen=True)
class SignIn:
    """A finished sign-in: the saved profile and whom it signs in as.

    It holds no secret, with one exception: a Nostr key generated for the
    user has its nsec in ``notes["nsec"]``, to be shown to them once. So
    ``notes`` stays out of the repr (and of any log line that prints one).
    """

    network: str
    profile: str | None
    account: Account
    scopes: tuple[str, ...] = ()
    expires_at: datetime | None = None
    #: What to show the user once: a Nostr npub, and the nsec of a key generated for them.
    notes: dict[str, str] = field(default_factory=dict, repr=False)


def check_replaceable(profile: str, network: str, table: dict[str, Any] | None = None) -> None:
    """``ConfigurationError`` when ``profile`` (as ``table`` holds it, else as the file does) is a profile
    of another network: a sign-in replaces a profile of its own network only, never one whose secrets
    (a token no longer revocable once its entries go) a mistyped ``--profile`` would take away."""
    table = profile_table(profile) if table is None else table
    if not table or table.get("network") == network:
        return
    other = table.get("network")
    kind = f"a {other} profile" if isinstance(other, str) and other else "a profile of no network"
    raise ConfigurationError(
        f"profile {profile!r} is already {kind}: signing in to {network} would replace it and its "
        "saved secrets. Choose another profile name, or sign out of it first "
        f"(decentsocial logout {profile})",
        network=network,
    )


def new_state() -> str:
    """An unguessable ``state`` value that ties the redirect to this sign-in (CSRF protection)."""
    return secrets.token_urlsafe(24)


def pkce_pair() -> tuple[str, str]:
    """A PKCE ``code_verifier`` and its S256 ``code_challenge`` (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def check_state(expected: str, got: str | None, *, network: str) -> None:
    """``InvalidInput`` when the redirect's ``state`` is not this sign-in's (another tab, or forged)."""
    # surrogatepass: a lone surrogate pasted or passed in is a state that differs, not a crash.
    given = str(got).encode("utf-8", "surrogatepass") if got is not None else None
    if given is None or not hmac.compare_digest(expected.encode(), given):
        raise InvalidInput(
            "the sign-in answer does not belong to this sign-in (its state differs): open the address "
            "this sign-in printed and approve there, then use the code it gives",
            network=network,
        )


def read_code(code: str, state: str | None, *, network: str | None = None) -> tuple[str, str | None]:
    """The code (and state) from what the user pasted: the bare code, or the whole redirect address
    (``AuthenticationError`` when that address says the user cancelled).

    Meta appends ``#_`` to its redirect; it is no part of the code.
    """
    if not isinstance(code, str):  # None would be sent as the code "None"
        raise InvalidInput(f"the authorization code is text, not {type(code).__name__}", network=network)
    text = code.strip()
    if "?" in text:  # a code has none: this is the redirect address
        # Its query cut out by hand: urlsplit raises on a pasted address with a bracket left open.
        query = dict(parse_qsl(text.partition("?")[2].partition("#")[0]))
        if "error" in query and "code" not in query:
            raise denied(query, network=network)
        text = query.get("code", "")
        state = state if state is not None else query.get("state")
    text = text.removesuffix("#_")
    if not text:
        raise InvalidInput("no authorization code was given: paste the code the server showed after approval")
    return text, state


def denied(query: dict[str, str], *, network: str | None) -> AuthenticationError:
    """The error for a redirect that carries ``error=`` (the user clicked Deny, or the server refused)."""
    reason = query.get("error_description") or query.get("error_reason") or query.get("error") or "refused"
    return AuthenticationError(
        "the authorization was denied or cancelled on the server: run the sign-in again and click "
        "Authorize (Allow) to connect this app",
        network=network,
        server_message=reason[:200],
    )


def scope_names(scopes: Any, *, separator: str | None, network: str) -> tuple[str, ...]:
    """``scopes`` (one text split at ``separator``, or texts) as names without repeats, in their order;
    ``InvalidInput`` for anything else (each backend then checks the names)."""
    if isinstance(scopes, str):
        scopes = scopes.split(separator)
    names = list(scopes) if isinstance(scopes, (list, tuple, set, frozenset)) else None
    if names is None or not all(isinstance(s, str) for s in names):
        raise InvalidInput(
            f"scopes must be text or a list of texts, got {type(scopes).__name__}", network=network
        )
    return tuple(dict.fromkeys(s.strip() for s in names if s.strip()))


def check_seconds(timeout: Any, *, network: str) -> float:
    """``timeout`` if it is a number of seconds above 0 and below 1000000; ``InvalidInput`` before any
    I/O otherwise (the HTTP client raises a bare ``ValueError`` for a negative one, and NaN never ends)."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < 1e6:
        raise InvalidInput(
            f"timeout is a number of seconds above 0 and below 1000000, not {timeout!r}", network=network
        )
    return float(timeout)


def receiver_for(redirect_uri: str, *, network: str, hint: str) -> tuple[LoopbackReceiver | None, str]:
    """A listener for a loopback ``redirect_uri`` (and the address it really listens on), or ``None`` for an
    ``https://`` one; ``InvalidInput`` (``hint`` says what to use) for anything else."""
    if not isinstance(redirect_uri, str):
        raise InvalidInput(f"redirect_uri must be text, got {type(redirect_uri).__name__}", network=network)
    at = lone_surrogate_at(redirect_uri)
    if at is not None:  # no URL can carry it: refused before a listener is bound
        raise InvalidInput(
            f"redirect_uri holds half a surrogate pair on its own (at character {at}): it is no address",
            network=network,
        )
    if is_loopback_redirect(redirect_uri):
        receiver = LoopbackReceiver(redirect_uri)
        return receiver, receiver.redirect_uri
    if not redirect_uri.startswith("https://"):
        raise InvalidInput(f"redirect_uri {redirect_uri!r}: {hint}", network=network)
    return None, redirect_uri


class CodeFlow:
    """An authorization-code sign-in in progress, the part every network does alike: the app, the
    loopback listener, and finishing once. Holds the app's secret in memory only."""

    network: str
    #: ``wait_for_code``'s answer when the redirect is not on this machine.
    no_loopback: str
    state: str

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: SecretStr,
        redirect_uri: str,
        scopes: tuple[str, ...],
        state: str,
        receiver: LoopbackReceiver | None,
        allow_http: bool,
        timeout: float,
        limits: Limits | None,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.scopes = scopes
        self.state = state
        self._receiver = receiver
        if receiver is not None:  # a forged or stale redirect does not end the wait
            receiver.expect(state)
        self._allow_http = allow_http
        self._timeout = timeout
        self._limits = limits
        self.finished = False

    def listen(self) -> None:
        """Start the loopback listener now (a fixed port is otherwise bound by :meth:`wait_for_code`),
        so a busy port fails before the user is sent to approve."""
        if self._receiver is not None:
            self._receiver.listen()

    def wait_for_code(self, timeout: float = 300.0) -> tuple[str, str]:
        """Wait for the browser to come back to the loopback redirect; ``(code, state)``.

        ``AuthenticationError`` when the user denied the app or nothing came within ``timeout`` s.
        """
        if self._receiver is None:
            raise InvalidInput(self.no_loopback, network=self.network)
        check_seconds(timeout, network=self.network)
        query = self._receiver.wait(timeout)
        if "error" in query:
            raise denied(query, network=self.network)
        return query.get("code", ""), query.get("state", "")

    def _code(self, code: str, state: str | None, profile: str | None, *, state_needed: bool = True) -> str:
        """The code to exchange, once the flow, the ``state`` and the profile name are checked (no I/O)."""
        if self.finished:
            raise AuthenticationError(
                "this sign-in is already finished (an authorization code works once): start a new one",
                network=self.network,
            )
        code, state = read_code(code, state, network=self.network)
        if state_needed or state is not None:
            check_state(self.state, state, network=self.network)
        if profile is not None:
            check_profile_name(profile, keyring=True)
            check_replaceable(profile, self.network)
        return code

    def _finished(self) -> None:
        self.finished = True
        self.close()

    def close(self) -> None:
        """Stop the loopback listener, if one is open."""
        if self._receiver is not None:
            self._receiver.close()


def save_signed_in(
    profile: str,
    network: str,
    settings: dict[str, Any],
    secret_settings: dict[str, str],
    login: dict[str, Any] | None = None,
    login_secrets: dict[str, str] | None = None,
    entries: dict[str, str] | None = None,
) -> None:
    """Put the secrets in the keyring and the profile (references only) in the config file, or neither.

    ``entries`` are keyring entries written as they are (a setting such as
    Bluesky's ``keyring_session`` names its entry itself).
    A failure part-way removes the keyring entries this call wrote, so no
    profile points at a missing secret and no secret is left without a profile.
    All of it holds the config file's lock, so a token refresh of the profile
    finishing meanwhile sees the old profile or the new one, never half of each.
    """
    check_profile_name(profile)
    with profile_lock():
        replaced = profile_table(profile)
        check_replaceable(profile, network, replaced)  # made meanwhile by another process
        old_entries = _entries(replaced)
        previous: dict[str, str | None] = {}
        table = {"network": network, **settings}
        login_table = dict(login or {})

        def put(entry: str, value: str) -> None:
            if entry not in previous:
                previous[entry] = get_secret(entry)  # a sign-in over an existing profile: kept to put back
            set_secret(entry, value)

        try:
            for key, value in secret_settings.items():
                entry = entry_name(profile, key)
                put(entry, value)
                table[key + KEYRING_SUFFIX] = entry
            for key, value in (login_secrets or {}).items():
                entry = entry_name(profile, "login." + key)
                put(entry, value)
                login_table[key + KEYRING_SUFFIX] = entry
            for entry, value in (entries or {}).items():
                put(entry, value)
            save_profile(profile, table, login_table or None)
        except BaseException:
            for entry, before in previous.items():
                with contextlib.suppress(Exception):
                    if before is None:
                        delete_secret(entry)
                    else:
                        set_secret(entry, before)
            raise
        # Entries the replaced profile used and the new one does not (say, a password replaced by a session).
        for entry in old_entries - set(previous):
            with contextlib.suppress(Exception):
                delete_secret(entry)


def _entries(table: dict[str, Any]) -> set[str]:
    """The keyring entries a profile table names (its settings' and its login table's)."""
    login = table.get(LOGIN_TABLE)
    found = {str(v) for k, v in table.items() if k.endswith(KEYRING_SUFFIX) or k == "keyring_session"}
    if isinstance(login, dict):
        found |= {str(v) for k, v in login.items() if k.endswith(KEYRING_SUFFIX)}
    return found
