"""The engagement commands of ``decentsocial``: report and track.

``report`` sums each account's posts since a time (``--since 7d``, or
ISO-8601 with a time zone): posts, likes, reposts, replies, quotes, views
and rewards, as a table or ``--json``. ``track`` stores a snapshot of each
account's latest posts in a metrics store (``--store``, default
``metrics.db``, or ``$DECENTSOCIAL_METRICS``), once, or every ``--every``
until Ctrl-C; ``decentsocial.history(store)`` reads them back.
``report`` needs the ``pandas`` extra; ``track`` needs nothing more.
"""

from __future__ import annotations

import itertools
import math
import re
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from numbers import Integral, Real
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from .base import BaseNetwork
from .cli import (
    PLANNING,
    JsonOpt,
    NetworkOpt,
    ProfilesOpt,
    SettingOpt,
    Target,
    UsageProblem,
    app,
    each_target,
    err,
    handles_errors,
    open_targets,
    out,
    print_json,
    progress,
)
from .coerce import as_count
from .errors import DecentSocialError, InvalidInput
from .models import Post, parse_iso_datetime
from .terminal import cell, json_time, printable

__all__ = ["check_wait", "parse_since"]

MetricsStoreOpt = Annotated[
    str,
    typer.Option("--store", envvar="DECENTSOCIAL_METRICS", help="The metrics store (a SQLite file)."),
]


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``"7d"``, ``"24h"``… ago, or an ISO-8601 time with a time zone, as an aware datetime."""
    from .campaign_cli import parse_duration  # here: campaign_cli may still be loading (python -m)

    value = text.strip()
    current = now or datetime.now(timezone.utc)
    if value and value[-1] in "smhdw" and value[0].isdigit():
        try:
            return current - parse_duration(value)
        except OverflowError:
            raise InvalidInput(f"{text!r} is further back than the calendar goes") from None
    try:
        when = parse_iso_datetime(value)
    except ValueError:
        raise InvalidInput(f"not a time: {text!r} (write 7d, 24h, or 2026-12-01T00:00+00:00)") from None
    if not re.search(r"(Z|z|[+-]\d\d:?\d\d)$", value):
        raise InvalidInput(f"{text!r} has no time zone: add one (2026-12-01T00:00+00:00) or write 7d")
    return when


# ---------------------------------------------------------------- report


def _plain(value: Any) -> Any:
    """A frame cell as JSON: missing -> None, Decimal -> its exact text, numpy numbers -> Python ones."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return None if value.is_nan() else str(value)
    if isinstance(value, bool | str):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        number = float(value)
        return None if math.isnan(number) else number
    try:
        import pandas

        if pandas.isna(value):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    return str(value)


def _cell(value: Any) -> Text:
    """A frame value as a table cell: ``-`` when missing; printable, never markup (a handle's ``[x]``)."""
    plain = _plain(value)
    return cell("-" if plain is None else str(plain))


@app.command("report", rich_help_panel=PLANNING)
@handles_errors
def report_command(
    since: Annotated[
        str, typer.Option("--since", help="How far back: 7d, 24h… or ISO-8601 with a time zone.")
    ] = "7d",
    profile: ProfilesOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sum each account's posts since a time: posts, likes, reposts, replies, views and rewards."""
    from .campaign_cli import given
    from .engagement import _pandas, account_report, report_frame

    _pandas()  # the extra's hint once, before any account is read
    with given("--since"):
        start = parse_since(since)
    if start > datetime.now(timezone.utc):  # said once here, not once per account below
        raise UsageProblem(f"--since is in the future ({start.isoformat()})")
    targets = open_targets(profile or [], network, setting or [])
    # Account by account, as the other reading commands: one out of reach is said on stderr (exit 1)
    # and does not hide the others' rows.
    results, failed = each_target(targets, "the posts", lambda target: account_report(target.net, start))
    # One row per account, in one frame: an asset's column is named once for every account (one
    # account's ``sand`` beside another's ``SAND``), and one an account lacks is missing (null) in its row.
    frame = report_frame([account for _, account in results])
    columns = [str(c) for c in frame.columns]
    records = [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
    # Each row's profile, first: two profiles of one handle on one network (two sandbox files, one
    # account signed in twice) gave two rows that could not be told apart. ``target`` in JSON, as
    # every other --json names the profile; its frame row is the target's, in the same order.
    labels = [target.label for target, _ in results]
    if as_json:
        rows = [
            {"target": label, **{k: _plain(v) for k, v in record.items()}}
            for label, record in zip(labels, records, strict=True)
        ]
        print_json({"since": json_time(start), "rows": rows})
    else:
        _print_report(start, columns, labels, records)
    if failed:
        raise typer.Exit(1)


def _print_report(
    start: datetime, columns: list[str], labels: list[str], records: list[dict[str, Any]]
) -> None:
    table = Table(title=f"Engagement since {start.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC")
    for column in ["profile", *columns]:
        table.add_column(
            column,
            justify="left" if column in ("profile", "network", "account") else "right",
            overflow="fold",  # a narrow terminal folds a name, never hides a number
        )
    for label, record in zip(labels, records, strict=True):
        table.add_row(cell(label), *(_cell(v) for v in record.values()))
    out().print(table)


# ---------------------------------------------------------------- track


def check_wait(option: str, text: str, length: timedelta) -> float:
    """``length`` in seconds, for a wait: longer than 0 and not past what a wait can be told
    (``threading.TIMEOUT_MAX``, about 292 years), else ``InvalidInput`` naming ``option``."""
    seconds = length.total_seconds()
    if seconds <= 0:
        raise InvalidInput(f"{option} must be longer than 0, got {text!r}")
    if seconds > threading.TIMEOUT_MAX:
        raise InvalidInput(f"{option} is longer than a wait can be, got {text!r}")
    return seconds


def _wait(seconds: float) -> None:
    """Sleep between snapshots (a function of its own so a test can stand in for the clock)."""
    threading.Event().wait(seconds)


def _total(posts: Sequence[Post], name: str) -> str:
    """The round's total of a count, of the counts the store kept (a server's -7 or 10**20 is not one)."""
    values = [as_count(getattr(p.metrics, name)) for p in posts]
    known = [v for v in values if v is not None]
    return f"{sum(known) if known else '-'} {name}"


def _own_posts(net: BaseNetwork[Any], limit: int) -> list[Post]:
    """The account's latest ``limit`` posts of its own: a boost (Mastodon lists them) is another's post.

    A ``--limit`` past what ``islice`` takes (``sys.maxsize``) means all of them, not a ``ValueError``.
    A post the server lists twice is one of them (``track`` stores it once).
    """
    return list(itertools.islice(_once_each(net.posts(limit=None)), min(limit, sys.maxsize)))


def _once_each(posts: Iterable[Post]) -> Iterator[Post]:
    """The posts of the account's own (not its boosts), each id once."""
    seen: set[str] = set()
    for post in posts:
        if post.reposted_by is None and post.id not in seen:
            seen.add(post.id)
            yield post


def _who(target: Target, handle: str | None) -> str:
    """The profile and its account (``brand (mastodon) @brand``; ``mastodon @brand`` with ``--network``):
    two profiles of one handle on one network (two servers, two sandbox files) are told apart."""
    return f"{target.name} @{printable(handle or '?')}"


def _snapshot(
    targets: Sequence[Target], handles: list[str | None], store: str, limit: int, stored: list[int]
) -> bool:
    """One snapshot of each account's latest posts; a failing account is reported and skipped.

    ``handles`` fills in as each account is first read: one out of reach at the start is
    tried again at the next snapshot, as one that fails later is, and holds up no other.
    ``stored`` gets each account's index once its posts are in the store: what a round that
    Ctrl-C cuts short has stored is said (an account's snapshot is written whole, or not at all).
    """
    from .engagement import track

    ok = True
    for i, target in enumerate(targets):
        net = target.net
        try:
            with progress(f"Reading the latest posts of {_who(target, handles[i])}…"):
                handles[i] = handles[i] or net.me().handle
                posts = track(_own_posts(net, limit), store, networks=[net])
                stored.append(i)
        except DecentSocialError as exc:
            err().print(f"error: {_who(target, handles[i])}: {printable(str(exc))}", markup=False)
            ok = False
            continue
        counts = ", ".join(_total(posts, name) for name in ("likes", "reposts", "replies"))
        out().print(
            f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC  {_who(target, handles[i])}: "
            f"{len(posts)} post(s), {counts}",
            markup=False,
            soft_wrap=True,
        )
    return ok


@app.command("track", rich_help_panel=PLANNING)
@handles_errors
def track_command(
    store: MetricsStoreOpt = "metrics.db",
    profile: ProfilesOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-l", min=1, help="How many of the latest posts.")] = 20,
    every: Annotated[
        str | None,
        typer.Option("--every", help="Take a snapshot every 30m, 1h, 1d… until Ctrl-C (default: once)."),
    ] = None,
    rounds: Annotated[
        int | None, typer.Option("--rounds", min=1, help="With --every: stop after this many snapshots.")
    ] = None,
) -> None:
    """Store a snapshot of each account's latest posts (likes, reposts, replies, rewards) in a store.

    It exits 1 if a profile failed in any snapshot (it is tried again at the next one).
    """
    from .campaign_cli import given, parse_duration
    from .engagement import check_store
    from .store_cli import expanded

    with given("--every"):
        interval = None if every is None else check_wait("--every", every, parse_duration(every))
    if rounds is not None and interval is None:
        raise UsageProblem("--rounds goes with --every")
    expanded(store, "--store")  # ``~brnad/metrics.db``: a clear error, not an unexpected RuntimeError
    # The connections first (no I/O): a profile that is not there, or a wrong --setting, is said before
    # the store is made (it was made, then the command failed).
    targets = open_targets(profile or [], network, setting or [])
    try:
        check_store(store)  # a folder or another database: said now, not after each round's posts are read
    except BaseException:
        for target in targets:
            target.net.close()
        raise
    taken = failed = 0
    stopped = False
    handles: list[str | None] = [None] * len(targets)
    stored: list[int] = []  # the accounts the round under way has stored so far
    in_round = False
    try:
        while True:
            stored.clear()
            in_round = True
            if not _snapshot(targets, handles, store, limit, stored):
                failed += 1
            in_round = False
            taken += 1
            if interval is None or (rounds is not None and taken >= rounds):
                break
            _wait(interval)
    except KeyboardInterrupt:
        stopped = True
    finally:
        for target in targets:
            target.net.close()
    if interval is not None or stopped:
        # A run of many rounds says how many failed: its status alone must not pass them off as taken.
        errors = f" ({failed} with errors, above)" if failed else ""
        cut = ""
        if stopped and in_round:  # "stopped: 0 snapshot(s)" said nothing of the round Ctrl-C cut short
            part = f"{len(stored)} of {len(targets)} account(s)" if stored else "nothing"
            cut = f"; the snapshot Ctrl-C cut short stored {part}"
        out().print(
            f"{'stopped: ' if stopped else ''}{taken} snapshot(s) in {printable(store)}{errors}{cut}",
            markup=False,
            soft_wrap=True,
        )
    if stopped and in_round:
        # Ctrl-C between the rounds is how a run --every ends (status 0); one that cut a snapshot short
        # left it undone: status 130, as any interrupted command (a single snapshot's was 0 once, and a
        # cron job's `timeout -s INT` passed for done; a first round's still was).
        raise typer.Exit(130)
    if failed:
        raise typer.Exit(1)
