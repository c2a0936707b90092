"""Backends by name: the built-in ones, plus third-party ones registered in the
``decentsocial.networks`` entry-point group (``name = "package.module:Class"``).

Backends are imported only when asked for, so ``import decentsocial`` loads
no network library.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Literal, overload

from pydantic import ValidationError

from .base import BaseNetwork
from .errors import ConfigurationError, DecentSocialError
from .models import describe_validation_error
from .network import Capability
from .settings import NetworkSettings

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .backends.bluesky import BlueskyNetwork
    from .backends.hive import HiveNetwork, SteemNetwork
    from .backends.mastodon import MastodonNetwork
    from .backends.minds import MindsNetwork
    from .backends.nostr import NostrNetwork
    from .backends.sandbox import SandboxNetwork
    from .backends.threads import ThreadsNetwork
    from .options import (
        BlueskyOptions,
        HiveOptions,
        MastodonOptions,
        MindsOptions,
        NostrOptions,
        SandboxOptions,
        SteemOptions,
        ThreadsOptions,
    )

__all__ = [
    "BUILTIN",
    "EXTRAS",
    "backend_class",
    "checked_settings",
    "connect",
    "connect_any",
    "install_hint",
    "known_networks",
]

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

#: The extra that installs each built-in backend's library, and the modules it provides.
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mastodon": ("mastodon", ("mastodon",)),
    "bluesky": ("bluesky", ("atproto",)),
    "hive": ("hive", ("beem",)),
    "steem": ("hive", ("beem",)),
    "nostr": ("nostr", ("websockets", "coincurve")),
}


def install_hint(name: str) -> str | None:
    """``pip install 'decentsocial[extra]'`` when ``name``'s backend library is not installed, else ``None``.

    Looks for the modules without importing them: no I/O, no import cost.
    """
    extra, modules = EXTRAS.get(name, ("", ()))
    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return f"pip install 'decentsocial[{extra}]'"
    return None


def _third_party() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _claims(name: str) -> dict[str, str]:
    """The targets that installed packages register as ``name``, each with the package's name."""
    return {
        ep.value: str(getattr(ep.dist, "name", None) or "an unnamed package")
        for ep in entry_points(group=ENTRY_POINT_GROUP, name=name)
    }


def known_networks() -> list[str]:
    """Every network name ``connect`` accepts, built-in first."""
    names = list(BUILTIN)
    names += sorted(n for n in _third_party() if n not in BUILTIN)
    return names


def backend_class(name: str) -> type[BaseNetwork[Any]]:
    """Import and return the backend class registered as ``name``."""
    if not isinstance(name, str):  # ``network = 5`` in a config file
        raise ConfigurationError(
            f"a network is named by text, not a {type(name).__name__}; known networks: "
            f"{', '.join(known_networks())}"
        )
    target = BUILTIN.get(name) or _third_party().get(name)
    if target is None:
        known = known_networks()
        raise ConfigurationError(
            f"unknown network {name!r}{_did_you_mean(name, known)}; known networks: {', '.join(known)}"
        )
    hint = install_hint(name)
    if hint is not None:
        raise ConfigurationError(f"the {name} backend needs its extra: {hint}", network=name)
    claims = {} if name in BUILTIN else _claims(name)
    if len(claims) > 1:  # which one loads would depend on the order packages are listed in: say so instead
        raise ConfigurationError(
            f"{len(claims)} installed packages register the network {name!r}: "
            f"{', '.join(f'{package} ({where})' for where, package in sorted(claims.items()))}; "
            "uninstall all but one",
            network=name,
        )
    cls = _load(name, target)
    if not (isinstance(cls, type) and issubclass(cls, BaseNetwork)):
        raise ConfigurationError(f"{target} is not a decentsocial network backend", network=name)
    _check_backend(name, target, cls)
    return cls


def _load(name: str, target: str) -> object:
    """The object ``target`` ("module:Attr.Path") names; any failure is ``ConfigurationError``.

    A third-party module may raise anything at import (a bad config read, a
    syntax error): untyped, that would stop a Scheduler worker. Only an
    ImportError's own text is shown; another's may hold a secret.
    """
    module_name, _, attr = target.partition(":")
    path, missing = module_name, None
    try:
        found: object = importlib.import_module(module_name)
        for part in attr.split(".") if attr else ():
            if not hasattr(found, part):  # a misspelt class: said so below, not "not a backend"
                missing = part
                break
            found, path = getattr(found, part), f"{path}.{part}"
    except ImportError as exc:
        raise ConfigurationError(f"the {name} backend cannot be loaded: {exc}", network=name) from exc
    except Exception as exc:
        raise ConfigurationError(
            f"the {name} backend cannot be loaded ({target}): {type(exc).__name__} at import", network=name
        ) from exc
    if missing is not None:
        raise ConfigurationError(
            f"the {name} backend cannot be loaded: {path} has no {missing!r} (entry point {target})",
            network=name,
        )
    return found


def _check_backend(name: str, target: str, cls: type[BaseNetwork[Any]]) -> None:
    """Refuse a class that would pass for another network, or break later with an untyped error.

    Its ``name`` scopes idempotency records and guards which posts it acts on,
    so it must be the name it is registered under (never ``"base"`` or a
    built-in's name).
    """
    if cls.name != name:
        raise ConfigurationError(
            f"{target} calls itself {cls.name!r} but is registered as {name!r}: "
            f"set its class attribute name = {name!r}",
            network=name,
        )
    settings = getattr(cls, "Settings", None)
    if not (isinstance(settings, type) and issubclass(settings, NetworkSettings)):
        raise ConfigurationError(
            f"{target}.Settings must be a subclass of decentsocial.NetworkSettings", network=name
        )
    capabilities = getattr(cls, "capabilities", None)
    if isinstance(capabilities, property):  # per connection (the protocol allows it): read when used
        return
    if not isinstance(capabilities, frozenset) or not all(isinstance(c, Capability) for c in capabilities):
        raise ConfigurationError(
            f"{target}.capabilities must be a frozenset of decentsocial.Capability members", network=name
        )


@overload
def connect(
    name: Literal["sandbox"], *, profile: str | None = None, **settings: Unpack[SandboxOptions]
) -> SandboxNetwork: ...
@overload
def connect(
    name: Literal["mastodon"], *, profile: str | None = None, **settings: Unpack[MastodonOptions]
) -> MastodonNetwork: ...
@overload
def connect(
    name: Literal["bluesky"], *, profile: str | None = None, **settings: Unpack[BlueskyOptions]
) -> BlueskyNetwork: ...
@overload
def connect(
    name: Literal["hive"], *, profile: str | None = None, **settings: Unpack[HiveOptions]
) -> HiveNetwork: ...
@overload
def connect(
    name: Literal["steem"], *, profile: str | None = None, **settings: Unpack[SteemOptions]
) -> SteemNetwork: ...
@overload
def connect(
    name: Literal["nostr"], *, profile: str | None = None, **settings: Unpack[NostrOptions]
) -> NostrNetwork: ...
@overload
def connect(
    name: Literal["threads"], *, profile: str | None = None, **settings: Unpack[ThreadsOptions]
) -> ThreadsNetwork: ...
@overload
def connect(
    name: Literal["minds"], *, profile: str | None = None, **settings: Unpack[MindsOptions]
) -> MindsNetwork: ...
@overload
def connect(name: None = None, *, profile: str | None = None, **settings: Any) -> BaseNetwork[Any]: ...
@overload
def connect(name: str, *, profile: str | None = None) -> BaseNetwork[Any]: ...
def connect(name: str | None = None, *, profile: str | None = None, **settings: Any) -> BaseNetwork[Any]:
    """Build a ``Network`` for ``name`` (or a config ``profile``) without any network I/O.

    ``connect("mastodon", base_url=…, access_token=…)``;
    ``connect(profile="brand-bluesky")`` reads the profile from the config
    file and ``DECENTSOCIAL_*`` environment variables; keyword settings given
    here override the profile's.

    Each built-in network's settings are typed (see :mod:`decentsocial.options`):
    an IDE completes them and mypy rejects a misspelt one; at run time a
    misspelt setting is ``ConfigurationError`` suggesting the closest name. A
    backend whose extra is not installed fails here, naming the ``pip install``.
    Settings for a third-party backend, which no type checker knows: use
    :func:`connect_any`.
    """
    return connect_any(name, profile=profile, **settings)


def connect_any(name: str | None = None, *, profile: str | None = None, **settings: Any) -> BaseNetwork[Any]:
    """:func:`connect` for a network name known only at run time (a third-party backend, a CLI argument)."""
    if name is None and profile is None:
        from .config import default_profile

        profile = default_profile()
    source = None
    if profile is not None:
        from .config import load_profile_source

        profile_settings, source = load_profile_source(profile)
        profile_network = profile_settings.pop("network", None)
        if profile_network is not None and not isinstance(profile_network, str):
            raise ConfigurationError(
                f'profile {profile!r}: network must be a network\'s name in quotes (network = "mastodon")'
            )
        if name is not None and profile_network not in (None, name):
            raise ConfigurationError(f"profile {profile!r} is for {profile_network}, not {name}")
        name = name or profile_network
        settings = {**profile_settings, **settings}
    if name is None:
        raise ConfigurationError(
            f"connect() needs a network name or a profile; known networks: {', '.join(known_networks())}"
        )
    try:
        cls, checked = backend_class(name), checked_settings(name, settings)
    except ConfigurationError as exc:  # ``crisis(["brand", "shop"])``: which of them holds it
        if profile is None:
            raise
        from .config import profile_error

        raise profile_error(profile, exc) from None
    checked._profile_source = source  # what a secret renewed later may be saved into (see ProfileSource)
    try:
        return cls(checked)
    except DecentSocialError:
        raise
    except Exception as exc:  # a third-party constructor: typed, so a Scheduler worker records it and goes on
        raise ConfigurationError(
            f"the {name} backend could not be built: {type(exc).__name__}", network=name
        ) from exc


def checked_settings(name: str, settings: dict[str, Any]) -> NetworkSettings:
    """Network ``name``'s settings model from ``settings`` (no I/O); ``ConfigurationError`` naming every
    unknown or invalid one (never its value)."""
    cls = backend_class(name)
    known = list(cls.Settings.model_fields)
    problems = [f"no setting {key!r}{_did_you_mean(key, known)}" for key in settings if key not in known]
    validated = None
    try:
        validated = cls.Settings.model_validate({k: v for k, v in settings.items() if k in known})
    except ValidationError as exc:
        problems.append(describe_validation_error(exc))
    if problems or validated is None:
        hint = f" ({name}'s settings: {', '.join(known)})" if any(k not in known for k in settings) else ""
        raise ConfigurationError(
            f"invalid settings for {name}: {'; '.join(problems)}{hint}", network=name
        ) from None
    return validated


def check_some_settings(name: str, settings: dict[str, Any]) -> None:
    """``ConfigurationError`` naming what is wrong with ``settings`` on their own (no I/O): a key network
    ``name`` has no setting for, a value its field refuses (never the value).

    For settings that are only part of what a connection gets: ``--setting`` values merged into a
    profile, a profile whose secrets are read by the worker that connects later. So a setting that is
    missing, or one judged against another (a password for a handle), is not judged here: the rest
    may supply it, and ``connect`` checks the whole.
    """
    cls = backend_class(name)
    known = list(cls.Settings.model_fields)
    problems = [f"no setting {key!r}{_did_you_mean(key, known)}" for key in settings if key not in known]
    try:
        cls.Settings.model_validate({k: v for k, v in settings.items() if k in known})
    except ValidationError as exc:
        problems += [  # as describe_validation_error says them: the field and the problem, no input
            f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
            if err["loc"]
            and err["loc"][0] in settings  # one missing, or judged with another: left to connect
        ]
    if problems:
        hint = f" ({name}'s settings: {', '.join(known)})" if any(k not in known for k in settings) else ""
        raise ConfigurationError(f"invalid settings for {name}: {'; '.join(problems)}{hint}", network=name)


def _did_you_mean(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
