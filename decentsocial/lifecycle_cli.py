"""The post-lifecycle commands of ``decentsocial``: edit, pin, unpin, retract, and crisis start/end.

``edit`` and ``pin`` work on one post of one connection (``--profile``, or
``--network`` with ``--setting``). ``retract`` takes back every post a
scheduled job made, by its id or its key, from the scheduler store
(``--store``). ``crisis start`` pauses every job in that store, publishes
the statement to each ``--to`` profile and pins it; ``crisis end``, from
any shell, unpins it and resumes exactly the jobs it paused. Each takes
``--json`` and then prints one JSON document instead of text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli import (
    POSTING,
    JsonOpt,
    NetworkOpt,
    ProfileOpt,
    SettingOpt,
    app,
    ask_first,
    complete_profiles,
    err,
    error_json,
    handles_errors,
    interrupted,
    model_json,
    out,
    posting_json,
    print_json,
    yes_opt,
)
from .errors import NotFound
from .models import Draft
from .post_text import print_post_body
from .store_cli import StoreOpt, each_once, is_missing_file, open_scheduler, typed_value
from .terminal import printable, text_or_stdin

if TYPE_CHECKING:
    from .crosspost import Outcome
    from .lifecycle import Crisis, Retraction
    from .scheduler import Job, Scheduler

# ``write_one`` and ``done`` (one write as one account, and what it did) come from ``social_cli``,
# imported inside the commands: imported here, its commands would be registered before these (and
# move them in the help), and when social_cli is imported first it is still half made here.

__all__ = ["crisis_app"]

#: As ``social_cli``'s (not imported from it: see above), so ``edit`` and ``pin`` check it the same way.
PostIdArg = Annotated[
    str, typer.Argument(help="The post's id on its network.", metavar="POST_ID", callback=typed_value())
]

crisis_app = typer.Typer(
    name="crisis",
    help="Crisis mode: pause every job, publish and pin a statement; end it to resume.",
    no_args_is_help=True,
)
app.add_typer(crisis_app, name="crisis", rich_help_panel=POSTING)


@app.command(rich_help_panel=POSTING)
@handles_errors
def edit(
    post_id: PostIdArg,
    text: Annotated[str, typer.Argument(help="The post's new text; - reads it from stdin.")],
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    content_warning: Annotated[
        str | None,
        typer.Option("--content-warning", "--cw", help="A content warning.", callback=typed_value()),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Where the network cannot edit: delete and republish (the post's id changes)."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Edit one of your posts in place (or, with --replace, delete it and publish the new text)."""
    from .social_cli import write_one

    # As `post`: "-" is a file piped in, never the text "-" (the post's text replaced by a dash).
    draft = Draft(text=text_or_stdin(text), content_warning=content_warning)
    target, post = write_one(
        profile, network, setting, "Editing", lambda net: net.edit(post_id, draft, replace=replace)
    )
    if as_json:
        print_json(model_json(post, target))
        return
    verb = "replaced by" if post.id != post_id else "edited"
    console = out()
    console.print(f"{verb} {printable(post.url or post.id)}:", markup=False, soft_wrap=True)
    print_post_body(console, post)  # as posts are shown: its warning, its lines, its media


@app.command(rich_help_panel=POSTING)
@handles_errors
def pin(
    post_id: PostIdArg,
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Pin one of your posts to your profile (on Hive: a post in a community you moderate)."""
    _pinning(True, post_id, profile, network, setting, as_json)


@app.command(rich_help_panel=POSTING)
@handles_errors
def unpin(
    post_id: PostIdArg,
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Take a post off your pins."""
    _pinning(False, post_id, profile, network, setting, as_json)


def _pinning(
    pin: bool,
    post_id: str,
    profile: str | None,
    network: str | None,
    setting: list[str] | None,
    as_json: bool,
) -> None:
    """Pin (or unpin) one post as one account, then say so: the two commands differ only in the call."""
    from .social_cli import done, write_one

    doing = "Pinning" if pin else "Unpinning"
    target, _ = write_one(
        profile, network, setting, doing, lambda net: (net.pin if pin else net.unpin)(post_id)
    )
    done("pinned" if pin else "unpinned", target, post_id, None, as_json)


def _find_job(sched: Scheduler, job_or_key: str) -> Job:
    """The job with this id, else the one planned with this key (the store's index: no scan)."""
    try:
        return sched.job(job_or_key)
    except NotFound:
        found = sched.store.find(job_or_key)
        if found is None:
            raise
        return sched.job(found)


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


def _retraction_json(job: Job, retraction: Retraction) -> dict[str, Any]:
    """``retract --json``: per target the posts deleted, edited to a notice, still up (and why), errors."""
    return {
        "ok": retraction.ok,
        "job": job.id,
        "key": job.key,
        "targets": [
            {
                "target": o.target,
                "network": o.network,
                "ok": o.ok,
                "deleted": list(o.deleted),
                "edited": list(o.edited),
                "remaining": [{"id": pid, "error": error_json(error)} for pid, error in o.remaining],
                "skipped": o.skipped,
                "error": None if o.error is None else error_json(o.error),
            }
            for o in retraction.outcomes
        ],
        "job_status": job.status,  # scheduled, paused or running: it will post again unless cancelled
    }


@app.command(rich_help_panel=POSTING)
@handles_errors
def retract(
    job_or_key: Annotated[
        str,
        typer.Argument(help="A job's id, or the key it was scheduled with.", callback=typed_value()),
    ],
    store: StoreOpt = "campaign.db",
    yes: Annotated[bool, yes_opt("Delete")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete every post a scheduled job made, threads included, on every target (safe to run twice).

    The job itself goes on (a repeating one posts again): cancel it too. Run
    from a terminal it asks first, unless --yes; a script is not asked.
    """
    from .lifecycle import retract as retract_job

    with open_scheduler(store) as sched:
        job = _find_job(sched, job_or_key)
    ask_first(  # nothing brings the posts back: a mistyped or mis-pasted id deserves one look
        yes,
        f"Delete the {len(job.post_ids)} post(s) job {job.id} ({printable(job.key)}) made, on"
        f" {printable(', '.join(job.targets))}?",
    )
    retraction = retract_job(job)
    if as_json:
        print_json(_retraction_json(job, retraction))
    else:
        out().print(f"Retracted job {job.id}", style="bold", markup=False)
        _print_retraction(retraction)
    if job.status in ("scheduled", "paused", "running"):
        # Retracting deletes what was made; the job itself goes on (a repeating one posts again).
        err().print(
            f"note: job {job.id} is still {job.status} and will post again at its next time;"
            f" cancel it with: decentsocial cancel {job.id}",
            markup=False,
        )
    if not retraction.ok:
        raise typer.Exit(1)


@crisis_app.command("start")
@handles_errors
def crisis_start(
    statement: Annotated[
        str, typer.Argument(help="The statement to publish everywhere; - reads it from stdin.")
    ],
    to: Annotated[
        list[str],
        typer.Option(
            "--to",
            help="A profile to publish with. Repeatable.",
            autocompletion=complete_profiles,
            callback=typed_value(),
        ),
    ],
    no_pin: Annotated[bool, typer.Option("--no-pin", help="Publish without pinning.")] = False,
    store: StoreOpt = "campaign.db",
    as_json: JsonOpt = False,
) -> None:
    """Pause every planned job, publish the statement to each profile and pin it."""
    from .config import require_profiles
    from .crosspost import check_profile_accounts
    from .lifecycle import crisis

    # As `post`: "-" is a file piped in (a statement prepared ahead), never the statement "-" published
    # and pinned everywhere. A blank STATEMENT (``"$MSG"`` with $MSG unset) or a byte the command line
    # could not decode is status 2; an empty file is the draft's error (1). Both before any store or job.
    draft = Draft(text=text_or_stdin(statement, "STATEMENT"))
    each_once(to)
    require_profiles(to, secrets=True)  # `--to brnad`, a bad setting (status 1): said before any store
    # Two profiles for one account: InvalidInput (status 1, as `post` and `schedule` say it), here
    # before the store is made (it was made, then the crisis refused). Each profile is connected as
    # crisis() connects it, and closed: an account comes from its settings, no network is contacted.
    check_profile_accounts(to, strict=True)
    # Made if missing (a brand with no campaign can still start a crisis), but said: a mistyped
    # --store must not look like a campaign that was paused.
    new = is_missing_file(store)
    with (
        open_scheduler(store, create=True) as sched,
        interrupted(
            "the crisis may have started in part (jobs paused, the statement posted and pinned on some"
            " profiles): `decentsocial crisis end` ends it, unpins it and resumes the jobs it paused"
        ),
    ):
        c = crisis(draft, to, scheduler=sched, pin=not no_pin)
    assert c.result is not None
    if as_json:
        print_json(
            {
                "ok": c.result.ok,
                "id": c.id,
                "paused": list(c.paused),
                "store_created": new,
                "targets": [
                    _statement_json(c, label, outcome)
                    for label, outcome in zip(to, c.result.outcomes, strict=True)
                ],
            }
        )
    else:
        _print_crisis(c, to, store if new else None)
    if not c.result.ok:
        raise typer.Exit(1)


def _is_pinned(c: Crisis, outcome: Outcome) -> bool:
    return outcome.post is not None and any(p.id == outcome.post.id for p in c.pinned)


def _statement_json(c: Crisis, label: str, outcome: Outcome) -> dict[str, Any]:
    """A ``crisis start --json`` target: as in ``post --json``, and whether it was pinned (or why not)."""
    value = posting_json(label, outcome)
    not_pinned = dict(c.not_pinned).get(label)
    value["pinned"] = _is_pinned(c, outcome)
    value["pin_error"] = None if not_pinned is None else error_json(not_pinned)
    return value


def _print_crisis(c: Crisis, to: list[str], made_store: str | None) -> None:
    """``crisis start`` as text: the crisis, a store it had to make, and a line per profile."""
    assert c.result is not None
    console = out()
    console.print(f"Crisis {c.id} started; {len(c.paused)} job(s) paused", style="bold", markup=False)
    if made_store is not None:
        console.print(
            f"  no scheduler store was at {printable(made_store)}: made one, so no job was paused"
            " (check --store if campaigns are running)",
            markup=False,
            soft_wrap=True,
        )
    for label, outcome in zip(to, c.result.outcomes, strict=True):
        if outcome.error is not None:
            line = f"  failed   {label}: {printable(str(outcome.error))}"
        else:
            line = f"  posted   {label}: {printable(outcome.posts[0].url or outcome.posts[0].id)}"
            line += " (pinned)" if _is_pinned(c, outcome) else ""
        console.print(line, markup=False, soft_wrap=True)
    for label, error in c.not_pinned:
        console.print(f"  not pinned {label}: {printable(str(error))}", markup=False, soft_wrap=True)


@crisis_app.command("end")
@handles_errors
def crisis_end(
    store: StoreOpt = "campaign.db",
    skip_backlog: Annotated[
        bool,
        typer.Option(
            "--skip-backlog",
            help="Cancel the one-off jobs whose time passed during the crisis instead of sending them now.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Unpin the statement and resume exactly the jobs the crisis paused."""
    from .errors import InvalidInput
    from .lifecycle import Crisis

    with open_scheduler(store) as sched:
        active = Crisis.active(sched)
        if active is None:
            raise InvalidInput(f"no crisis is active in {sched.store.where}")
        ended = active.end(backlog="skip" if skip_backlog else "now")
    if as_json:
        print_json(
            {
                "ok": not ended.errors,
                "id": active.id,
                "unpinned": list(ended.unpinned),
                "resumed": list(ended.resumed),
                "skipped": list(ended.skipped),
                "under_way": list(ended.under_way),
                "errors": [{"target": label, "error": error_json(error)} for label, error in ended.errors],
            }
        )
    else:
        console = out()
        console.print(
            f"Crisis {active.id} ended: {len(ended.unpinned)} unpinned, {len(ended.resumed)} job(s) resumed"
            + (f", {len(ended.skipped)} overdue job(s) cancelled" if skip_backlog else "")
            + (f", {len(ended.under_way)} left to the worker publishing them" if ended.under_way else ""),
            style="bold",
            markup=False,
            soft_wrap=True,
        )
        for label, error in ended.errors:
            console.print(f"  not unpinned {label}: {printable(str(error))}", markup=False, soft_wrap=True)
    if ended.errors:
        raise typer.Exit(1)
