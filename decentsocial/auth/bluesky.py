"""Bluesky sign-in with an app password, saving the session (or the app password), and its revoke.

atproto's OAuth (DPoP-bound tokens with pushed authorization requests) is
not supported yet: an app password is what a user makes in *Settings >
Privacy and security > App passwords*. ``revoke`` ends the saved session on
the PDS (``com.atproto.server.deleteSession`` with the refresh token).
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from ..coerce import secret_text
from ..config import check_profile_name
from ..errors import InvalidInput
from ..httpclient import HttpApi, secret_safe
from ..keyring_store import entry_name
from ..retry import RetryPolicy
from ..text import lone_surrogate_at
from ..urls import check_endpoint, redirect_refused
from ._common import SignIn, check_replaceable, save_signed_in

__all__ = ["bluesky_login", "revoke"]


def bluesky_login(
    *,
    handle: str,
    app_password: str | SecretStr,
    base_url: str = "https://bsky.social",
    profile: str | None = None,
    save: str = "session",
    **settings: Any,
) -> SignIn:
    """Sign in with an app password and (with ``profile``) save the session (default) or the app password.

    ``save="session"`` keeps only the session in the keyring, never the
    password (the profile's ``keyring_session``; the backend rewrites the
    entry whenever the session is refreshed); it lasts until it is revoked or
    unused for a long time (then sign in again). ``save="password"`` keeps the app password,
    which also survives a revoked session.
    """
    if save not in ("session", "password"):
        raise InvalidInput("save is 'session' or 'password'", network="bluesky")
    if profile is not None:
        check_profile_name(profile, keyring=True)
        check_replaceable(profile, "bluesky")
    from ..backends.bluesky import BlueskyNetwork
    from ..registry import connect_any

    password = SecretStr(secret_text(app_password, "app_password", network="bluesky"))
    for name, text in (("handle", handle), ("app_password", password.get_secret_value())):
        # No request can carry it: said here, not as an answer "that could not be read" from the PDS.
        if isinstance(text, str) and lone_surrogate_at(text) is not None:
            raise InvalidInput(f"{name} holds half a surrogate pair on its own: retype it", network="bluesky")
    net = connect_any("bluesky", base_url=base_url, handle=handle, password=password, **settings)
    assert isinstance(net, BlueskyNetwork)
    try:  # the login request holds the app password: a failure is raised with a scrubbed chain
        me = secret_safe(net.me, secrets=[password.get_secret_value()])  # a PDS may quote it back
        session = net.session_string() if save == "session" else None
    finally:
        net.close()
    if profile is not None:
        if session is not None:
            # The session goes to a keyring entry the backend also rewrites on every refresh.
            entry = entry_name(profile, "session")
            save_signed_in(
                profile,
                "bluesky",
                {"base_url": base_url, "keyring_session": entry, **settings},
                {},
                login={"account": me.handle, "saved": save},
                entries={entry: session},
            )
        else:
            save_signed_in(
                profile,
                "bluesky",
                {"base_url": base_url, "handle": handle, **settings},
                {"password": password.get_secret_value()},
                login={"account": me.handle, "saved": save},
            )
    return SignIn("bluesky", profile, me)


def revoke(
    session_string: SecretStr, *, base_url: str | None = None, timeout: float = 30.0, allow_http: bool = False
) -> None:
    """End a saved session on the PDS at ``base_url`` (the one signed in to; else the session's own):
    its refresh token stops working (``com.atproto.server.deleteSession``). ``allow_http``: the
    profile's setting, which lets the token go to a plain ``http://`` PDS off this machine."""
    parts = session_string.get_secret_value().split(":::")
    if len(parts) not in (4, 5):
        raise InvalidInput(
            "the saved Bluesky session is not readable: log out with --no-revoke", network="bluesky"
        )
    refresh_jwt = parts[3]
    pds = base_url or (parts[4].removesuffix("/").removesuffix("/xrpc") if len(parts) == 5 else "")
    url = check_endpoint(pds, network="bluesky", setting="base_url", allow_http=allow_http)
    api = HttpApi("bluesky", "the Bluesky PDS", url, timeout=timeout, retry=RetryPolicy(attempts=2))
    try:  # the request's header holds the refresh token: a failure is raised with a scrubbed chain
        response = secret_safe(
            lambda: api.send(
                "POST",
                "/xrpc/com.atproto.server.deleteSession",
                headers={"Authorization": f"Bearer {refresh_jwt}"},
                safe_to_repeat=True,
                authenticated=False,
            )
        )
        if 300 <= response.status_code < 400:  # not the PDS's answer: the session may still be live
            raise redirect_refused(
                response.status_code,
                response.headers.get("location", ""),
                network="bluesky",
                base=str(response.request.url),
                what="the Bluesky PDS",
            )
        if response.status_code >= 400:
            body = api.error_body(response)
            error = body.get("error") if isinstance(body, dict) else None
            # The session had already ended (expired, or revoked elsewhere): nothing left to revoke.
            if not (response.status_code in (400, 401) and error in ("ExpiredToken", "InvalidToken")):
                raise api.failure(response, method="POST", safe_to_repeat=True)
    finally:
        api.close()
