"""The ``decentsocial`` command: a demo on the embedded sandbox, and post/timeline/rewards for any network.

Connections come from a profile (``--profile``, see ``decentsocial.config``)
or from ``--network`` with ``--setting KEY=VALUE`` (``KEY_env=VAR`` reads
the value from an environment variable, which keeps secrets out of the
shell history and the process list). Errors print one line and exit 1 (2: wrong arguments).
"""

from __future__ import annotations

import functools
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.rule import Rule
from rich.text import Text
from typer.core import TyperGroup

from .base import BaseNetwork
from .draft_cli import AltOpt, CwOpt, ImageOpt, TagOpt, TitleOpt, images
from .errors import ConfigurationError, DecentSocialError
from .models import Account, Draft, Message, Notification, Post, Reward
from .post_text import print_posts as print_posts  # the command modules print posts with it too
from .store_cli import (
    checked_while_read,
    each_once,
    json_setting,
    key_text,
    known_network,
    settings_fit,
    typed_value,
)
from .terminal import bidi, json_text, printable, stdin_is_terminal, text_or_stdin
from .text import truncate

if TYPE_CHECKING:
    from .crosspost import CrosspostResult, Outcome

__all__ = ["app", "main"]

if __name__ == "__main__":
    # ``python -m decentsocial.cli`` runs this file as ``__main__``, a copy on which the command modules
    # (imported at the bottom) would not register: run the real ``decentsocial.cli`` instead, now.
    from decentsocial.console import main as _run

    _run()

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


def _flags_shown_as_flags(params: Iterable[Any]) -> None:
    """Help shows ``--dry-run``, not ``--dry-run <bool>``, and plain words instead of Python types.

    Recent typer versions print each option's Python type (``<bool>``,
    ``<list[str]>``) in the help: a flag looks as if it took a value and a
    marketer reads internal jargon. A flag gets an empty metavar; an option
    or argument without a metavar of its own gets a word (TEXT, NUMBER…).
    """
    for param in params:
        is_argument = getattr(param, "param_type_name", "") == "argument"
        if is_argument and hasattr(param, "display_type_rich"):  # its name says it: no "<str>" beside it
            param.display_type_rich = _no_type
        if getattr(param, "metavar", None) is not None:
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
            continue
        word = _metavar_word(param)
        if is_argument:
            word = (getattr(param, "name", None) or word).upper()
        param.metavar = word


def _no_type(ctx: Any = None) -> None:
    return None


def _metavar_word(param: Any) -> str:
    """``NUMBER``, ``PATH`` or ``TEXT`` for an option's value, from its Python type (or click's type name)."""
    bare_type = getattr(param, "bare_type", None)
    kind = str(
        bare_type() if callable(bare_type) else getattr(getattr(param, "type", None), "name", "")
    ).lower()
    if "int" in kind or "float" in kind:
        return "NUMBER"
    if "path" in kind:
        return "PATH"
    return "TEXT"


class _Group(TyperGroup):
    """The ``decentsocial`` group: every command's help goes through :func:`_flags_shown_as_flags`."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = list(super().get_params(ctx))
        _flags_shown_as_flags(params)
        return params

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _plain_help(command, ctx)
        return command


def _plain_help(command: Any, ctx: Any) -> None:
    """:func:`_flags_shown_as_flags` for a command and, for a group added with ``add_typer``, its commands."""
    _flags_shown_as_flags(command.get_params(ctx))
    if hasattr(command, "list_commands") and hasattr(command, "get_command"):
        for name in command.list_commands(ctx):
            _plain_help(command.get_command(ctx, name), ctx)


#: The help's command groups, so a first look finds posting and reading before the rest.
POSTING, READING, PLANNING, SETUP = "Posting", "Reading", "Campaigns and engagement", "Setup"

app = typer.Typer(
    name="decentsocial",
    cls=_Group,
    help="Publish, read and earn on decentralized social networks from one command.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"decentsocial {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Publish, read and earn on decentralized social networks from one command."""
    _library_logs_stay_quiet()


def _library_logs_stay_quiet() -> None:
    """The library's warnings are not printed a second time: each command reports errors itself.

    Without a handler, Python prints a logger's warnings on stderr; ``post``
    already shows each failed target on its line, so the same error would
    appear twice. ``DECENTSOCIAL_DEBUG=1`` shows the library's log instead.
    """
    import logging

    logger = logging.getLogger("decentsocial")
    if any(h.get_name() == "decentsocial-cli" for h in logger.handlers):
        return
    handler: logging.Handler
    if os.environ.get("DECENTSOCIAL_DEBUG"):
        handler = logging.StreamHandler()
        logger.setLevel(logging.DEBUG)
    else:
        handler = logging.NullHandler()
    handler.set_name("decentsocial-cli")
    logger.addHandler(handler)


def out() -> Console:
    # emoji=False: ":white_check_mark:" in a post or a name is printed as written, not as an emoji.
    return Console(highlight=False, soft_wrap=False, emoji=False)


def err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


class UsageProblem(Exception):
    """The command was given the wrong arguments: one line on stderr and exit status 2."""


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Errors become one line on stderr and exit code 1 (2 for wrong arguments), never a traceback.

    An unexpected exception (a bug) is named by its type only, since its
    text could hold a setting's value; ``DECENTSOCIAL_DEBUG=1`` shows the traceback.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except UsageProblem as exc:
            err().print(f"error: {printable(str(exc))}", markup=False)
            raise typer.Exit(2) from None
        except DecentSocialError as exc:
            err().print(f"error: {printable(str(exc))}", markup=False)
            raise typer.Exit(1) from None
        except Exception as exc:
            # typer's own exits and usage errors (typer or click, by version) go on to typer.
            if type(exc).__module__.split(".")[0] in ("typer", "click") or os.environ.get(
                "DECENTSOCIAL_DEBUG"
            ):
                raise
            err().print(
                f"error: unexpected {type(exc).__name__} (set DECENTSOCIAL_DEBUG=1 to see the traceback)",
                markup=False,
            )
            raise typer.Exit(1) from None

    return wrapper


# ---------------------------------------------------------------- connecting


def parse_settings(pairs: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; a JSON list/object value is decoded; ``KEY_env=VAR`` reads ``$VAR``."""
    settings: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageProblem("--setting takes KEY=VALUE (one was given without a key or '=')")
        if key.endswith("_env"):
            variable = value.strip()
            if variable not in os.environ:
                from .config import variable_named  # the secret itself typed there is not quoted

                raise UsageProblem(f"--setting {key} names {variable_named(variable)}, which is not set")
            settings[key[: -len("_env")]] = os.environ[variable]
            continue
        settings[key] = json_setting(key, value) if value.startswith(("[", "{")) else value
    return settings


@dataclass(frozen=True)
class Target:
    """One connection a command works on, and how to name it to the user.

    ``label`` is the profile name (or the network name for ``--network``):
    two accounts on one network are told apart by it.
    """

    label: str
    net: BaseNetwork[Any]

    @property
    def name(self) -> str:
        """``"brand (mastodon)"``, or ``"mastodon"`` when the label is the network's name."""
        label = printable(self.label)
        return label if self.label == self.net.name else f"{label} ({self.net.name})"


def open_targets(profiles: Sequence[str], network: str | None, settings: Sequence[str]) -> list[Target]:
    """The connections a command works on: each ``--profile``, or one ``--network`` with its settings.

    No network I/O happens here; a profile that does not exist or has bad
    settings stops the command before anything is sent.
    """
    from .config import default_profile
    from .registry import backend_class, checked_settings
    from .registry import connect_any as connect

    extra = parse_settings(settings)
    each_once(profiles)
    if not profiles and network is None:
        fallback = default_profile()
        if fallback is None:
            raise UsageProblem(
                "say which account: --profile NAME (a profile from your config file), "
                "or --network NAME with --setting KEY=VALUE"
            )
        profiles = [fallback]
    if profiles and extra:
        settings_fit(profiles, network, extra)  # -s account=$'\xff' -p brand: typed, so status 2
    targets: list[Target] = []
    try:
        if profiles:
            for name in profiles:
                targets.append(Target(name, connect(network, profile=name, **extra)))
        else:
            assert network is not None
            backend_class(network)  # one known but not loadable here (its extra missing): status 1
            try:  # no profile's settings merged in: what the check (no I/O) refuses was typed, status 2
                checked_settings(network, extra)
            except ConfigurationError as exc:
                raise UsageProblem(f"--setting: {exc}") from None
            targets.append(Target(network, connect(network, **extra)))
    except BaseException:
        close_all(targets)
        raise
    return targets


def close_all(targets: Iterable[Target]) -> None:
    for target in targets:
        target.net.close()


def open_networks(
    profiles: Sequence[str], network: str | None, settings: Sequence[str]
) -> list[BaseNetwork[Any]]:
    """The connections a command works on (see :func:`open_targets`), without their labels."""
    return [t.net for t in open_targets(profiles, network, settings)]


def open_one(profile: str | None, network: str | None, settings: Sequence[str]) -> BaseNetwork[Any]:
    return open_networks([profile] if profile else [], network, settings)[0]


@contextmanager
def progress(message: str) -> Iterator[Callable[[str], None]]:
    """A spinner with ``message`` on stderr while a slow step runs (nothing when stderr is not a terminal).

    On stderr, so ``--json`` output on stdout stays clean for scripts. The
    function yielded updates the message.
    """
    console = err()
    if not console.is_terminal:
        yield lambda text: None
        return
    with console.status(Text(message), spinner="dots") as status:
        yield lambda text: status.update(Text(text))


def _known() -> list[str]:
    from .registry import known_networks

    return known_networks()


def complete_profiles(incomplete: str) -> list[str]:
    """Shell completion for profile names: the ones in the config file."""
    from .config import profile_names

    try:
        return [name for name in profile_names() if name.startswith(incomplete)]
    except DecentSocialError:
        return []


ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        metavar="PROFILE",
        help="The account to use: a profile from your config file.",
        autocompletion=complete_profiles,
        callback=typed_value(),
    ),
]
ProfilesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--profile",
        "-p",
        metavar="PROFILE",
        help="An account to use: a profile from your config file. Repeat for several accounts.",
        autocompletion=complete_profiles,
        callback=typed_value(),
    ),
]
NetworkOpt = Annotated[
    str | None,
    typer.Option(
        "--network",
        "-n",
        metavar="NETWORK",
        help="A network name, instead of a profile.",
        callback=checked_while_read(known_network),  # a typo: status 2, before any store is made
        autocompletion=lambda incomplete: [n for n in _known() if n.startswith(incomplete)],
    ),
]
SettingOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--setting",
        "-s",
        metavar="KEY=VALUE",
        help="A setting for --network (KEY_env=VAR reads it from $VAR). Repeatable.",
        callback=checked_while_read(parse_settings),
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) instead of text.")]
LimitOpt = Annotated[int, typer.Option("--limit", "-l", min=1, metavar="N", help="How many at most.")]


def yes_opt(doing: str) -> Any:
    """The ``--yes`` of a command that asks before what cannot be undone: ``doing`` without the question."""
    return typer.Option(
        "--yes", "-y", help=f"{doing} without asking (it asks only when run from a terminal)."
    )


def ask_first(yes: bool, question: str) -> None:
    """Ask ``question`` unless ``--yes``; only a terminal is asked (a script is not), and "no" aborts.

    On stderr, so a piped ``--json`` stays one document.
    """
    if not yes and stdin_is_terminal():
        typer.confirm(question, abort=True, err=True)


# ---------------------------------------------------------------- rendering


def amounts(reward: Reward) -> str:
    return ", ".join(str(a) for a in reward.amounts) or "nothing"


def reward_line(reward: Reward) -> str:
    when = f", pays out {reward.payout_at:%Y-%m-%d %H:%M} UTC" if reward.payout_at else ""
    return f"{reward.status}: {amounts(reward)}{when}"


def claim_line(reward: Reward) -> str:
    """An account's ``pending_rewards``: "pending" there means nothing claimable yet, not "0 pending"."""
    if reward.status == "pending" and not any(a.value for a in reward.amounts):
        when = f"; the next matures {reward.payout_at:%Y-%m-%d %H:%M} UTC" if reward.payout_at else ""
        return f"nothing to claim yet{when}"
    return reward_line(reward)


def print_json(value: Any) -> None:
    """``value`` as indented JSON on stdout, safe on a terminal: see :func:`json_text`."""
    typer.echo(json_text(value, indent=2))


# ---------------------------------------------------------------- commands


@app.command(rich_help_panel=POSTING)
@handles_errors
def post(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The text to publish; - reads it from stdin.")],
    to: Annotated[
        list[str] | None,
        typer.Option(
            "--to",
            "--profile",
            "-p",
            metavar="PROFILE",
            help="An account to post with (a profile from your config file). Repeat to post to several.",
            autocompletion=complete_profiles,
            callback=typed_value(),
        ),
    ] = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    image: ImageOpt = None,
    alt: AltOpt = None,
    cw: CwOpt = None,
    tag: TagOpt = None,
    title: TitleOpt = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            metavar="NAME",
            help="Any name for this post: running the command again with it never posts twice.",
            callback=checked_while_read(key_text),
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything and show what would be posted; post nothing.")
    ] = False,
    no_split: Annotated[
        bool, typer.Option("--no-split", help="Refuse text that is too long instead of making a thread.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Publish a post with one account or several at once; one line per account with the link or the error.

    Exit status: 0 when every account posted, 1 when any failed, 2 when the
    command itself is wrong.
    """
    from .crosspost import crosspost

    media = images(image, alt)
    draft = Draft(
        text=text_or_stdin(text, empty_ok=bool(media)),
        media=media,
        content_warning=cw,
        tags=tuple(tag or ()),
        title=title,
        idempotency_key=key or new_key(),
    )
    targets = open_targets(to or [], network, setting or [])
    try:
        doing = "Checking" if dry_run else "Posting"
        with (
            interrupted("nothing was posted" if dry_run else may_be_posted(draft.idempotency_key)),
            progress(f"{doing}: {', '.join(t.name for t in targets)}…"),
        ):
            result = crosspost(draft, [t.net for t in targets], dry_run=dry_run, split=not no_split)
    finally:
        close_all(targets)
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "dry_run": dry_run,
                "key": result.key,
                "targets": [
                    posting_json(target.label, outcome)
                    for target, outcome in zip(targets, result.outcomes, strict=True)
                ],
            }
        )
    else:
        _print_outcomes(targets, result, dry_run)
    if not result.ok:
        raise typer.Exit(1)


def new_key() -> str:
    """A key for a write given no ``--key``: known before anything is sent, so an interruption can name it."""
    return os.urandom(16).hex()


@contextmanager
def interrupted(message: str) -> Iterator[None]:
    """Ctrl-C during a write ends the command (status 130) with ``message``: what may be done, how to finish.

    Some accounts may have written before the interruption; said nothing,
    the user runs the command again and posts there a second time.
    """
    try:
        yield
    except KeyboardInterrupt:
        # A request already sent is waited for before the process ends; a second Ctrl-C ends it now,
        # quietly (by default Python prints a traceback from its exit handlers). Set before the
        # message, so a second Ctrl-C right after it cannot land in between.
        with suppress(ValueError):  # not the main thread: its handler is not ours to change
            signal.signal(signal.SIGINT, signal.SIG_DFL)
        err().print(f"interrupted: {message}", markup=False, soft_wrap=True)
        raise typer.Exit(130) from None


def may_be_posted(key: str | None) -> str:
    """What :func:`interrupted` says of a post or reply given ``key``."""
    return (
        "it may be posted already; to finish without posting twice,"
        f" run the same command again with --key {key}"
    )


def posting_json(label: str, outcome: Outcome) -> dict[str, Any]:
    """One target of a crosspost for ``--json`` (``post``, ``crisis start``); ``label`` names the profile."""
    return {
        "target": label,
        "network": outcome.network,
        "ok": outcome.ok,
        "posts": [{"id": p.id, "url": p.url} for p in outcome.posts],
        "would_post": [d.text for d in outcome.drafts] if not outcome.posts else [],
        "error": error_json(outcome.error) if outcome.error is not None else None,
    }


def error_json(error: DecentSocialError) -> dict[str, Any]:
    """An error for ``--json`` output: its kind (the class name in ``decentsocial.errors``) and message."""
    return {"type": type(error).__name__, "message": str(error)}


def _print_outcomes(targets: Sequence[Target], result: CrosspostResult, dry_run: bool) -> None:
    """One line per target: ``posted``/``would post`` with the link or text, or ``failed`` with why."""
    console = out()
    # Padded to terminal columns, not characters: an emoji or CJK profile name takes two.
    width = max(cell_len(t.name) for t in targets)
    for target, outcome in zip(targets, result.outcomes, strict=True):
        parts = f" ({len(outcome.drafts)} parts)" if len(outcome.drafts) > 1 else ""
        where = target.name + " " * (width - cell_len(target.name))
        if outcome.error is not None:
            done = f", {len(outcome.posts)} parts posted before it" if outcome.posts else ""
            line = f"failed      {where}  {printable(str(outcome.error))}{done}"
        elif dry_run:
            # Line breaks as spaces: removed as control characters, they ran the lines' words together.
            line = f"would post  {where}  {parts and parts[1:] + ': '}" + bidi(
                truncate(" ".join(outcome.drafts[0].text.split()), 60)
            )
        else:
            links = " ".join(p.url or p.id for p in outcome.posts)
            line = f"posted      {where}  {printable(links)}{parts}"
        console.print(line, markup=False, soft_wrap=True)
    failed = sum(1 for o in result.outcomes if not o.ok)
    if dry_run:
        summary = "Dry run: nothing was posted."
    elif failed:
        summary = (
            f"{failed} of {len(result.outcomes)} failed; "
            f"to retry without posting twice, add --key {result.key}"
        )
    else:
        summary = f"Done. To run this again without posting twice, add --key {result.key}"
    console.print(summary, markup=False, soft_wrap=True)


@app.command(rich_help_panel=READING)
@handles_errors
def timeline(
    profile: ProfilesOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    limit: LimitOpt = 20,
    search: Annotated[
        str | None,
        typer.Option(
            "--search", metavar="QUERY", help='Search instead ("#tag" for a tag).', callback=typed_value()
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the home timeline (or search results), newest first, for each account."""
    verb = f"search {search!r}" if search else "timeline"
    read_posts(
        open_targets(profile or [], network, setting or []),
        verb,
        lambda net: net.search(search, limit=limit) if search else net.timeline(limit=limit),
        as_json,
    )


def model_json(
    model: Post | Notification | Account | Message, target: Target | None = None
) -> dict[str, Any]:
    """A post, notification, account or message for ``--json``: its fields and ``target`` (the profile).

    The networks' own payloads (``raw``, at every level) are left out: they
    differ by network and can be large; the neutral fields are the contract.
    """
    value: dict[str, Any] = _without_raw(model.model_dump(mode="json"))
    if target is not None:
        value["target"] = target.label
    return value


def _without_raw(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_raw(v) for k, v in value.items() if k != "raw"}
    if isinstance(value, list):
        return [_without_raw(v) for v in value]
    return value


def each_target(
    targets: Sequence[Target], verb: str, fetch: Callable[[Target], T]
) -> tuple[list[tuple[Target, T]], bool]:
    """``fetch`` for each target in turn, with a spinner on stderr; the connections are closed after.

    With several targets one failing does not hide the others: its error is
    printed (once, on stderr, named by the target) after the spinner, and the
    second value returned is true: the command exits with status 1 once it
    has shown the rest. With one target its error ends the command as usual.
    """
    results: list[tuple[Target, T]] = []
    errors: list[tuple[Target, DecentSocialError]] = []
    try:
        with progress(f"Reading {verb}…") as status:
            for target in targets:
                status(f"Reading {verb}: {target.name}…")
                try:
                    results.append((target, fetch(target)))
                except DecentSocialError as exc:
                    if len(targets) == 1:
                        raise
                    errors.append((target, exc))
    finally:
        close_all(targets)
    for target, error in errors:
        err().print(f"error: {target.name}: {printable(str(error))}", markup=False)
    return results, bool(errors)


def read_posts(
    targets: Sequence[Target], verb: str, fetch: Callable[[BaseNetwork[Any]], Iterable[Post]], as_json: bool
) -> None:
    """Fetch posts for each target (a spinner on stderr meanwhile), then print them or their JSON."""
    results, failed = each_target(targets, verb, lambda target: list(fetch(target.net)))
    if as_json:
        print_json([model_json(p, target) for target, posts in results for p in posts])
    else:
        console = out()
        for target, posts in results:
            console.print(Rule(Text(f"{target.name}: {verb}"), align="left"))
            if not print_posts(console, posts):
                console.print("(nothing yet)")
    if failed:
        raise typer.Exit(1)


@app.command(rich_help_panel=READING)
@handles_errors
def rewards(
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    claim: Annotated[bool, typer.Option("--claim", help="Claim what is claimable now.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show the rewards this account can claim (and claim them with --claim)."""
    with open_one(profile, network, setting or []) as net, progress(f"Reading {net.name} rewards…"):
        pending = net.pending_rewards()
        claimed = net.claim_rewards() if claim else None
    if as_json:
        print_json(
            {
                "pending": _without_raw(pending.model_dump(mode="json")),
                "claimed": _without_raw(claimed.model_dump(mode="json")) if claimed else None,
            }
        )
        return
    console = out()
    console.print(
        printable(f"{net.name} rewards for {pending.subject}: {claim_line(pending)}"),
        markup=False,
        soft_wrap=True,
    )
    if claimed is not None:
        console.print(printable(f"claimed: {amounts(claimed)}"), markup=False, soft_wrap=True)


def main() -> None:
    """Entry point of the ``decentsocial`` command."""
    app()


# The campaign commands (schedule, jobs, pause, resume, cancel, reschedule, worker), the engagement
# commands (report, track), the sign-in commands (login, logout, profiles, refresh), the message
# commands (messages, message send), the everyday commands (reply, delete, like, repost, search, thread,
# notifications, account), the lifecycle commands (edit, pin, unpin, retract, crisis) and the setup
# commands (networks, demo) live in their own modules and register on ``app`` when imported.
from . import auth_cli, campaign_cli, engagement_cli, lifecycle_cli, setup_cli, social_cli  # noqa: E402, F401
from . import messages_cli as _messages_cli  # noqa: E402, F401

from . import monitor_cli  # noqa: E402, F401  # isort: skip  (decentsocial monitor)

if __name__ == "__main__":
    main()
