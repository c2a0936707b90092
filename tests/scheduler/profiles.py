"""Sandbox profiles the scheduler tests plan campaigns for (one config.toml, no secrets)."""

from __future__ import annotations

import textwrap
from pathlib import Path

__all__ = ["write_profiles"]


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
