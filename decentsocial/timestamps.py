"""Timestamps as the models keep them: tz-aware UTC, read from whatever ISO-8601 a server sends.

:func:`utc` and :func:`parse_iso_datetime` are re-exported by :mod:`decentsocial.models`
(where they were first written, and where callers import them from).
"""

from __future__ import annotations

import re
import sys
from datetime import datetime, timezone

__all__ = ["parse_iso_datetime", "utc"]


def utc(value: datetime) -> datetime:
    """Return ``value`` as a tz-aware UTC datetime (naive means UTC).

    ``ValueError`` (which validation reports) for a time the calendar cannot
    hold once in UTC (``9999-12-31T23:00-05:00``), not ``OverflowError``.
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"{value.isoformat()} is past the end of the calendar in UTC") from None


#: Whether ``datetime.fromisoformat`` reads ``Z``, any number of fraction digits and ``+0000``.
_NATIVE_ISO = sys.version_info >= (3, 11)
_FRACTION = re.compile(r"\.(\d+)")
_COMPACT_OFFSET = re.compile(r"([+-]\d\d)(\d\d)$")
#: Whole seconds, naive or marked UTC: read without normalising.
_PLAIN_UTC = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:Z|\+00:?00)?", re.ASCII)


#: A leap second (``23:59:60``, fraction and all), which RFC 3339 allows and ``datetime`` cannot hold.
_LEAP_SECOND = re.compile(r"(\d\d:\d\d):60(?:[.,]\d*)?", re.ASCII)


def parse_iso_datetime(text: str) -> datetime:
    """An ISO-8601 / RFC 3339 timestamp as tz-aware UTC (naive means UTC); ``ValueError`` otherwise.

    Servers send ``Z``, any number of fraction digits and ``+0000`` offsets,
    which Python 3.10's ``fromisoformat`` does not read: they are normalised first.
    The commonest form, whole seconds in UTC (Hive's ``2016-07-13T08:29:15``,
    the Graph API's ``+0000``), is read directly (a converter reads one or
    three per post). A leap second (``23:59:60Z``) is the last microsecond
    before the next minute (``23:59:59.999999``), so times keep their order.
    """
    try:
        return _parse(text)
    except ValueError:
        leap = _LEAP_SECOND.search(text)
        if leap is None:
            raise
        return _parse(f"{text[: leap.start()]}{leap[1]}:59.999999{text[leap.end() :]}")


def _parse(text: str) -> datetime:
    if _NATIVE_ISO:  # Python 3.11+ reads every form below itself, ten times faster
        if len(text) == 19:  # whole seconds, no offset: read as UTC at once (``replace`` costs 4× the parse)
            try:
                parsed = datetime.fromisoformat(text + "+00:00")
            except ValueError:
                pass  # it had an offset ("…T03:57+01"), or is no time: read below
            else:
                if parsed.tzinfo is timezone.utc:
                    return parsed
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            pass  # spaces around it, a lower-case "z"…: normalised below
        else:
            if parsed.tzinfo is timezone.utc:  # "Z" or "+00:00"
                return parsed
            return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else utc(parsed)
    plain = _PLAIN_UTC.fullmatch(text)
    if plain is not None:
        return datetime.fromisoformat(plain[1] + "+00:00")  # tzinfo: timezone.utc (8× faster than replace)
    value = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    value = _FRACTION.sub(lambda m: "." + (m[1] + "000000")[:6], value, count=1)
    value = _COMPACT_OFFSET.sub(r"\1:\2", value)
    return utc(datetime.fromisoformat(value))
