"""The setup commands of ``decentsocial``: ``networks`` (what is installed) and ``demo``.

``networks`` lists every known network, whether its extra is installed (with
the ``pip install`` command when it is not) and what it can do. ``demo`` runs
the main job on the embedded sandbox with two accounts and no setup: Alice
posts with a tag, Bob replies in Arabic, both like, Alice's reward goes
pending -> claimable -> claimed (the sandbox clock jumps, nothing waits),
she tips Bob, and the balances are shown.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from .cli import SETUP, JsonOpt, amounts, app, handles_errors, out, print_json, print_posts
from .errors import ConfigurationError, DecentSocialError
from .models import Amount, Draft, Reward
from .network import Capability
from .terminal import cell, printable

if TYPE_CHECKING:
    from .backends.sandbox import SandboxNetwork

__all__ = ["ARABIC_LINE", "run_demo"]


@app.command(rich_help_panel=SETUP)
@handles_errors
def networks(as_json: JsonOpt = False) -> None:
    """List the networks decentsocial knows, whether each is installed, and what each can do."""
    rows = _network_rows()
    if as_json:
        print_json(rows)
        return
    table = Table(title="Networks")
    table.add_column("name", no_wrap=True, min_width=8)
    table.add_column("status", no_wrap=True, min_width=13)
    table.add_column("capabilities", ratio=1)
    hints: dict[str, list[str]] = {}
    for row in rows:
        if row["status"] == "missing":
            status = "missing extra"
            hints.setdefault(row["install"], []).append(row["name"])
        elif row["status"] == "broken":
            status = f"broken: {row['error']}"
        else:
            status = "ready"
        caps = row["capabilities"]
        every = len(caps) == len(Capability)
        # Cells: never markup, and printable: a plugin's name, capabilities and error are its own words.
        table.add_row(cell(row["name"]), cell(status), cell("all" if every else ", ".join(caps)))
    console = out()
    console.print(table)
    if hints:
        # Plain lines after the table, never cut or wrapped by a column: each is copied whole.
        console.print("To install the missing networks:", markup=False)
        for hint, names in hints.items():
            console.print(f"  {hint}  # {printable(', '.join(names))}", markup=False, soft_wrap=True)


def _network_rows() -> list[dict[str, Any]]:
    """Each known network: ``name``, ``status`` (ready/missing/broken), ``install``, ``capabilities``."""
    from .registry import backend_class, install_hint, known_networks

    rows: list[dict[str, Any]] = []
    for name in known_networks():
        row: dict[str, Any] = {
            "name": name,
            "status": "ready",
            "install": None,
            "error": None,
            "capabilities": [],
        }
        hint = install_hint(name)
        if hint is not None:
            row.update(status="missing", install=hint)
        else:
            try:  # a third-party backend that fails to load must not hide the others
                cls = backend_class(name)
                row["capabilities"] = sorted(str(getattr(c, "value", c)) for c in cls.capabilities)
            except DecentSocialError as exc:  # says what to fix, never a secret
                row.update(status="broken", error=exc.message)
            except Exception as exc:
                row.update(status="broken", error=type(exc).__name__)
        rows.append(row)
    return rows


@app.command(rich_help_panel=SETUP)
@handles_errors
def demo(
    path: Annotated[
        str | None,
        typer.Option("--path", help="Keep the demo's sandbox in this SQLite file (default: in memory)."),
    ] = None,
) -> None:
    """Run the main job on the embedded sandbox: post, reply, like, a reward cycle, a tip."""
    if path is not None:
        from .store_cli import expanded

        expanded(path, "--path")  # blank (a file named " "), a folder, ``~nobody/``: status 2, nothing made
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
