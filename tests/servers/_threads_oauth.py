"""The OAuth part of the Threads contract server, written from Meta's Threads API documentation.

* ``GET /oauth/authorize?client_id&redirect_uri&scope&response_type=code&state``
  (on threads.net in production): the consent page. Here it lists the
  server's users as "Continue as @name" buttons (the browser's logged-in
  user) and a Cancel button; scopes are comma-separated and must include
  ``threads_basic``.
* Approving redirects to ``redirect_uri?code=…&state=…#_`` (Meta appends
  ``#_``); cancelling to ``redirect_uri?error=access_denied&error_code=200&
  error_description=Permissions+error&error_reason=user_denied&state=…#_=_``.
* ``POST /oauth/access_token`` (form: client_id, client_secret,
  grant_type=authorization_code, redirect_uri, code) answers
  ``{"access_token": <short-lived, 1 hour>, "user_id": <int>}``. A code
  works once and for one hour, only with the redirect address it was issued
  for; Graph errors otherwise (code 100 with subcodes 36007 expired, 36008
  redirect mismatch, 36009 already used; code 1 for a wrong app secret, 101
  for an unknown app).

The short-lived token is then exchanged at ``GET /access_token`` (already in
``_threads_app``).
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse, RedirectResponse, Response

if TYPE_CHECKING:
    from tests.servers._threads_app import State

#: The server's error class and token issuer, passed in by ``_threads_app`` (which runs as
#: ``__main__``: importing it here would make a second, different ``GraphError`` class).
ErrorClass = Callable[..., Exception]
Issue = Callable[[str], str]

CODE_LIFETIME = 3600


@dataclass
class Code:
    user_id: str
    redirect_uri: str
    scopes: set[str]
    issued_at: float
    used: bool = False


_errors: dict[str, ErrorClass] = {}


def _graph_error() -> ErrorClass:
    return _errors["GraphError"]


def route(
    state: State, method: str, path: list[str], params: dict[str, str], error: ErrorClass, issue: Issue
) -> Response:
    _errors["GraphError"] = error
    if path == ["oauth", "authorize"] and method == "GET":
        return consent_page(state, params)
    if path == ["oauth", "authorize"] and method == "POST":
        return decide(state, params)
    if path == ["oauth", "access_token"] and method == "POST":
        return exchange_code(state, params, issue)
    raise error("Unknown path components", code=2500)


def _codes(state: State) -> dict[str, Code]:
    codes: dict[str, Code] | None = getattr(state, "oauth_codes", None)
    if codes is None:
        codes = {}
        state.oauth_codes = codes  # type: ignore[attr-defined]
    return codes


def _check_request(state: State, params: dict[str, str]) -> tuple[str, list[str]]:
    GraphError = _graph_error()
    if params.get("client_id") != state.app_id:
        raise GraphError("Invalid platform app", code=101, kind="OAuthException")
    redirect = params.get("redirect_uri", "")
    if not redirect.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise GraphError("Invalid redirect_uri: not an allowed URL", code=191)
    scopes = [s for s in params.get("scope", "").split(",") if s]
    if "threads_basic" not in scopes:
        raise GraphError("Invalid Scopes: threads_basic is required", code=100)
    return redirect, scopes


def consent_page(state: State, params: dict[str, str]) -> Response:
    if params.get("response_type") != "code":
        raise _graph_error()("response_type must be code", code=100)
    redirect, scopes = _check_request(state, params)
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
        for k, v in (
            ("client_id", state.app_id),
            ("redirect_uri", redirect),
            ("scope", ",".join(scopes)),
            ("state", params.get("state", "")),
        )
    )
    buttons = "".join(
        f'<li><button type="submit" name="user_id" value="{u.id}">Continue as @{html.escape(u.username)}'
        "</button></li>"
        for u in state.users.values()
    )
    page = (
        "<!doctype html><html><body><h1>Threads</h1>"
        f"<p>The app asks for: {html.escape(', '.join(scopes))}</p>"
        f'<form method="post" action="/oauth/authorize">{hidden}<ul>{buttons}</ul>'
        '<button type="submit" name="decision" value="cancel">Cancel</button></form></body></html>'
    )
    return Response(page, media_type="text/html")


def decide(state: State, params: dict[str, str]) -> Response:
    redirect, scopes = _check_request(state, params)
    sep = "&" if "?" in redirect else "?"
    if params.get("decision") == "cancel":
        query = {
            "error": "access_denied",
            "error_code": "200",
            "error_description": "Permissions error",
            "error_reason": "user_denied",
            "state": params.get("state", ""),
        }
        return RedirectResponse(f"{redirect}{sep}{urlencode(query)}#_=_", status_code=302)
    user_id = params.get("user_id", "")
    if user_id not in state.users:
        raise _graph_error()("Log in to continue", code=100)
    code = "AQ" + secrets.token_urlsafe(32)
    _codes(state)[code] = Code(user_id, redirect, set(scopes), state.now())
    query = {"code": code, "state": params.get("state", "")}
    return RedirectResponse(f"{redirect}{sep}{urlencode(query)}#_", status_code=302)


def exchange_code(state: State, params: dict[str, str], issue: Issue) -> Response:
    GraphError = _graph_error()
    if params.get("client_id") != state.app_id:
        raise GraphError("Error validating application. Invalid application ID.", code=101)
    if params.get("client_secret") != state.app_secret:
        raise GraphError("Error validating client secret.", code=1)
    if params.get("grant_type") != "authorization_code":
        raise GraphError("Unsupported grant_type", code=100)
    found = _codes(state).get(params.get("code", ""))
    if found is None:
        raise GraphError("Invalid verification code format.", code=100, subcode=36008)
    if found.used:
        raise GraphError("This authorization code has been used.", code=100, subcode=36009)
    if state.now() - found.issued_at > CODE_LIFETIME:
        raise GraphError("This authorization code has expired.", code=100, subcode=36007)
    if params.get("redirect_uri") != found.redirect_uri:
        raise GraphError(
            "Error validating verification code. Please make sure your redirect_uri is identical to the "
            "one you used in the OAuth dialog request",
            code=100,
            subcode=36008,
        )
    found.used = True
    user = state.users[found.user_id]
    user.scopes = set(found.scopes) | {"threads_basic"}
    token = issue(user.id)
    body: dict[str, Any] = {"access_token": token, "user_id": int(user.id)}
    return JSONResponse(body)
