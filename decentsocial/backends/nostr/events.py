"""NIP-01 events: canonical serialization, id, signing, and the checks every read event passes."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .keys import PrivateKey, verify_signature

__all__ = ["Event", "Filter", "PublishOutcome", "event_id", "matcher", "sign_event"]

Tags = tuple[tuple[str, ...], ...]
#: A NIP-01 subscription filter: ``ids``, ``authors``, ``kinds``, ``#x`` tags, ``since``, ``until``…
Filter = dict[str, Any]

#: The event kinds this backend reads and writes (NIP-01, -02, -09, -18, -25, -57).
KIND_PROFILE, KIND_NOTE, KIND_CONTACTS, KIND_DELETE, KIND_REPOST, KIND_REACTION = 0, 1, 3, 5, 6, 7
KIND_ZAP_REQUEST, KIND_ZAP_RECEIPT = 9734, 9735
#: The kinds read as posts: notes and reposts.
NOTE_KINDS = (KIND_NOTE, KIND_REPOST)

#: The latest ``created_at`` read (3000-01-01): every platform's ``datetime`` can show it.
MAX_CREATED_AT = 32_503_680_000


def _canonical(pubkey: str, created_at: int, kind: int, tags: Tags, content: str) -> bytes:
    # NIP-01: [0,pubkey,created_at,kind,tags,content], no whitespace, UTF-8, minimal escaping.
    data = [0, pubkey, created_at, kind, [list(t) for t in tags], content]
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_id(pubkey: str, created_at: int, kind: int, tags: Tags, content: str) -> str:
    """The sha256 of the canonical serialization, as hex."""
    return hashlib.sha256(_canonical(pubkey, created_at, kind, tags, content)).hexdigest()


# Every escape sequence, so that an escaped backslash followed by "u00.." is never misread.
_ESCAPE = re.compile(r"\\(?:u00([01][0-9a-fA-F])|.)")


def _variant_ids(pubkey: str, created_at: int, kind: int, tags: Tags, content: str) -> set[str]:
    """Ids under the other serializations clients use for rare control characters.

    NIP-01 says such characters go in verbatim; JSON libraries write them as
    ``\\u00xx`` in lower case (JavaScript, serde) or upper case (rapidjson).
    Every variant commits to the same fields, so accepting any is safe.
    """
    text = _canonical(pubkey, created_at, kind, tags, content).decode("utf-8")
    if not any(m.group(1) for m in _ESCAPE.finditer(text)):
        return set()
    verbatim = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(0), text)
    upper = _ESCAPE.sub(lambda m: "\\u00" + m.group(1).upper() if m.group(1) else m.group(0), text)
    return {hashlib.sha256(v.encode("utf-8")).hexdigest() for v in (verbatim, upper)}


#: The largest kind NIP-01 allows (kinds are 0-65535).
MAX_KIND = 65_535
_HEX64 = re.compile(r"^[0-9a-f]{64}\Z")
_HEX128 = re.compile(r"^[0-9a-f]{128}\Z")


def _tags(value: Any) -> Tags:
    """NIP-01 tags: a list of lists of strings.

    A number is refused by name: its id was computed over the number, which a tag
    read as text cannot reproduce, so the event could never verify.
    """
    if not isinstance(value, list):
        raise ValueError("tags is not a list")
    tags = []
    for tag in value:
        if not isinstance(tag, list):
            raise ValueError("a tag is not a list")
        items = []
        for item in tag:
            if isinstance(item, str):
                items.append(item)
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                raise ValueError("a tag holds a number, not text (NIP-01)")
            else:
                raise ValueError("a tag holds something other than text")
        tags.append(tuple(items))
    return tuple(tags)


@dataclass(frozen=True)
class Event:
    """A signed Nostr event as it travels between client and relay."""

    id: str
    pubkey: str
    created_at: int
    kind: int
    tags: Tags
    content: str
    sig: str

    @classmethod
    def from_json(cls, data: Any) -> Event:
        """Parse a relay's event object; ``ValueError`` when a field is missing or mistyped."""
        if not isinstance(data, dict):
            raise ValueError("event is not an object")
        try:
            tags = _tags(data["tags"])
            event = cls(
                id=str(data["id"]),
                pubkey=str(data["pubkey"]),
                created_at=int(data["created_at"]),
                kind=int(data["kind"]),
                tags=tags,
                content=data["content"],
                sig=str(data["sig"]),
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:  # OverflowError: created_at Infinity
            raise ValueError(f"malformed event: {exc}") from None
        if not isinstance(event.content, str):
            raise ValueError("malformed event: content is not a string")
        if not 0 <= event.created_at <= MAX_CREATED_AT:
            raise ValueError("malformed event: created_at is not a date")
        if not 0 <= event.kind <= MAX_KIND:
            raise ValueError("malformed event: kind is not a NIP-01 kind")
        if not (_HEX64.match(event.id) and _HEX64.match(event.pubkey) and _HEX128.match(event.sig)):
            raise ValueError("malformed event: id, pubkey or sig is not hex of the right length")
        try:  # NIP-01 events are UTF-8: a lone surrogate has no id
            event.content.encode("utf-8")
            for tag in tags:
                for value in tag:
                    value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("malformed event: text that is not valid Unicode (a lone surrogate)") from None
        return event

    def to_json(self) -> dict[str, Any]:
        """The event as NIP-01 JSON, as it is sent to relays (and kept in ``raw``)."""
        return {
            "id": self.id,
            "pubkey": self.pubkey,
            "created_at": self.created_at,
            "kind": self.kind,
            "tags": [list(t) for t in self.tags],
            "content": self.content,
            "sig": self.sig,
        }

    def id_matches(self) -> bool:
        """Whether the id is its content's, under any serialization clients use (an unsigned rumor's
        check too: a rare control character is written verbatim, NIP-01, or escaped in either case)."""
        fields = (self.pubkey, self.created_at, self.kind, self.tags, self.content)
        return self.id == event_id(*fields) or self.id in _variant_ids(*fields)

    def problem(self) -> str | None:
        """Why this event must not be trusted (id or signature wrong), or ``None`` when it is sound."""
        if not self.id_matches():
            computed = event_id(self.pubkey, self.created_at, self.kind, self.tags, self.content)
            return f"claimed id {self.id[:16]}… does not match its content ({computed[:16]}…)"
        if not verify_signature(self.pubkey, bytes.fromhex(self.id), self.sig):
            return "signature does not verify"
        return None

    def tag_values(self, name: str) -> list[str]:
        """The first value of every tag called ``name``, in order."""
        return [t[1] for t in self.tags if len(t) > 1 and t[0] == name]

    def first_tag(self, name: str) -> tuple[str, ...] | None:
        """The first tag called ``name`` (with all its values), or ``None``."""
        for tag in self.tags:
            if tag and tag[0] == name:
                return tag
        return None


@dataclass(frozen=True)
class PublishOutcome:
    """What one relay said to one event (its NIP-01 ``OK``, or why it said nothing)."""

    relay: str
    accepted: bool
    message: str = ""
    error: str | None = None  # set when the relay could not be reached or did not answer

    @property
    def duplicate(self) -> bool:
        """Whether the relay took it because it already had this very event."""
        return self.accepted and self.message.startswith("duplicate")


def sign_event(
    key: PrivateKey,
    kind: int,
    content: str,
    tags: Tags,
    created_at: int,
    *,
    known_id: str | None = None,
    deterministic: bool = False,
) -> Event:
    """Build and sign an event; the id depends only on its content, so a resend is the same event.

    ``known_id``: ``event_id`` of exactly these fields, when the caller has just computed it.
    ``deterministic``: the signature too is the same every time (BIP-340 auxiliary data derived
    from the id), for an event handed to someone else (a zap request in a wallet's URL).
    """
    eid = known_id or event_id(key.public_key, created_at, kind, tags, content)
    return Event(
        id=eid,
        pubkey=key.public_key,
        created_at=created_at,
        kind=kind,
        tags=tags,
        content=content,
        sig=key.sign(bytes.fromhex(eid), hashlib.sha256(b"decentsocial aux " + bytes.fromhex(eid)).digest())
        if deterministic
        else key.sign(bytes.fromhex(eid)),
    )


def matcher(filters: Sequence[Filter]) -> Callable[[Event], bool]:
    """Whether an event fits one of ``filters`` (NIP-01), for events a relay sends that it should not.

    ``search`` and ``limit`` are the relay's to apply; everything else is checked here.
    """
    compiled = [
        (
            set(f["ids"]) if "ids" in f else None,
            set(f["authors"]) if "authors" in f else None,
            set(f["kinds"]) if "kinds" in f else None,
            f.get("since"),
            f.get("until"),
            [(k[1], set(v)) for k, v in f.items() if len(k) == 2 and k[0] == "#"],
        )
        for f in filters
    ]

    def fits(event: Event) -> bool:
        for ids, authors, kinds, since, until, tags in compiled:
            if ids is not None and event.id not in ids:
                continue
            if authors is not None and event.pubkey not in authors:
                continue
            if kinds is not None and event.kind not in kinds:
                continue
            if (since is not None and event.created_at < since) or (
                until is not None and event.created_at > until
            ):
                continue
            if all(
                any(len(t) > 1 and t[0] == name and t[1] in values for t in event.tags)
                for name, values in tags
            ):
                return True
        return False

    return fits
