"""A saved session whose token cannot be decoded fails with ``AuthenticationError`` that carries no part
of the token: not in its words, its repr, nor anywhere in its traceback (its chain included).

atproto decodes a session's tokens with pydantic, whose ``ValidationError`` quotes the claims it
refused; the error it raises is chained under ours. ``me()`` (which reads the account's DID first)
and ``session_string()`` go through the same scrubbing as every other call. The session is a real
one from the reference PDS with its access token's claims damaged as a disk or an editor might.
"""

from __future__ import annotations

import base64
import json
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("atproto", reason="the Bluesky backend needs the bluesky extra (atproto)")

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from tests.servers.bluesky import BlueskyStack

from .conftest import connect_bluesky

pytestmark = pytest.mark.server

#: What the damaged claim holds instead of a number: easy to find wherever it leaks.
MARK = "claims-marker-7f3a"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _damaged(session: str) -> tuple[str, list[str]]:
    """``session`` with its access token's ``exp`` claim made text; and the parts no error may show."""
    fields = session.split(":::")
    header, payload, signature = fields[2].split(".")
    claims = json.loads(_unb64(payload))
    claims["exp"] = MARK
    bad_payload = _b64(json.dumps(claims).encode())
    fields[2] = f"{header}.{bad_payload}.{signature}"
    refresh = fields[3].split(".")
    parts = [fields[2], header, bad_payload, signature, MARK, *refresh]
    parts += [str(v) for k, v in claims.items() if k not in ("exp", "sub", "scope", "aud", "iss")]
    return ":::".join(fields), parts


def _shown(exc: BaseException) -> str:
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(type(exc), exc, exc.__traceback__)])


@pytest.mark.parametrize(
    "call",
    [lambda net: net.me(), lambda net: net.session_string()],
    ids=["me", "session_string"],
)
def test_a_corrupt_saved_session_error_carries_no_part_of_the_token(
    stack: BlueskyStack, make_account: Any, tmp_path: Path, call: Callable[[BlueskyNetwork], Any]
) -> None:
    first, _, _ = make_account("corrupt")
    session, parts = _damaged(first.session_string())
    first.close()
    path = tmp_path / "bsky.session"
    path.write_text(session)
    net = connect_bluesky(base_url=stack.pds_url, session_file=path)
    with pytest.raises(ds.AuthenticationError, match="cannot be read") as caught:
        call(net)
    shown = _shown(caught.value)
    leaked = [part for part in parts if part in shown]
    assert leaked == [], shown
    assert path.read_text() == session  # kept for the user to look at: nothing was written over it
    net.close()
