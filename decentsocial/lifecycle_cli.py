"""The post-lifecycle commands of ``decentsocial``: edit, pin, unpin, retract, and crisis start/end.

``edit`` and ``pin`` work on one post of one connection (``--profile``, or
``--network`` with ``--setting``). ``retract`` takes back every post a
scheduled job made, by its id or its key, from the scheduler store
(``--store``). ``crisis start`` pauses every job in that store, publishes
the statement to each ``--to`` profile and pins it; ``crisis end``, from
any shell, unpins it and resumes exactly the jobs it paused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .cli import POSTING, NetworkOpt, ProfileOpt, SettingOpt, app, handles_errors, open_one, out
from .errors import NotFound
from .models import Draft
from .store_cli import StoreOpt, is_missing_file, open_scheduler
from .terminal import bidi, printable

if TYPE_CHECKING:
    from .lifecycle import Retraction
    from .scheduler import Job, Scheduler

__all__ = ["crisis_app"]

crisis_app = typer.Typer(
    name="crisis",
    help="Crisis mode: pause every job, publish and pin a statement; end it to resume.",
    no_args_is_help=True,
)
app.add_typer(crisis_app, name="crisis", rich_help_panel=POSTING)


@app.command(rich_help_panel=POSTING)
@handles_errors
def edit(
    post_id: Annotated[str, typer.Argument(help="The post's id on its network.")],
    text: Annotated[str, typer.Argument(help="The post's new text.")],
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    content_warning: Annotated[
        str | None, typer.Option("--content-warning", "--cw", help="A content warning.")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Where the network cannot edit: delete and republish (the post's id changes)."
        ),
    ] = False,
) -> None:
    """Edit one of your posts in place (or, with --replace, delete it and publish the new text)."""
    net = open_one(profile, network, setting or [])
    try:
        post = net.edit(post_id, Draft(text=text, content_warning=content_warning), replace=replace)
    finally:
        net.close()
    verb = "replaced by" if post.id != post_id else "edited"
    out().print(f"{verb} {printable(post.url or post.id)}: " + bidi(post.text), markup=False, soft_wrap=True)


@app.command(rich_help_panel=POSTING)
@handles_errors
def pin(
    post_id: Annotated[str, typer.Argument(help="The post's id on its network.")],
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
) -> None:
    """Pin one of your posts to your profile (on Hive: a post in a community you moderate)."""
    _pinning(True, post_id, profile, network, setting)


@app.command(rich_help_panel=POSTING)
@handles_errors
def unpin(
    post_id: Annotated[str, typer.Argument(help="The post's id on its network.")],
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
) -> None:
    """Take a post off your pins."""
    _pinning(False, post_id, profile, network, setting)


def _pinning(
    pin: bool, post_id: str, profile: str | None, network: str | None, setting: list[str] | None
) -> None:
    """Pin (or unpin) one post as one account, then say so: the two commands differ only in the call."""
    net = open_one(profile, network, setting or [])
    try:
        (net.pin if pin else net.unpin)(post_id)
    finally:
        net.close()
    out().print(f"{'pinned' if pin else 'unpinned'} {printable(post_id)} on {net.name}", markup=False)


def _find_job(sched: Scheduler, job_or_key: str) -> Job:
    try:
        return sched.job(job_or_key)
    except NotFound:
        for job in sched.jobs():
            if job.key == job_or_key:
                return job
        raise


def _print_retraction(retraction: Retraction) -> None:
    console = out()
    for o in retraction.outcomes:
        if o.skipped is not None:
            line = f"  skipped  {o.target}: {printable(o.skipped)}"
        elif o.error is not None:
            line = f"  failed   {o.target}: {printable(str(o.error))} ({len(o.deleted)} deleted before)"
        else:
            line = f"  ok       {o.target}: {len(o.deleted)} deleted"
            if o.edited:
                line += f", {len(o.edited)} edited to a retraction notice (the network keeps them)"
        console.print(line, markup=False, soft_wrap=True)


@app.command(rich_help_panel=POSTING)
@handles_errors
def retract(
    job_or_key: Annotated[str, typer.Argument(help="A job's id, or the key it was scheduled with.")],
    store: StoreOpt = "campaign.db",
) -> None:
    """Delete every post a scheduled job made, threads included, on every target (safe to run twice)."""
    from .lifecycle import retract as retract_job

    sched = open_scheduler(store)
    try:
        job = _find_job(sched, job_or_key)
    finally:
        sched.close()
    retraction = retract_job(job)
    out().print(f"Retracted job {job.id}", style="bold", markup=False)
    _print_retraction(retraction)
    if not retraction.ok:
        raise typer.Exit(1)


@crisis_app.command("start")
@handles_errors
def crisis_start(
    statement: Annotated[str, typer.Argument(help="The statement to publish everywhere.")],
    to: Annotated[list[str], typer.Option("--to", help="A profile to publish with. Repeatable.")],
    no_pin: Annotated[bool, typer.Option("--no-pin", help="Publish without pinning.")] = False,
    store: StoreOpt = "campaign.db",
) -> None:
    """Pause every planned job, publish the statement to each profile and pin it."""
    from .lifecycle import crisis

    # Made if missing (a brand with no campaign can still start a crisis), but said: a mistyped
    # --store must not look like a campaign that was paused.
    new = is_missing_file(store)
    sched = open_scheduler(store, create=True)
    try:
        c = crisis(statement, to, scheduler=sched, pin=not no_pin)
    finally:
        sched.close()
    console = out()
    console.print(f"Crisis {c.id} started; {len(c.paused)} job(s) paused", style="bold", markup=False)
    if new:
        console.print(
            f"  no scheduler store was at {printable(store)}: made one, so no job was paused"
            " (check --store if campaigns are running)",
            markup=False,
            soft_wrap=True,
        )
    assert c.result is not None
    for label, outcome in zip(to, c.result.outcomes, strict=True):
        if outcome.error is not None:
            line = f"  failed   {label}: {printable(str(outcome.error))}"
        else:
            pinned = any(p.id == outcome.posts[0].id for p in c.pinned)
            line = f"  posted   {label}: {printable(outcome.posts[0].url or outcome.posts[0].id)}"
            line += " (pinned)" if pinned else ""
        console.print(line, markup=False, soft_wrap=True)
    for label, error in c.not_pinned:
        console.print(f"  not pinned {label}: {printable(str(error))}", markup=False, soft_wrap=True)
    if not c.result.ok:
        raise typer.Exit(1)


@crisis_app.command("end")
@handles_errors
def crisis_end(store: StoreOpt = "campaign.db") -> None:
    """Unpin the statement and resume exactly the jobs the crisis paused."""
    from .errors import InvalidInput
    from .lifecycle import Crisis

    sched = open_scheduler(store)
    try:
        active = Crisis.active(sched)
        if active is None:
            raise InvalidInput(f"no crisis is active in {store}")
        ended = active.end()
    finally:
        sched.close()
    console = out()
    console.print(
        f"Crisis {active.id} ended: {len(ended.unpinned)} unpinned, {len(ended.resumed)} job(s) resumed",
        style="bold",
        markup=False,
    )
    for label, error in ended.errors:
        console.print(f"  not unpinned {label}: {printable(str(error))}", markup=False, soft_wrap=True)
    if ended.errors:
        raise typer.Exit(1)
