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
from urllib.parse import parse_qsl, urlsplit

from ..config import KEYRING_SUFFIX, LOGIN_TABLE, check_profile_name, profile_table, save_profile
from ..errors import AuthenticationError, InvalidInput
from ..keyring_store import delete_secret, entry_name, get_secret, set_secret
from ..models import Account

__all__ = ["SignIn", "check_state", "new_state", "pkce_pair", "read_code", "save_signed_in"]


@dataclass(frozen=True)
class SignIn:
    """A finished sign-in: the saved profile and whom it signs in as. Holds no secret."""

    network: str
    profile: str | None
    account: Account
    scopes: tuple[str, ...] = ()
    expires_at: datetime | None = None
    #: Public facts to show once (a Nostr npub); never a secret.
    notes: dict[str, str] = field(default_factory=dict)


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
    if got is None or not hmac.compare_digest(expected.encode(), str(got).encode()):
        raise InvalidInput(
            "the sign-in answer does not belong to this sign-in (its state differs): open the address "
            "this sign-in printed and approve there, then use the code it gives",
            network=network,
        )


def read_code(code: str, state: str | None) -> tuple[str, str | None]:
    """The code (and state) from what the user pasted: the bare code, or the whole redirect address.

    Meta appends ``#_`` to its redirect; it is no part of the code.
    """
    text = str(code).strip()
    if "?" in text and "code=" in text:
        query = dict(parse_qsl(urlsplit(text).query))
        text = query.get("code", "")
        state = state if state is not None else query.get("state")
    text = text.removesuffix("#_")
    if not text:
        raise InvalidInput("no authorization code was given: paste the code the server showed after approval")
    return text, state


def denied(query: dict[str, str], *, network: str) -> AuthenticationError:
    """The error for a redirect that carries ``error=`` (the user clicked Deny, or the server refused)."""
    reason = query.get("error_description") or query.get("error_reason") or query.get("error") or "refused"
    return AuthenticationError(
        "the authorization was denied or cancelled on the server: run the sign-in again and click "
        "Authorize (Allow) to connect this app",
        network=network,
        server_message=reason[:200],
    )


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
    """
    check_profile_name(profile)
    old_entries = _entries(profile_table(profile))
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
