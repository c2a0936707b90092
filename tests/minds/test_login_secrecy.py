"""A Minds token endpoint that quotes the password it refused (in its error message) never puts the
password into our error: the login request's JSON fields named like secrets are masked."""

from __future__ import annotations

import json
import warnings
from http.server import BaseHTTPRequestHandler

import pytest

import decentsocial as ds
from tests.servers._loopback_http import serve

PASSWORD = "hunter2-very-secret"


class QuotesThePassword(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        said = f"invalid credentials for {body.get('username')}: {body.get('password')}"
        out = json.dumps({"status": "error", "message": said}).encode()
        self.send_response(401)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: object) -> None:
        pass


def test_a_password_the_server_quotes_is_masked() -> None:
    from decentsocial.backends.minds import MindsExperimentalWarning

    with serve(QuotesThePassword) as url:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MindsExperimentalWarning)
            net = ds.connect("minds", base_url=url, username="brand", password=PASSWORD)
        try:
            with pytest.raises(ds.AuthenticationError) as caught:
                net.me()
        finally:
            net.close()
    error = caught.value
    assert PASSWORD not in f"{error} {error!r} {error.message} {error.server_message} {error.args}"
    assert "invalid credentials for brand: ***" in str(error)
