"""Named connection profiles: a TOML file plus ``DECENTSOCIAL_*`` environment variables.

The file is ``$DECENTSOCIAL_CONFIG`` if set, else ``config.toml`` in the
user config directory (``platformdirs.user_config_dir("decentsocial")``)::

    [profiles.brand-bluesky]
    network = "bluesky"
    base_url = "https://bsky.social"
    handle = "brand.example"
    password_env = "BRAND_BSKY_APP_PASSWORD"   # read the secret from this variable

A setting ``KEY`` of profile ``NAME`` can also come from the environment as
``DECENTSOCIAL_<NAME>_<KEY>`` (upper case, ``-`` as ``_``), which wins over
the file: ``DECENTSOCIAL_BRAND_BLUESKY_PASSWORD``. ``DECENTSOCIAL_PROFILE``
names the profile ``connect()`` uses when given none.

A secret can also live in the system keyring (``decentsocial login`` puts
it there): ``access_token_keyring = "brand-mastodon/access_token"`` reads
setting ``access_token`` from that entry (see :mod:`decentsocial.keyring_store`).
A value given directly or through the environment wins over ``*_env``,
which wins over ``*_keyring``. The ``[profiles.NAME.login]`` table holds
what sign-in needs later (the registered app, for ``logout``); it is not a
connection setting.

Values are never logged or put in error messages; the backends' settings
models keep secrets as ``SecretStr``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr

from .errors import ConfigurationError, InvalidInput
from .private_files import exclusive, write_private_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "config_path",
    "load_profile",
    "profile_exists",
    "profile_lock",
    "profile_login",
    "profile_names",
    "profile_network",
    "profile_table",
    "remove_profile",
    "save_profile",
    "update_profile",
]

ENV_PREFIX = "DECENTSOCIAL_"


def config_path() -> Path:
    """Where the profile file is read from."""
    override = os.environ.get("DECENTSOCIAL_CONFIG")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("decentsocial")) / "config.toml"


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"config file {path} is not valid TOML: {exc}") from None
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigurationError(f"config file {path}: [profiles] must be a table")
    return profiles


def profile_names() -> list[str]:
    """Profiles defined in the config file."""
    return sorted(_read_file(config_path()))


def profile_exists(name: str) -> bool:
    """Whether profile ``name`` is defined, in the file or by ``DECENTSOCIAL_<NAME>_*`` variables.

    Reads no secret: a profile whose secret variable is missing still exists
    (a worker elsewhere may have it).
    """
    if name in _read_file(config_path()):
        return True
    prefix = _env_key(name)
    return any(key.startswith(prefix) and len(key) > len(prefix) for key in os.environ)


def profile_network(name: str) -> str | None:
    """The network profile ``name`` is for (its ``network`` setting), reading no secret; ``None`` if unset."""
    prefix = _env_key(name)
    profiles = _read_file(config_path())
    # DECENTSOCIAL_BRAND_NETWORK_… may belong to a profile "brand-network"; the exact variable is ours.
    value = os.environ.get(prefix + "NETWORK") or profiles.get(name, {}).get("network")
    return value if isinstance(value, str) and value else None


def _env_key(profile: str) -> str:
    return ENV_PREFIX + profile.upper().replace("-", "_").replace(".", "_") + "_"


def load_profile(name: str) -> dict[str, Any]:
    """Settings of profile ``name``: file values, then environment overrides, then ``*_env`` indirections."""
    path = config_path()
    profiles = _read_file(path)
    settings: dict[str, Any] = dict(profiles.get(name, {}))
    prefix = _env_key(name)
    # DECENTSOCIAL_BRAND_BLUESKY_PASSWORD belongs to profile "brand-bluesky", not to "brand".
    longer = [p for p in map(_env_key, profiles) if p != prefix and p.startswith(prefix)]
    from_env = {
        key[len(prefix) :].lower(): value
        for key, value in os.environ.items()
        if key.startswith(prefix) and len(key) > len(prefix) and not any(key.startswith(p) for p in longer)
    }
    settings.update(from_env)
    settings.pop(LOGIN_TABLE, None)
    if not settings:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigurationError(
            f"no profile {name!r} in {path} or in {prefix}* environment variables (profiles: {known})"
        )
    for key in [k for k in settings if k.endswith("_env")]:
        variable = str(settings.pop(key))
        target = key[: -len("_env")]
        if target in settings:
            continue
        if variable not in os.environ:
            raise ConfigurationError(
                f"profile {name!r}: {key} names environment variable {variable}, which is not set"
            )
        settings[target] = os.environ[variable]
    for key in [k for k in settings if k.endswith(KEYRING_SUFFIX)]:
        entry = str(settings.pop(key))
        target = key[: -len(KEYRING_SUFFIX)]
        if target in settings:
            continue
        from .keyring_store import get_secret

        value = get_secret(entry)
        if value is None:
            raise ConfigurationError(
                f"profile {name!r}: {key} names keyring entry {entry!r}, which holds no secret; "
                f"sign in again (decentsocial login … --profile {name})"
            )
        settings[target] = value
    return settings


def default_profile() -> str | None:
    return os.environ.get(ENV_PREFIX + "PROFILE") or None


#: A profile's ``[profiles.NAME.login]`` table: what sign-in keeps for later, not a connection setting.
LOGIN_TABLE = "login"
#: ``KEY_keyring = "ENTRY"``: setting ``KEY`` is in the system keyring at ``ENTRY``.
KEYRING_SUFFIX = "_keyring"

#: A table header line (``[a.b]``, ``[[a]]``), not an array value that happens to start with ``[``.
_HEADER = re.compile(r'^\s*\[\[?\s*[A-Za-z0-9_"\'.\s-]+\]\]?\s*(#.*)?$')
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def check_profile_name(name: str, *, keyring: bool = False) -> str:
    """``name`` if it can name a profile written by sign-in (letters, digits, ``-``, ``_``).

    ``keyring=True`` also checks a keyring can take the profile's secret, so a
    sign-in fails before it spends its one-time code.
    """
    from .errors import InvalidInput

    if not isinstance(name, str) or not _PROFILE_NAME.match(name):
        raise InvalidInput(
            f"profile name {name!r} is not usable: use 1-64 letters, digits, '-' or '_' (brand-mastodon)"
        )
    if keyring:
        from .keyring_store import ensure_usable

        ensure_usable()
    return name


def profile_table(name: str) -> dict[str, Any]:
    """Profile ``name`` as written in the file (references, not secrets); ``{}`` when absent."""
    return dict(_read_file(config_path()).get(name, {}))


def profile_login(name: str) -> dict[str, Any]:
    """The ``[profiles.NAME.login]`` table of profile ``name`` (``{}`` when there is none)."""
    login = profile_table(name).get(LOGIN_TABLE, {})
    return dict(login) if isinstance(login, dict) else {}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        # JSON's string escapes are a subset of TOML's basic-string escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, os.PathLike):
        return _toml_value(os.fspath(value))
    if isinstance(value, BaseModel):  # settings such as limits
        if _holds_secret(value.model_dump()):  # as JSON it would be written as stars, a wrong value
            raise InvalidInput(
                f"a {type(value).__name__} holding a secret cannot be written to the config file"
            )
        return _toml_value(value.model_dump(mode="json", exclude_defaults=True))
    raise InvalidInput(f"a {type(value).__name__} cannot be written to the config file (a secret never is)")


def _holds_secret(value: Any) -> bool:
    if isinstance(value, (SecretStr, SecretBytes)):
        return True
    if isinstance(value, dict):
        return any(_holds_secret(v) for v in value.values())
    return isinstance(value, (list, tuple, set, frozenset)) and any(_holds_secret(v) for v in value)


def _toml_key(key: str) -> str:
    return key if re.match(r"^[A-Za-z0-9_-]+$", key) else json.dumps(key, ensure_ascii=False)


def _section_header(line: str) -> str | None:
    """The profile a ``[profiles.NAME…]`` header line opens, or ``None`` for any other line."""
    match = re.match(r'^\s*\[\s*profiles\s*\.\s*("(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+)', line)
    if match is None or line.lstrip().startswith("[["):
        return None
    raw = match[1]
    return str(json.loads(raw)) if raw.startswith('"') else raw


def _without_profile(text: str, name: str) -> str:
    """``text`` without the ``[profiles.NAME]`` / ``[profiles.NAME.*]`` sections; comments elsewhere kept."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        if _HEADER.match(line):
            skipping = _section_header(line) == name
        if not skipping:
            kept.append(line)
    return "".join(kept)


class _Held(threading.local):
    """The config files whose lock this thread holds (:func:`profile_lock`)."""

    def __init__(self) -> None:
        self.paths: set[Path] = set()


_held = _Held()


@contextmanager
def profile_lock() -> Iterator[Path]:
    """Hold the config file's lock (``config.toml.lock`` beside it); yields the file's path.

    Every change of the file reads and replaces it under this lock. Held
    around several steps (a keyring write and the file change it goes with),
    it keeps other processes' changes out until both are done. Re-entrant in
    one thread: :func:`save_profile`, :func:`update_profile` and
    :func:`remove_profile` inside it use the lock already held.
    ``ConfigurationError`` when another process holds it past
    :data:`~decentsocial.private_files.LOCK_WAIT` seconds.
    """
    path = config_path()
    if path in _held.paths:
        yield path
        return
    with ExitStack() as stack:
        try:
            stack.enter_context(exclusive(path))
        except TimeoutError as exc:
            raise ConfigurationError(
                f"{path} is being changed by another process ({exc}): try again once it is done"
            ) from None
        _held.paths.add(path)
        try:
            yield path
        finally:
            _held.paths.discard(path)


def save_profile(name: str, settings: dict[str, Any], login: dict[str, Any] | None = None) -> Path:
    """Write profile ``name`` (replacing one of that name), keeping the rest of the file as it was.

    ``settings`` must hold references, never secrets: sign-in stores secrets
    in the keyring first and passes ``KEY_keyring`` entries here. Each
    change of the file reads and replaces it under a lock, so two processes
    saving profiles at once each keep theirs.
    """
    check_profile_name(name)
    with profile_lock() as path:
        _save_profile(path, name, settings, login)
    return path


def update_profile(name: str, values: dict[str, Any]) -> bool:
    """Set ``values`` in profile ``name`` as the file holds it now, all else kept; ``False`` when the
    profile is gone (a token refresh finishing after a logout writes nothing back)."""
    with profile_lock() as path:
        table = _read_file(path).get(name)
        if not isinstance(table, dict):
            return False
        settings = {**table, **values}
        login = settings.pop(LOGIN_TABLE, None)
        _save_profile(path, name, settings, login if isinstance(login, dict) else None)
    return True


def _save_profile(path: Path, name: str, settings: dict[str, Any], login: dict[str, Any] | None) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if old:
        _read_file(path)  # refuse to rewrite a file that is not valid TOML
    lines = [f"[profiles.{name}]"]
    lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in settings.items() if v is not None]
    if login:
        lines += ["", f"[profiles.{name}.{LOGIN_TABLE}]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in login.items() if v is not None]
    rest = _without_profile(old, name).rstrip()
    text = (rest + "\n\n" if rest else "") + "\n".join(lines) + "\n"
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - a bug in the writer above
        raise ConfigurationError(f"could not write profile {name!r} to {path}: {exc}") from None
    write_private_file(path, text.encode("utf-8"))  # readable by the owner only: it names keyring entries


def remove_profile(name: str) -> bool:
    """Remove profile ``name`` from the file; ``False`` when it was not there."""
    with profile_lock() as path:
        if name not in _read_file(path):
            return False
        write_private_file(path, _without_profile(path.read_text(encoding="utf-8"), name).encode("utf-8"))
    return True
