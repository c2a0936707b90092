"""The library's shared certificate-checking TLS context has a public, documented name, used everywhere.

The Bluesky firehose (its ``wss://`` socket is opened by the library, not by
httpx) imported ``deadline_http._verifying_context``, a private name of
another module: a rename there would have broken it, or a copy of it would
have trusted other certificates than the HTTP requests. It is now
``decentsocial.deadline_http.verifying_context``, and both use it.
"""

from __future__ import annotations

import ast
import inspect
import ssl
from pathlib import Path

import pytest

from decentsocial import deadline_http

ROOT = Path(__file__).resolve().parents[2]


def test_the_shared_tls_context_is_public_and_documented() -> None:
    assert "verifying_context" in deadline_http.__all__
    context = deadline_http.verifying_context()
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context is deadline_http.verifying_context()  # built once, shared
    assert "SSL_CERT_FILE" in (inspect.getdoc(deadline_http.verifying_context) or "")


def test_the_http_transport_uses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = deadline_http.DeadlineHTTPTransport()
    try:
        assert transport._pool._ssl_context is deadline_http.verifying_context()
    finally:
        transport.close()


def test_the_firehose_uses_the_public_name() -> None:
    """Read from the source, so it holds without the bluesky extra installed."""
    source = (ROOT / "decentsocial/backends/bluesky/firehose.py").read_text(encoding="utf-8")
    imported = {
        alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("deadline_http")
        for alias in node.names
    }
    assert imported == {"verifying_context"}
    assert "verifying_context()" in source
