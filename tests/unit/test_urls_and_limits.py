"""Hostile servers and URLs: one parser for checking and connecting, public-only fetches, deadlines and caps.

The servers here are real HTTP servers on 127.0.0.1 that misbehave on purpose.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import socketserver
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from decentsocial import ContentRejected, InvalidInput, NetworkUnavailable
from decentsocial.limits import Limits, check_json_depth, loads
from decentsocial.urls import fetch_public_json, is_public_address, parse_url, resolve_public

# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "host", "port", "canonical"),
    [
        ("https://Mastodon.Example/api", "mastodon.example", None, "https://mastodon.example/api"),
        ("  https://mastodon.example\t/a\nb  ", "mastodon.example", None, "https://mastodon.example/ab"),
        (
            "https://evil.example\\@mastodon.example/",
            "evil.example",
            None,
            "https://evil.example/@mastodon.example/",
        ),
        ("https:\\\\evil.example\\path", "evil.example", None, "https://evil.example/path"),
        (
            "HTTPS://bücher.example:8443/x?y=1#frag",
            "xn--bcher-kva.example",
            8443,
            "https://xn--bcher-kva.example:8443/x?y=1",
        ),
        ("http://[::1]:8080/", "::1", 8080, "http://[::1]:8080/"),
        ("https://127.0.0.1/", "127.0.0.1", None, "https://127.0.0.1/"),
    ],
)
def test_urls_parse_as_browsers_read_them(text: str, host: str, port: int | None, canonical: str) -> None:
    url = parse_url(text)
    assert url.host == host
    assert url.port == port
    assert str(url) == canonical


@pytest.mark.parametrize(
    "text",
    [
        "https://user:pass@mastodon.example/",
        "https://mastodon.example@evil.example/",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://0x7f.1/",
        "https://2130706433/",
        "https://mastodon.example:99999/",
        "https://exa mple.com/",
        "mastodon.example",
        # Look-alikes IDNA maps to a delimiter: read back, the host would be another one.
        "https://a.example\uff0fb/",  # fullwidth solidus: host a.example, path /b
        "https://a.example\uff1fx/",  # fullwidth question mark
        "https://evil.example\uff03.good.example/",  # fullwidth number sign
        "https://mastodon.example\uff20evil.example/",  # fullwidth commercial at
        "https://127.0.0.1\uff0fx/",
    ],
)
def test_urls_no_honest_server_has_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_url(text)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("240.0.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_a_name_that_resolves_to_a_private_address_is_refused() -> None:
    url = parse_url("https://wallet.example/.well-known/lnurlp/alice")
    with pytest.raises(ContentRejected, match=r"169\.254\.169\.254"):
        resolve_public(url, network="nostr", resolve=lambda host, port: ["93.184.215.14", "169.254.169.254"])
    assert (
        resolve_public(url, network="nostr", resolve=lambda host, port: ["93.184.215.14"]) == "93.184.215.14"
    )
    with pytest.raises(ContentRejected, match=r"not a public address"):
        resolve_public(parse_url("https://localhost/x"), network="nostr")  # the machine's real resolver


@pytest.mark.parametrize("text", ["http://wallet.example/x", "https://wallet.example:8443/x"])
def test_plain_http_and_other_ports_are_refused_for_strangers_urls(text: str) -> None:
    with pytest.raises(ContentRejected):
        resolve_public(parse_url(text), network="nostr", resolve=lambda host, port: ["93.184.215.14"])


# ---------------------------------------------------------------- JSON


def test_json_deeper_than_the_limit_is_a_typed_error() -> None:
    deep = "[" * 5000 + "]" * 5000
    with pytest.raises(NetworkUnavailable, match="deeper than 64"):
        loads(deep, limits=Limits(), network="mastodon")
    check_json_depth('{"a": "[[[[[[[[[[[[", "b": "\\"[[[["}', max_depth=2, network="x")  # brackets in strings
    for data in ("[[[1]]]", b'{"a": [{"b": 1}]}'):  # as many opening brackets as allowed: the quick count
        check_json_depth(data, max_depth=3, network="x")
    for deeper in ("[[[[1]]]]", b'{"a": [{"b": [1]}]}'):  # one more, and one level too deep
        with pytest.raises(NetworkUnavailable, match="deeper than 3"):
            check_json_depth(deeper, max_depth=3, network="x")


def test_json_not_json_is_a_typed_error() -> None:
    with pytest.raises(NetworkUnavailable, match="not valid JSON"):
        loads(b"<html>", limits=Limits(), network="threads")


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (1 is not 1.0; NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float):
        return repr(a) == repr(b)  # -0.0 is not 0.0, nan is nan
    return bool(a == b)


def test_loads_reads_every_text_as_json_loads_does() -> None:
    """The fast parser gives json.loads's answer, or leaves the text to it; never another answer."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**40), max_value=10**40)
        | st.floats()  # NaN and infinities too: servers send them and json.loads reads them
        | st.text()  # any code point, lone surrogates included (sent as \ud800 escapes)
    )
    values = st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4)
    )

    @given(values, st.booleans(), st.booleans())
    @settings(max_examples=800, deadline=None)
    def agree(value: Any, ascii_only: bool, as_bytes: bool) -> None:
        text = json.dumps(value, ensure_ascii=ascii_only)
        if not ascii_only and any(0xD800 <= ord(c) <= 0xDFFF for c in text):
            return  # a lone surrogate cannot be sent raw: only escaped, which the other draw covers
        data: str | bytes = text.encode() if as_bytes else text
        assert _same(loads(data, limits=Limits(), network="x"), json.loads(data))

    agree()


@pytest.mark.parametrize(
    "data",
    [
        '"\\ud800"',  # a lone surrogate escape: the fast parser refuses it, json.loads reads it
        '["\\udfff", "\\ud83d\\ude00"]',
        '{"a": 1, "a": 2}',  # the last of a repeated key wins, in both
        "123456789012345678901234567890",
        "[NaN, Infinity, -Infinity, -0.0, 1e400, 5e-324]",
        '{"text": "مرحبا بالعالم"}'.encode("utf-16"),  # UTF-16 with its BOM: json.loads detects it
        '{"text": "مرحبا"}'.encode("utf-32-le"),
    ],
)
def test_loads_agrees_with_json_loads_on_edge_texts(data: str | bytes) -> None:
    assert _same(loads(data, limits=Limits(), network="x"), json.loads(data))


def test_loads_agrees_with_json_loads_on_every_recorded_hive_answer() -> None:
    """2,500 real Hive/Steem posts and the other recorded node answers, read both ways."""
    path = Path(__file__).resolve().parent.parent / "fixtures" / "hive" / "api-cases.jsonl.gz"
    read, limits = 0, Limits(max_json_depth=1000)
    for line in gzip.decompress(path.read_bytes()).splitlines():
        case = json.loads(line)
        for text in (json.dumps(case), json.dumps(case, ensure_ascii=False)):
            assert _same(loads(text.encode(), limits=limits, network="hive"), json.loads(text))
            read += 1
    assert read > 100


# ---------------------------------------------------------------- hostile servers on loopback


@functools.cache
def _stacked_bomb() -> bytes:
    """gzip of gzip: 64 MiB of zeros in a few kB (httpx's decoders unpack each chunk whole)."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"0" * (1024 * 1024)
    layer = b"".join([*(inner.compress(block) for _ in range(64)), inner.flush()])
    return gzip.compress(layer, 9)


class _Hostile(http.server.BaseHTTPRequestHandler):
    mode = "ok"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        mode = self.path.strip("/")
        if mode == "ok":
            self._send(json.dumps({"callback": "https://wallet.example/cb"}).encode())
        elif mode == "drip":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(200):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.05)
        elif mode == "drip-headers":
            # The status line and headers themselves, a byte at a time (each byte well inside a read timeout).
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Pad: " + b"a" * 400:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.02)
        elif mode == "bomb":
            body = gzip.compress(b" " * (64 * 1024 * 1024))  # 64 MiB of spaces in about 64 kB
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif mode == "stacked-bomb":
            body = _stacked_bomb()
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip, gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif mode == "redirect-private":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.end_headers()
        elif mode == "loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_loopback_server_is_refused_without_the_test_setting(hostile: str) -> None:
    with pytest.raises(ContentRejected):
        fetch_public_json(f"{hostile}/ok", network="nostr", limits=Limits())


def test_the_test_setting_reaches_a_loopback_server(hostile: str) -> None:
    answer = fetch_public_json(f"{hostile}/ok", network="nostr", limits=Limits(), allow_private=True)
    assert answer == {"callback": "https://wallet.example/cb"}


def test_a_dripping_server_cannot_hold_a_call_past_its_deadline(hostile: str) -> None:
    started = time.monotonic()
    with pytest.raises(NetworkUnavailable, match="deadline"):
        fetch_public_json(f"{hostile}/drip", network="nostr", limits=Limits(deadline=1.0), allow_private=True)
    assert time.monotonic() - started < 3.0  # the drip alone would take 10 s


def test_a_name_server_that_never_answers_cannot_hold_a_call_past_its_deadline() -> None:
    released = threading.Event()

    def silent_name_server(host: str, port: int) -> list[str]:
        released.wait(10)  # the system resolver takes no timeout of its own
        return ["93.184.215.14"]

    started = time.monotonic()
    try:
        with pytest.raises(NetworkUnavailable, match="deadline"):
            fetch_public_json(
                "https://wallet.example/.well-known/lnurlp/alice",
                network="nostr",
                limits=Limits(deadline=0.5),
                resolve=silent_name_server,
            )
        assert time.monotonic() - started < 3.0
    finally:
        released.set()


def test_a_failing_resolver_s_error_reaches_the_caller() -> None:
    def broken(host: str, port: int) -> list[str]:
        raise RuntimeError("resolver broke")

    with pytest.raises(RuntimeError, match="resolver broke"):
        fetch_public_json(
            "https://wallet.example/x", network="nostr", limits=Limits(deadline=5.0), resolve=broken
        )


def test_a_server_dripping_its_headers_cannot_hold_a_call_past_its_deadline(hostile: str) -> None:
    started = time.monotonic()
    with pytest.raises(NetworkUnavailable, match="deadline"):
        fetch_public_json(
            f"{hostile}/drip-headers", network="nostr", limits=Limits(deadline=1.0), allow_private=True
        )
    assert time.monotonic() - started < 3.0  # the headers alone would take 9 s


def test_a_gzip_bomb_is_refused_not_unpacked(hostile: str) -> None:
    with pytest.raises(NetworkUnavailable, match="max_body_bytes"):
        fetch_public_json(f"{hostile}/bomb", network="nostr", limits=Limits(), allow_private=True)


def test_a_stacked_gzip_bomb_is_refused_with_memory_flat(hostile: str) -> None:
    import tracemalloc

    _stacked_bomb()  # made before memory is traced: the server runs in this process
    tracemalloc.start()
    try:
        with pytest.raises(NetworkUnavailable, match="encoding it was not offered"):
            fetch_public_json(f"{hostile}/stacked-bomb", network="nostr", limits=Limits(), allow_private=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # httpx unpacked both layers: 64 MiB


def test_redirects_are_checked_at_every_hop(hostile: str) -> None:
    # Allowed to reach loopback for the test, but the redirect's target must still parse and resolve.
    with pytest.raises(NetworkUnavailable, match="redirected more than 3 times"):
        fetch_public_json(f"{hostile}/loop", network="nostr", limits=Limits(), allow_private=True)


def test_a_redirect_to_a_private_address_is_refused() -> None:
    """The first hop is public; the redirect's host resolves to the cloud metadata address."""
    import httpx

    addresses = {"wallet.example": ["93.184.215.14"], "metadata.example": ["169.254.169.254"]}
    asked: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:  # a fake remote server: nothing leaves the machine
        asked.append(str(request.url))
        assert request.headers["host"] == "wallet.example"
        assert request.extensions["sni_hostname"] == "wallet.example"
        return httpx.Response(302, headers={"Location": "https://metadata.example/latest"})

    with pytest.raises(ContentRejected, match=r"169\.254\.169\.254"):
        fetch_public_json(
            "https://wallet.example/.well-known/lnurlp/alice",
            network="nostr",
            limits=Limits(),
            transport=httpx.MockTransport(server),
            resolve=lambda host, port: addresses[host],
        )
    assert asked == ["https://93.184.215.14/.well-known/lnurlp/alice"]  # connected to the address it checked


# ---------------------------------------------------------------- the guarded httpx transport


def guarded_client(deadline: float = 30.0) -> Any:
    import httpx

    from decentsocial.limits import guarded_transport

    return httpx.Client(
        transport=guarded_transport(Limits(deadline=deadline), network="threads"), trust_env=False
    )


def test_guarded_transport_reads_an_honest_answer(hostile: str) -> None:
    with guarded_client() as client:
        answer = client.get(f"{hostile}/ok")
    assert answer.json() == {"callback": "https://wallet.example/cb"}


def test_guarded_transport_refuses_a_gzip_bomb(hostile: str) -> None:
    with guarded_client() as client, pytest.raises(NetworkUnavailable, match="max_body_bytes") as caught:
        client.get(f"{hostile}/bomb")
    assert caught.value.network == "threads"


def test_guarded_transport_keeps_to_the_deadline_against_a_drip(hostile: str) -> None:
    started = time.monotonic()
    with guarded_client(deadline=1.0) as client, pytest.raises(NetworkUnavailable, match="deadline"):
        client.get(f"{hostile}/drip")
    assert time.monotonic() - started < 3.0


def test_guarded_transport_decodes_small_gzip_answers() -> None:
    import httpx

    from decentsocial.limits import guarded_transport

    body = gzip.compress(json.dumps({"ok": True}).encode())

    def server(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept-encoding"] == "gzip, deflate"
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=body)

    transport = guarded_transport(Limits(), network="minds", inner=httpx.MockTransport(server))
    with httpx.Client(transport=transport) as client:
        assert client.get("https://minds.example/api").json() == {"ok": True}


def test_lines_longer_than_the_cap_end_the_stream() -> None:
    from decentsocial.limits import iter_lines_capped

    assert list(iter_lines_capped([b"data: a\r\nda", b"ta: b\n", b"tail"], limit=16, network="mastodon")) == [
        b"data: a",
        b"data: b",
        b"tail",
    ]
    with pytest.raises(NetworkUnavailable, match="longer than 16 bytes"):
        list(iter_lines_capped([b"x" * 10, b"x" * 10], limit=16, network="mastodon"))
    with pytest.raises(NetworkUnavailable, match="longer than 16 bytes"):
        list(iter_lines_capped([b"x" * 20 + b"\n"], limit=16, network="mastodon"))


def test_lines_read_the_same_whatever_the_chunks() -> None:
    """Byte by byte, in odd pieces or whole: the same lines (a server chooses how it cuts them)."""
    from decentsocial.limits import iter_lines_capped

    text = b"event: update\r\ndata: " + "مرحبا".encode() * 300 + b"\r\n\n:thump\n\ndata: {}\nlast"
    whole = list(iter_lines_capped([text], limit=4096, network="mastodon"))
    assert whole == [line.rstrip(b"\r") for line in text.split(b"\n")]
    for size in (1, 2, 7, 1000):
        pieces = [text[i : i + size] for i in range(0, len(text), size)]
        assert list(iter_lines_capped(pieces, limit=4096, network="mastodon")) == whole


# ---------------------------------------------------------------- endpoints in settings, private files


@pytest.mark.parametrize(
    ("url", "allow_http", "expected"),
    [
        ("https://Mastodon.Example/", False, "https://mastodon.example"),
        ("http://127.0.0.1:3000", False, "http://127.0.0.1:3000"),
        ("http://localhost:3000/", False, "http://localhost:3000"),
        ("http://[::1]:3000", False, "http://[::1]:3000"),
        ("http://mastodon.example", True, "http://mastodon.example"),
    ],
)
def test_endpoints_take_tls_or_loopback(url: str, allow_http: bool, expected: str) -> None:
    from decentsocial.urls import check_endpoint

    assert check_endpoint(url, network="mastodon", setting="base_url", allow_http=allow_http) == expected


@pytest.mark.parametrize(
    "url", ["http://mastodon.example", "http://10.0.0.5", "ftp://x.example", "https://a@b.example"]
)
def test_endpoints_refused_at_connect(url: str) -> None:
    from decentsocial import ConfigurationError
    from decentsocial.urls import check_endpoint

    with pytest.raises(ConfigurationError, match="base_url"):
        check_endpoint(url, network="mastodon", setting="base_url")


def test_a_private_file_is_private_from_the_first_byte(tmp_path: Any) -> None:
    import os
    import stat

    from decentsocial.private_files import write_private_file

    target = tmp_path / "session.json"
    stale = tmp_path / ".session.json.tmp"
    stale.write_text("left by a crash")
    os.chmod(stale, 0o666)
    old_umask = os.umask(0)
    try:
        write_private_file(target, b"secret session")
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"secret session"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    write_private_file(target, b"newer")
    assert target.read_bytes() == b"newer"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp") and p != stale] == []


def test_a_refused_url_never_quotes_its_password() -> None:
    from decentsocial import ConfigurationError
    from decentsocial.urls import check_endpoint

    for url in (
        "https://user:hunter2@host.example/x",
        "https:\\\\u:hunter2@evil.example",
        "http://a:hunter2@b.example",
        # The parser drops tabs and reads any run of / and \ after the scheme as "//": so does the mask.
        "https:/\\user:hunter2@node.example",
        "https:/\t/user:hunter2@node.example",
        "https:\\\\/user:hunter2@node.example",
        "https:user:hunter2@node.example",
        "https://u:" + "hunter2" * 40 + "@node.example",  # cut to 200 characters after the mask
    ):
        with pytest.raises((InvalidInput, ConfigurationError)) as caught:
            check_endpoint(url, network="hive", setting="nodes")
        assert "hunter2" not in str(caught.value)


def test_a_refused_relay_url_never_quotes_its_password_or_query() -> None:
    from decentsocial.backends.nostr.settings import _check_relay_url

    urls = ("wss://bot:hunter2@relay.example", "wss://r.example/?token=hunter2", "wss:/\\u:hunter2@r.example")
    for url in urls:
        with pytest.raises(ValueError, match="malformed relay URL") as caught:
            _check_relay_url(url)
        assert "hunter2" not in str(caught.value)


def test_a_redis_url_is_shown_without_its_password() -> None:
    from decentsocial.redis_url import redacted as _redacted

    assert _redacted("redis://:hunter2@127.0.0.1:6379/0") == "redis://:***@127.0.0.1:6379/0"
    assert _redacted("redis://127.0.0.1/0?password=hunter2&db=1") == "redis://127.0.0.1/0?password=***&db=1"
    assert _redacted("rediss://u:hunter2@h/0?socket_timeout=2") == "rediss://u:***@h/0?socket_timeout=2"


def test_json_depth_check_agrees_with_counting_brackets() -> None:
    """The level-by-level check says what counting the brackets outside strings says."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    def counted(text: str) -> int:
        depth = deepest = 0
        for token in re.findall(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
            if token in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif token in "]}":
                depth -= 1
        return deepest

    pieces = st.sampled_from(
        # escaped quotes and backslashes next to brackets, empty strings, non-ASCII text (RTL included)
        [
            "[",
            "]",
            "{",
            "}",
            '"[["',
            '"\\"{"',
            '"\\\\"',
            '"\\\\\\"]"',
            '""',
            '"مرحبا["',
            "1",
            ",",
            ":",
            '"a"',
            " ",
            "[]",
        ]
    )

    @given(st.lists(pieces, max_size=40).map("".join), st.integers(1, 6))
    @settings(max_examples=500, deadline=None)
    def agree(text: str, limit: int) -> None:
        too_deep = counted(text) > limit
        for data in (text, text.encode()):
            try:
                check_json_depth(data, max_depth=limit, network="x")
            except NetworkUnavailable:
                assert too_deep, text
            else:
                assert not too_deep, text

    agree()


def test_every_transport_shares_one_certificate_checking_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CA bundle is loaded once per process (about 20 ms each time), still verifying certificates;
    a changed SSL_CERT_FILE / SSL_CERT_DIR gets its own context."""
    import ssl

    from decentsocial.deadline_http import verifying_context

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    context = verifying_context()
    assert verifying_context() is context
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    monkeypatch.setenv("SSL_CERT_DIR", "/nonexistent-ca-dir")
    assert verifying_context() is not context
