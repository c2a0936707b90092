"""The campaign commands of ``decentsocial``: schedule, jobs, pause, resume, cancel, reschedule, retry,
worker.

They work on a scheduler store (``--store``, default ``campaign.db`` in the
current folder, or ``$DECENTSOCIAL_STORE``); targets are profile names, so
a job never holds a secret and a worker anywhere connects through its own
config. Times are ISO-8601 with a time zone (``2030-12-24T09:00+01:00``),
``now``, or ``+`` a duration (``+30m``, ``+2h``, ``+1d``).
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .cli import (
    PLANNING,
    JsonOpt,
    UsageProblem,
    app,
    complete_profiles,
    error_json,
    handles_errors,
    out,
    print_json,
    yes_opt,
)
from .errors import InvalidInput, NetworkUnavailable
from .models import Draft, parse_iso_datetime
from .store_cli import StoreOpt, checked_while_read, each_once, key_text, open_scheduler, typed_value
from .terminal import IsolatedText, cell, json_time, printable, stdin_is_terminal, text_or_stdin, typed_text
from .text import truncate

if TYPE_CHECKING:
    from .scheduler import Job, Scheduler

__all__ = ["duration_text", "given", "parse_duration", "parse_when"]

#: How long, in all, ``worker --once`` waits for a store out of reach (Redis down, a SQLite file locked
#: elsewhere) before it gives up with status 1. A long-running worker waits on; one run by cron each
#: minute that waited for ever piled up, another each minute, none of them ever ending.
ONCE_STORE_WAIT = 60.0

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``"90s"``, ``"30m"``, ``"2h"``, ``"1d"``, ``"1w"`` as a timedelta; ``InvalidInput`` otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise InvalidInput(f"not a duration: {text!r} (write 30m, 2h, 1d…)")
    try:
        return timedelta(seconds=float(match[1]) * _UNITS[match[2]])
    except OverflowError:
        raise InvalidInput(f"{text!r} is longer than any plan can be") from None


def duration_text(span: timedelta) -> str:
    """``span`` as ``--every`` takes it, in one unit (``1d``, ``150m``, ``100.7s``); it parses back to it."""
    micro = span // timedelta(microseconds=1)
    for unit, seconds in sorted(_UNITS.items(), key=lambda item: -item[1]):
        if micro and micro % (seconds * 10**6) == 0:
            return f"{micro // (seconds * 10**6)}{unit}"
    whole, part = divmod(micro, 10**6)
    return f"{whole}.{part:06d}".rstrip("0").rstrip(".") + "s"


@contextmanager
def given(option: str) -> Iterator[None]:
    """An ``InvalidInput`` while reading ``option``'s value is a wrong argument: exit status 2, naming it.

    A typo in ``--every`` is the command's fault, as an unknown option is,
    not a failure of the network or the data (status 1).
    """
    try:
        yield
    except InvalidInput as exc:
        message = str(exc)
        raise UsageProblem(message if message.startswith(option) else f"{option}: {message}") from None


def parse_every(text: str) -> timedelta:
    """``--every``: a duration within what a job can repeat at (a minute to ten years)."""
    from .jobs import MAX_EVERY, MIN_EVERY

    span = parse_duration(text)
    if not MIN_EVERY <= span <= MAX_EVERY:
        raise InvalidInput(
            f"must be from {duration_text(MIN_EVERY)} to {duration_text(MAX_EVERY)}, got {text!r}"
        )
    return span


def parse_when(text: str, *, now: datetime | None = None) -> datetime:
    """``now``, ``+2h`` or ISO-8601 with a time zone, as an aware datetime (UTC, or the offset written:
    ``--tz`` checks it against its zone's)."""
    current = now or datetime.now(timezone.utc)
    value = text.strip()
    if value == "now":
        return current
    if value.startswith("+"):
        try:
            return current + parse_duration(value[1:])
        except OverflowError:
            raise InvalidInput(f"{text!r} is further ahead than any plan can be") from None
    if not (zone := re.search(r"(?:Z|z|([+-])(\d\d):?(\d\d))$", value)):
        raise InvalidInput(f"{text!r} has no time zone: add one (2030-12-24T09:00+01:00) or use +2h")
    try:
        when = parse_iso_datetime(value)
    except ValueError:
        raise InvalidInput(f"not a time: {text!r} (write now, +2h, or 2030-12-24T09:00+01:00)") from None
    if zone[1] is None:  # Z
        return when
    offset = timedelta(hours=int(zone[2]), minutes=int(zone[3]))
    try:
        return when.astimezone(timezone(-offset if zone[1] == "-" else offset))
    except (OverflowError, ValueError):  # past the calendar's end there: refused as too far ahead
        return when


def parse_variants(items: list[str]) -> dict[str, str]:
    """``NAME=TEXT`` options as a mapping; ``InvalidInput`` for one without ``=`` or given twice, and
    ``UsageProblem`` for a TEXT with a byte the command line could not decode (:func:`typed_text`)."""
    found: dict[str, str] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--variant takes NAME=TEXT (a profile or network, its text), not {item!r}")
        name = typed_text(name.strip(), "--variant NAME")
        if name in found:
            raise InvalidInput(f"--variant {name!r} is given twice")
        found[name] = typed_text(text, f"--variant {name!r}")
        if not text.strip():  # ``--variant "brand=$MSG"`` with $MSG unset: refused later, its store made
            raise InvalidInput(f"--variant {name!r} has no text: give NAME=TEXT")
    return found


def check_variant_names(variants: dict[str, str], to: list[str]) -> None:
    """Each ``--variant`` names a ``--to`` profile or the network of one: one naming neither (a typo, or
    a network no target is on) can match no target, said before the store is made, naming what it may be.

    The networks are read from the profiles (no secret is read). When one of them cannot be read (no
    such profile, no network set, a config file in error), any network's name passes here: the profile's
    own error is what :func:`~decentsocial.scheduler.check_targets` then says (status 1).
    """
    if not variants:
        return
    networks = _networks_of(to)
    if networks is None:
        from .registry import known_networks

        allowed, which = {*to, *known_networks()}, "no network"
        said = f"{', '.join(dict.fromkeys(to))}, or a network's name"
    else:
        allowed, which = {*to, *networks}, "no network of theirs"
        said = ", ".join(dict.fromkeys([*to, *networks]))
    for name in variants:
        if name not in allowed:
            raise InvalidInput(f"--variant {name!r} names no --to profile and {which}; use one of {said}")


def _networks_of(profiles: list[str]) -> list[str] | None:
    """The networks ``profiles`` are on, in order, each once; ``None`` if one of them says none."""
    from .config import profile_network
    from .errors import DecentSocialError

    try:
        found = [profile_network(name) for name in profiles]
    except DecentSocialError:
        return None
    if any(network is None for network in found):
        return None
    return list(dict.fromkeys(n for n in found if n is not None))


def _jobs_table(jobs: list[Job]) -> Table:
    table = Table(title="Jobs")
    for column in ("id", "status", "at (UTC)", "targets", "posts", "errors"):
        table.add_column(column)
    for job in jobs:
        problems = [f"{o.target}: {o.error}" for o in job.outcomes if o.error is not None]
        problems += [f"{o.target}: publishing" for o in job.outcomes if o.publishing]
        if job.takeovers:  # workers stopped while running it: a cap gives it up (decentsocial.takeovers)
            problems.insert(0, f"taken over {job.takeovers}× from stopped workers")
        if job.error is not None:  # its record cannot be read: that says why it is failed
            problems.insert(0, str(job.error))
        table.add_row(  # cells of Text: a server's error "[/x]" or "[link=…]" is not markup
            cell(job.id),
            cell(job.status),
            cell(
                f"{job.at:%Y-%m-%d %H:%M}"
                + (f" every {duration_text(job.every)}" if job.every else "")
                + (f" on {job.tz} time" if job.tz else "")
            ),
            cell(", ".join(job.targets)),
            cell(str(len(job.post_ids))),
            # Cleaned before it is cut, so the 80 are counted on what is shown (cell would clean it twice).
            IsolatedText(truncate(printable("; ".join(problems)), 80)),
        )
    return table


@app.command(rich_help_panel=PLANNING)
@handles_errors
def schedule(
    text: Annotated[str, typer.Argument(help="The text to publish; - reads it from stdin.")],
    to: Annotated[
        list[str],
        typer.Option(
            "--to",
            metavar="PROFILE",
            help="An account to post with (a profile). Repeatable.",
            autocompletion=complete_profiles,
            callback=typed_value(),
        ),
    ],
    at: Annotated[str, typer.Option("--at", help="When: now, +2h, or ISO-8601 with a time zone.")] = "now",
    every: Annotated[str | None, typer.Option("--every", help="Repeat every 1h, 1d… (at least 1m).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="When a repeating job ends.")] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="Count --every (whole days) on this zone's clock, e.g. Europe/Berlin: the local hour stays.",
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="Any name for this job: the same command again does nothing (give --at as a fixed time).",
            callback=checked_while_read(key_text),
        ),
    ] = None,
    variant: Annotated[
        list[str] | None,
        typer.Option(
            "--variant",
            help="NAME=TEXT: another text for a profile or a network (the profile's wins). Repeatable.",
        ),
    ] = None,
    store: StoreOpt = "campaign.db",
    as_json: JsonOpt = False,
) -> None:
    """Plan a post for one or more profiles."""
    from .crosspost import check_profile_accounts
    from .rhythm import check_offset, rhythm_clock, shared_zone
    from .scheduler import check_targets

    # Each option's own value is checked first (a wrong one is status 2), before a store is made.
    each_once(to)  # `--to brand --to brand`: as `post` and `crisis start` (it was planned once, said 0)
    with given("--variant"):
        variants = parse_variants(variant or [])
        check_variant_names(variants, to)
    with given("--at"):
        when = parse_when(at)
    with given("--every"):
        interval = None if every is None else parse_every(every)
    with given("--until"):
        end = None if until is None else parse_when(until)
    if tz is not None:
        with given("--tz"):
            shared_zone(tz)  # `localtime`, `right/…`: another clock on another machine
    # Options that do not go together: also wrong arguments, said before the store is opened
    # (Scheduler.schedule refuses them too, as InvalidInput, for a caller of the library). A blank
    # --key is refused as it is read (key_text).
    if end is not None and interval is None:
        raise UsageProblem("--until goes with --every: a job that does not recur has no end")
    if end is not None and end < when:
        raise UsageProblem("--until is before --at: the job would never run")
    if tz is not None:
        with given("--tz"):
            clock = rhythm_clock(tz, interval)
        with given("--at"):
            check_offset(when, clock, "--at")  # 09:00+01:00 for New York: 03:00 there (as schedule() says)
    draft = Draft(text=text_or_stdin(text))  # as `post`: "-" is a file piped in; read before the store
    # `--to brnad`, a bad setting, two profiles for one account (status 1, as `post` and `crisis start`
    # say it): Scheduler.schedule's own checks, said before the store is made
    check_targets(to)
    check_profile_accounts(to)
    with open_scheduler(store, create=True) as sched:
        job = sched.schedule(
            draft,
            to,
            at=when,
            every=interval,
            until=end,
            key=key,
            variants=variants or None,
            tz=tz,
        )
    if as_json:
        print_json(job_json(job))
        return
    out().print(
        f"scheduled {job.id} for {job.at:%Y-%m-%d %H:%M} UTC to {printable(', '.join(job.targets))}",
        markup=False,
    )


@app.command(rich_help_panel=PLANNING)
@handles_errors
def jobs(
    status: Annotated[str | None, typer.Option("--status", help="Only jobs with this status.")] = None,
    store: StoreOpt = "campaign.db",
    as_json: JsonOpt = False,
) -> None:
    """List the jobs in a store, soonest first, with what each has published."""
    from .jobs import STATUSES

    if status is not None and status not in STATUSES:
        raise UsageProblem(f"--status: unknown status {status!r}; use one of {', '.join(STATUSES)}")
    with open_scheduler(store) as sched:
        listed = sched.jobs(status=status)  # type: ignore[arg-type]  # checked by jobs()
    if as_json:
        print_json([job_json(job) for job in listed])
        return
    if not listed:
        out().print("(no jobs)")
        return
    out().print(_jobs_table(listed))


def job_json(job: Job) -> dict[str, Any]:
    """A job for ``--json``: its plan, state and per-target outcomes (errors as ``{"type", "message"}``);
    ``error``: why a job whose record cannot be read is failed (``null`` for every other job)."""
    return {
        "id": job.id,
        "status": job.status,
        "at": json_time(job.at),
        "every_seconds": None if job.every is None else job.every.total_seconds(),
        "until": None if job.until is None else json_time(job.until),
        "tz": job.tz,
        "targets": list(job.targets),
        "key": job.key,
        "text": job.draft.text,
        "occurrence": job.occurrence,
        "takeovers": job.takeovers,  # of this occurrence from workers that stopped mid-run
        "error": None if job.error is None else error_json(job.error),
        "outcomes": [
            {
                "target": o.target,
                "occurrence": o.occurrence,
                "network": o.network,
                "post_ids": list(o.post_ids),
                "error": None if o.error is None else error_json(o.error),
                "publishing": o.publishing,  # a worker's publish under way (or cut short): no outcome yet
            }
            for o in job.outcomes
        ],
    }


def _moved(verb: str, ids: list[str], as_json: bool = False) -> None:
    if as_json:
        print_json({"action": verb, "ids": ids})
        return
    out().print(f"{verb} {len(ids)} job(s)" + (f": {', '.join(ids)}" if ids else ""), markup=False)


@app.command(rich_help_panel=PLANNING)
@handles_errors
def pause(
    job_id: Annotated[
        str | None, typer.Argument(help="A job id; every job when left out.", callback=typed_value())
    ] = None,
    store: StoreOpt = "campaign.db",
    as_json: JsonOpt = False,
) -> None:
    """Pause a job (or every job): nothing planned goes out until it is resumed."""
    with open_scheduler(store) as sched:
        _moved("paused", sched.pause(job_id), as_json)


@app.command(rich_help_panel=PLANNING)
@handles_errors
def resume(
    job_id: Annotated[
        str | None,
        typer.Argument(help="A job id; every paused job when left out.", callback=typed_value()),
    ] = None,
    store: StoreOpt = "campaign.db",
    as_json: JsonOpt = False,
) -> None:
    """Resume a paused job (or every paused job)."""
    with open_scheduler(store) as sched:
        _moved("resumed", sched.resume(job_id), as_json)


@app.command(rich_help_panel=PLANNING)
@handles_errors
def cancel(
    job_id: Annotated[str, typer.Argument(help="The job id.", callback=typed_value())],
    store: StoreOpt = "campaign.db",
    yes: Annotated[bool, yes_opt("Cancel")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Cancel a job that has not finished (its record stays; it cannot be resumed).

    Run from a terminal it asks first, unless --yes; a script is not asked.
    """
    with open_scheduler(store) as sched:
        job = None if yes or not stdin_is_terminal() else sched.job(job_id)
        if job is not None and job.status in ("scheduled", "paused", "running"):  # else cancel() says why
            # Nothing resumes a cancelled job: a mistyped or mis-pasted id deserves one look. On stderr,
            # so a piped --json stays one document.
            typer.confirm(
                f"Cancel job {job.id} ({printable(job.key or '')}), {job.status} for"
                f" {job.at:%Y-%m-%d %H:%M} UTC to {printable(', '.join(job.targets))}?",
                abort=True,
                err=True,
            )
        sched.cancel(job_id)
    _moved("cancelled", [job_id], as_json)


@app.command(rich_help_panel=PLANNING)
@handles_errors
def reschedule(
    job_id: Annotated[str, typer.Argument(help="The job id.", callback=typed_value())],
    at: Annotated[str, typer.Option("--at", help="The new time: +2h, or ISO-8601 with a time zone.")],
    store: StoreOpt = "campaign.db",
    as_json: JsonOpt = False,
) -> None:
    """Move a planned or paused job to another time."""
    with given("--at"):
        when = parse_when(at)
    with open_scheduler(store) as sched:
        job = sched.reschedule(job_id, when)
    if as_json:
        print_json(job_json(job))
        return
    out().print(f"{job.id} now goes out {job.at:%Y-%m-%d %H:%M} UTC", markup=False)


@app.command(rich_help_panel=PLANNING)
@handles_errors
def retry(
    job_id: Annotated[str, typer.Argument(help="The failed job's id.", callback=typed_value())],
    store: StoreOpt = "campaign.db",
    as_json: JsonOpt = False,
) -> None:
    """Run a failed job again now: only the targets that published nothing for sure."""
    with open_scheduler(store) as sched:
        job = sched.retry(job_id)
    if as_json:
        print_json(job_json(job))
        return
    out().print(f"{job.id} goes out again at the next look of a worker", markup=False)


@app.command(rich_help_panel=PLANNING)
@handles_errors
def worker(
    store: StoreOpt = "campaign.db",
    once: Annotated[
        bool, typer.Option("--once", help="Run what is due now, then exit (1 if a job it ran failed).")
    ] = False,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between looks for due jobs.")] = 1.0,
) -> None:
    """Run due jobs from a store, showing each as it finishes (Ctrl-C stops after the job in flight).

    With --once, the exit status is 1 if a job it ran failed (on any target): cron sees it.
    It gives up (status 1) on a store out of reach for a minute; without --once it waits on.
    """
    from .scheduler import MAX_STORE_PAUSE

    if not 0 < poll <= threading.TIMEOUT_MAX:  # nan too; a longer wait cannot be told (OverflowError)
        raise UsageProblem(f"--poll must be more than 0 seconds and less than a wait can be, got {poll:g}")
    console = out()
    sched: Scheduler | None = None
    stop = threading.Event()
    pause = poll  # as Scheduler.run: a store out of reach is tried again, less and less often
    down_since: float | None = None  # when the store went out of reach (monotonic), for --once
    restore = _stop_on_signals(stop, console)
    failed: list[str] = []  # the jobs whose occurrence run here failed (on a target, or unreadable)

    def finished(job: Job) -> None:
        if _print_job(console, job):
            failed.append(job.id)

    try:
        while not stop.is_set():
            try:
                if sched is None:  # a Redis store not up yet (a worker started first) is waited for too
                    sched = open_scheduler(store, create=True, poll_interval=poll)
                    console.print(f"worker {sched.worker_id} on {sched.store.where}", markup=False)
                # Each job as it ends, read back alone: listing every job of a large store per job ran
                # cost more than the job (about 0.13 s a poll with 5,000 jobs). Only the occurrence
                # that ended is shown, so only it is read (not months of a recurring job's record).
                ran = sched.run_pending(limit=1, on_finished=finished, whole_record=False)
            except NetworkUnavailable as exc:
                if not exc.retryable:
                    raise
                down_since = time.monotonic() if down_since is None else down_since
                if once and (down := time.monotonic() - down_since) >= ONCE_STORE_WAIT:
                    raise NetworkUnavailable(
                        f"{exc} (out of reach for {down:.3g} s: worker --once gives up; run it again later)"
                    ) from None
                if once:  # the last wait ends at the minute, not a doubled pause past it
                    pause = min(pause, ONCE_STORE_WAIT - (time.monotonic() - down_since))
                console.print(f"{printable(str(exc))}; trying again in {pause:.3g} s", markup=False)
                stop.wait(pause)
                pause = min(pause * 2, MAX_STORE_PAUSE)
                continue
            pause, down_since = poll, None
            if not ran:
                if once:
                    break
                stop.wait(poll)
        if stop.is_set():
            console.print("stopped", markup=False)
    except KeyboardInterrupt:
        console.print("stopped", markup=False)
    finally:
        restore()
        if sched is not None:
            sched.close()
    if once and failed:  # as `monitor`: a cron job's failure is seen (a job retried later never ended here)
        raise typer.Exit(1)


def _stop_on_signals(stop: threading.Event, console: Console) -> Callable[[], None]:
    """Make Ctrl-C (and SIGTERM, a service manager's stop) set ``stop``: the job in flight finishes
    and is recorded. A second Ctrl-C interrupts at once (its lease then lets another worker finish
    it, without posting twice). Returns what puts the previous handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread may set handlers (a worker run from a test's thread)

    def asked(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        console.print("stopping after the job in flight (Ctrl-C again to stop now)", markup=False)

    previous = {sig: signal.signal(sig, asked) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def _print_job(console: Console, job: Job) -> bool:
    """A line for a job that ended an occurrence, and one for each target of it that failed; whether
    any did (the job is then ``failed``, or a recurring one goes on to its next occurrence without
    it), or the job's record could not be read.

    The occurrence shown is the last one recorded: a recurring job is already planned for its next.
    """
    ended = max((o.occurrence for o in job.outcomes), default=job.occurrence)
    outcomes = [o for o in job.outcomes if o.occurrence == ended]
    console.print(f"{job.id} {job.status}: {sum(len(o.post_ids) for o in outcomes)} post(s)", markup=False)
    if job.error is not None:
        console.print(f"  {printable(str(job.error))}", markup=False)
    for outcome in outcomes:
        if outcome.error is not None:
            console.print(f"  {printable(outcome.target)}: {printable(str(outcome.error))}", markup=False)
        elif outcome.publishing:
            console.print(f"  {printable(outcome.target)}: publishing", markup=False)
    return job.status == "failed" or job.error is not None or any(o.error is not None for o in outcomes)
