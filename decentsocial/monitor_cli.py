"""``decentsocial monitor``: new posts about a brand, live, from every profile at once.

``--keyword`` (repeatable; ``#tag`` for a hashtag), ``--mention`` (posts
mentioning an account) and ``--replies-to`` (replies to an account's posts)
say what to watch; ``--profile`` (repeatable) or ``--network`` with
``--setting`` say where. ``--cursor FILE`` keeps where each network stands,
so the command started again shows only what it has not shown. On a
terminal the view is live: the latest posts and a count per network;
piped, one line per post (``--json``: one JSON object per line). It runs
until Ctrl-C, ``--count`` posts, or ``--for`` a duration.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import Counter, deque
from datetime import datetime, timezone
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.table import Table

from .cli import (
    READING,
    JsonOpt,
    NetworkOpt,
    SettingOpt,
    UsageProblem,
    app,
    complete_profiles,
    err,
    handles_errors,
    open_networks,
    out,
)
from .models import Post
from .post_text import post_inline
from .store_cli import typed_value
from .terminal import cell, json_text, json_time, printable

__all__ = ["post_line"]

#: Posts the live view keeps on screen.
SHOWN = 15


def post_line(post: Post) -> str:
    """One post as one terminal line: time, network, author, text (escaped, right-to-left isolated),
    with its content warning before the text and its media after (``[CW: food] … [2 images]``)."""
    return (
        f"{post.created_at.astimezone(timezone.utc):%H:%M:%S} {post.network} "
        f"@{printable(post.author.handle)}: {post_inline(post, ' '.join(post.text.split()))}"
    )


def _cell_text(post: Post) -> str:
    """The live view's text cell: as :func:`post_line`, without the isolates (the cell sets its own)."""
    return post_inline(post, " ".join(post.text.split()), isolate=False)


def _json_line(post: Post) -> str:
    data = {
        "network": post.network,
        "id": post.id,
        "url": post.url,
        "author": post.author.handle,
        "created_at": json_time(post.created_at),
        "text": post.text,
    }
    return json_text(data)  # C1 controls and lone surrogates escaped, as every --json


def _view(latest: deque[Post], counts: Counter[str], started: float) -> Table:
    table = Table(
        title=f"monitoring for {time.monotonic() - started:.0f} s: "
        + (", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "nothing yet"),
        expand=True,
    )
    table.add_column("time", no_wrap=True)
    table.add_column("network", no_wrap=True)
    table.add_column("author", no_wrap=True)
    table.add_column("text", overflow="fold")
    for post in reversed(latest):
        table.add_row(  # Text cells: a post's "[link=…]" or "[/bold]" is text, never markup
            cell(f"{post.created_at.astimezone(timezone.utc):%H:%M:%S}"),
            cell(post.network),
            cell("@" + post.author.handle),
            cell(_cell_text(post)),  # each line it folds to isolated on its own
        )
    return table


class _Warnings(logging.Handler):
    """The monitor's warnings on stderr, one line each, and how many said a failure.

    A search or a stream that fails is retried by the library and only
    logged; the command keeps the library's log quiet, so a monitor of a
    server out of reach (or a revoked token) showed nothing, ever, and
    exited 0. A notice that is no failure (a network that cannot stream is
    searched instead, a catch-up that stopped at its cap) is shown too.
    """

    def __init__(self, *, shown: bool = True) -> None:
        super().__init__(logging.WARNING)
        self.failures = 0
        self.shown = shown

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage().removeprefix("monitor: ")
        except Exception:  # a bad log call: logging's own report, not the command's end
            self.handleError(record)
            return
        if getattr(record, "monitor_failure", False):
            self.failures += 1
        if self.shown:
            err().print(f"warning: {printable(message)}", markup=False, soft_wrap=True)


@app.command("monitor", rich_help_panel=READING)
@handles_errors
def monitor_command(
    keyword: Annotated[
        list[str] | None,
        typer.Option(  # blank ones: check_keywords below says what is wrong with them
            "--keyword",
            "-k",
            help="A keyword or #hashtag to watch. Repeatable.",
            callback=typed_value(blank=True),
        ),
    ] = None,
    mention: Annotated[
        str | None,
        typer.Option(
            "--mention", help="Watch posts that mention this account.", callback=typed_value(blank=True)
        ),
    ] = None,
    replies_to: Annotated[
        str | None,
        typer.Option(
            "--replies-to", help="Watch replies to this account's posts.", callback=typed_value(blank=True)
        ),
    ] = None,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            "-p",
            help="A profile from the config file. Repeatable.",
            autocompletion=complete_profiles,
            callback=typed_value(),
        ),
    ] = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    cursor: Annotated[
        str | None,
        typer.Option("--cursor", help="A file keeping where each network stands (resume from it)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Also show posts since then: 1h, 7d… or ISO-8601.")
    ] = None,
    interval: Annotated[
        float, typer.Option("--interval", min=0.0, help="Seconds between searches (catch-up).")
    ] = 60.0,
    count: Annotated[int | None, typer.Option("--count", min=1, help="Stop after this many posts.")] = None,
    duration: Annotated[str | None, typer.Option("--for", help="Stop after this long: 30s, 10m, 1h…")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show new posts matching a keyword, a mention or a reply, live, streams first.

    A search or a stream that fails is said on stderr and tried again; the
    command then exits 1 when it ends.
    """
    from .campaign_cli import given, parse_duration
    from .engagement_cli import check_wait, parse_since
    from .monitor import monitor
    from .monitor_state import MAX_CLOCK_SKEW, check_keywords, normalise_handle
    from .store_cli import expanded

    # What the command is given is checked here, as a wrong argument (status 2), before any network.
    if not keyword and mention is None and replies_to is None:
        raise UsageProblem("say what to watch: --keyword K, --mention ACCOUNT or --replies-to ACCOUNT")
    if keyword:
        with given("--keyword"):
            check_keywords(keyword)
    for option, account in (("--mention", mention), ("--replies-to", replies_to)):
        if account is not None:
            with given(option):
                normalise_handle(account, option)
    if not 0 <= interval <= threading.TIMEOUT_MAX:  # nan too
        raise UsageProblem(f"--interval must be from 0 to {threading.TIMEOUT_MAX:.0f} s, got {interval}")
    if cursor is not None:
        expanded(cursor, "--cursor")  # ``~brnad/c.json``: a clear error, not an unexpected RuntimeError
    with given("--since"):
        start = None if since is None else parse_since(since)
    if start is not None and start > datetime.now(timezone.utc) + MAX_CLOCK_SKEW:
        raise UsageProblem(f"--since is in the future ({start.isoformat()})")
    with given("--for"):
        seconds = None if duration is None else check_wait("--for", duration, parse_duration(duration))
    nets = open_networks(profile or [], network, setting or [])
    ended = threading.Event()
    if seconds is not None:
        timer = threading.Timer(seconds, ended.set)
        timer.daemon = True
        timer.start()
    # With DECENTSOCIAL_DEBUG the whole log is on stderr already: the failures are only counted, so the
    # exit status is the same with it as without (it was 0 however many searches failed).
    warnings = _Warnings(shown=not os.environ.get("DECENTSOCIAL_DEBUG"))
    log = logging.getLogger("decentsocial.monitor")
    log.addHandler(warnings)
    try:
        posts = monitor(
            nets,
            keyword or None,
            mentions_of=mention,
            replies_to=replies_to,
            cursor=cursor,
            since=start,
            interval=interval,
            stop=ended,
        )
        _show(posts, count=count, as_json=as_json)
    except KeyboardInterrupt:
        pass  # Ctrl-C: the cursor already holds every post shown
    finally:
        ended.set()
        for net in nets:
            net.close()
        log.removeHandler(warnings)
    if warnings.failures:
        raise typer.Exit(1)


def _show(posts: Any, *, count: int | None, as_json: bool) -> None:
    shown = 0
    if as_json or not sys.stdout.isatty():
        console = out()
        for post in posts:
            if as_json:
                typer.echo(_json_line(post))
            else:
                console.print(post_line(post), markup=False, soft_wrap=True)
            shown += 1
            if count is not None and shown >= count:
                return
        return
    latest: deque[Post] = deque(maxlen=SHOWN)
    counts: Counter[str] = Counter()
    started = time.monotonic()
    with Live(_view(latest, counts, started), console=out(), refresh_per_second=4) as live:
        for post in posts:
            latest.append(post)
            counts[post.network] += 1
            live.update(_view(latest, counts, started))
            shown += 1
            if count is not None and shown >= count:
                return
