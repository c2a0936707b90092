"""Everyday commands of ``decentsocial``: reply, delete, like, repost, search, thread, notifications, account.

Each is a thin layer over one ``Network`` call, with the same options as
the rest (``--profile``/``-p``, or ``--network`` with ``--setting``) and
``--json`` output for scripts. A command acting on one post takes the id
``timeline``, ``search`` or ``post --json`` showed; reading commands take
``--profile`` several times to read several accounts in one go.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.rule import Rule
from rich.text import Text

from .base import BaseNetwork
from .cli import (
    POSTING,
    READING,
    JsonOpt,
    LimitOpt,
    NetworkOpt,
    ProfileOpt,
    ProfilesOpt,
    SettingOpt,
    Target,
    UsageProblem,
    app,
    close_all,
    each_target,
    handles_errors,
    interrupted,
    may_be_posted,
    model_json,
    new_key,
    open_targets,
    out,
    print_json,
    print_posts,
    progress,
    read_posts,
)
from .draft_cli import AltOpt, CwOpt, ImageOpt, images
from .models import Account, Draft, Notification, Post
from .post_text import one_line, post_inline
from .store_cli import checked_while_read, key_text, typed_value
from .terminal import bidi, printable, stdin_is_terminal, text_or_stdin

__all__: list[str] = []

R = TypeVar("R")

PostIdArg = Annotated[
    str,
    typer.Argument(
        metavar="POST_ID",
        help="The post's id, as timeline, search or post --json show it.",
        callback=typed_value(),
    ),
]


def one_target(profile: str | None, network: str | None, setting: list[str] | None) -> Target:
    return open_targets([profile] if profile else [], network, setting or [])[0]


def write_one(
    profile: str | None,
    network: str | None,
    setting: list[str] | None,
    doing: str,
    act: Callable[[BaseNetwork[Any]], R],
    ask: Callable[[Target], None] | None = None,
) -> tuple[Target, R]:
    """One write as one account: open it, ``ask`` first if given, ``act`` under a progress line, close."""
    target = one_target(profile, network, setting)
    try:
        if ask is not None:
            ask(target)
        with progress(f"{doing} as {target.name}…"):
            return target, act(target.net)
    finally:
        close_all([target])


def done(action: str, target: Target, post_id: str, url: str | None, as_json: bool) -> None:
    """What a write did: ``liked  brand (mastodon)  <link>``, or its JSON object."""
    if as_json:
        print_json(
            {"action": action, "target": target.label, "network": target.net.name, "id": post_id, "url": url}
        )
        return
    out().print(f"{action}  {target.name}  {printable(url or post_id)}", markup=False, soft_wrap=True)


# ---------------------------------------------------------------- writing


@app.command(rich_help_panel=POSTING)
@handles_errors
def reply(
    post_id: PostIdArg,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The reply's text; - reads it from stdin.")],
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    image: ImageOpt = None,
    alt: AltOpt = None,
    cw: CwOpt = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            metavar="NAME",
            help="Any name for this reply: running again with it never replies twice.",
            callback=checked_while_read(key_text),
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Reply to a post."""
    draft = Draft(
        text=text_or_stdin(text, empty_ok=bool(image)),
        media=images(image, alt),
        content_warning=cw,
        idempotency_key=key or new_key(),
    )
    with interrupted(may_be_posted(draft.idempotency_key)):
        target, made = write_one(profile, network, setting, "Replying", lambda net: net.reply(post_id, draft))
    done("replied", target, made.id, made.url, as_json)


@app.command(rich_help_panel=POSTING)
@handles_errors
def delete(
    post_id: PostIdArg,
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Delete without asking (needed when not run from a terminal).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete one of your posts (it asks first, unless --yes)."""

    def ask(target: Target) -> None:
        if not stdin_is_terminal():
            raise UsageProblem("delete asks before deleting: add --yes to delete without asking")
        # On stderr: with --json piped, a question on stdout would be read as the document, unseen.
        typer.confirm(f"Delete post {printable(post_id)} as {target.name}?", abort=True, err=True)

    target, _ = write_one(
        profile, network, setting, "Deleting", lambda net: net.delete(post_id), None if yes else ask
    )
    done("deleted", target, post_id, None, as_json)


@app.command(rich_help_panel=POSTING)
@handles_errors
def like(
    post_id: PostIdArg,
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Like a post."""
    target, _ = write_one(profile, network, setting, "Liking", lambda net: net.like(post_id))
    done("liked", target, post_id, None, as_json)


@app.command(rich_help_panel=POSTING)
@handles_errors
def repost(
    post_id: PostIdArg,
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Share a post with your followers (boost, repost, reblog)."""
    target, made = write_one(profile, network, setting, "Reposting", lambda net: net.repost(post_id))
    if made is None:
        done("reposted", target, post_id, None, as_json)
    else:
        done("reposted", target, made.id, made.url, as_json)


# ---------------------------------------------------------------- reading


@app.command(rich_help_panel=READING)
@handles_errors
def search(
    query: Annotated[
        str,
        typer.Argument(metavar="QUERY", help='Words to find, or "#tag" for a tag.', callback=typed_value()),
    ],
    profile: ProfilesOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    limit: LimitOpt = 20,
    as_json: JsonOpt = False,
) -> None:
    """Search posts, on each account's network."""
    read_posts(
        open_targets(profile or [], network, setting or []),
        f"search {bidi(repr(query))}",  # isolated: an Arabic query must not pull the heading's quotes
        lambda net: net.search(query, limit=limit),
        as_json,
    )


@app.command(rich_help_panel=READING)
@handles_errors
def thread(
    post_id: PostIdArg,
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a post with the replies around it, in conversation order."""
    read_posts(
        open_targets([profile] if profile else [], network, setting or []),
        "thread",
        lambda net: net.thread(post_id),
        as_json,
    )


@app.command(rich_help_panel=READING)
@handles_errors
def notifications(
    profile: ProfilesOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    limit: LimitOpt = 20,
    as_json: JsonOpt = False,
) -> None:
    """Show what happened to each account: mentions, replies, likes, follows, rewards."""
    targets = open_targets(profile or [], network, setting or [])
    results, failed = each_target(
        targets, "notifications", lambda target: list(target.net.notifications(limit=limit))
    )
    if as_json:
        print_json([model_json(n, target) for target, items in results for n in items])
    else:
        console = out()
        for target, items in results:
            console.print(Rule(Text(f"{target.name}: notifications"), align="left"))
            for item in items:
                console.print(_notification_line(item), markup=False, soft_wrap=True)
            if not items:
                console.print("(nothing yet)")
    if failed:
        raise typer.Exit(1)


#: The most of a notification's post text shown on its line (graphemes, counted on what is shown).
EXCERPT = 60


def _notification_line(item: Notification) -> str:
    """One notification on one line; its post as ``monitor`` shows one (``[CW: food] text [2 images]``),
    the text cut: the text behind a warning must not show as if it had none."""
    # Each part made printable on its own: over the whole line, it would strip the post's bidi isolates.
    who = f" @{printable(item.account.handle)}" if item.account else ""
    amount = f" {printable(str(item.amount))}" if item.amount else ""
    about = f": {post_inline(item.post, one_line(item.post.text, EXCERPT))}" if item.post else ""
    return f"{item.created_at:%Y-%m-%d %H:%M} UTC  {item.kind}{who}{amount}{about}"


@app.command(rich_help_panel=READING)
@handles_errors
def account(
    handle: Annotated[
        str | None,
        typer.Argument(  # blank: said below, as what it did (showed your own account as if it were theirs)
            metavar="HANDLE", help="Whose account; yours when left out.", callback=typed_value(blank=True)
        ),
    ] = None,
    profile: ProfilesOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    posts: Annotated[
        int, typer.Option("--posts", min=0, metavar="N", help="Also show the latest N posts.")
    ] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Show an account (yours, or HANDLE's): name, bio, followers, and optionally its latest posts."""
    if handle is not None and not handle.strip():
        # ``account "$WHO"`` with $WHO unset showed the operator's own account as if it were WHO's.
        raise UsageProblem("HANDLE is empty: give a handle, or leave it out for your own account")
    targets = open_targets(profile or [], network, setting or [])

    def read(target: Target) -> tuple[Account, list[Post]]:
        found = target.net.account(handle) if handle is not None else target.net.me()
        return found, list(target.net.posts(found, limit=posts)) if posts else []

    results, failed = each_target(targets, "the account", read)
    if as_json:
        print_json([_account_json(target, found, latest) for target, (found, latest) in results])
    else:
        console = out()
        for target, (found, latest) in results:
            console.print(Rule(Text(f"{target.name}: @{printable(found.handle)}"), align="left"))
            for line in _account_lines(found):
                console.print(line, markup=False, soft_wrap=True)
            if latest:
                print_posts(console, latest)
    if failed:
        raise typer.Exit(1)


def _account_json(target: Target, found: Account, latest: list[Post]) -> dict[str, Any]:
    value = model_json(found, target)
    value["posts"] = [model_json(p) for p in latest]
    return value


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def _account_lines(found: Account) -> list[str]:
    lines = [bidi(found.display_name or found.handle) + f" (@{printable(found.handle)})"]
    lines += ["  " + bidi(line) for line in (found.bio or "").splitlines() if line.strip()]
    lines.append(
        f"followers {_count(found.followers)} · following {_count(found.following)} · "
        f"posts {_count(found.posts_count)}"
    )
    if found.url:
        lines.append(printable(found.url))
    return lines
