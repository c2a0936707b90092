"""The direct-message commands of ``decentsocial``: ``messages`` and ``message send``.

``messages`` lists the account's direct messages, newest first (sender,
recipients, time and id on one line, the text below it, right-to-left text
isolated so it lays out correctly), or ``--json``. ``message send ACCOUNT
TEXT`` sends one (``-`` reads the text from stdin) and prints its id
(``--json``: the id in a JSON document). Both take ``--profile`` or
``--network`` with ``--setting`` like every other command. Text from
the network is stripped of terminal escape sequences before it is printed.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.rule import Rule
from rich.text import Text

from .cli import (
    POSTING,
    READING,
    JsonOpt,
    NetworkOpt,
    ProfileOpt,
    SettingOpt,
    app,
    handles_errors,
    model_json,
    open_one,
    out,
    print_json,
)
from .models import Message
from .store_cli import typed_value
from .terminal import bidi, text_or_stdin
from .terminal import printable as _printable

__all__ = ["message_app"]

message_app = typer.Typer(help="Send direct messages (see also `messages`).", no_args_is_help=True)
app.add_typer(message_app, name="message", rich_help_panel=POSTING)


def _who(message: Message) -> str:
    to = ", ".join("@" + escape(_printable(r.handle)) for r in message.recipients) or "?"
    return f"[bold]@{escape(_printable(message.sender.handle))}[/bold] → {to}"


@app.command(rich_help_panel=READING)
@handles_errors
def messages(
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-l", min=1, help="How many messages.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Show this account's direct messages, sent and received, newest first."""
    with open_one(profile, network, setting or []) as net:
        found = list(net.messages(limit=limit))
    if as_json:
        print_json([model_json(m) for m in found])  # no raw payload, the sender's and recipients' neither
        return
    console = out()
    console.print(Rule(Text(f"{net.name} messages"), align="left"))
    for item in found:
        console.print(
            f"{_who(item)} [dim]{item.created_at:%Y-%m-%d %H:%M} UTC · {escape(_printable(item.id))}[/dim]",
            soft_wrap=True,  # one line, even when piped
        )
        for line in item.text.splitlines() or [""]:
            console.print("  " + bidi(line), markup=False, soft_wrap=True)
    if not found:
        console.print("(no messages)")


@message_app.command("send")
@handles_errors
def send(
    account: Annotated[
        str,
        typer.Argument(help="Who receives it: a handle, npub… of this network.", callback=typed_value()),
    ],
    text: Annotated[str, typer.Argument(help="The message; - reads it from stdin.")],
    profile: ProfileOpt = None,
    network: NetworkOpt = None,
    setting: SettingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send a direct message and print its id."""
    # Imported here: when social_cli is imported first, it is still half made while this module loads.
    from .social_cli import done, write_one

    body = text_or_stdin(text)  # as `post`: "-" is a file piped in, never the message "-"
    target, message_id = write_one(
        profile, network, setting, "Sending", lambda net: net.send_message(account, body)
    )
    if as_json:
        done("sent", target, message_id, None, as_json)
        return
    typer.echo(_printable(message_id))  # the server's id: no terminal escape sequence gets through
