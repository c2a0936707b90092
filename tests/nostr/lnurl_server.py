"""A loopback LNURL-pay and NIP-05 server that records every request it gets.

* ``GET /.well-known/lnurlp/<name>`` (LUD-16) and ``GET /lnurlp/<name>`` (for an LUD-06 ``lnurl1…``):
  the pay endpoint's document, whose callback is on this server (``document`` overrides it; a
  string is sent as it is);
* ``GET /callback/<name>?amount=…&nostr=…``: what a wallet calls to get the invoice; the zap
  requests it saw are kept in ``zap_requests``;
* ``GET /.well-known/nostr.json?name=<name>``: the NIP-05 names in ``names``.

Tests reach it only with the ``allow_private_fetch`` setting (it is plain http on 127.0.0.1).
"""

from __future__ import annotations

import http.server
import json
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

from decentsocial.backends.nostr import PrivateKey


class LoopbackLnurl:
    def __init__(self, port: int = 0) -> None:
        self.receipt_key = PrivateKey.generate()  # the nostrPubkey it announces
        self.document: dict[str, Any] | str | None = None
        self.names: dict[str, str] = {}
        self.requests: list[str] = []
        self.zap_requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = server._answer(self.path)
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = int(self._httpd.server_address[1])  # port 0: the system picks a free one
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> LoopbackLnurl:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def _answer(self, path: str) -> tuple[int, dict[str, Any] | str]:
        with self._lock:
            self.requests.append(path)
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        segments = parts.path.strip("/").split("/")
        if parts.path.startswith(("/.well-known/lnurlp/", "/lnurlp/")):
            if self.document is not None:
                return 200, self.document
            return 200, {
                "tag": "payRequest",
                "callback": f"{self.base}/callback/{segments[-1]}",
                "minSendable": 1_000,
                "maxSendable": 100_000_000,
                "metadata": json.dumps([["text/plain", "zap me"]]),
                "allowsNostr": True,
                "nostrPubkey": self.receipt_key.public_key,
            }
        if parts.path.startswith("/callback/"):
            request = json.loads(query["nostr"][0]) if "nostr" in query else None
            with self._lock:
                if request is not None:
                    self.zap_requests.append(request)
            return 200, {"pr": "lnbc210n1fake", "routes": []}
        if parts.path == "/.well-known/nostr.json":
            name = query.get("name", [""])[0]
            return 200, {"names": {name: self.names[name]} if name in self.names else {}}
        return 404, {"status": "ERROR", "reason": "not found"}
