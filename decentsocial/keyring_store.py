"""Secrets in the system keyring (macOS Keychain, Windows Credential Locker, Secret Service…).

A profile in ``config.toml`` names where its secret is, never the secret::

    [profiles.brand-mastodon]
    network = "mastodon"
    base_url = "https://mastodon.example"
    access_token_keyring = "brand-mastodon/access_token"

``KEY_keyring = "ENTRY"`` reads setting ``KEY`` from the keyring entry
``ENTRY`` of the service ``decentsocial`` (the ``keyring`` library's
``get_password("decentsocial", ENTRY)``). Which keyring is used is the
``keyring`` library's choice and its own configuration
(``PYTHON_KEYRING_BACKEND``, ``keyringrc.cfg``), so a headless server can
point it at any backend it trusts.

The optional ``keyring`` extra installs the library; without it a profile
that names a keyring entry fails with ``ConfigurationError`` naming the
``pip install``. Values are never logged or put in messages, and an entry's
name only when it is written as sign-in names entries (:func:`entry_named`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from .errors import ConfigurationError

__all__ = [
    "SERVICE",
    "delete_secret",
    "ensure_usable",
    "entry_name",
    "entry_named",
    "get_secret",
    "has_secret",
    "set_secret",
]

#: The keyring service every decentsocial secret is stored under.
SERVICE = "decentsocial"

_HINT = "pip install 'decentsocial[keyring]'"

log = logging.getLogger(__name__)


def entry_name(profile: str, key: str) -> str:
    """The keyring entry of setting ``key`` of profile ``profile``: ``"brand-mastodon/access_token"``."""
    return f"{profile}/{key}"


#: How :func:`entry_name` names entries: ``PROFILE/SETTING`` or ``PROFILE/login.SETTING`` (a profile's
#: name, a setting's name in lower-case words). Tokens, app passwords, keys and sessions are not.
_ENTRY_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}/(?:login\.)?[a-z]+(?:_[a-z]+)*")
#: What a message says in place of a name that is not written so.
_UNSHOWN = (
    "(its name is not shown: not written as PROFILE/SETTING, as sign-in names entries, it may be the "
    "secret itself)"
)


def entry_named(entry: str) -> str:
    """``entry`` as a message shows it: a ``KEY_keyring`` (or ``keyring_session``) value that is not
    written as sign-in names entries may be the secret itself, put where its entry's name goes, so it
    is not quoted (nor logged with it)."""
    return f"keyring entry {entry!r}" if _ENTRY_NAME.fullmatch(entry) else f"a keyring entry {_UNSHOWN}"


def _keyring() -> Any:
    try:
        import keyring
    except ImportError:
        raise ConfigurationError(f"secrets in the system keyring need the keyring library: {_HINT}") from None
    return keyring


def _failed(action: str, entry: str | None, exc: Exception) -> ConfigurationError:
    # The keyring library's own message names the backend and what is missing; it never holds the value
    # (a backend's may name the entry: masked like the name when that may be a secret).
    words = str(exc)
    if entry is None:
        what = "the entries"
    elif _ENTRY_NAME.fullmatch(entry):
        what = f"entry {entry!r}"
    else:
        what = f"an entry {_UNSHOWN}"
        words = words.replace(entry, "…") if entry else words
    return ConfigurationError(
        f"the system keyring could not {action} {what} of service {SERVICE!r} "
        f"({type(exc).__name__}: {words}); configure a keyring backend (see the keyring library's "
        "PYTHON_KEYRING_BACKEND) or keep the secret in an environment variable (KEY_env)"
    )


def ensure_usable() -> None:
    """``ConfigurationError`` now, before a sign-in uses up its code, when no keyring can store secrets.

    The keyring library falls back to a backend that refuses everything when
    it finds none (a server without a desktop session, a container); the
    null backend (often set to keep other tools from asking for a keyring)
    takes every secret and keeps none.
    """
    keyring = _keyring()
    try:
        backend = keyring.get_keyring()
    except Exception as exc:
        raise _failed("open", None, exc) from None
    module = type(backend).__module__
    empty_chain = type(backend).__name__ == "ChainerBackend" and not getattr(backend, "backends", None)
    if module in ("keyring.backends.fail", "keyring.backends.null") or empty_chain:
        raise ConfigurationError(
            f"no system keyring is available here to keep the secret (the keyring library uses "
            f"{module}.{type(backend).__name__}, which keeps nothing): configure one for the keyring "
            "library (PYTHON_KEYRING_BACKEND, or its keyringrc.cfg), or keep the secret in an "
            "environment variable (KEY_env in the profile)"
        )
    if _plain_text(backend) and not _chosen(keyring):
        # keyrings.alt's file keyring is picked on its own where nothing better is found (a server):
        # the secret would sit in clear in a file, which nobody asked for.
        log.warning(
            "the keyring library keeps secrets here in a plain-text file (%s.%s), chosen because no "
            "other keyring was found: anyone who can read your files can read them. Configure an "
            "encrypted keyring (PYTHON_KEYRING_BACKEND, or its keyringrc.cfg) to choose it knowingly, "
            "or keep the secret in an environment variable (KEY_env in the profile)",
            module,
            type(backend).__name__,
        )


def _plain_text(backend: Any) -> bool:
    """Whether ``backend`` is a file keyring that stores secrets unencrypted (keyrings.alt's)."""
    kind = type(backend)
    return kind.__module__.startswith("keyrings.alt") and "plaintext" in kind.__name__.lower()


def _chosen(keyring: Any) -> bool:
    """Whether the keyring backend was configured (environment or keyringrc.cfg), not picked by priority."""
    try:
        return keyring.core.load_env() is not None or keyring.core.load_config() is not None
    except Exception:  # a configuration the library cannot load: get_keyring already fell back
        return False


def get_secret(entry: str) -> str | None:
    """The secret stored at ``entry``, or ``None`` when there is none."""
    keyring = _keyring()
    try:
        value = keyring.get_password(SERVICE, entry)
    except Exception as exc:  # keyring.errors.KeyringError and backend-specific failures
        raise _failed("read", entry, exc) from None
    return value if isinstance(value, str) else None


def has_secret(entry: str) -> bool:
    """Whether ``entry`` holds a secret (the value is read and dropped, never returned)."""
    return get_secret(entry) is not None


def set_secret(entry: str, value: str) -> None:
    """Store ``value`` at ``entry``, replacing what was there."""
    keyring = _keyring()
    try:
        keyring.set_password(SERVICE, entry, value)
    except Exception as exc:
        raise _failed("write", entry, exc) from None


def delete_secret(entry: str) -> bool:
    """Remove ``entry``; ``False`` when it was not there."""
    keyring = _keyring()
    try:
        if keyring.get_password(SERVICE, entry) is None:
            return False
        keyring.delete_password(SERVICE, entry)
    except Exception as exc:
        raise _failed("delete", entry, exc) from None
    return True
