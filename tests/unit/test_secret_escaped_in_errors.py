"""A token h11 refuses to send (a control character in it: a secret read from a file keeps its line
break) is quoted by h11 as bytes, ``b'Bearer TOKEN\\n'``: that spelling of the secret is masked too."""

from __future__ import annotations

import traceback
from http.server import BaseHTTPRequestHandler

import pytest

import decentsocial as ds
from decentsocial.errors import DecentSocialError
from decentsocial.httpclient import HttpApi
from tests.servers._loopback_http import serve

TOKEN = "EAAGm0PX4ZCpsBAKZD0secret"


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.mark.parametrize("secret", [TOKEN + "\n", TOKEN + "\r\n", TOKEN + "\x00", "é" + TOKEN + "\n"])
def test_a_token_with_a_control_character_is_masked_in_the_error(secret: str) -> None:
    class Authed(HttpApi):
        def auth_headers(self) -> dict[str, str]:
            return {"Authorization": f"Bearer {secret}"}

    with serve(_Ok) as url:
        client = Authed("demo", "Demo", url, timeout=5.0, retry=ds.RetryPolicy(attempts=1))
        try:
            with pytest.raises(DecentSocialError) as caught:
                client.once("GET", "me", safe_to_repeat=True)
        finally:
            client.close()
    shown = "".join(traceback.format_exception(caught.value))
    assert TOKEN not in shown
