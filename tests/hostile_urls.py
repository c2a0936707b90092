"""The URLs a hostile server (or a post's author) may hand out, for each backend's ``test_server_urls``:
each must be taken as no URL, as a missing one is (``urls.web_link`` keeps only an http(s) URL with a
host, no credentials and no spaces or control characters).

A backend's test adds its own: a URL of its own scheme that is no web page (``tag:``, ``at://``) and
its web URL without a scheme or a host (``//host/path``, ``/path``). What is kept is the backend's own.
"""

from __future__ import annotations

__all__ = ["HOSTILE_URLS", "MORE_HOSTILE_URLS"]

#: Script, a local file, another scheme, http(s) with no host, with credentials or a space in the host.
HOSTILE_URLS: list[str] = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "ftp://example.com/x",
    "https://",
    "http:example.com",
    "https://user:pw@example.com/",
    "https://exa mple.com/",
]
#: Two more the Mastodon, Bluesky and Nostr converter tests try: an image made of its URL, and a line
#: break after a web URL.
MORE_HOSTILE_URLS: list[str] = ["data:image/svg+xml;base64,PHN2Zy8+", "https://example.com/\n"]
