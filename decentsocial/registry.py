"""Backends by name: the built-in ones, plus third-party ones registered in the
``decentsocial.networks`` entry-point group (``name = "package.module:Class"``).

Backends are imported only when asked for, so ``import decentsocial`` loads
no network library.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from pydantic import ValidationError

from .base import BaseNetwork
from .errors import ConfigurationError
from .models import describe_validation_error

__all__ = ["BUILTIN", "backend_class", "connect", "known_networks"]

ENTRY_POINT_GROUP = "decentsocial.networks"

#: name -> "module:Class" of the backends that ship with decentsocial.
BUILTIN: dict[str, str] = {
    "sandbox": "decentsocial.backends.sandbox:SandboxNetwork",
    "mastodon": "decentsocial.backends.mastodon:MastodonNetwork",
    "bluesky": "decentsocial.backends.bluesky:BlueskyNetwork",
    "hive": "decentsocial.backends.hive:HiveNetwork",
    "steem": "decentsocial.backends.hive:SteemNetwork",
    "nostr": "decentsocial.backends.nostr:NostrNetwork",
    "threads": "decentsocial.backends.threads:ThreadsNetwork",
    "minds": "decentsocial.backends.minds:MindsNetwork",
}

#: The extra that installs each built-in backend's library.
EXTRAS: dict[str, str] = {
    "mastodon": "mastodon",
    "bluesky": "bluesky",
    "hive": "hive",
    "steem": "hive",
    "nostr": "nostr",
}


def _third_party() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def known_networks() -> list[str]:
    """Every network name ``connect`` accepts, built-in first."""
    names = list(BUILTIN)
    names += sorted(n for n in _third_party() if n not in BUILTIN)
    return names


def backend_class(name: str) -> type[BaseNetwork[Any]]:
    """Import and return the backend class registered as ``name``."""
    target = BUILTIN.get(name) or _third_party().get(name)
    if target is None:
        raise ConfigurationError(f"unknown network {name!r}; known networks: {', '.join(known_networks())}")
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        extra = EXTRAS.get(name)
        hint = f"; install it with the '{extra}' extra (decentsocial[{extra}])" if extra else ""
        raise ConfigurationError(f"the {name} backend cannot be loaded: {exc}{hint}", network=name) from exc
    cls = getattr(module, attr, None)
    if not (isinstance(cls, type) and issubclass(cls, BaseNetwork)):
        raise ConfigurationError(f"{target} is not a decentsocial network backend", network=name)
    return cls


def connect(name: str | None = None, *, profile: str | None = None, **settings: Any) -> BaseNetwork[Any]:
    """Build a ``Network`` for ``name`` (or a config ``profile``) without any network I/O.

    ``connect("mastodon", base_url=…, access_token=…)``;
    ``connect(profile="brand-bluesky")`` reads the profile from the config
    file and ``DECENTSOCIAL_*`` environment variables; keyword settings given
    here override the profile's.
    """
    if name is None and profile is None:
        from .config import default_profile

        profile = default_profile()
    if profile is not None:
        from .config import load_profile

        profile_settings = load_profile(profile)
        profile_network = profile_settings.pop("network", None)
        if name is not None and profile_network not in (None, name):
            raise ConfigurationError(f"profile {profile!r} is for {profile_network}, not {name}")
        name = name or profile_network
        settings = {**profile_settings, **settings}
    if name is None:
        raise ConfigurationError(
            f"connect() needs a network name or a profile; known networks: {', '.join(known_networks())}"
        )
    cls = backend_class(name)
    try:
        validated = cls.Settings.model_validate(settings)
    except ValidationError as exc:
        raise ConfigurationError(
            f"invalid settings for {name}: {describe_validation_error(exc)}", network=name
        ) from None
    return cls(validated)
