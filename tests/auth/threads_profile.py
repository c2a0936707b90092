"""A Threads profile signed in on the contract server as a user does it: the consent page clicked, the
code exchanged, the token saved in the test's keyring (tests/auth/conftest.py ``store``)."""

from __future__ import annotations

import decentsocial as ds
from tests.auth.browser import click
from tests.servers._process import ContractServer
from tests.servers.threads import threads_user

__all__ = ["sign_in"]


def sign_in(server: ContractServer, username: str, profile: str) -> None:
    """A new contract-server user ``username``, signed in as profile ``profile``."""
    user = threads_user(server, username=username)
    flow = ds.auth.start(
        "threads",
        client_id=user["app_id"],
        client_secret=user["app_secret"],
        redirect_uri="http://127.0.0.1:0/cb",
        authorize_url=server.url,
        base_url=server.url,
    )
    click(flow.url, username)
    code, state = flow.wait_for_code(timeout=10)
    flow.finish(code=code, state=state, profile=profile)
