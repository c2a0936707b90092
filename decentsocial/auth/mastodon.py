"""Sign-in on Mastodon and Mastodon-API servers: app registration, the authorization-code flow, revoke.

1. ``start`` checks the address is a Mastodon-API server (``/api/v1/instance``),
   reads whether it takes PKCE (``/.well-known/oauth-authorization-server``,
   Mastodon 4.3+), registers an app (``POST /api/v1/apps``) and builds the
   authorization address with a fresh ``state`` (and an S256 code challenge
   where the server supports it).
2. The user approves on the instance; the code comes back to a loopback
   listener (:meth:`MastodonFlow.wait_for_code`) or is pasted (out-of-band).
3. ``finish`` checks the state, exchanges the code (``POST /oauth/token``),
   verifies the token (``verify_credentials``) and saves the profile with the
   token and the app's secret in the keyring.

``logout`` revokes the token (``POST /oauth/revoke``).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

from pydantic import SecretStr

from ..errors import (
    AuthenticationError,
    ConfigurationError,
    DecentSocialError,
    InvalidInput,
    NetworkUnavailable,
)
from ..httpclient import HttpApi, masked, read_token, secret_safe, sent_secrets
from ..limits import Limits
from ..retry import RetryPolicy
from ..urls import check_endpoint
from ._common import (
    CodeFlow,
    SignIn,
    check_seconds,
    new_state,
    pkce_pair,
    receiver_for,
    save_signed_in,
    scope_names,
)
from .loopback import OOB, LoopbackReceiver

__all__ = ["DEFAULT_SCOPES", "READ_ONLY_SCOPES", "MastodonFlow", "revoke", "start"]

NAME = "mastodon"
#: Enough to read, post, reply, like, boost, follow and read notifications.
DEFAULT_SCOPES = ("read", "write")
#: For monitoring and reports: nothing is written.
READ_ONLY_SCOPES = ("read",)
_SCOPE = re.compile(r"^(read|write|follow|push|profile|admin:(read|write))(:[a-z_]+)?$")


def _api(base_url: str, timeout: float, limits: Limits | None) -> HttpApi:
    # Two tries for reads; writes here (app registration, token exchange) are sent once.
    return HttpApi(
        NAME, "the Mastodon server", base_url, timeout=timeout, retry=RetryPolicy(attempts=2), limits=limits
    )


def _not_mastodon(base_url: str) -> ConfigurationError:
    return ConfigurationError(
        f"{base_url} is not a Mastodon-API server (it has no /api/v1/instance): give your instance's own "
        "address, as in your profile's URL (https://mastodon.social, not a profile page or another service)",
        network=NAME,
    )


def check_scopes(scopes: Any) -> tuple[str, ...]:
    """``scopes`` as a tuple when each is a Mastodon scope; ``InvalidInput`` before any I/O otherwise."""
    chosen = scope_names(scopes, separator=None, network=NAME)
    bad = [s for s in chosen if not _SCOPE.match(s)]
    if not chosen or bad:
        raise InvalidInput(
            f"not Mastodon scopes: {', '.join(bad) or '(none)'}; use read, write, follow, push or a "
            "granular one such as write:statuses",
            network=NAME,
        )
    return chosen


class MastodonFlow(CodeFlow):
    """A Mastodon sign-in in progress: open :attr:`url`, then :meth:`finish` with the code.

    Holds the registered app's secret and the PKCE verifier in memory only;
    its repr shows neither.
    """

    network = NAME
    no_loopback = (
        "this sign-in has no loopback redirect (out-of-band): paste the code the server shows "
        "into finish(code=…)"
    )

    def __init__(
        self,
        *,
        base_url: str,
        redirect_uri: str,
        scopes: tuple[str, ...],
        client_id: str,
        client_secret: SecretStr,
        state: str,
        verifier: str | None,
        challenge: str | None,
        receiver: LoopbackReceiver | None,
        allow_http: bool,
        timeout: float,
        limits: Limits | None,
        instance: str,
    ) -> None:
        super().__init__(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            scopes=scopes,
            state=state,
            receiver=receiver,
            allow_http=allow_http,
            timeout=timeout,
            limits=limits,
        )
        self.base_url = base_url
        self._verifier = verifier
        self.pkce = challenge is not None
        self.instance = instance
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
        }
        if challenge is not None:
            query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
        #: Where the user approves the app (open it in a browser).
        self.url = f"{base_url}/oauth/authorize?{urlencode(query)}"

    def __repr__(self) -> str:
        return f"<MastodonFlow {self.base_url} scopes={' '.join(self.scopes)} pkce={self.pkce}>"

    def finish(self, *, code: str, state: str | None = None, profile: str | None = None) -> SignIn:
        """Exchange ``code``, verify the token and (with ``profile``) save it; ``SignIn`` names the account.

        ``state`` must be the one the redirect carried (not needed for an
        out-of-band code, which the user copies from the server's own page).
        """
        code = self._code(code, state, profile, state_needed=self.redirect_uri != OOB)
        token, granted = self._exchange(code)
        account = self._verify(token)
        if profile is not None:
            save_signed_in(
                profile,
                NAME,
                {
                    "base_url": self.base_url,
                    "account_id": account.id,
                    "allow_http": True if self._allow_http else None,
                },
                {"access_token": token.get_secret_value()},
                login={
                    "client_id": self.client_id,
                    "scopes": list(granted),
                    "account": account.handle,
                    "signed_in_at": datetime.now(timezone.utc).replace(microsecond=0),
                },
                login_secrets={"client_secret": self._client_secret.get_secret_value()},
            )
        self._finished()
        return SignIn(network=NAME, profile=profile, account=account, scopes=granted)

    def _exchange(self, code: str) -> tuple[SecretStr, tuple[str, ...]]:
        """The token and granted scopes for ``code``; the form holds the app secret, the code and the
        verifier, the answer the token, so a failure is raised with a scrubbed chain (``secret_safe``)."""
        return secret_safe(lambda: self._exchange_once(code))

    def _exchange_once(self, code: str) -> tuple[SecretStr, tuple[str, ...]]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": self.client_id,
            "client_secret": self._client_secret.get_secret_value(),
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
        }
        if self._verifier is not None:
            form["code_verifier"] = self._verifier
        api = _api(self.base_url, self._timeout, self._limits)
        try:
            response = api.send("POST", "/oauth/token", data=form, safe_to_repeat=False, authenticated=False)
            if response.status_code in (400, 401, 403):
                body = api.error_body(response)
                words = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
                refused = AuthenticationError(
                    "the server refused the authorization code (already used, expired, or from another "
                    "sign-in): start the sign-in again and use the new code",
                    network=NAME,
                    server_message=str(words)[:200] if words else None,
                )
                raise masked(refused, sent_secrets(response.request))  # the server may quote the form
            if response.status_code >= 400:
                raise api.failure(response, method="POST", safe_to_repeat=False)
            answer = api.parse(response)
        finally:
            api.close()
        token = read_token(answer)
        if token is None:
            raise NetworkUnavailable("the server's token answer holds no access token", network=NAME)
        scope = answer.get("scope")
        # The server's words for what it granted: only scope names are kept (they are shown and saved).
        named = tuple(s for s in scope.split() if _SCOPE.match(s)) if isinstance(scope, str) else ()
        granted = named or self.scopes
        return token.access_token, granted

    def _verify(self, token: SecretStr) -> Any:
        """The account ``token`` signs in as; a failure's chain would hold the token (its header)."""
        return secret_safe(lambda: self._verify_once(token))

    def _verify_once(self, token: SecretStr) -> Any:
        from ..registry import connect_any

        net = connect_any(NAME, base_url=self.base_url, access_token=token, allow_http=self._allow_http)
        try:
            return net.me()
        except AuthenticationError as exc:
            raise AuthenticationError(
                "the server issued a token that it does not accept (verify_credentials failed): "
                "sign in again",
                network=NAME,
                server_message=exc.server_message,
            ) from None
        finally:
            net.close()


def start(
    base_url: str,
    *,
    redirect_uri: str = OOB,
    scopes: Any = DEFAULT_SCOPES,
    client_name: str = "decentsocial",
    website: str | None = None,
    allow_http: bool = False,
    timeout: float = 30.0,
    limits: Limits | None = None,
) -> MastodonFlow:
    """Register an app on ``base_url`` and begin the authorization-code flow (see the module docstring)."""
    chosen = check_scopes(scopes)
    timeout = check_seconds(timeout, network=NAME)
    url = check_endpoint(base_url, network=NAME, setting="base_url", allow_http=allow_http)
    if urlsplit(url).path not in ("", "/") or "?" in url or "#" in url:
        raise ConfigurationError(
            f"base_url: give the instance's address only (https://mastodon.example), not {url!r}",
            network=NAME,
        )
    receiver = None
    if redirect_uri != OOB:
        receiver, redirect_uri = receiver_for(
            redirect_uri,
            network=NAME,
            hint=f"use http://127.0.0.1:PORT/…, an https:// address, or the out-of-band {OOB}",
        )
    api = _api(url, timeout, limits)
    try:
        instance = _instance(api, url)
        challenge_ok = _supports_pkce(api)
        form = {
            "client_name": client_name,
            "redirect_uris": redirect_uri,
            "scopes": " ".join(chosen),
            **({"website": website} if website else {}),
        }
        app = secret_safe(lambda: _register_app(api, form))
    except BaseException:
        if receiver is not None:
            receiver.close()
        raise
    finally:
        api.close()
    client_id, client_secret = app.get("client_id"), app.get("client_secret")
    if not (isinstance(client_id, str) and client_id and isinstance(client_secret, str) and client_secret):
        if receiver is not None:
            receiver.close()
        raise NetworkUnavailable("the server registered no app (no client_id/client_secret)", network=NAME)
    verifier, challenge = pkce_pair() if challenge_ok else (None, None)
    return MastodonFlow(
        base_url=url,
        redirect_uri=redirect_uri,
        scopes=chosen,
        client_id=client_id,
        client_secret=SecretStr(client_secret),
        state=new_state(),
        verifier=verifier,
        challenge=challenge,
        receiver=receiver,
        allow_http=allow_http,
        timeout=timeout,
        limits=limits,
        instance=instance,
    )


def _register_app(api: HttpApi, form: dict[str, str]) -> dict[str, Any]:
    """``POST /api/v1/apps``: the app's id and secret (a failure's chain would hold the answer)."""
    response = api.send("POST", "/api/v1/apps", data=form, safe_to_repeat=False, authenticated=False)
    if response.status_code >= 400:
        raise api.failure(response, method="POST", safe_to_repeat=False)
    return api.parse(response)


def _instance(api: HttpApi, url: str) -> str:
    """The instance's domain from ``/api/v1/instance``; ``ConfigurationError`` when there is none."""
    response = api.send("GET", "/api/v1/instance", safe_to_repeat=True, authenticated=False)
    if response.status_code in (404, 405, 410) or 300 <= response.status_code < 400:
        raise _not_mastodon(url)
    if response.status_code >= 400:
        raise api.failure(response, method="GET", safe_to_repeat=True)
    try:
        body = api.decode(response)
    except NetworkUnavailable:
        raise _not_mastodon(url) from None
    if not isinstance(body, dict) or not isinstance(body.get("version"), str):
        raise _not_mastodon(url)
    return str(body.get("uri") or body.get("domain") or url)


def _supports_pkce(api: HttpApi) -> bool:
    """Whether the server says it verifies S256 code challenges (RFC 8414 metadata, Mastodon 4.3+)."""
    try:
        response = api.send(
            "GET", "/.well-known/oauth-authorization-server", safe_to_repeat=True, authenticated=False
        )
        if response.status_code != 200:
            return False
        body = api.decode(response)
    except DecentSocialError:
        return False
    methods = body.get("code_challenge_methods_supported") if isinstance(body, dict) else None
    return isinstance(methods, list) and "S256" in methods


def revoke(
    base_url: str,
    token: SecretStr,
    client_id: str,
    client_secret: SecretStr,
    *,
    allow_http: bool = False,
    timeout: float = 30.0,
    limits: Limits | None = None,
) -> None:
    """Revoke ``token`` on the server (``POST /oauth/revoke``); a token already gone is fine.

    ``base_url`` is checked as ``connect()`` checks it (a config file edited since the sign-in):
    the token and the app's secret never go in the clear off this machine without ``allow_http``.
    """
    url = check_endpoint(base_url, network=NAME, setting="base_url", allow_http=allow_http)
    api = _api(url, timeout, limits)
    try:
        form = {
            "token": token.get_secret_value(),
            "client_id": client_id,
            "client_secret": client_secret.get_secret_value(),
        }
        # The form holds the token and the app's secret: a failure is raised with a scrubbed chain.
        secret_safe(
            lambda: api.call("POST", "/oauth/revoke", data=form, safe_to_repeat=True, authenticated=False)
        )
    finally:
        api.close()
