"""A recurring job's rhythm counted on a named time zone's clock (its ``tz``), and ``every``'s bounds.

A rhythm of whole days counted on a zone's clock keeps its local hour when
the clocks change: its stores keep an anchor, the wall time and the zone
(:func:`local_anchor`), and each next time is counted from it
(:func:`next_on_clock`). Moved out of :mod:`decentsocial.jobs`, which still
exports these names.
"""

from __future__ import annotations

import math
import os
from datetime import datetime, timedelta, timezone
from zoneinfo import TZPATH, ZoneInfo, ZoneInfoNotFoundError

from . import errors

#: The shortest interval of a recurring job.
MIN_EVERY = timedelta(minutes=1)
#: The longest ``every`` (ten years): a longer one is a mistyped unit.
MAX_EVERY = timedelta(days=3653)


def rhythm_interval(every: timedelta | float | None) -> timedelta | None:
    """A job's ``every`` (seconds or a span) as a span; ``InvalidInput`` outside its bounds."""
    if every is None:
        return None
    if isinstance(every, bool) or not isinstance(every, (timedelta, int, float)):
        raise errors.InvalidInput(f"every must be a timedelta or seconds, got {every!r}")
    try:
        interval = every if isinstance(every, timedelta) else timedelta(seconds=every)
    except (OverflowError, ValueError):  # inf, nan, or past timedelta's range
        raise errors.InvalidInput(f"every must be a span of time, got {every!r}") from None
    if interval < MIN_EVERY:
        raise errors.InvalidInput(f"every must be at least a minute, got {interval}")
    if interval > MAX_EVERY:
        raise errors.InvalidInput(f"every must be at most {MAX_EVERY.days} days, got {interval}")
    return interval


def rhythm_clock(tz: object, interval: timedelta | None) -> ZoneInfo:
    """The zone a rhythm of whole days is counted on: one every worker reads alike (:func:`shared_zone`)."""
    found = shared_zone(tz)
    if interval is None:
        raise errors.InvalidInput("tz goes with every: it names the clock a recurring job is counted on")
    if interval % timedelta(days=1):
        raise errors.InvalidInput(
            f"tz counts every on {found.key}'s clock in whole days: give every as days"
            f" (got {interval}), or leave tz out to count it in UTC"
        )
    return found


def zone(tz: object) -> ZoneInfo:
    """The IANA zone ``tz`` names (a ``ZoneInfo`` is taken as it is); ``InvalidInput`` otherwise."""
    if isinstance(tz, ZoneInfo) and tz.key:
        return tz
    if isinstance(tz, str) and tz.strip():
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, or not a zone's name at all
            pass
    raise errors.InvalidInput(f"tz must be an IANA time zone name such as 'Europe/Berlin', got {tz!r}")


def shared_zone(tz: object) -> ZoneInfo:
    """The zone ``tz`` names (as :func:`zone`) when a worker on any machine reads it as this one does.

    Every worker counts a job's rhythm on its own copy of the zone named, so
    a name that is no zone of the IANA database (canonical, or one of its
    links such as ``US/Eastern``) is ``InvalidInput`` naming the one to use:
    ``localtime`` and ``posixrules`` (this machine's own zone file: another
    machine's is another clock), ``Factory`` (no place's clock), ``right/X``
    (counts leap seconds: 27 s off) and ``posix/X`` (a copy of ``X`` not
    every machine has: a worker without it counted in UTC). A job planned
    with one of these before keeps it.
    """
    key = tz.key if isinstance(tz, ZoneInfo) else tz
    if isinstance(key, str) and (why := unshared(key)) is not None:
        raise errors.InvalidInput(why)
    return zone(tz)


def unshared(key: str) -> str | None:
    """Why the zone name ``key`` is read otherwise on another machine (see :func:`shared_zone`); ``None``
    when it is not. Told by the name, case aside (a case-blind disk finds ``LocalTime``), not the disk."""
    head, _, rest = key.partition("/")
    if key.casefold() in ("localtime", "posixrules"):
        here = _zone_here(key)
        instead = f"here it is {here!r}" if here else "such as 'Europe/Berlin'"
        return (
            f"tz {key!r} is whichever zone this machine's file holds: a worker on another machine reads"
            f" its own and counts the rhythm on another clock; name the zone itself ({instead})"
        )
    if key.casefold() == "factory":
        return f"tz {key!r} is no place's clock (it reads '-00'): name the zone, such as 'Europe/Berlin'"
    if head.casefold() in ("right", "posix") and rest:
        if (inner := unshared(rest)) is not None:
            return inner
        if head.casefold() == "right":
            return f"tz {key!r} counts leap seconds: its clock runs 27 s off every other; use {rest!r}"
        return f"tz {key!r} is a copy of {rest!r} that not every machine has: use {rest!r}"
    return None


def _zone_here(name: str) -> str | None:
    """The zone the file ``name`` (``localtime``) links to on this machine, if it is a link to one."""
    for root in TZPATH:
        path = os.path.join(root, name)
        if os.path.exists(path):
            found = os.path.realpath(path).replace(os.sep, "/").rpartition("/zoneinfo/")[2]
            try:
                zone(found)  # a link to a zone file, by its name (a copy is not: nothing to name)
            except errors.InvalidInput:
                return None
            return found if unshared(found) is None else None
    return None


def local_anchor(at: datetime, tz: ZoneInfo) -> str:
    """A rhythm's anchor: the wall time ``at`` shows in ``tz`` and the zone, as
    ``2026-12-24T09:00:00[Europe/Berlin]`` (RFC 9557's form), the text the stores keep;
    ``InvalidInput`` for an ``at`` written on another clock (:func:`check_offset`).

    An ``at`` written on ``tz``'s clock (its zone, or its offset then) keeps the
    wall time it was written with: 02:30 on the night the clocks skip it runs
    at 03:30 that night, and the rhythm's later days at 02:30 (its instant
    would read 03:30 for ever). Only when that wall time, read as the rhythm
    reads it, is ``at`` itself (``fold=1`` on a skipped time is an hour
    earlier: the rhythm would run again that night).
    """
    check_offset(at, tz)
    wall = at.replace(tzinfo=None, fold=0)
    if wall.replace(tzinfo=tz).timestamp() != at.timestamp():
        wall = datetime.fromtimestamp(at.timestamp(), tz).replace(tzinfo=None, fold=0)
    return f"{wall.isoformat()}[{tz.key}]"


def check_offset(at: datetime, clock: ZoneInfo, name: str = "at") -> None:
    """``InvalidInput`` when ``at`` is a local time written with another UTC offset than ``clock``
    has then, naming both offsets and what to write instead.

    The rhythm keeps the wall time ``at`` shows on ``clock``: ``09:00+01:00``
    for ``America/New_York`` (-05:00 in December) would run at 03:00 there
    every day, not at the 09:00 written. Taken: a datetime on ``clock``
    itself, either side of a time shown twice, a time the clocks skip with
    the offset before the change (as ``ZoneInfo`` writes it), and UTC (``Z``,
    ``now``, ``+2h``: an instant, whose local time there the rhythm keeps).
    """
    offset = at.utcoffset()
    if not offset or (isinstance(at.tzinfo, ZoneInfo) and at.tzinfo.key == clock.key):
        return
    wall = at.replace(tzinfo=None, fold=0)
    try:
        shown = at.astimezone(clock)
        written = wall.replace(tzinfo=clock)  # fold 0: a skipped time has the offset before the change
        utc = at.astimezone(timezone.utc)
    except (OverflowError, ValueError):  # the calendar's ends: refused as a time, or the job planned
        return
    if shown.replace(tzinfo=None, fold=0) == wall or written.utcoffset() == offset:
        return
    raise errors.InvalidInput(
        f"{name} {at.isoformat()} is {shown:%H:%M} on {clock.key}'s clock, not the {at:%H:%M} written:"
        f" its offset is {_offset_text(offset)}, {clock.key}'s is {_offset_text(shown.utcoffset())} then."
        f" For {at:%H:%M} there give {written.isoformat()}; for that instant give it in UTC"
        f" ({utc.isoformat()})"
    )


def _offset_text(offset: timedelta | None) -> str:
    """``UTC-05:00``, as ``datetime.timezone`` names an offset (``UTC+00:00`` for none: not UTC's name)."""
    return timezone(offset).tzname(None) if offset else "UTC+00:00"


def anchor_zone(local_at: str | None) -> str | None:
    """The zone's name in :func:`local_anchor`'s text (``None`` for none)."""
    return None if local_at is None else local_at.rpartition("[")[2].rstrip("]")


def next_on_clock(local_at: str, every: float, after: float) -> float | None:
    """The first time after ``after`` that the anchor's wall time, moved on by whole steps of
    ``every`` on the zone's clock, falls on (``None``: past the calendar).

    A wall time the clocks skip (spring) is read with the offset before the
    change, so it falls as much later; one they show twice (autumn) is the first.
    """
    text, _, name = local_at.rpartition("[")
    clock = ZoneInfo(name.rstrip("]"))
    wall = datetime.fromisoformat(text)
    step = timedelta(seconds=every)

    def occurrence(n: int) -> float | None:
        try:
            return (wall + n * step).replace(tzinfo=clock).timestamp()
        except OverflowError:
            return None

    start = occurrence(0)
    if start is None:
        return None
    # Offsets differ by hours and a step is whole days: this estimate is one step off at most.
    n = max(0, math.floor((after - start) / every) + 1)
    while n > 0 and (earlier := occurrence(n - 1)) is not None and earlier > after:
        n -= 1
    while (found := occurrence(n)) is not None and found <= after:
        n += 1
    return found
