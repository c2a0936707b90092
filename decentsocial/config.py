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
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr

from .errors import ConfigurationError, InvalidInput
from .paths import home_path
from .private_files import exclusive, read_small_file, write_private_file
from .text import lone_surrogate_at

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "ProfileSource",
    "config_path",
    "load_profile",
    "load_profile_source",
    "profile_error",
    "profile_exists",
    "profile_lock",
    "profile_login",
    "profile_names",
    "profile_network",
    "profile_table",
    "profile_variables",
    "remove_profile",
    "require_profiles",
    "save_profile",
    "update_profile",
]

ENV_PREFIX = "DECENTSOCIAL_"

#: The SDK's own variables: never settings of a profile (``DECENTSOCIAL_STATE_DIR`` makes no profile "state").
OWN_VARIABLES = frozenset(
    ENV_PREFIX + name
    for name in (
        "CONFIG",
        "PROFILE",
        "STORE",
        "STATE_DIR",
        "DEBUG",
        "METRICS",
        "SCHEDULER_STORE",
        "SCHEDULER_LEASE",
        "SCHEDULER_MAX_TAKEOVERS",
        "CELERY_BROKER",
        "CELERY_VISIBILITY_TIMEOUT",
    )
)


def config_path() -> Path:
    """Where the profile file is read from."""
    override = os.environ.get("DECENTSOCIAL_CONFIG", "").strip()  # a newline from a mounted value is no name
    if override:
        return home_path(override, "DECENTSOCIAL_CONFIG")
    from platformdirs import user_config_dir

    return Path(user_config_dir("decentsocial")) / "config.toml"


#: The largest config file read: thousands of profiles fit; a larger one is some other file.
MAX_CONFIG_BYTES = 16 * 1024 * 1024


def _read_text(path: Path) -> str:
    """The config file's text; ``""`` when there is none."""
    try:
        data = read_small_file(path, MAX_CONFIG_BYTES)
    except OSError as exc:  # a folder, a pipe, a device, no permission, a broken disk
        raise ConfigurationError(f"config file {path} cannot be read: {exc.strerror or exc}") from None
    if data is None:
        return ""
    try:  # "-sig": editors on Windows may start the file with a byte-order mark, which TOML would refuse
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"config file {path} is not UTF-8 text (bad byte at {exc.start})") from None


def _parse(path: Path, text: str) -> dict[str, dict[str, Any]]:
    """The ``[profiles]`` of the config file ``text``, each checked to be a table."""
    profiles = _document(path, text).get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigurationError(f"config file {path}: [profiles] must be a table")
    for name, table in profiles.items():
        if not isinstance(table, dict):  # the value is not shown: it may be a secret put in the wrong place
            raise ConfigurationError(
                f"config file {path}: profile {name!r} must be a table of settings "
                f"(a [profiles.NAME] section, one setting a line), not {_kind(table)}"
            )
    return profiles


def _document(path: Path, text: str) -> dict[str, Any]:
    """The config file ``text`` as TOML reads it; ``ConfigurationError`` when it is not TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"config file {path} is not valid TOML: {exc}") from None
    except ValueError:  # Python's own limit on the digits of an integer (4300)
        raise ConfigurationError(f"config file {path} holds a number too long to read") from None
    except RecursionError:  # the parser recurses once per level of [ or {
        raise ConfigurationError(f"config file {path} holds arrays or tables nested too deeply") from None


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "a list" if isinstance(value, list) else f"a {type(value).__name__}"


def _read_file(path: Path) -> dict[str, dict[str, Any]]:
    return _parse(path, _read_text(path))


def _write(path: Path, text: str) -> None:
    try:
        write_private_file(path, text.encode("utf-8"))  # owner only: it names keyring entries
    except OSError as exc:
        raise ConfigurationError(f"config file {path} cannot be written: {exc.strerror or exc}") from None


def profile_names() -> list[str]:
    """Profiles defined in the config file."""
    return sorted(_read_file(config_path()))


def profile_exists(name: str) -> bool:
    """Whether profile ``name`` is defined, in the file or by ``DECENTSOCIAL_<NAME>_*`` variables.

    Reads no secret: a profile whose secret variable is missing still exists
    (a worker elsewhere may have it). The same rules as :func:`load_profile`.
    """
    return bool(_settings(name, _read_file(config_path())))


def require_profiles(names: Iterable[str], *, secrets: bool = False) -> None:
    """``ConfigurationError`` for the first of ``names`` that is no profile (said as :func:`load_profile`
    says it), or whose settings its network refuses (as ``connect`` would, connecting nothing).

    A command checks its profiles with it before it makes a store: ``schedule --to brnad``, and
    ``crisis start`` with a profile holding a setting its network refuses, made their store, then
    failed. ``secrets``: read the secrets too (``*_env``, ``*_keyring``) and check the whole, for a
    command that connects now; without it none is read (the worker that runs a job may be the only
    one with them), and what is checked is what the profile gives directly, by a network this machine
    can load (one whose extra or plugin is only on the workers is left to them).
    """
    path = config_path()
    profiles = _read_file(path)
    for name in names:
        settings = _settings(name, profiles)
        if not settings:
            raise _no_profile(name, path, profiles)
        _check_settings(name, settings, secrets)


def _check_settings(name: str, settings: dict[str, Any], secrets: bool) -> None:
    """Profile ``name``'s ``settings`` (as :func:`_settings` gives them) checked by its network's model."""
    from .registry import backend_class, check_some_settings, checked_settings

    network = settings.get("network")
    if network is None:
        raise ConfigurationError(f'profile {name!r} names no network: add one (network = "mastodon")')
    if not isinstance(network, str):
        raise ConfigurationError(
            f'profile {name!r}: network must be a network\'s name in quotes (network = "mastodon")'
        )
    if secrets:
        full = load_profile(name)
        full.pop("network", None)
        with _naming(name):
            checked_settings(network, full)
        return
    try:
        backend_class(network)
    except ConfigurationError:  # not loadable here (its extra or plugin missing): maybe on the workers
        return
    for key in [k for k in settings if k.endswith(("_env", KEYRING_SUFFIX))]:
        if not isinstance(settings[key], str):
            raise ConfigurationError(
                f"profile {name!r}: {key} must be text (a name), not {_kind(settings[key])}"
            )
    with _naming(name):
        check_some_settings(
            network,
            {
                k: v
                for k, v in settings.items()
                if k != "network" and not k.endswith(("_env", KEYRING_SUFFIX))
            },
        )


@contextmanager
def _naming(name: str) -> Iterator[None]:
    """The network's refusal of profile ``name``'s settings, naming it (see :func:`profile_error`)."""
    try:
        yield
    except ConfigurationError as exc:
        raise profile_error(name, exc) from None


def profile_error(name: str, exc: ConfigurationError) -> ConfigurationError:
    """``exc`` naming profile ``name``: a job or a crisis has several profiles, maybe on one network,
    and ``invalid settings for sandbox`` did not say which."""
    return ConfigurationError(f"profile {name!r}: {exc.message}", network=exc.network)


def _no_profile(name: str, path: Path, profiles: dict[str, dict[str, Any]]) -> ConfigurationError:
    known = ", ".join(sorted(profiles)) or "none"
    return ConfigurationError(
        f"no profile {name!r} in {path} or in {_env_key(name)}* environment variables (profiles: {known})"
    )


def profile_network(name: str) -> str | None:
    """The network profile ``name`` is for (its ``network`` setting), reading no secret; ``None`` if unset."""
    value = _settings(name, _read_file(config_path())).get("network")
    return value if isinstance(value, str) and value else None


def _env_key(profile: str) -> str:
    return ENV_PREFIX + profile.upper().replace("-", "_").replace(".", "_") + "_"


def _settings(name: str, profiles: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Profile ``name`` as the file and the environment give it, indirections not followed."""
    settings = dict(profiles.get(name, {}))
    settings.update((key, os.environ[variable]) for key, variable in _variables(name, profiles).items())
    settings.pop(LOGIN_TABLE, None)
    return settings


def _variables(name: str, profiles: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The settings of profile ``name`` that ``DECENTSOCIAL_<NAME>_*`` variables give: key -> variable."""
    if not isinstance(name, str):
        raise ConfigurationError(f"a profile is named by text, got {type(name).__name__}")
    prefix = _env_key(name)
    # DECENTSOCIAL_BRAND_BLUESKY_PASSWORD belongs to profile "brand-bluesky", not to "brand".
    longer = [p for p in map(_env_key, profiles) if p != prefix and p.startswith(prefix)]
    return {
        key[len(prefix) :].lower(): key
        for key in os.environ
        if key.startswith(prefix)
        and len(key) > len(prefix)
        and key not in OWN_VARIABLES
        and not any(key.startswith(p) for p in longer)
    }


def profile_variables(name: str) -> dict[str, str]:
    """Which settings of profile ``name`` environment variables give (they win over the file): setting
    -> variable name, never a value. A profile made of variables only has no table in the file."""
    return _variables(name, _read_file(config_path()))


def load_profile(name: str) -> dict[str, Any]:
    """Settings of profile ``name``: file values, then environment overrides, then ``*_env`` indirections."""
    return load_profile_source(name)[0]


def load_profile_source(name: str) -> tuple[dict[str, Any], ProfileSource]:
    """:func:`load_profile`, and the profile's sign-in as the same read of the file found it."""
    path = config_path()
    profiles = _read_file(path)
    source = ProfileSource(name, path, _sign_in(profiles.get(name)))
    settings = _settings(name, profiles)
    if not settings:
        raise _no_profile(name, path, profiles)
    for key in [k for k in settings if k.endswith("_env") or k.endswith(KEYRING_SUFFIX)]:
        if not isinstance(settings[key], str):
            raise ConfigurationError(
                f"profile {name!r}: {key} must be text (a name), not {_kind(settings[key])}"
            )
    for key in [k for k in settings if k.endswith("_env")]:
        variable = settings.pop(key).strip()  # as --setting KEY_env=VAR reads it: "VAR " is VAR
        target = key[: -len("_env")]
        if target in settings:
            continue
        if variable not in os.environ:
            raise ConfigurationError(
                f"profile {name!r}: {key} names {variable_named(variable)}, which is not set"
            )
        settings[target] = os.environ[variable]
    for key in [k for k in settings if k.endswith(KEYRING_SUFFIX)]:
        entry = settings.pop(key)
        target = key[: -len(KEYRING_SUFFIX)]
        if target in settings:
            continue
        from .keyring_store import entry_named, get_secret

        value = get_secret(entry)
        if value is None:
            raise ConfigurationError(
                f"profile {name!r}: {key} names {entry_named(entry)}, which holds no secret; "
                f"sign in again (decentsocial login … --profile {name})"
            )
        settings[target] = value
    return settings, source


#: Keys of a profile that say which sign-in it is (besides its login table and its ``*_keyring`` entries).
_SIGN_IN_KEYS = frozenset({"network", "keyring_session", "session_file"})


def _sign_in(table: Any) -> dict[str, Any] | None:
    """What identifies a profile's sign-in (no secret): its network, where its secrets are kept, and
    its login table. ``None`` when the file has no such profile. Other settings (a hand edit of
    ``index_wait``, a token's renewed expiry) are not part of it."""
    if not isinstance(table, dict):
        return None
    return {
        k: v for k, v in table.items() if k in _SIGN_IN_KEYS or k == LOGIN_TABLE or k.endswith(KEYRING_SUFFIX)
    }


@dataclass(frozen=True)
class ProfileSource:
    """The profile a connection was made from, and its sign-in as the config file held it then.

    A connection that saves a renewed secret (Bluesky's session) into the
    profile's keyring entry or file does so only while :meth:`is_current`:
    after a logout, or a sign-in that replaced the profile, those are no
    longer the connection's to write (or to read).
    """

    name: str
    path: Path
    #: ``None``: the file had no such profile (one made of ``DECENTSOCIAL_<NAME>_*`` variables only).
    sign_in: dict[str, Any] | None

    def is_current(self) -> bool:
        """Whether the file still holds this sign-in of the profile. Call under :func:`profile_lock`, so
        no sign-in or logout is half done; a file that cannot be read now is taken as changed."""
        try:
            return _sign_in(_read_file(self.path).get(self.name)) == self.sign_in
        except ConfigurationError:
            return False


#: How environment variables are named (``BRAND_BSKY_APP_PASSWORD``); tokens, app passwords and keys are not.
_VARIABLE_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


def variable_named(variable: str) -> str:
    """``variable`` as an error shows it: a ``*_env`` value that is not written as a variable's name may
    be the secret itself, put where its variable's name goes, so it is not quoted (nor logged with it)."""
    if _VARIABLE_NAME.fullmatch(variable):
        return f"environment variable {variable}"
    return (
        "an environment variable (its name is not shown: not written in capitals, digits and '_' as a "
        "variable's name is, it may be the secret itself)"
    )


def default_profile() -> str | None:
    return os.environ.get(ENV_PREFIX + "PROFILE") or None


#: A profile's ``[profiles.NAME.login]`` table: what sign-in keeps for later, not a connection setting.
LOGIN_TABLE = "login"
#: ``KEY_keyring = "ENTRY"``: setting ``KEY`` is in the system keyring at ``ENTRY``.
KEYRING_SUFFIX = "_keyring"

#: A TOML key: bare, "basic" (any text, escapes) or 'literal'.
_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
#: A table header line (``[a.b]``, ``[[a]]``, ``[profiles."café"]``), not an array value starting with ``[``.
_HEADER = re.compile(rf"^\s*\[\[?\s*{_KEY}(?:\s*\.\s*{_KEY})*\s*\]\]?\s*(#.*)?$")
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


def _toml_string(text: str) -> str:
    at = lone_surrogate_at(text)
    if at is not None:  # no UTF-8 form: the file could not hold it
        raise InvalidInput(
            f"text with half a surrogate pair on its own (at character {at}) cannot be written "
            "to the config file"
        )
    # JSON's string escapes are a subset of TOML's basic-string escapes; TOML also refuses a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return _toml_string(value)
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
    if not isinstance(key, str):
        raise InvalidInput(f"a setting is named by text, got {type(key).__name__}")
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _section_header(line: str) -> str | None:
    """The profile a ``[profiles.NAME…]`` header line opens, or ``None`` for any other line."""
    match = re.match(rf"^\s*\[\s*profiles\s*\.\s*({_KEY})", line)
    if match is None or line.lstrip().startswith("[["):
        return None
    raw = match[1]
    if raw[0] not in "\"'":
        return raw
    try:  # a quoted key is read as TOML reads it (its escapes are not JSON's)
        return str(tomllib.loads(f"k = {raw}")["k"])
    except tomllib.TOMLDecodeError:
        return None


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
        except OSError as exc:  # its folder cannot be made or written
            raise ConfigurationError(f"config file {path} cannot be locked: {exc.strerror or exc}") from None
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
    old = _read_text(path)
    _parse(path, old)  # refuse to rewrite a file that is not valid
    header = f"profiles.{_toml_key(name)}"  # quoted when hand-written so (update_profile("café", …))
    lines = [f"[{header}]"]
    lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in settings.items() if v is not None]
    if login:
        lines += ["", f"[{header}.{LOGIN_TABLE}]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in login.items() if v is not None]
    section = "\n".join(lines) + "\n"
    rest = _without_profile(old, name).rstrip()
    expected = _document(path, old)
    expected["profiles"] = {**expected.get("profiles", {}), name: tomllib.loads(section)["profiles"][name]}
    _write_checked(path, name, (rest + "\n\n" if rest else "") + section, expected)


def remove_profile(name: str) -> bool:
    """Remove profile ``name`` from the file; ``False`` when it was not there."""
    with profile_lock() as path:
        text = _read_text(path)
        if name not in _parse(path, text):
            return False
        expected = _document(path, text)
        expected["profiles"] = {k: v for k, v in expected["profiles"].items() if k != name}
        _write_checked(path, name, _without_profile(text, name), expected)
    return True


def _write_checked(path: Path, name: str, text: str, expected: dict[str, Any]) -> None:
    """Write ``text`` only if it reads as ``expected`` (the file with just profile ``name`` changed).

    The file is edited line by line to keep its comments; a profile written
    in a form that editing cannot cut out cleanly would otherwise be left
    half there, or take a neighbour's lines with it and leave a file that is
    no longer TOML. Such a file is refused and left as it is.
    """
    try:
        same = _canonical(tomllib.loads(text)) == _canonical(expected)
    except (ValueError, RecursionError):
        same = False
    if not same:
        raise ConfigurationError(
            f"config file {path}: profile {name!r} cannot be changed without changing other settings "
            f"(it is written as dotted keys, an inline table or a [[profiles.{name}…]] array, or a "
            "multi-line text holds a [section] line); nothing was written: change the file by hand"
        )
    _write(path, text)


def _canonical(document: dict[str, Any]) -> str:
    """``document`` in one form whatever its keys' order (``nan`` equal to ``nan``; no profiles = ``{}``)."""
    if not document.get("profiles", True):
        document = {k: v for k, v in document.items() if k != "profiles"}
    return json.dumps(document, sort_keys=True, default=repr)
