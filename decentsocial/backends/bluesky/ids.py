"""AT Protocol identifiers: at-URIs of records and TIDs (the time-sortable record keys).

A post id in decentsocial is its at-URI (``at://did:plc:…/app.bsky.feed.post/3k…``).
Record keys chosen by the client make writes exactly-once: a retried
``createRecord`` with the same key cannot make a second record.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, TypeGuard
from urllib.parse import quote

from ...coerce import as_dict, as_str, not_asked_for
from ...errors import InvalidInput
from ...models import Account

__all__ = [
    "POST",
    "AtUri",
    "blob_cid",
    "check_asked_account",
    "check_asked_post",
    "is_cid",
    "new_tid",
    "parse_at_uri",
    "profile_url",
    "tid_for_key",
]

POST = "app.bsky.feed.post"
LIKE = "app.bsky.feed.like"
REPOST = "app.bsky.feed.repost"
FOLLOW = "app.bsky.graph.follow"

# The AT Protocol's own grammars (atproto.com/specs: did, handle, nsid, record-key, at-uri), ASCII only.
_DID = r"did:[a-z]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]"
_HANDLE = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_NSID = rf"[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?(?:\.{_LABEL})+\.[A-Za-z][A-Za-z0-9]{{0,62}}"
_RKEY = r"[A-Za-z0-9._:~-]{1,512}"
_AT_URI = re.compile(rf"at://(?P<repo>{_DID}|{_HANDLE})/(?P<collection>{_NSID})/(?P<rkey>{_RKEY})", re.ASCII)
_WEB_URL = re.compile(
    rf"https?://[^/\s]+/profile/(?P<repo>{_DID}|{_HANDLE})/post/(?P<rkey>{_RKEY})/?", re.ASCII
)
_DID_FULL = re.compile(_DID, re.ASCII)
_HANDLE_FULL = re.compile(_HANDLE, re.ASCII)
#: Longest DID, handle, NSID and at-URI the specs allow.
#: A language tag as the AT Protocol's lexicons take it (BCP-47, @atproto/syntax's grammar).
LANG_RE = re.compile(
    r"(?:en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao"
    r"|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka"
    r"|zh-min|zh-min-nan|zh-xiang)"
    r"|(?:(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}(?:-[A-Za-z]{3}){0,2})?|[A-Za-z]{4}|[A-Za-z]{5,8})"
    r"(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*(?:-x(?:-[A-Za-z0-9]{1,8})+)?)"
    r"|x(?:-[A-Za-z0-9]{1,8})+",
    re.ASCII,
)

# A CID as JSON writes it: CIDv1 in base32 ("bafy…", "bafk…"), or a legacy CIDv0 ("Qm…").
_CID = re.compile(r"b[a-z2-7]{58,200}|Qm[1-9A-HJ-NP-Za-km-z]{44}", re.ASCII)

MAX_DID = 2048
MAX_HANDLE = 253
MAX_NSID = 317
MAX_AT_URI = 8 * 1024


class _FullMatch:
    """A pattern matched against the whole text (``re.match`` with ``$`` lets a trailing newline through)."""

    def __init__(self, pattern: re.Pattern[str], longest: int) -> None:
        self.pattern = pattern
        self.longest = longest

    def match(self, text: str) -> re.Match[str] | None:
        if not isinstance(text, str) or len(text) > self.longest:
            return None
        return self.pattern.fullmatch(text)


HANDLE_RE = _FullMatch(_HANDLE_FULL, MAX_HANDLE)
DID_RE = _FullMatch(_DID_FULL, MAX_DID)

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# Keys derived from an idempotency key get a timestamp inside this window
# (2020-01-01 plus about 4.5 years), so they are valid, ordinary-looking TIDs.
_DERIVED_BASE_US = 1_577_836_800_000_000
_DERIVED_SPAN_US = 1 << 47


@dataclass(frozen=True)
class AtUri:
    """``at://<repo>/<collection>/<rkey>``; ``repo`` is a DID or a handle."""

    repo: str
    collection: str
    rkey: str

    def __str__(self) -> str:
        return f"at://{self.repo}/{self.collection}/{self.rkey}"


def parse_at_uri(value: str, *, network: str = "bluesky", collection: str | None = POST) -> AtUri:
    """Parse an at-URI (or a bsky.app-style post URL); ``InvalidInput`` if malformed.

    ``collection`` (default: posts) is checked when given.
    """
    if not isinstance(value, str):
        raise InvalidInput(f"expected an at-URI string, got {type(value).__name__}", network=network)
    text = value.strip()
    if len(text) > MAX_AT_URI:
        raise InvalidInput(
            f"post id of {len(text)} characters is longer than an at-URI can be", network=network
        )
    match = _AT_URI.fullmatch(text)
    if match:
        uri = AtUri(match["repo"], match["collection"], match["rkey"])
    else:
        web = _WEB_URL.fullmatch(text)
        if not web:
            raise InvalidInput(
                f"malformed post id {value!r}: expected at://<did>/{collection or '<collection>'}/<rkey>",
                network=network,
            )
        uri = AtUri(web["repo"], POST, web["rkey"])
    if uri.rkey in (".", ".."):
        raise InvalidInput(f"malformed record key in {value!r}", network=network)
    if (
        len(uri.repo) > (MAX_DID if uri.repo.startswith("did:") else MAX_HANDLE)
        or len(uri.collection) > MAX_NSID
    ):
        raise InvalidInput(f"malformed at-URI {value[:100]!r}…: a part is too long", network=network)
    if collection is not None and uri.collection != collection:
        raise InvalidInput(f"{value!r} is a {uri.collection} record, not a {collection}", network=network)
    return uri


def profile_url(web_url: str, actor: str, rkey: str | None = None) -> str | None:
    """The web page of a profile (or of its post ``rkey``), ``actor`` (a handle, or a DID) one path
    segment of it, whatever a server sends.

    A valid handle or DID goes in as it is (``/profile/alice.bsky.social``, ``/profile/did:plc:…``);
    anything else (``a/../../x``, ``q?x=1#y``, spaces, non-ASCII) is percent-encoded, so the URL names
    that profile's page only. None for nothing, ``.`` or ``..`` (a dot-segment however it is
    encoded), and for text holding a lone surrogate, which no URL can carry. ``rkey`` comes checked
    by :func:`parse_at_uri` (the record-key grammar: URL-safe characters, never ``.`` or ``..``)."""
    if HANDLE_RE.match(actor) or DID_RE.match(actor):
        segment = actor
    elif actor in ("", ".", ".."):
        return None
    else:
        try:
            segment = quote(actor, safe="")
        except UnicodeEncodeError:  # a lone surrogate
            return None
    page = f"{web_url}/profile/{segment}"
    return page if rkey is None else f"{page}/post/{rkey}"


def is_cid(value: object) -> TypeGuard[str]:
    """Whether a server's ``cid`` is a CID: a strong ref with anything else is refused by every PDS."""
    return isinstance(value, str) and _CID.fullmatch(value) is not None


def blob_cid(data: bytes) -> str:
    """The CID of a blob of these bytes, as a PDS names it (CIDv1, raw codec, SHA-256, base32)."""
    cid = b"\x01\x55\x12\x20" + hashlib.sha256(data).digest()  # version 1, raw, sha2-256 of 32 bytes
    return "b" + base64.b32encode(cid).decode().lower().rstrip("=")


def _encode_tid(timestamp_us: int, clock_id: int) -> str:
    number = ((timestamp_us & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


_last_us = 0
_lock = threading.Lock()


def new_tid() -> str:
    """A fresh TID: the current time in microseconds and a random clock id, never repeated here."""
    global _last_us
    with _lock:
        now = time.time_ns() // 1000
        _last_us = max(now, _last_us + 1)
        stamp = _last_us
    return _encode_tid(stamp, secrets.randbelow(1024))


def tid_for_key(scope: str, key: str) -> str:
    """The same valid TID for the same ``(scope, key)``, in any process.

    ``scope`` is the account's DID plus the collection, so one idempotency key
    means one record per account and kind.
    """
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    stamp = _DERIVED_BASE_US + (number >> 10) % _DERIVED_SPAN_US
    return _encode_tid(stamp, number & 0x3FF)


def check_asked_post(view: Any, asked: AtUri, *, network: str) -> None:
    """The typed malformed-answer error unless the post view ``view`` is the post ``asked`` (an at-URI
    with a DID, as ``_post_uri`` gives it): kept, another post's counts and cid would be stored, liked
    or replied to under ``asked``.

    Compared in that canonical form: a view's URI naming its repo by handle is read with its author's
    DID, so the same post named either way is the same.
    """
    view = as_dict(view)
    text = as_str(view.get("uri"))
    try:
        answered = parse_at_uri(text, network=network, collection=None) if text else None
    except InvalidInput:
        answered = None
    if answered is not None and not DID_RE.match(answered.repo):
        did = as_str(as_dict(view.get("author")).get("did")) or ""
        answered = AtUri(did, answered.collection, answered.rkey)
    if answered != asked:
        raise not_asked_for(network, "post", str(asked), text)


def check_asked_account(account: Account, actor: str) -> Account:
    """``account`` if it is the ``actor`` (a DID, or a handle without case) a profile was asked for;
    else the typed malformed-answer error. A profile whose handle no longer verifies (the AppView
    says ``handle.invalid``) is the asked one when its DID cannot say otherwise."""
    if actor == account.id or actor.lower() == account.handle.lower():
        return account
    if account.handle == "handle.invalid" and not DID_RE.match(actor):
        return account
    raise not_asked_for(account.network, "profile", actor, account.id)
