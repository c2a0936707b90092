"""The sign-in commands of ``decentsocial``: ``login NETWORK …``, ``logout``, ``profiles``, ``refresh``.

Each ``login`` ends in a saved profile whose secret is in the system
keyring (see :mod:`decentsocial.auth`); the config file gets only a
reference. Secrets are typed at a hidden prompt or read from an environment
variable (``--…-env VAR``), never taken as command-line arguments (the
shell history and the process list would keep them). Nothing secret is
printed, except a newly generated Nostr key, once, because there is no
other copy.
"""

from __future__ import annotations

import contextlib
import os
import threading
import webbrowser
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from .cli import (
    SETUP,
    JsonOpt,
    UsageProblem,
    app,
    ask_first,
    complete_profiles,
    err,
    handles_errors,
    out,
    print_json,
    yes_opt,
)
from .errors import ConfigurationError
from .store_cli import checked_while_read, typed_value
from .terminal import cell, json_time, printable

if TYPE_CHECKING:
    from .auth import SignIn

__all__ = ["login_app"]

login_app = typer.Typer(
    help="Sign in to a network and save a profile; its secret goes to the system keyring.",
    no_args_is_help=True,
)
app.add_typer(login_app, name="login", rich_help_panel=SETUP)


def _usable_name(name: str) -> None:
    """``--profile``: a name no profile can have (``'brand mastodon'``) is a wrong argument (status 2),
    said as the command line is read; it was the sign-in's failure (status 1)."""
    from .config import check_profile_name
    from .errors import InvalidInput

    try:
        check_profile_name(name)
    except InvalidInput as exc:
        raise UsageProblem(f"--profile: {exc.message}") from None


def _typed_profile(ctx: Any, param: Any, value: str) -> str:
    """The ``--profile`` of a sign-in: text that is valid (:func:`typed_value`), and a usable name."""
    return checked_while_read(_usable_name)(ctx, param, typed_value()(ctx, param, value))


def _profile_option(network: str) -> Any:
    """``--profile`` of ``login NETWORK``, its example named for that network (``brand-threads``)."""
    return typer.Option(
        "--profile", "-p", help=f"Name of the profile to save (brand-{network}).", callback=_typed_profile
    )


MastodonProfile = Annotated[str, _profile_option("mastodon")]
ThreadsProfile = Annotated[str, _profile_option("threads")]
BlueskyProfile = Annotated[str, _profile_option("bluesky")]
NostrProfile = Annotated[str, _profile_option("nostr")]
NoBrowser = Annotated[
    bool, typer.Option("--no-browser", help="Print the address instead of opening a browser.")
]
Timeout = Annotated[
    float,
    typer.Option(
        "--timeout",
        min=1,
        help="Seconds to wait for the browser to come back.",
        callback=checked_while_read(lambda seconds: _waitable(seconds)),
    ),
]
ReadOnly = Annotated[
    bool,
    typer.Option("--read-only", help="Ask only for reading (monitoring, reports): nothing can be posted."),
]


def _waitable(seconds: float) -> None:
    """``--timeout``: no longer than a wait can be told (``threading.TIMEOUT_MAX``, about 292 years).
    ``inf`` passed ``min=1`` and ended the sign-in, once the browser was open, as an unexpected
    ``OverflowError`` (status 1)."""
    if not seconds <= threading.TIMEOUT_MAX:
        raise UsageProblem(f"--timeout is longer than a wait can be, got {seconds:g}")


def _ready(profile: str) -> None:
    """Refuse a bad profile name or a missing keyring before the user does anything in the browser."""
    from .config import check_profile_name

    check_profile_name(profile, keyring=True)


def _ready_for(network: str, profile: str) -> None:
    """:func:`_ready`, and refuse a profile of another network (its secrets would be replaced) too."""
    from .auth._common import check_replaceable

    _ready(profile)
    check_replaceable(profile, network)


def _secret(env: str | None, prompt: str) -> str:
    """A secret from ``$env`` or a hidden prompt (never an argument), without surrounding blanks: no
    secret has them, and a variable made from a file often ends in a line break.

    The variable is named in an error only when written as a variable's name is: one that is not
    may be the secret itself, pasted where its variable's name goes.
    """
    if env:
        from .config import variable_named

        if env not in os.environ:
            raise ConfigurationError(f"{variable_named(env)} is not set")
        if not os.environ[env].strip():
            raise ConfigurationError(f"{variable_named(env)} is empty")
        return os.environ[env].strip()
    value: str = typer.prompt(prompt, hide_input=True)
    return value.strip()


def _line(text: str) -> None:
    """One line on stdout, never broken by us: on a narrow terminal (or a small ``$COLUMNS``) Rich broke
    a key or a handle with a real line break, which then went with it when copied."""
    out().print(text, markup=False, soft_wrap=True)


def _done(signed: SignIn, where: str = "the system keyring") -> None:
    who = printable(signed.account.handle)
    _line(f"Signed in to {signed.network} as {who}.")
    if signed.scopes:
        _line(f"Access granted: {printable(', '.join(signed.scopes))}")
    if signed.expires_at is not None:
        _line(f"The token is valid until {signed.expires_at:%Y-%m-%d %H:%M} UTC.")
    if signed.profile:
        _line(
            f"Profile {signed.profile} saved (secret in {where}). "
            f"Try: decentsocial timeline -p {signed.profile}"
        )


def _open(url: str, no_browser: bool, flow: Any = None) -> None:
    if flow is not None:
        flow.listen()  # a busy port fails here, before the user approves anything
    console = err()
    console.print("Open this address, sign in if asked, and approve decentsocial:", markup=False)
    console.print(url, markup=False, soft_wrap=True)
    if not no_browser:
        # No browser here (a server, a container): the address is printed above.
        with contextlib.suppress(webbrowser.Error, OSError):
            webbrowser.open(url)


def _wait(flow: Any, timeout: float) -> tuple[str, str]:
    with err().status(f"Waiting for the browser to come back (up to {timeout:g} s)…"):
        code, state = flow.wait_for_code(timeout=timeout)
    return str(code), str(state)


def _approve(
    flow: Any, profile: str, no_browser: bool, timeout: float, paste: str | None, finishing: str
) -> SignIn:
    """Send the user to approve, take the code (pasted at the ``paste`` prompt, or from the loopback
    redirect when ``paste`` is ``None``) and finish the sign-in; the flow is closed however it ends."""
    try:
        _open(flow.url, no_browser, flow)
        if paste is not None:
            code, state = _secret(None, paste), None
        else:
            code, state = _wait(flow, timeout)
        with err().status(finishing):
            signed: SignIn = flow.finish(code=code, state=state, profile=profile)
    finally:
        flow.close()
    return signed


@login_app.command("mastodon")
@handles_errors
def login_mastodon(
    server: Annotated[
        str,
        typer.Argument(help="Your instance's address, e.g. https://mastodon.social.", callback=typed_value()),
    ],
    profile: MastodonProfile,
    read_only: ReadOnly = False,
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="Ask for exactly this scope (repeatable).", callback=typed_value()),
    ] = None,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port of the local redirect (0: any free port).")
    ] = 0,
    paste_code: Annotated[
        bool,
        typer.Option("--paste-code", help="Paste the code the server shows instead of a local redirect."),
    ] = False,
    no_browser: NoBrowser = False,
    timeout: Timeout = 300.0,
) -> None:
    """Sign in to a Mastodon (or Mastodon-API) server in the browser."""
    from . import auth

    _ready_for("mastodon", profile)
    scopes = tuple(scope) if scope else auth.default_scopes("mastodon", read_only=read_only)
    redirect = auth.OOB if paste_code else f"http://127.0.0.1:{port}/callback"
    base_url = server if "://" in server else "https://" + server
    with err().status(f"Registering decentsocial on {printable(base_url)}…"):
        flow = auth.start("mastodon", base_url=base_url, redirect_uri=redirect, scopes=scopes)
    paste = "Paste the authorization code" if paste_code else None
    _done(_approve(flow, profile, no_browser, timeout, paste, "Checking the token…"))


@login_app.command("threads")
@handles_errors
def login_threads(
    profile: ThreadsProfile,
    app_id: Annotated[
        str, typer.Option("--app-id", help="Threads app ID (Meta app dashboard).", callback=typed_value())
    ],
    redirect_uri: Annotated[
        str,
        typer.Option(
            "--redirect-uri", help="The redirect address registered for the app.", callback=typed_value()
        ),
    ],
    app_secret_env: Annotated[
        str | None, typer.Option("--app-secret-env", help="Read the app secret from this variable.")
    ] = None,
    read_only: ReadOnly = False,
    no_browser: NoBrowser = False,
    timeout: Timeout = 300.0,
    authorize_url: Annotated[str, typer.Option(hidden=True)] = "https://threads.net",
    base_url: Annotated[str, typer.Option(hidden=True)] = "https://graph.threads.net",
) -> None:
    """Sign in to Threads with your Meta app; the 60-day token is saved and can be refreshed."""
    from . import auth

    _ready_for("threads", profile)
    secret = _secret(app_secret_env, "Threads app secret")
    flow = auth.start(
        "threads",
        client_id=app_id,
        client_secret=secret,
        redirect_uri=redirect_uri,
        scopes=auth.default_scopes("threads", read_only=read_only),
        authorize_url=authorize_url,
        base_url=base_url,
    )
    from .auth.loopback import is_loopback_redirect

    paste = (
        None
        if is_loopback_redirect(flow.redirect_uri)
        else "Paste the whole address your browser ended on (https://…?code=…&state=…)"
    )
    _done(_approve(flow, profile, no_browser, timeout, paste, "Exchanging the code for a 60-day token…"))


@login_app.command("bluesky")
@handles_errors
def login_bluesky(
    handle: Annotated[
        str, typer.Argument(help="Your handle, e.g. brand.bsky.social.", callback=typed_value())
    ],
    profile: BlueskyProfile,
    server: Annotated[str, typer.Option("--server", help="Your PDS.", callback=typed_value())] = (
        "https://bsky.social"
    ),
    save_password: Annotated[
        bool,
        typer.Option("--save-password", help="Keep the app password instead of only the session."),
    ] = False,
    password_env: Annotated[
        str | None, typer.Option("--password-env", help="Read the app password from this variable.")
    ] = None,
) -> None:
    """Sign in to Bluesky with an app password (Settings > Privacy and security > App passwords)."""
    from . import auth

    _ready_for("bluesky", profile)
    password = _secret(password_env, "App password")
    with err().status("Signing in…"):
        signed = auth.bluesky_login(
            handle=handle,
            app_password=password,
            base_url=server,
            profile=profile,
            save="password" if save_password else "session",
        )
    _done(signed)


NodeOpt = Annotated[
    list[str] | None, typer.Option("--node", help="An API node (repeatable).", callback=typed_value())
]
ActiveOpt = Annotated[bool, typer.Option("--active", help="Also import the active key (transfers, claims).")]
PostingEnv = Annotated[
    str | None, typer.Option("--posting-key-env", help="Read the posting key from this variable.")
]
ActiveEnv = Annotated[
    str | None, typer.Option("--active-key-env", help="Read the active key from this variable.")
]


def _chain_login(network: str, title: str) -> Callable[..., None]:
    """``login hive`` and ``login steem``: one command, on either chain."""

    def login(
        account: Annotated[str, typer.Argument(help="The account name, without @.", callback=typed_value())],
        profile: str,
        node: NodeOpt = None,
        active: ActiveOpt = False,
        posting_key_env: PostingEnv = None,
        active_key_env: ActiveEnv = None,
    ) -> None:
        from . import auth

        _ready_for(network, profile)
        if not node:
            raise UsageProblem(f"give the {network} API node(s) to check the keys with: --node https://…")
        posting = _secret(posting_key_env, f"Private posting key of @{account}")
        active_key = (
            _secret(active_key_env, f"Private active key of @{account}") if active or active_key_env else None
        )
        with err().status(f"Checking the keys against @{account} on {network}…"):
            signed = auth.hive_import(
                network,
                account=account,
                nodes=node,
                posting_key=posting,
                active_key=active_key,
                profile=profile,
            )
        _done(signed)

    login.__name__ = login.__qualname__ = f"login_{network}"
    # Its own example (brand-hive, brand-steem): an annotation object, read as the string ones are.
    login.__annotations__["profile"] = Annotated[str, _profile_option(network)]
    login.__doc__ = f"Import {title} keys, checked against the account's public keys on the chain."
    return login


login_hive = login_app.command("hive")(handles_errors(_chain_login("hive", "Hive")))
login_steem = login_app.command("steem")(handles_errors(_chain_login("steem", "Steem")))


@login_app.command("nostr")
@handles_errors
def login_nostr(
    profile: NostrProfile,
    relay: Annotated[
        list[str] | None, typer.Option("--relay", help="A relay (repeatable).", callback=typed_value())
    ] = None,
    import_key: Annotated[
        bool, typer.Option("--import", help="Import your key instead of making a new one.")
    ] = False,
    key_env: Annotated[
        str | None, typer.Option("--key-env", help="Read the nsec to import from this variable.")
    ] = None,
    nip05: Annotated[
        str | None,
        typer.Option("--nip05", help="Check that name@domain points at this key.", callback=typed_value()),
    ] = None,
) -> None:
    """Make a new Nostr key (shown once) or import yours; optionally check your NIP-05 name."""
    from . import auth

    _ready_for("nostr", profile)
    if not relay:
        raise UsageProblem("give at least one relay: --relay wss://…")
    key = _secret(key_env, "Your nsec") if import_key or key_env else None
    signed = auth.nostr_import(relays=relay, private_key=key, profile=profile, nip05=nip05)
    if "nsec" in signed.notes:
        _line("Your new secret key, shown this once. Write it down somewhere safe:")
        _line("  " + signed.notes["nsec"])
    _line(f"Public key: {signed.notes['npub']}")
    _done(signed)


@app.command(rich_help_panel=SETUP)
@handles_errors
def logout(
    profile: Annotated[
        str,
        typer.Argument(
            help="The profile to sign out of.", autocompletion=complete_profiles, callback=typed_value()
        ),
    ],
    no_revoke: Annotated[
        bool,
        typer.Option("--no-revoke", help="Forget the profile here without revoking the token on the server."),
    ] = False,
    yes: Annotated[bool, yes_opt("Sign out")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Revoke the profile's token (where the network can) and remove the profile and its secrets.

    Run from a terminal it asks first, unless --yes; a script is not asked.
    """
    from . import auth

    ask_first(  # signing in again means the browser, an app password or a key typed anew: one look first
        yes,
        f"Sign out of {printable(profile)}, removing the profile and its secrets"
        f"{'' if no_revoke else ' and revoking its token'}?",
    )
    steps = auth.logout(profile, revoke=not no_revoke)
    if as_json:
        print_json({"profile": profile, "done": steps})
        return
    for line in steps:
        _line(line)  # a step names a server's address or a file to act on: whole, to copy


@app.command(rich_help_panel=SETUP)
@handles_errors
def profiles(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
) -> None:
    """List the saved profiles and whether each one's secret is present (never the secret)."""
    from . import auth
    from .config import config_path

    found = auth.profiles()
    if as_json:
        print_json(
            [
                {
                    "name": p.name,
                    "network": p.network,
                    "ready": p.ready,
                    "secrets": {k: {"in": where, "present": ok} for k, (where, ok) in p.secrets.items()},
                }
                for p in found
            ]
        )
        return
    if not found:
        out().print(f"No profiles in {config_path()} yet: decentsocial login NETWORK …", markup=False)
        return
    # A Text title: a folder named "Dropbox [work]" was read as markup (shown without it, or a crash).
    table = Table(title=Text(f"Profiles ({printable(str(config_path()))})"))
    for column in ("profile", "network", "secret"):
        table.add_column(column)
    for p in found:
        parts = [f"{k} in {where}: {'present' if ok else 'MISSING'}" for k, (where, ok) in p.secrets.items()]
        table.add_row(cell(p.name), cell(p.network or "?"), cell("; ".join(parts) or "none needed"))
    out().print(table)


@app.command(rich_help_panel=SETUP)
@handles_errors
def refresh(
    profile: Annotated[
        str,
        typer.Argument(help="A Threads profile.", autocompletion=complete_profiles, callback=typed_value()),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Refresh even if the token is not close to expiry.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Renew a Threads profile's 60-day token when under a week is left (run it from cron)."""
    from . import auth

    expires = auth.refresh(profile, force=force)
    if as_json:  # the new expiry only: the token stays in the keyring
        print_json(
            {
                "profile": profile,
                "renewed": expires is not None,
                "expires_at": None if expires is None else json_time(expires),
            }
        )
    elif expires is None:
        out().print(f"{profile}: the token is not due for renewal yet", markup=False)
    else:
        out().print(f"{profile}: token renewed, valid until {expires:%Y-%m-%d %H:%M} UTC", markup=False)
