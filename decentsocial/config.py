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

Values are never logged or put in error messages; the backends' settings
models keep secrets as ``SecretStr``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["config_path", "load_profile", "profile_exists", "profile_names"]

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
    return settings


def default_profile() -> str | None:
    return os.environ.get(ENV_PREFIX + "PROFILE") or None
