"""Sign-in flows that end in a saved profile whose secret is in the system keyring.

>>> flow = ds.auth.start("mastodon", base_url="https://mastodon.example",
...                      redirect_uri="http://127.0.0.1:8765/callback", scopes=["read", "write"])
>>> flow.url                                   # the user approves the app there
>>> code, state = flow.wait_for_code()         # the browser comes back to the loopback listener
>>> flow.finish(code=code, state=state, profile="brand-mastodon")
>>> net = ds.connect(profile="brand-mastodon")

OAuth networks (Mastodon and Mastodon-API servers, Threads) go through
:func:`start`; key networks through :func:`hive_import`, :func:`nostr_import`
/ :func:`nostr_generate`; Bluesky through :func:`bluesky_login` (app
password; its OAuth with DPoP and PAR is not supported yet). :func:`logout`
revokes what the server can revoke and removes the profile and its secrets.
"""

from __future__ import annotations

import errno
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..config import KEYRING_SUFFIX, LOGIN_TABLE, profile_lock, profile_names, profile_table, remove_profile
from ..errors import ConfigurationError, DecentSocialError, InvalidInput
from ..paths import home_path
from ..private_files import MAX_SESSION_FILE_BYTES, read_small_file
from ._common import SignIn
from .bluesky import bluesky_login
from .keys import hive_import, nostr_generate, nostr_import
from .loopback import OOB

if TYPE_CHECKING:
    from .mastodon import MastodonFlow
    from .threads import ThreadsFlow

__all__ = [
    "OOB",
    "ProfileStatus",
    "SignIn",
    "bluesky_login",
    "default_scopes",
    "hive_import",
    "logout",
    "nostr_generate",
    "nostr_import",
    "profiles",
    "refresh",
    "start",
]

#: Networks whose sign-in is an OAuth flow started with :func:`start`.
OAUTH_NETWORKS = ("mastodon", "threads")

T = TypeVar("T")


def default_scopes(network: str, *, read_only: bool = False) -> tuple[str, ...]:
    """The scopes a profile needs: reading only (monitoring, reports), or reading and publishing."""
    if network == "mastodon":
        from . import mastodon

        return mastodon.READ_ONLY_SCOPES if read_only else mastodon.DEFAULT_SCOPES
    if network == "threads":
        from . import threads

        return threads.READ_ONLY_SCOPES if read_only else threads.DEFAULT_SCOPES
    raise InvalidInput(f"{network} has no OAuth scopes (sign-in there is by key or app password)")


def _started(begin: Callable[..., T], network: str, options: dict[str, Any]) -> T:
    """``begin(**options)``; a missing or unknown option is ``InvalidInput`` naming it, not a TypeError."""
    try:
        inspect.signature(begin).bind(**options)
    except TypeError as exc:
        raise InvalidInput(f"{network} sign-in: {exc}", network=network) from None
    return begin(**options)


def start(network: str, **options: Any) -> MastodonFlow | ThreadsFlow:
    """Begin an OAuth sign-in on ``network`` ("mastodon" or "threads"); open ``flow.url`` next.

    Mastodon: ``base_url``, ``redirect_uri`` (a loopback address or :data:`OOB`),
    ``scopes``. Threads: ``client_id``, ``client_secret``, ``redirect_uri``, ``scopes``.
    """
    if network == "mastodon":
        from . import mastodon

        if "base_url" not in options:
            raise InvalidInput("mastodon sign-in needs base_url (your instance's address)", network=network)
        return _started(mastodon.start, network, options)
    if network == "threads":
        from . import threads

        return _started(threads.start, network, options)
    hint = {
        "bluesky": "ds.auth.bluesky_login(handle=…, app_password=…)",
        "hive": "ds.auth.hive_import('hive', account=…, posting_key=…)",
        "steem": "ds.auth.hive_import('steem', account=…, posting_key=…)",
        "nostr": "ds.auth.nostr_generate(…) or ds.auth.nostr_import(private_key=…)",
    }.get(network)
    raise InvalidInput(
        f"no OAuth sign-in for {network!r}"
        + (f": use {hint}" if hint else f" (OAuth: {', '.join(OAUTH_NETWORKS)})")
    )


def refresh(profile: str, **options: Any) -> Any:
    """Renew a Threads profile's token before it expires (see :func:`decentsocial.auth.threads.refresh`)."""
    from . import threads

    return threads.refresh(profile, **options)


@dataclass(frozen=True)
class ProfileStatus:
    """A profile as ``decentsocial profiles`` shows it: where its secrets are and whether they are there."""

    name: str
    network: str | None
    #: setting -> "keyring", "env", "file", with ``present`` saying whether the value can be read now.
    secrets: dict[str, tuple[str, bool]]

    @property
    def ready(self) -> bool:
        return all(present for _, present in self.secrets.values())


_SECRET_KEYS = ("access_token", "password", "session_string", "posting_key", "active_key", "private_key")


def profiles() -> list[ProfileStatus]:
    """Every profile in the config file with where its secrets are and whether each is present.

    Never returns a secret's value.
    """
    import os

    from ..keyring_store import has_secret

    result = []
    for name in profile_names():
        table = profile_table(name)
        found: dict[str, tuple[str, bool]] = {}
        for key, value in table.items():
            if key.endswith(KEYRING_SUFFIX) or key == "keyring_session":
                try:
                    present = has_secret(str(value))
                except ConfigurationError:
                    present = False
                setting = "session" if key == "keyring_session" else key[: -len(KEYRING_SUFFIX)]
                found[setting] = ("keyring", present)
            elif key.endswith("_env"):
                found[key[: -len("_env")]] = ("env", str(value) in os.environ)
            elif key in _SECRET_KEYS:
                found[key] = ("file", True)
        prefix = "DECENTSOCIAL_" + name.upper().replace("-", "_").replace(".", "_") + "_"
        for key in _SECRET_KEYS:
            if prefix + key.upper() in os.environ:
                found[key] = ("env", True)  # DECENTSOCIAL_<PROFILE>_<KEY> wins over the file
        network = table.get("network")
        result.append(ProfileStatus(name, network if isinstance(network, str) else None, found))
    return result


@contextmanager
def _nothing_removed(what: str, network: str) -> Iterator[None]:
    """A failed revoke raised again saying what failed (``what``) and that the profile is still there."""
    try:
        yield
    except DecentSocialError as exc:
        raise type(exc)(
            f"could not {what} on the server ({exc.message}); nothing was removed: "
            "try again, or log out with --no-revoke to forget the profile here only",
            network=network,
            server_message=exc.server_message,
        ) from None


def logout(profile: str, *, revoke: bool = True) -> list[str]:
    """Revoke the profile's token on the server (Mastodon), then remove its keyring entries and the profile.

    Returns what was done, in words. When the revoke fails (server
    unreachable) nothing is removed, so the user can try again; pass
    ``revoke=False`` to forget the profile locally anyway.
    """
    from ..keyring_store import delete_secret, get_secret

    table = profile_table(profile)
    if not table:
        raise ConfigurationError(f"no profile {profile!r} in the config file (see: decentsocial profiles)")
    login = table.get(LOGIN_TABLE)
    login = login if isinstance(login, dict) else {}
    done: list[str] = []
    if revoke and table.get("network") == "mastodon" and login.get("client_id"):
        from pydantic import SecretStr

        from . import mastodon

        token = get_secret(str(table.get("access_token" + KEYRING_SUFFIX, "")))
        secret = get_secret(str(login.get("client_secret" + KEYRING_SUFFIX, "")))
        if token and secret:
            with _nothing_removed("revoke the token", "mastodon"):
                mastodon.revoke(
                    str(table.get("base_url", "")),
                    SecretStr(token),
                    str(login["client_id"]),
                    SecretStr(secret),
                    allow_http=table.get("allow_http") is True,
                )
            done.append("token revoked on the server")
        else:  # a revoke needs both: say so, or the user believes access was cut
            done.append(
                "token NOT revoked on the server (its token or the app's secret is missing from the "
                "keyring): to cut access, remove decentsocial under Preferences > Account > Authorized "
                f"apps on {table.get('base_url')}"
            )
    if revoke and table.get("network") == "bluesky":
        from pydantic import SecretStr

        from . import bluesky

        entry = table.get("keyring_session")
        session = (get_secret(str(entry)) if entry else None) or _read_session_file(table)
        if session:
            with _nothing_removed("end the session", "bluesky"):
                base = table.get("base_url")
                bluesky.revoke(
                    SecretStr(session),
                    base_url=base if isinstance(base, str) else None,
                    allow_http=table.get("allow_http") is True,
                )
            done.append("session ended on the server")
        elif entry:
            done.append(
                "session NOT ended on the server (it is missing from the keyring): to cut access, delete "
                "the app password in Bluesky (Settings > Privacy and security > App passwords)"
            )
        if "password" + KEYRING_SUFFIX in table:  # forgetting it here does not end it there
            done.append(
                "the app password stays valid on Bluesky: to cut access, delete it there (Settings > "
                "Privacy and security > App passwords)"
            )
    if revoke and table.get("network") == "threads":
        done.append(
            "Threads lets no app revoke its token: to cut access, remove the app in Threads (Settings > "
            "Account > Website permissions)"
        )
    with profile_lock():  # a token refresh finishing meanwhile sees the profile whole or gone
        table = profile_table(profile)  # as it is now that no other process changes it
        login = table.get(LOGIN_TABLE)
        login = login if isinstance(login, dict) else {}
        entries = [str(v) for k, v in table.items() if k.endswith(KEYRING_SUFFIX) or k == "keyring_session"]
        entries += [str(v) for k, v in login.items() if k.endswith(KEYRING_SUFFIX)]
        # A saved session is a secret too (Bluesky's session_file); read before anything is removed.
        path = _session_file(table) if _read_session_file(table) is not None else None
        removed = sum(1 for entry in entries if delete_secret(entry))
        if path is not None:
            try:
                path.unlink()
            except OSError as exc:
                raise ConfigurationError(
                    f"could not remove the session file {path} ({exc.strerror}): remove it by hand"
                ) from None
        remove_profile(profile)
    if entries:
        done.append(f"{removed} secret(s) removed from the keyring")
    if path is not None:
        done.append(f"session file {path} removed")
    done.append(f"profile {profile} removed from the config file")
    return done


def _session_file(table: dict[str, Any]) -> Path | None:
    """The file a profile keeps its session in (Bluesky's ``session_file``), if it names one; ``None``
    for a path that names no file there can be (``~name`` of no user): logout still forgets the profile."""
    value = table.get("session_file")
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return home_path(value, "session_file")
    except ConfigurationError:
        return None


def _read_session_file(table: dict[str, Any]) -> str | None:
    """The session saved in the profile's session file; ``None`` when there is none (yet), or when the
    file holds something else (a mistyped path naming another file, which logout leaves alone)."""
    path = _session_file(table)
    try:
        if path is None or not path.is_file():
            return None
    except OSError as exc:  # a name too long to be a file's: no session; no access: said, not a crash
        if exc.errno == errno.ENAMETOOLONG:
            return None
        raise ConfigurationError(f"cannot read the session file {path}: {exc.strerror}") from None
    try:  # read no further than a session holds: the path may name a log of gigabytes
        data = read_small_file(path, MAX_SESSION_FILE_BYTES)
        text = data.decode("utf-8").strip() if data is not None else ""
    except UnicodeDecodeError:
        return None
    except OSError as exc:
        if exc.errno in (errno.EFBIG, errno.EINVAL):  # too large, or swapped for a pipe: no session
            return None
        raise ConfigurationError(f"cannot read the session file {path}: {exc.strerror}") from None
    return text if text.count(":::") in (3, 4) and "\n" not in text else None
