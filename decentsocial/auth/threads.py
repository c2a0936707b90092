"""Sign-in on Threads (Meta's Threads API): the authorization address, the code exchange, the 60-day token.

The app (its id and secret) is made in Meta's app dashboard, where its
redirect address is registered; Meta takes only ``https://`` redirect
addresses there, so from a terminal the user pastes the address the browser
ends on (its ``?code=…``). Then:

1. ``POST {graph}/oauth/access_token`` (``grant_type=authorization_code``)
   gives a short-lived (1 hour) token and the user id;
2. ``GET {graph}/access_token?grant_type=th_exchange_token`` turns it into a
   long-lived (60 days) token, which is verified (``GET /me``) and saved in
   the keyring with its expiry;
3. :func:`refresh` renews it before it expires
   (``GET /refresh_access_token?grant_type=th_refresh_token``, once the token
   is a day old) and saves the new one.

The app secret is used for the exchange and never stored.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from pydantic import SecretStr

from ..coerce import as_str, secret_text
from ..config import (
    LOGIN_TABLE,
    config_path,
    profile_lock,
    profile_network,
    profile_table,
    profile_variables,
    require_profiles,
    update_profile,
    variable_named,
)
from ..errors import AuthenticationError, ConfigurationError, InvalidInput, NetworkUnavailable
from ..httpclient import HttpApi, is_digits, masked, secret_safe, sent_secrets
from ..keyring_store import get_secret, set_secret
from ..limits import Limits
from ..retry import RetryPolicy
from ..text import lone_surrogate_at
from ..urls import check_endpoint
from ._common import CodeFlow, SignIn, check_seconds, new_state, receiver_for, save_signed_in, scope_names
from .loopback import LoopbackReceiver

__all__ = ["DEFAULT_SCOPES", "READ_ONLY_SCOPES", "ThreadsFlow", "refresh", "start"]

NAME = "threads"
log = logging.getLogger("decentsocial.auth")
#: Read, publish, reply, delete and see insights.
DEFAULT_SCOPES = (
    "threads_basic",
    "threads_content_publish",
    "threads_read_replies",
    "threads_manage_replies",
    "threads_manage_insights",
    "threads_delete",
)
READ_ONLY_SCOPES = ("threads_basic", "threads_read_replies", "threads_manage_insights")
_SCOPE = re.compile(r"^threads_[a-z_]+$")


class ThreadsFlow(CodeFlow):
    """A Threads sign-in in progress: open :attr:`url`, then :meth:`finish` with the code."""

    network = NAME
    no_loopback = (
        "this sign-in's redirect is not on this machine: paste the address the browser ended on "
        "into finish(code=…)"
    )

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: SecretStr,
        redirect_uri: str,
        scopes: tuple[str, ...],
        authorize_url: str,
        base_url: str,
        receiver: LoopbackReceiver | None,
        allow_http: bool,
        timeout: float,
        limits: Limits | None,
    ) -> None:
        super().__init__(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            scopes=scopes,
            state=new_state(),
            receiver=receiver,
            allow_http=allow_http,
            timeout=timeout,
            limits=limits,
        )
        self.base_url = base_url
        query = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": ",".join(scopes),
            "response_type": "code",
            "state": self.state,
        }
        #: Where the user approves the app (open it in a browser).
        self.url = f"{authorize_url}/oauth/authorize?{urlencode(query)}"

    def __repr__(self) -> str:
        return f"<ThreadsFlow app {self.client_id} scopes={','.join(self.scopes)}>"

    def finish(self, *, code: str, state: str | None = None, profile: str | None = None) -> SignIn:
        """Exchange ``code`` for a long-lived token, verify it and (with ``profile``) save it."""
        code = self._code(code, state, profile)
        short, user_id = self._exchange(code)
        from ..backends.threads import ThreadsNetwork

        long = ThreadsNetwork.exchange_token(
            short,
            self._client_secret,
            base_url=self.base_url,
            timeout=self._timeout,
            allow_http=self._allow_http,
            limits=self._limits,
        )
        account = self._verify(long.access_token, user_id)
        if profile is not None:
            save_signed_in(
                profile,
                NAME,
                {
                    "base_url": self.base_url,
                    "user_id": user_id,
                    "allow_http": True if self._allow_http else None,
                    "token_expires_at": long.expires_at.replace(microsecond=0) if long.expires_at else None,
                },
                {"access_token": long.access_token.get_secret_value()},
                login={
                    "client_id": self.client_id,
                    "scopes": list(self.scopes),
                    "account": account.handle,
                    "signed_in_at": datetime.now(timezone.utc).replace(microsecond=0),
                },
            )
        self._finished()
        return SignIn(NAME, profile, account, self.scopes, long.expires_at)

    def _exchange(self, code: str) -> tuple[SecretStr, str]:
        """The short-lived token and user id for ``code``; the form holds the app secret and the
        code, so a failure is raised with a scrubbed chain (``secret_safe``)."""
        return secret_safe(lambda: self._exchange_once(code))

    def _exchange_once(self, code: str) -> tuple[SecretStr, str]:
        api = HttpApi(
            NAME,
            "Threads",
            self.base_url,
            timeout=self._timeout,
            retry=RetryPolicy(attempts=1),
            limits=self._limits,
        )
        form = {
            "client_id": self.client_id,
            "client_secret": self._client_secret.get_secret_value(),
            "grant_type": "authorization_code",
            "redirect_uri": self.redirect_uri,
            "code": code,
        }
        try:
            response = api.send(
                "POST", "/oauth/access_token", data=form, safe_to_repeat=False, authenticated=False
            )
            if response.status_code >= 400:
                body = api.error_body(response)
                error = body.get("error") if isinstance(body, dict) else None
                words = as_str(error.get("message")) if isinstance(error, dict) else None
                if response.status_code < 500:
                    refused = AuthenticationError(
                        "Threads refused the authorization code (already used, expired, or for another "
                        "redirect address or app): start the sign-in again and use the new code",
                        network=NAME,
                        server_message=words,
                    )
                    raise masked(refused, sent_secrets(response.request))  # the server may quote the form
                raise api.failure(response, method="POST", safe_to_repeat=False)
            answer = api.parse(response)
        finally:
            api.close()
        token, user_id = as_str(answer.get("access_token")), answer.get("user_id")
        user = str(user_id) if isinstance(user_id, (int, str)) else ""
        if not token or not is_digits(user):
            raise NetworkUnavailable("Threads' token answer has no access token or user id", network=NAME)
        return SecretStr(token), user

    def _verify(self, token: SecretStr, user_id: str) -> Any:
        """The account ``token`` signs in as; a failure's chain would hold the token (its header)."""
        return secret_safe(lambda: self._verify_once(token, user_id))

    def _verify_once(self, token: SecretStr, user_id: str) -> Any:
        from ..registry import connect_any

        net = connect_any(
            NAME, base_url=self.base_url, access_token=token, user_id=user_id, allow_http=self._allow_http
        )
        try:
            return net.me()
        finally:
            net.close()


def start(
    *,
    client_id: str,
    client_secret: str | SecretStr,
    redirect_uri: str,
    scopes: Any = DEFAULT_SCOPES,
    authorize_url: str = "https://threads.net",
    base_url: str = "https://graph.threads.net",
    allow_http: bool = False,
    timeout: float = 30.0,
    limits: Limits | None = None,
) -> ThreadsFlow:
    """Begin a Threads sign-in for the app ``client_id`` (no I/O until :meth:`ThreadsFlow.finish`)."""
    if not is_digits(str(client_id)):
        raise InvalidInput(
            "client_id: the Threads app id is digits (Meta app dashboard, Threads app ID)", network=NAME
        )
    secret = SecretStr(secret_text(client_secret, "client_secret", network=NAME))
    if not secret.get_secret_value().strip():
        raise InvalidInput("client_secret: give the Threads app secret (Meta app dashboard)", network=NAME)
    if lone_surrogate_at(secret.get_secret_value()) is not None:  # refused now, not after the approval
        raise InvalidInput(
            "client_secret holds half a surrogate pair on its own: copy the app secret again", network=NAME
        )
    chosen = scope_names(scopes, separator=",", network=NAME)
    bad = [s for s in chosen if not _SCOPE.match(s)]
    if bad or "threads_basic" not in chosen:
        raise InvalidInput(
            f"Threads scopes must include threads_basic and be threads_* names (got {', '.join(chosen)})",
            network=NAME,
        )
    timeout = check_seconds(timeout, network=NAME)
    auth_url = check_endpoint(authorize_url, network=NAME, setting="authorize_url", allow_http=allow_http)
    graph = check_endpoint(base_url, network=NAME, setting="base_url", allow_http=allow_http)
    receiver, redirect_uri = receiver_for(
        redirect_uri, network=NAME, hint="Threads needs an https:// address"
    )
    return ThreadsFlow(
        client_id=str(client_id),
        client_secret=secret,
        redirect_uri=redirect_uri,
        scopes=chosen,
        authorize_url=auth_url,
        base_url=graph,
        receiver=receiver,
        allow_http=allow_http,
        timeout=timeout,
        limits=limits,
    )


def refresh(profile: str, *, margin: timedelta = timedelta(days=7), force: bool = False) -> datetime | None:
    """Renew profile ``profile``'s long-lived token when it expires within ``margin`` (or ``force``).

    Saves the new token in the keyring and its expiry in the config file;
    returns the new expiry, or ``None`` when nothing was due. Both are saved
    under the config file's lock, and only if the profile still holds the
    token that was renewed: a sign-in or a logout of the profile meanwhile
    wins, the renewed token is dropped (logged) and ``None`` is returned.
    When another process renewed the same token meanwhile, its token is kept
    (saved once) and its expiry returned. A token kept elsewhere (an environment
    variable, which no process can rewrite for the others; the config file; a
    profile made of ``DECENTSOCIAL_<NAME>_*`` variables) is ``ConfigurationError``
    saying where it is and what to do, before anything is sent.
    """
    from ..backends.threads import ThreadsNetwork
    from ..registry import connect_any

    if not isinstance(margin, timedelta):  # compared with the expiry, deep in the backend, otherwise
        raise InvalidInput(f"margin is a timedelta (timedelta(days=7)), not {margin!r}", network=NAME)
    require_profiles([profile])  # no such profile: said as every command says it
    network = profile_network(profile)  # the file and the environment, as connect reads them
    if network != NAME:
        on = f" (its network is {network!r})" if network else ""
        raise ConfigurationError(f"profile {profile!r} is not a Threads profile{on}", network=NAME)
    table = profile_table(profile)
    entry = table.get("access_token_keyring")
    elsewhere = _token_elsewhere(profile, table)
    if elsewhere is not None or not isinstance(entry, str):
        raise ConfigurationError(
            f"profile {profile!r}: {elsewhere or 'it names no token'}; refresh renews a token kept in the"
            f" keyring by `decentsocial login threads --profile {profile}`: sign in so, or renew this one"
            " in a program with ThreadsNetwork.refresh_token() and put the token it returns in its place",
            network=NAME,
        )
    current = get_secret(entry)  # the token renewed below, unless the profile changes meanwhile
    signed_in_at = _signed_in_at(table)
    net = connect_any(profile=profile)
    assert isinstance(net, ThreadsNetwork)
    try:
        if not force and not net.needs_refresh(margin):
            return None
        fresh = net.refresh_token()
    finally:
        net.close()
    with profile_lock():
        # The profile as it is now: signed in again (a new token) or logged out (no token, no
        # profile) while the token was renewed, it is theirs, and the renewed token is not written.
        now = profile_table(profile)
        if now.get("access_token_keyring") != entry or get_secret(entry) != current:
            expires = now.get("token_expires_at")
            if (
                signed_in_at is not None
                and _signed_in_at(now) == signed_in_at
                and isinstance(expires, datetime)
            ):
                log.info(
                    "profile %r: another process renewed the token meanwhile; its token is kept", profile
                )
                return expires  # the same sign-in, renewed once: what the profile holds now
            log.warning(
                "profile %r was signed in again or logged out while its token was renewed: "
                "the renewed token is dropped",
                profile,
            )
            return None
        set_secret(entry, fresh.access_token.get_secret_value())
        if fresh.expires_at is not None:  # only the expiry: the rest of the profile as the file holds it
            update_profile(profile, {"token_expires_at": fresh.expires_at.replace(microsecond=0)})
    return fresh.expires_at


def _token_elsewhere(profile: str, table: dict[str, Any]) -> str | None:
    """Where the token a connection uses lives when it is not the keyring entry the file names (which
    refresh renews), said without the token; ``None`` when it is that entry.

    A variable wins over the file and a token given directly over ``*_env`` over ``*_keyring``: a
    profile of ``DECENTSOCIAL_<NAME>_*`` variables was said to be "not a Threads profile", and a
    variable's token set beside the file's keyring entry was renewed into that entry.
    """
    cannot = "which this command cannot rewrite"
    variables = profile_variables(profile)
    for key in ("access_token", "access_token_env", "access_token_keyring"):
        if key in variables:
            where = f"environment variable {variables[key]} (it wins over the keyring)"
            return f"its token is set by {where}, {cannot}"
    if not table:
        return f"it is made of environment variables only, {cannot}"
    if "access_token" in table:
        return f"its token is written in {config_path()}, where no secret is saved"
    variable = table.get("access_token_env")
    if variable is not None:
        return f"its token is read from {variable_named(str(variable).strip())}, {cannot}"
    return None


def _signed_in_at(table: dict[str, Any]) -> Any:
    """When the profile was signed in (its login table says): a refresh keeps it, a new sign-in not."""
    login = table.get(LOGIN_TABLE)
    return login.get("signed_in_at") if isinstance(login, dict) else None
