"""The ``decentsocial`` command: a demo on the embedded sandbox, and post/timeline/rewards for any network.

Connections come from a profile (``--profile``, see ``decentsocial.config``)
or from ``--network`` with ``--setting KEY=VALUE`` (``KEY_env=VAR`` reads
the value from an environment variable, which keeps secrets out of the
shell history and the process list). Errors print one line and exit 1.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from .base import BaseNetwork
from .errors import ConfigurationError, DecentSocialError, InvalidInput
from .models import Amount, Draft, Post, Reward
from .network import Capability
from .text import truncate

if TYPE_CHECKING:
    from .backends.sandbox import SandboxNetwork

__all__ = ["app", "main"]

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="decentsocial",
    help="Publish, read and earn on decentralized social networks from one command.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Characters of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko, and their presentation forms).
_RTL_RANGES = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))
_FSI, _PDI = "\u2068", "\u2069"


def out() -> Console:
    return Console(highlight=False, soft_wrap=False)


def err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def has_rtl(text: str) -> bool:
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in _RTL_RANGES)


#: Terminal escape sequences (CSI, OSC, and the rest) and control characters other than tab.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Remote text made safe for a terminal: escape sequences and control characters removed.

    A post, a handle or a server's error message comes from strangers; printed
    as it is, an escape sequence could recolour, hide or rewrite what is on
    the screen (or set the window title, or a clipboard). Line breaks are the
    caller's business: it prints text line by line.
    """
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def bidi(text: str) -> str:
    """Text in its logical order, isolated (FSI…PDI) when it holds right-to-left script.

    Terminals lay out right-to-left runs themselves; the isolate keeps an
    Arabic line from pulling neighbouring numbers, table borders and
    punctuation into its direction. The text itself is never reordered.
    """
    text = printable(text)
    return f"{_FSI}{text}{_PDI}" if has_rtl(text) else text


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Errors become one line on stderr and exit code 1, never a traceback.

    An unexpected exception (a bug) is named by its type only, since its
    text could hold a setting's value; ``DECENTSOCIAL_DEBUG=1`` shows the traceback.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
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
            raise InvalidInput("--setting takes KEY=VALUE (one was given without a key or '=')")
        if key.endswith("_env"):
            variable = value.strip()
            if variable not in os.environ:
                raise ConfigurationError(f"{key} names environment variable {variable}, which is not set")
            settings[key[: -len("_env")]] = os.environ[variable]
            continue
        if value.startswith(("[", "{")):
            try:
                settings[key] = json.loads(value)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"--setting {key}: not valid JSON ({exc.msg})") from None
        else:
            settings[key] = value
    return settings


def open_networks(
    profiles: Sequence[str], network: str | None, settings: Sequence[str]
) -> list[BaseNetwork[Any]]:
    """The connections a command works on: each ``--profile``, or one ``--network`` with its settings."""
    from .registry import connect_any as connect

    extra = parse_settings(settings)
    if profiles:
        return [connect(network, profile=p, **extra) for p in profiles]
    if network is None and not os.environ.get("DECENTSOCIAL_PROFILE"):
        raise ConfigurationError("say where: --profile NAME, or --network NAME with --setting KEY=VALUE")
    return [connect(network, **extra)]


def open_one(profile: str | None, network: str | None, settings: Sequence[str]) -> BaseNetwork[Any]:
    return open_networks([profile] if profile else [], network, settings)[0]


ProfileOpt = Annotated[
    str | None, typer.Option("--profile", "-p", help="A profile from the config file / environment.")
]
NetworkOpt = Annotated[str | None, typer.Option("--network", "-n", help="A network name (see `networks`).")]
SettingOpt = Annotated[
    list[str] | None,
    typer.Option("--setting", "-s", help="KEY=VALUE for --network; KEY_env=VAR reads $VAR. Repeatable."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) instead of text.")]


# ---------------------------------------------------------------- rendering


def print_posts(console: Console, posts: Iterable[Post]) -> int:
    """Each post as a header line and its text on its own line(s), never cut or wrapped by us.

    A table would fold long right-to-left lines inside a cell; printed this
    way the terminal wraps and lays out each paragraph itself.
    """
    count = 0
    for item in posts:
        count += 1
        m = item.metrics
        kind = "replied" if item.reply_to else "posted"
        header = (
            f"[bold]@{_escape(item.author.handle)}[/bold] {kind} [dim]{item.created_at:%Y-%m-%d %H:%M} UTC · "
            f"{_count(m.likes, 'like')} · {_count(m.replies, 'reply', 'replies')} · {_escape(item.id)}[/dim]"
        )
        console.print(header)
        for line in item.text.splitlines() or [""]:
            console.print("  " + bidi(line), markup=False, soft_wrap=True)
    return count


def _count(value: int | None, one: str, many: str | None = None) -> str:
    """``"1 like"``, ``"3 likes"``, or ``"- likes"`` when the network does not say."""
    plural = many or one + "s"
    if value is None:
        return f"- {plural}"
    return f"{value} {one if value == 1 else plural}"


def amounts(reward: Reward) -> str:
    return ", ".join(str(a) for a in reward.amounts) or "nothing"


def reward_line(reward: Reward) -> str:
    when = f", pays out {reward.payout_at:%Y-%m-%d %H:%M} UTC" if reward.payout_at else ""
    return f"{reward.status}: {amounts(reward)}{when}"


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------- commands


@app.command()
@handles_errors
def networks() -> None:
    """List the networks decentsocial knows and whether their backend is installed."""
    from .registry import backend_class, install_hint, known_networks

    table = Table(title="Networks")
    table.add_column("name", no_wrap=True)
    table.add_column("status")
    table.add_column("capabilities")
    for name in known_networks():
        hint = install_hint(name)
        if hint is not None:
            # Text, not markup: "[bluesky]" in the hint must print as it is.
            table.add_row(name, Text(f"missing extra: {hint}"), "")
            continue
        try:
            cls = backend_class(name)
        except Exception as exc:  # a third-party backend that fails to import must not hide the others
            table.add_row(name, Text(f"broken: {type(exc).__name__} on import"), "")
            continue
        if cls.capabilities >= frozenset(Capability):
            caps = "all"
        else:
            caps = ", ".join(sorted(c.value for c in cls.capabilities))
        table.add_row(name, "ready", caps)
    out().print(table)


@app.command()
@handles_errors
def post(
    text: Annotated[str, typer.Argument(help="The text to publish.")],
    profile: Annotated[
        list[str] | None,
        typer.Option("--profile", "-p", help="Profile to publish with; repeat to cross-post."),
    ] = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="A tag to add. Repeatable.")] = None,
    title: Annotated[str | None, typer.Option(help="A title (Hive/Steem).")] = None,
    key: Annotated[
        str | None, typer.Option("--key", help="Idempotency key: running again with it never posts twice.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and show what would be posted.")] = False,
    no_split: Annotated[bool, typer.Option("--no-split", help="Reject text that is too long.")] = False,
) -> None:
    """Publish a post on one network, or on several at once (one --profile each)."""
    from .crosspost import crosspost

    draft = Draft(text=text, tags=tuple(tag or ()), title=title, idempotency_key=key)
    nets = open_networks(profile or [], network, setting or [])
    try:
        result = crosspost(draft, nets, dry_run=dry_run, split=not no_split)
    finally:
        for net in nets:
            net.close()
    console = out()
    console.print("Dry run: nothing was posted" if dry_run else "Posted", style="bold")
    for outcome in result.outcomes:
        parts = f" ({len(outcome.drafts)} parts)" if len(outcome.drafts) > 1 else ""
        if outcome.error is not None:
            line = f"  failed   {outcome.network}: {printable(str(outcome.error))}"
        elif dry_run:
            line = f"  ok       {outcome.network}{parts}: would post: " + bidi(
                truncate(outcome.drafts[0].text, 60)
            )
        else:
            line = f"  ok       {outcome.network}{parts}: " + printable(
                " ".join(p.url or p.id for p in outcome.posts)
            )
        console.print(line, markup=False, soft_wrap=True)
    console.print(f"idempotency key: {result.key}", markup=False)
    if not result.ok:
        raise typer.Exit(1)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(printable(text))


@app.command()
@handles_errors
def timeline(
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-l", min=1, help="How many posts.")] = 20,
    search: Annotated[str | None, typer.Option("--search", help='Search instead ("#tag" for a tag).')] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the home timeline (or search results), newest first."""
    with open_one(profile, network, setting or []) as net:
        posts = list(net.search(search, limit=limit) if search else net.timeline(limit=limit))
    if as_json:
        print_json([p.model_dump(mode="json", exclude={"raw"}) for p in posts])
        return
    console = out()
    title = f"search {search!r}" if search else "timeline"
    console.print(Rule(Text(f"{net.name} {title}"), align="left"))
    if not print_posts(console, posts):
        console.print("(nothing yet)")


@app.command()
@handles_errors
def rewards(
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    claim: Annotated[bool, typer.Option("--claim", help="Claim what is claimable now.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show the rewards this account can claim (and claim them with --claim)."""
    with open_one(profile, network, setting or []) as net:
        pending = net.pending_rewards()
        claimed = net.claim_rewards() if claim else None
    if as_json:
        print_json(
            {
                "pending": pending.model_dump(mode="json", exclude={"raw"}),
                "claimed": claimed.model_dump(mode="json", exclude={"raw"}) if claimed else None,
            }
        )
        return
    console = out()
    console.print(
        f"{net.name} rewards for {printable(pending.subject)}: {reward_line(pending)}", markup=False
    )
    if claimed is not None:
        console.print(f"claimed: {amounts(claimed)}", markup=False)


@app.command()
@handles_errors
def demo(
    path: Annotated[
        str | None,
        typer.Option("--path", help="Keep the demo's sandbox in this SQLite file (default: in memory)."),
    ] = None,
) -> None:
    """Run the main job on the embedded sandbox: post, reply, like, a reward cycle, a tip."""
    run_demo(out(), path)


# ---------------------------------------------------------------- the demo

#: The title of the Arabic article decentsocial started from ("The impact of decentralized
#: social media on marketers"): right-to-left text belongs in every demo.
ARABIC_LINE = "أثر وسائل التواصل الاجتماعي اللامركزية على المسوقين"


def _sandbox(path: str | None, account: str, display_name: str) -> SandboxNetwork:
    from .backends.sandbox import SandboxNetwork
    from .registry import connect

    net = connect("sandbox", path=path, account=account, display_name=display_name)
    if not isinstance(net, SandboxNetwork):  # pragma: no cover - the registry maps "sandbox" to it
        raise ConfigurationError("the sandbox backend is not the built-in one", network="sandbox")
    return net


def _claimable(reward: Reward) -> str:
    if reward.status == "claimable":
        return amounts(reward)
    return "nothing yet" if reward.status == "pending" else "nothing"


def run_demo(console: Console, path: str | None = None) -> None:
    """Two accounts on one sandbox: a tagged post, a reply, likes, a full reward cycle and a tip."""
    alice = _sandbox(path, "alice", "Alice (brand)")
    bob = alice.as_account("bob", display_name="Bob (fan)")
    try:
        _demo(console, alice, bob)
    finally:
        bob.close()
        alice.close()


def _demo(console: Console, alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    console.rule("decentsocial demo: the embedded sandbox network")
    start = {net.handle: net.balance() for net in (alice, bob)}

    post = alice.publish(Draft(text="Launch day! Our community app pays its creators. #decentsocial"))
    reply = bob.reply(post, Draft(text=f"{ARABIC_LINE} #decentsocial"))
    bob.like(post)
    alice.like(reply)
    console.print(Rule("1. A post with a tag, a reply, likes", align="left"))
    print_posts(console, alice.thread(post))
    found = list(bob.search("#decentsocial", limit=10))
    console.print(f"search #decentsocial finds {len(found)} posts", markup=False)

    console.print(Rule("2. Reward cycle: pending -> claimable -> claimed", align="left"))
    pending = alice.rewards(post)
    if pending.payout_at is not None:
        console.print(f"payout time: {pending.payout_at:%Y-%m-%d %H:%M} UTC", markup=False)
    cycle = Table(title="alice's rewards")
    cycle.add_column("stage", no_wrap=True)
    cycle.add_column("her post", no_wrap=True)
    cycle.add_column("she can claim", no_wrap=True)
    cycle.add_column("balance", no_wrap=True, justify="right")

    def stage(label: str) -> None:
        reward = alice.rewards(post)
        claimable = _claimable(alice.pending_rewards())
        cycle.add_row(label, f"{reward.status} {amounts(reward)}", claimable, str(alice.balance()))

    stage("liked by bob")
    if pending.payout_at is not None:
        alice.advance_time(pending.payout_at - alice.current_time())
    stage("at payout time")
    claimed = alice.claim_rewards()
    stage("after claiming")
    console.print(cycle)
    console.print(f"alice claimed {amounts(claimed)} (sandbox clock moved, no waiting)", markup=False)

    console.print(Rule("3. A tip", align="left"))
    tip = Amount(value=Decimal("0.500"), asset=start["alice"].asset)
    receipt = alice.tip(reply, tip, memo="شكرا! thanks for the reply")
    console.print(f"alice tipped bob {tip} on his reply (receipt {receipt})", markup=False)

    balances = Table(title="Balances")
    balances.add_column("account")
    balances.add_column("start", justify="right")
    balances.add_column("end", justify="right")
    for net in (alice, bob):
        balances.add_row("@" + net.handle, str(start[net.handle]), str(net.balance()))
    console.print(balances)
    console.print(
        'The same calls work on every network: decentsocial.connect("mastodon", ...).', markup=False
    )


def main() -> None:
    """Entry point of the ``decentsocial`` command."""
    app()


# The campaign commands (schedule, jobs, pause, resume, cancel, reschedule, worker) and the engagement
# commands (report, track) live in their own modules and register on ``app`` when imported.
from . import campaign_cli, engagement_cli  # noqa: E402, F401

from . import monitor_cli  # noqa: E402, F401  # isort: skip  (decentsocial monitor)

if __name__ == "__main__":
    main()
