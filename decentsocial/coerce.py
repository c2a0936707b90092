"""Lenient reading of the JSON servers send: one policy for every backend; and strict checks of a
caller's arguments that several modules share.

Servers (and strangers' relays) send what they like. Converters read each
field through these functions: a field that is missing, of the wrong type or
unreadable reads as ``None`` (or an empty container), never as an exception.
A converter that cannot do without a field raises :func:`malformed`, a
typed error naming the network and what was wrong.

A caller's arguments are the other way round: :func:`connections`,
:func:`utc_input` and :func:`secret_text` take exactly what is documented and
raise ``InvalidInput`` for anything else, before any I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, get_args

from pydantic import SecretStr

from .errors import InvalidInput, NetworkUnavailable
from .models import NotificationKind, parse_iso_datetime, utc
from .network import Network

__all__ = [
    "as_count",
    "as_datetime",
    "as_dict",
    "as_exact_str",
    "as_float",
    "as_int",
    "as_list",
    "as_notification_kind",
    "as_str",
    "connections",
    "malformed",
    "not_asked_for",
    "secret_text",
    "stream_tag",
    "utc_input",
]

#: Timestamps outside these bounds are junk (and would overflow ``datetime``).
_EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc).timestamp()
_LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc).timestamp()
#: Each neutral notification kind, standing for itself.
_NEUTRAL_KINDS: dict[str, NotificationKind] = {kind: kind for kind in get_args(NotificationKind)}
#: A count at or above this is junk: SQLite's INTEGER (and the stores' sums) hold signed 64 bits.
_COUNT_LIMIT = 2**63


def as_int(value: Any) -> int | None:
    """An integer from an int, an integral float or a decimal string (``"12"``); else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isascii() and digits.isdigit() and len(digits) <= 30:
            return int(text)
    return None


def as_count(value: Any) -> int | None:
    """A count (likes, reposts, followers, members…): a non-negative integer below 2**63, else ``None``.

    Read as :func:`as_int` reads (``3``, ``3.0``, ``"3"``), then bounded. A hostile or broken server
    can say ``-7`` or ``1e20``: kept, either would later break a SQLite write (``OverflowError``) or
    a sum far from the server that sent it, so it reads as unknown here, in every backend alike.
    """
    if type(value) is int:  # what JSON gives: no second look
        return value if 0 <= value < _COUNT_LIMIT else None
    number = as_int(value)
    return int(number) if number is not None and 0 <= number < _COUNT_LIMIT else None


def as_float(value: Any) -> float | None:
    """A finite number from a number or a numeric string; else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int too large for a float
            return None
    elif isinstance(value, str) and len(value) <= 64:
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def as_str(value: Any) -> str | None:
    """Text from a string or a number (ids sent as numbers); else ``None``."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def as_exact_str(value: Any) -> str | None:
    """:func:`as_str` as exactly ``str``: a subclass is copied, as validation copies it.

    For converters that build models without validation (``_trusted``): JSON
    never gives a ``str`` subclass, a caller's own mapping might.
    """
    if type(value) is str:
        return value
    text = as_str(value)
    return None if text is None else str.__str__(text)


def as_dict(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if type(value) is dict or isinstance(value, Mapping) else {}  # a dict: no ABC check


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def as_datetime(value: Any) -> datetime | None:
    """A UTC datetime from ISO-8601 text, Unix seconds, or a ``datetime``; ``None`` when unreadable.

    Naive values are UTC (as Hive and Steem send them); times before 1990 or
    after the year 9000 are junk.
    """
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, str):
        if len(value) > 64:
            return None
        try:
            return parse_iso_datetime(value)
        except (ValueError, OverflowError):
            return None
    seconds = as_float(value)
    if seconds is None or not _EARLIEST <= seconds <= _LATEST:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def as_notification_kind(name: str, renamed: Mapping[str, NotificationKind]) -> NotificationKind:
    """A network's name for a kind of notification as the neutral kind.

    ``renamed`` maps the network's own names (Mastodon's "favourite" is a "like"); a name that
    already is a neutral kind ("mention", "follow"…) stands for itself; any other is "other".
    """
    return renamed.get(name) or _NEUTRAL_KINDS.get(name, "other")


def malformed(network: str, what: str) -> NetworkUnavailable:
    """The error for a server answer a converter cannot use (not retried: it would say the same)."""
    return NetworkUnavailable(f"the server sent a malformed {what}", network=network, retryable=False)


def not_asked_for(network: str, what: str, asked: str, answered: Any) -> NetworkUnavailable:
    """The error for an answer about another object than the one asked for (``get_post(A)`` answered
    with post B): kept, B's text and counts would be stored and acted on under A's id.

    The message names both ids (clipped; ids are public, never secrets).
    """
    got = repr(answered[:120]) if isinstance(answered, str) else "none"
    return malformed(network, f"{what} (another {what} than asked for: asked {asked[:120]!r}, got {got})")


# ---------------------------------------------------------------- a caller's arguments


def connections(networks: Any) -> list[Network]:
    """``networks`` as a list of connections; ``InvalidInput`` for one connection alone, a string, or
    anything that is not connections."""
    if isinstance(networks, (Network, str)) or not isinstance(networks, Iterable):
        raise InvalidInput(f"networks must be a list of connections, got {type(networks).__name__}")
    nets = list(networks)
    for net in nets:
        if not isinstance(net, Network):
            raise InvalidInput(
                f"networks must be connections (from decentsocial.connect), got {type(net).__name__}"
            )
    return nets


def utc_input(value: Any, name: str) -> datetime:
    """A caller's ``datetime`` in UTC (naive is UTC, as everywhere in the SDK); ``InvalidInput`` naming
    ``name`` for anything else, or for a time the calendar cannot hold in UTC."""
    if not isinstance(value, datetime) or value != value:  # pandas' NaT (a frame's missing time) is one
        raise InvalidInput(f"{name} must be a datetime, got {value!r}")
    try:
        return utc(value)
    except ValueError as exc:
        raise InvalidInput(f"{name}: {exc}") from None


def secret_text(value: Any, name: str, *, network: str) -> str:
    """A token or secret a caller passed (a ``str`` or a ``SecretStr``) as text; ``InvalidInput``
    naming ``name`` for anything else (the message never holds the value)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, str):
        return value
    raise InvalidInput(
        f"{name} must be text (a str or SecretStr), not {type(value).__name__}", network=network
    )


def stream_tag(kind: Any, tag: Any, *, network: str) -> str | None:
    """The arguments of ``Network.stream`` checked before any I/O: ``InvalidInput`` for a ``kind`` that
    is not a name or a ``tag`` that is not a hashtag; the tag is returned without its ``#``."""
    if not isinstance(kind, str) or not kind.strip():
        raise InvalidInput(f"stream kind must be a name such as 'public', got {kind!r}", network=network)
    if tag is None:
        return None
    if not isinstance(tag, str) or not tag.strip().lstrip("#"):
        raise InvalidInput(f"tag must be a hashtag or None, got {tag!r}", network=network)
    return tag.strip().lstrip("#")
