"""Sandbox profiles the scheduler tests plan campaigns for (one config.toml, no secrets)."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

__all__ = ["START", "Clock", "add_mastodon_profiles", "write_profiles"]

#: When the tests' campaigns start (their clocks begin here).
START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


class Clock:
    """A scheduler clock the test moves by hand (``clock.now = ...`` or ``clock.advance(hours=1)``)."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def write_profiles(config: Path, folder: Path) -> None:
    """brand-a and brand-b (two accounts on one sandbox file), brand-c (another file), needs-secret.

    brand-tiny is a sandbox that takes 20 graphemes and cannot reply (so cannot thread).
    """
    config.write_text(
        textwrap.dedent(
            f"""
            [profiles.brand-a]
            network = "sandbox"
            path = "{folder / "a.db"}"
            account = "brand"
            [profiles.brand-b]
            network = "sandbox"
            path = "{folder / "a.db"}"
            account = "brand-b"
            [profiles.brand-c]
            network = "sandbox"
            path = "{folder / "c.db"}"
            account = "brand"
            [profiles.brand-tiny]
            network = "sandbox"
            path = "{folder / "tiny.db"}"
            account = "brand"
            max_length = 20
            unsupported = ["reply"]
            [profiles.needs-secret]
            network = "threads"
            user_id = "1"
            access_token_env = "NOT_SET_ON_THIS_WORKER"
            """
        )
    )


def add_mastodon_profiles(config: Path, base_url: str, accounts: dict[str, str]) -> dict[str, str]:
    """Append a profile ``brand-mastodon-<account>`` per account of a local Mastodon-API server.

    The profiles name their tokens by environment variable (``access_token_env``), as a
    deployment would; the variables to set are returned (name -> token).
    """
    env: dict[str, str] = {}
    with config.open("a") as fh:
        for account, token in accounts.items():
            variable = f"TEST_MASTODON_TOKEN_{account.upper()}"
            env[variable] = token
            fh.write(
                textwrap.dedent(
                    f"""
                    [profiles.brand-mastodon-{account}]
                    network = "mastodon"
                    base_url = "{base_url}"
                    access_token_env = "{variable}"
                    allow_http = true
                    """
                )
            )
    return env
