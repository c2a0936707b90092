"""What the Bluesky session tests share: a profile that logs in with its password and saves its
session, and atproto's refresh forced."""

from __future__ import annotations

from pathlib import Path

from decentsocial.backends.bluesky import BlueskyNetwork
from tests.auth.conftest import Store
from tests.servers.bluesky import BlueskyStack

__all__ = ["password_profile", "refresh"]


def password_profile(
    store: Store,
    stack: BlueskyStack,
    profile: str,
    handle: str,
    password_env: str,
    *,
    entry: str | None = None,
    file: Path | None = None,
) -> None:
    """A hand-written ``profile`` that logs in with its password (from ``$password_env``) and saves its
    session in the keyring ``entry``, else in ``file``."""
    saved = f'keyring_session = "{entry}"\n' if entry else f'session_file = "{file}"\n'
    store.config.write_text(
        f'[profiles.{profile}]\nnetwork = "bluesky"\nbase_url = "{stack.pds_url}"\n'
        f'handle = "{handle}"\npassword_env = "{password_env}"\n{saved}'
    )


def refresh(net: BlueskyNetwork) -> None:
    """What atproto does when the access token nears expiry (forced, so no wait)."""
    net.transport.client()._refresh_and_set_session()
