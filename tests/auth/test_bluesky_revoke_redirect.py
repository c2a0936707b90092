"""Logging out of Bluesky ends the session on the PDS; a PDS answering ``deleteSession`` with a
redirect has not ended it, so logout must not say it did (nor follow it with the refresh token)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

import decentsocial as ds
from decentsocial.auth.bluesky import revoke
from tests.servers.mastodon_hostile import answer, hostile_server


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirected_delete_session_is_not_taken_for_revoked(code: int) -> None:
    with hostile_server() as server:
        server.respond = lambda method, path: answer({}, code, {"Location": "http://169.254.169.254/x"})
        session = SecretStr(f"brand.test:::did:plc:brand:::access:::refresh-secret:::{server.base_url}")
        with pytest.raises(ds.ConfigurationError, match="redirects are not followed") as caught:
            revoke(session, base_url=server.base_url)
    assert "refresh-secret" not in str(caught.value)
    assert "169.254.169.254" in str(caught.value)  # the host it pointed to, for the user to judge
