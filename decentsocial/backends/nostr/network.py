"""``NostrNetwork``: the decentsocial ``Network`` over one or more Nostr relays."""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import hmac
import json
import queue
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, SecretStr, field_validator

from ...base import BaseNetwork
from ...errors import (
    AuthenticationError,
    ContentRejected,
    DecentSocialError,
    InvalidInput,
    NetworkUnavailable,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from ...models import (
    Account,
    Amount,
    Draft,
    Notification,
    NotificationKind,
    Post,
    Reward,
    RewardPart,
    as_draft,
)
from ...network import AccountRef, Capability, PostRef
from ...paging import Page, check_limit, paginate
from ...retry import RetryPolicy
from ...settings import NetworkSettings
from ...text import hashtags
from .client import Filter, LoopRunner, PublishOutcome, QueryResult, RelayPool, RelayStream
from .convert import account_from_profile, bare_account, post_from_event, profile_content, reply_target
from .events import Event, Tags, event_id, sign_event
from .keys import (
    InvalidKey,
    PrivateKey,
    encode_nevent,
    encode_note,
    encode_npub,
    parse_event_id,
    parse_public_key,
)
from .resolvers import Nip05Resolver, https_lnurl_resolver
from .zaps import LnurlPay, ZapCheck, check_zap_receipt, zap_callback_url

__all__ = ["NostrNetwork", "NostrSettings", "ZapRequest"]

T = TypeVar("T")

KIND_PROFILE, KIND_NOTE, KIND_CONTACTS, KIND_DELETE, KIND_REPOST, KIND_REACTION = 0, 1, 3, 5, 6, 7
KIND_ZAP_REQUEST, KIND_ZAP_RECEIPT = 9734, 9735
#: Events of one second fetched at most when completing a page boundary.
BOUNDARY_LIMIT = 1000
#: Events scanned at most when following a thread.
THREAD_LIMIT = 2000
#: Ids a stream remembers to drop a note sent twice (by several relays, or when catching up).
STREAM_SEEN_WINDOW = 10_000


def _check_relay_url(url: str) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise ValueError("malformed relay URL (bad port)") from None
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"malformed relay URL {url!r}: expected ws://host[:port] or wss://host[:port]")
    if port == 0 or parts.query or parts.fragment:
        raise ValueError(f"malformed relay URL {url!r}")
    return url


class NostrSettings(NetworkSettings):
    """``private_key``: nsec or hex (omit it to read only). ``relays``: ws:// or wss:// URLs."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    private_key: SecretStr | None = None
    relays: tuple[str, ...] = Field(min_length=1)
    #: How many relays must accept an event for a publish to succeed.
    min_accepted: int = Field(default=1, ge=1)
    #: Seconds to wait for a relay to connect or answer.
    timeout: float = Field(default=5.0, gt=0, le=120)
    page_size: int = Field(default=200, ge=1, le=5000)
    #: Notes examined at most by a text search on a relay without NIP-50.
    search_scan_limit: int = Field(default=2000, ge=1)
    publish_attempts: int = Field(default=2, ge=1, le=10)
    #: Failures in a row (with exponential backoff, 0.5 s doubling up to 30 s) after which a stream
    #: gives a relay up; the stream raises ``NetworkUnavailable`` when every relay is given up.
    stream_attempts: int = Field(default=8, ge=1, le=100)
    #: How far back (seconds) another process's note with the same idempotency key is looked for.
    idempotency_lookback: int = Field(default=86_400, ge=0)
    #: Seconds a note may be dated ahead of the clock to keep a burst of notes in order (0: never).
    max_clock_lead: int = Field(default=60, ge=0, le=600)
    #: ``name@domain`` -> hex key; without one, NIP-05 names are neither resolved nor verified.
    nip05_resolver: Callable[[str], str | None] | None = Field(default=None, repr=False)
    #: kind-0 profile content -> LNURL-pay data; default: the profile's lud16/lud06 over HTTPS.
    lnurl_resolver: Callable[[dict[str, object]], LnurlPay | None] | None = Field(default=None, repr=False)

    @field_validator("private_key")
    @classmethod
    def _valid_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                PrivateKey.parse(value.get_secret_value())
            except InvalidKey as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("relays", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("relays")
    @classmethod
    def _valid_relays(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_check_relay_url(u) for u in value))


#: NIP-01's machine-readable prefixes of a refusal, as errors (anything else: ContentRejected).
_REFUSALS: dict[str, type[DecentSocialError]] = {
    "rate-limited": RateLimited,
    "auth-required": AuthenticationError,
    "restricted": PermissionDenied,
    "blocked": PermissionDenied,
    "invalid": ContentRejected,
    "pow": ContentRejected,
    "error": NetworkUnavailable,
}


@dataclass(frozen=True)
class ZapRequest:
    """A signed zap request and the URL a wallet calls to get its invoice (paying is the wallet's job)."""

    event: Event
    callback_url: str
    amount_msat: int
    recipient: str
    pay: LnurlPay


@dataclass(frozen=True)
class _Cursor:
    until: int  # every event at or after this second has been returned
    known_at_until: int  # how many events share that second (an inclusive relay sends them again)
    scanned: int = 0


def _kinds_hint(event: Event) -> tuple[str, ...]:
    return ("k", str(event.kind))


class NostrNetwork(BaseNetwork):
    """A Nostr account over one or more relays; every event read is id- and signature-checked."""

    name = "nostr"
    Settings = NostrSettings
    capabilities = frozenset(
        {
            Capability.PROFILE,
            Capability.PUBLISH,
            Capability.REPLY,
            Capability.READ,
            Capability.DELETE,
            Capability.LIKE,
            Capability.REPOST,
            Capability.FOLLOW,
            Capability.POSTS,
            Capability.TIMELINE,
            Capability.SEARCH,
            Capability.TAG_SEARCH,
            Capability.THREAD,
            Capability.NOTIFICATIONS,
            Capability.REWARDS,
            Capability.TIP,
            Capability.IDEMPOTENT_PUBLISH,
            Capability.QUOTE,
            Capability.STREAM,
        }
    )

    def __init__(self, settings: NetworkSettings | None = None) -> None:
        super().__init__(settings)
        s = self.nostr_settings
        self._key = PrivateKey.parse(s.private_key.get_secret_value()) if s.private_key else None
        self._loop: LoopRunner | None = None
        self._pool: RelayPool | None = None
        self._start_lock = threading.Lock()
        #: The arrival queues of open streams: ``close()`` ends each with ``None``.
        self._open_streams: set[queue.Queue[Event | str | None]] = set()
        self._created_at_by_key: dict[str, int] = {}
        self._key_lock = threading.Lock()
        self._issued: dict[str, None] = {}
        self._last_note = 0
        self._lnurl = s.lnurl_resolver or https_lnurl_resolver(s.timeout)
        #: What each relay answered to the last event this connection published.
        self.last_publish: tuple[PublishOutcome, ...] = ()

    # ---------------------------------------------------------------- plumbing

    @property
    def nostr_settings(self) -> NostrSettings:
        return cast(NostrSettings, self.settings)

    @property
    def public_key(self) -> str:
        """This account's public key (hex); ``AuthenticationError`` when connected without a key."""
        return self._signer().public_key

    def _signer(self) -> PrivateKey:
        if self._key is None:
            raise AuthenticationError(
                "this connection has no private_key; it can only read", network=self.name
            )
        return self._key

    def _started(self) -> tuple[LoopRunner, RelayPool]:
        """The private event loop and relay pool, created on first use (connect() does no I/O)."""
        with self._start_lock:
            if self._loop is None or self._pool is None:
                self._loop = LoopRunner()
                self._pool = RelayPool(self.nostr_settings.relays, self.nostr_settings.timeout)
            return self._loop, self._pool

    def _call_timeout(self) -> float:
        # Every relay is asked at once, so one call is bounded by about two relay timeouts.
        return self.nostr_settings.timeout * 3 + 1

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        loop, _ = self._started()
        return loop.run(coro, timeout=self._call_timeout())

    @property
    def pool(self) -> RelayPool:
        return self._started()[1]

    def _query(
        self, filters: Sequence[Filter], relays: Sequence[str] | None = None, *, with_info: bool = False
    ) -> QueryResult:
        """``with_info``: fetch unknown relays' NIP-11 documents alongside (deletion checks need them)."""
        pool = self.pool
        return self._run(pool.query(filters, relays, with_info=with_info))

    def relay_info(self, url: str) -> dict[str, Any]:
        """A relay's NIP-11 document (``{}`` when it publishes none)."""
        pool = self.pool
        known = pool.cached_info(url)
        return known if known is not None else self._run(pool.info(url))

    def _announces(self, url: str, nip: int) -> bool:
        """Whether the relay's NIP-11 document lists ``nip`` (a document that lists nothing readable
        announces nothing)."""
        nips = self.relay_info(url).get("supported_nips")
        return isinstance(nips, list) and nip in nips

    def close(self) -> None:
        with self._start_lock:
            loop, pool = self._loop, self._pool
            self._loop = self._pool = None
            open_streams, self._open_streams = self._open_streams, set()
        if loop is not None and pool is not None:
            with contextlib.suppress(DecentSocialError):
                loop.run(pool.close(), timeout=self.nostr_settings.timeout + 1)
            loop.stop()
        for arrivals in open_streams:
            arrivals.put_nowait(None)  # a thread reading the stream is not left waiting for ever

    def _relay_hint(self) -> str:
        return self.nostr_settings.relays[0]

    # ---------------------------------------------------------------- publishing

    def _now(self) -> int:
        return int(time.time())

    def sign(self, kind: int, content: str, tags: Tags, created_at: int | None = None) -> Event:
        """Sign an event with this account's key without publishing it."""
        return sign_event(
            self._signer(), kind, content, tags, self._now() if created_at is None else created_at
        )

    def publish_event(self, event: Event) -> tuple[PublishOutcome, ...]:
        """Send a signed event to every relay; succeed when ``min_accepted`` relays took it.

        A resend is the very same event (same id), so retrying cannot post
        twice; a relay's "duplicate" answer counts as acceptance.
        """
        return self._send(event)

    def _send(
        self, event: Event, while_waiting: Callable[[], None] | None = None
    ) -> tuple[PublishOutcome, ...]:
        """What the relays answered to ``event``, with ``publish_event``'s rules and retries.

        ``while_waiting`` runs on the loop (once) after the event is sent, while
        the relays read it.
        """
        settings = self.nostr_settings
        pool = self.pool

        def attempt(side_work: Callable[[], None] | None = None) -> tuple[PublishOutcome, ...]:
            outcomes = tuple(self._run(pool.publish(event, side_work)))
            self.last_publish = outcomes
            accepted = [o for o in outcomes if o.accepted]
            if len(accepted) >= min(settings.min_accepted, len(outcomes)):
                for o in outcomes:
                    if not o.accepted:
                        self.log.debug(
                            "relay %s did not take %s: %s", o.relay, event.id[:16], o.error or o.message
                        )
                return outcomes
            refusals = [o for o in outcomes if not o.accepted and o.error is None]
            summary = "; ".join(f"{o.relay}: {o.error or o.message or 'refused'}" for o in outcomes)
            if refusals:
                reason = refusals[0].message
                error_class = _REFUSALS.get(reason.partition(":")[0].strip(), ContentRejected)
                raise error_class(
                    f"relays refused the event ({summary})", network=self.name, server_message=reason
                )
            raise NetworkUnavailable(
                f"{len(accepted)} of {len(outcomes)} relays took the event, "
                f"{settings.min_accepted} needed ({summary})",
                network=self.name,
                retryable=True,  # the same signed event: a resend cannot duplicate it
            )

        try:
            return attempt(while_waiting)
        except DecentSocialError as exc:
            if not exc.retryable or settings.publish_attempts < 2:
                raise
            self.log.debug("publish of %s will be retried: %s", event.id[:16], exc)
        policy = RetryPolicy(
            attempts=settings.publish_attempts - 1, backoff=0.2, total_seconds=settings.timeout * 4
        )
        return policy.call(attempt)

    def _publish(
        self, kind: int, content: str, tags: Tags, created_at: int | None = None
    ) -> tuple[Event, dict[str, Any]]:
        event = self.sign(kind, content, tags, created_at)
        return event, {"relays": _relay_report(self.publish_event(event))}

    def _note_parts(self, draft: Draft) -> tuple[str, list[tuple[str, ...]]]:
        """Content and tags of a note: ``t`` for hashtags, ``p`` for NIP-27 mentions, NIP-36 and NIP-32."""
        content = draft.text
        tags: list[tuple[str, ...]] = []
        mentioned: dict[str, None] = {}
        folded = content.lower()
        words = content.split() if "npub1" in folded or "nprofile1" in folded else []
        for word in words:
            for prefix in ("nostr:", "@"):
                if word.startswith(prefix) and word[len(prefix) :].lower().startswith(("npub1", "nprofile1")):
                    token = word[len(prefix) :].rstrip(".,;:!?)")
                    try:
                        mentioned.setdefault(parse_public_key(token), None)
                    except InvalidKey:
                        continue
                    if prefix == "@":
                        content = content.replace("@" + token, "nostr:" + token)
        for handle in draft.mentions:
            mentioned.setdefault(self._pubkey_of(handle), None)
        found = hashtags(draft.text) if "#" in draft.text or "＃" in draft.text else ()
        for tag in dict.fromkeys((*draft.tags, *(h.lower() for h in found))):
            tags.append(("t", tag))
        tags.extend(("p", key) for key in mentioned)
        if draft.content_warning is not None or draft.sensitive:
            tags.append(("content-warning", draft.content_warning or ""))
        if draft.language:
            tags.extend([("L", "ISO-639-1"), ("l", draft.language, "ISO-639-1")])
        if draft.idempotency_key is not None:
            tags.append(self._key_tag(draft.idempotency_key))
        if draft.quote_of is not None:  # NIP-18 quote: a q tag and a NIP-21 reference in the text
            quoted = self._get_event(self._event_id(draft.quote_of))
            reference = "nostr:" + encode_nevent(quoted.id, (self._relay_hint(),), quoted.pubkey)
            if quoted.id not in content and encode_note(quoted.id) not in content:
                content = f"{content}\n\n{reference}" if content else reference
            tags.append(("q", quoted.id, self._relay_hint(), quoted.pubkey))
            if ("p", quoted.pubkey) not in tags:
                tags.append(("p", quoted.pubkey))
        return content, tags

    def check_draft(self, draft: Draft) -> None:
        super().check_draft(draft)
        if draft.visibility not in (None, "public"):
            raise self.unsupported(
                Capability.PUBLISH, "Nostr notes are public; visibility cannot be restricted"
            )
        if draft.community is not None:
            raise self.unsupported(Capability.COMMUNITY_POSTS)

    def _dated_note(self, draft: Draft, kind: int, content: str, tags: Tags) -> Event:
        """The note, signed, dated when it says it was made: stable per idempotency key, so a retry
        is the same event.

        Nostr dates events to the second, so notes published in one second
        would come back in arbitrary order; each note from this connection is
        dated after the previous one (up to ``max_clock_lead`` seconds ahead
        of the clock). Two publishes of the same text would otherwise be one
        event (ids are content hashes); the later one moves a second on.
        """
        key = draft.idempotency_key
        signer = self._signer()
        with self._key_lock:
            if key is not None and key in self._created_at_by_key:
                return sign_event(signer, kind, content, tags, self._created_at_by_key[key])
            now = self._now()
            # Notes from one connection keep their order even in a burst: each is dated at
            # least a second after the previous one, at most ``max_clock_lead`` seconds ahead.
            lead = self.nostr_settings.max_clock_lead
            created_at = max(now, min(self._last_note + 1, now + lead))
            pubkey = signer.public_key
            eid = event_id(pubkey, created_at, kind, tags, content)
            while eid in self._issued:
                created_at += 1
                eid = event_id(pubkey, created_at, kind, tags, content)
            self._issued[eid] = None
            if len(self._issued) > 10_000:
                self._issued.pop(next(iter(self._issued)))
            if key is not None:
                self._created_at_by_key[key] = created_at
            self._last_note = max(self._last_note, created_at)
        return sign_event(signer, kind, content, tags, created_at, known_id=eid)

    def publish(self, draft: Draft | str) -> Post:
        d = as_draft(draft)
        if d.reply_to is not None:
            return self.reply(d.reply_to, d.model_copy(update={"reply_to": None}))
        self.check_draft(d)
        content, tags = self._note_parts(d)
        self._signer()
        return self._publish_note(d, content, tuple(tags))

    def _publish_note(self, draft: Draft, content: str, tags: Tags) -> Post:
        """Publish a note once per idempotency key, also across processes (see ``_keyed_note``)."""
        earlier = self._keyed_note(draft, tags)
        if earlier is not None:
            outcomes = self.publish_event(earlier)  # make sure every relay has it; "duplicate" is fine
            return post_from_event(earlier, raw_extra={"relays": _relay_report(outcomes), "existing": True})
        event = self._dated_note(draft, KIND_NOTE, content, tags)
        relays: dict[str, Any] = {}  # what each relay said, filled in once they have
        built: list[Post] = []

        def build() -> None:
            built.append(post_from_event(event, raw_extra={"relays": relays}))

        # The Post is built while the relays read the event.
        outcomes = self._send(event, build)
        post = built[0] if built else post_from_event(event, raw_extra={"relays": relays})
        relays.update(_relay_report(outcomes))
        return post

    def _key_tag(self, key: str) -> tuple[str, str]:
        """An opaque marker of an idempotency key: an HMAC under this account's secret, so it
        reveals nothing about the key and no one else can produce it."""
        digest = hmac.new(bytes.fromhex(self._signer().hex), key.encode("utf-8"), hashlib.sha256)
        return ("idempotency", digest.hexdigest()[:32])

    def _keyed_note(self, draft: Draft, tags: Tags) -> Event | None:
        """A note this account already published under ``draft``'s idempotency key, if any.

        Within one connection the key pins the note's date, so a retry is the
        same event. Another process (after a crash, say) finds the earlier
        note among this account's notes of the last ``idempotency_lookback``
        seconds by its key marker.
        """
        key = draft.idempotency_key
        lookback = self.nostr_settings.idempotency_lookback
        if key is None or lookback == 0:
            return None
        with self._key_lock:
            if key in self._created_at_by_key:
                return None  # this connection made it: re-signing gives the same id
        marker = self._key_tag(key)
        if marker not in tags:
            return None
        query = {"authors": [self.public_key], "kinds": [KIND_NOTE], "since": self._now() - lookback}
        for event in self._events(query, limit=self.nostr_settings.search_scan_limit):
            if marker in event.tags:
                with self._key_lock:
                    self._created_at_by_key.setdefault(key, event.created_at)
                return event
        return None

    def reply(self, to: PostRef, draft: Draft | str) -> Post:
        d = as_draft(draft)
        self.check_draft(d)
        parent_id = self._event_id(to)
        content, tags = self._note_parts(d)
        self._signer()
        parent = self._get_event(parent_id)
        _, parent_root = reply_target(parent)
        root = parent_root or parent.id
        hint = self._relay_hint()
        thread_tags: list[tuple[str, ...]] = [("e", root, hint, "root")]
        if parent.id != root:
            thread_tags.append(("e", parent.id, hint, "reply"))
        people = dict.fromkeys([parent.pubkey, *parent.tag_values("p")])
        thread_tags.extend(("p", p) for p in people if ("p", p) not in tags)
        return self._publish_note(d, content, tuple(thread_tags + tags))

    def delete(self, post: PostRef) -> None:
        target = self._get_event(self._event_id(post))
        if target.pubkey != self.public_key:
            raise PermissionDenied("only the author can delete a note", network=self.name)
        self._publish(KIND_DELETE, "", (("e", target.id), _kinds_hint(target)))

    def like(self, post: PostRef) -> None:
        target = self._get_event(self._event_id(post))
        self._signer()
        tags = (("e", target.id, self._relay_hint()), ("p", target.pubkey), _kinds_hint(target))
        self._publish(KIND_REACTION, "+", tags)

    def unlike(self, post: PostRef) -> None:
        """Delete (NIP-09) this account's reactions to the post."""
        target_id = self._event_id(post)
        me = self.public_key
        mine = self._query([{"authors": [me], "kinds": [KIND_REACTION], "#e": [target_id]}]).events
        mine = self._drop_deleted(mine)
        if not mine:
            return
        tags = (*tuple(("e", r.id) for r in mine), ("k", str(KIND_REACTION)))
        self._publish(KIND_DELETE, "", tags)

    def repost(self, post: PostRef) -> Post | None:
        target = self._get_event(self._event_id(post))
        self._signer()
        tags = (("e", target.id, self._relay_hint()), ("p", target.pubkey))
        content = json.dumps(target.to_json(), separators=(",", ":"), ensure_ascii=False)
        event, extra = self._publish(KIND_REPOST, content, tags)
        return post_from_event(event, raw_extra={**extra, "reposted": target.id})

    # ---------------------------------------------------------------- contacts

    def _contacts(self, pubkey: str) -> Event | None:
        events = self._query([{"authors": [pubkey], "kinds": [KIND_CONTACTS]}]).events
        return events[0] if events else None  # newest first: the replaceable event that counts

    def _set_contacts(self, previous: Event | None, tags: Tags) -> None:
        created_at = self._now()
        if previous is not None and created_at <= previous.created_at:
            created_at = previous.created_at + 1  # a replaceable event must be newer to win
        self._publish(KIND_CONTACTS, previous.content if previous else "", tags, created_at)

    def following(self) -> list[str]:
        """Hex keys of the accounts this account follows (its kind-3 contact list)."""
        contacts = self._contacts(self.public_key)
        return list(dict.fromkeys(contacts.tag_values("p"))) if contacts else []

    def follow(self, account: AccountRef) -> None:
        target = self._pubkey_of(account)
        previous = self._contacts(self.public_key)
        tags = previous.tags if previous else ()
        if target in {t[1] for t in tags if len(t) > 1 and t[0] == "p"}:
            return
        self._set_contacts(previous, (*tags, ("p", target)))

    def unfollow(self, account: AccountRef) -> None:
        target = self._pubkey_of(account)
        previous = self._contacts(self.public_key)
        if previous is None:
            return
        kept = tuple(t for t in previous.tags if not (len(t) > 1 and t[0] == "p" and t[1] == target))
        if kept != previous.tags:
            self._set_contacts(previous, kept)

    # ---------------------------------------------------------------- identities

    def _pubkey_of(self, account: AccountRef) -> str:
        """Hex key from an Account, npub/nprofile/hex, or a NIP-05 name (through the resolver)."""
        if isinstance(account, Account):
            if account.network == self.name:
                return account.id
            ref = account.handle
        else:
            ref = self.account_ref(account)
        try:
            return parse_public_key(ref)
        except InvalidKey as exc:
            if "." not in ref:
                raise InvalidInput(f"not a Nostr account: {exc}", network=self.name) from None
        resolver: Nip05Resolver | None = self.nostr_settings.nip05_resolver
        if resolver is None:
            raise InvalidInput(
                "NIP-05 names need a nip05_resolver setting; give an npub or hex key instead",
                network=self.name,
            )
        found = resolver(ref.removeprefix("@"))
        key = None
        if isinstance(found, str):
            with contextlib.suppress(InvalidKey):
                key = parse_public_key(found)
        if key is None:
            raise NotFound(f"NIP-05 name {ref!r} does not resolve to a key", network=self.name)
        return key

    def _event_id(self, post: PostRef) -> str:
        ref = self.post_id(post)
        try:
            return parse_event_id(ref)
        except InvalidKey as exc:
            raise InvalidInput(f"not a Nostr event id: {exc}", network=self.name) from None

    def _profile(self, pubkey: str) -> Event | None:
        events = self._query([{"authors": [pubkey], "kinds": [KIND_PROFILE]}]).events
        return events[0] if events else None

    def me(self) -> Account:
        return self.account(self.public_key)

    def account(self, handle: str) -> Account:
        pubkey = self._pubkey_of(handle)
        events = self._query(
            [{"authors": [pubkey], "kinds": [KIND_PROFILE]}, {"authors": [pubkey], "kinds": [KIND_CONTACTS]}]
        ).events
        profile = next((e for e in events if e.kind == KIND_PROFILE), None)
        contacts = next((e for e in events if e.kind == KIND_CONTACTS), None)
        following = len(set(contacts.tag_values("p"))) if contacts else None
        verified = None
        nip05 = profile_content(profile).get("nip05")
        resolver = self.nostr_settings.nip05_resolver
        if isinstance(nip05, str) and resolver is not None:
            verified = resolver(nip05) == pubkey
        return account_from_profile(pubkey, profile, following=following, nip05_verified=verified)

    def set_profile(self, **fields: Any) -> Account:
        """Publish this account's kind-0 profile (name, about, nip05, lud16…), keeping other fields."""
        current = profile_content(self._profile(self.public_key))
        current.update({k: v for k, v in fields.items() if v is not None})
        self._publish(KIND_PROFILE, json.dumps(current, ensure_ascii=False), ())
        return self.me()

    # ---------------------------------------------------------------- reading

    def _relays_keeping_deleted(self, relays: Sequence[str] | None = None) -> list[str]:
        """Relays that do not announce NIP-09 in their NIP-11 document (they may serve deleted events)."""
        urls = self.nostr_settings.relays if relays is None else relays
        return [u for u in urls if not self._announces(u, 9)]

    def _drop_deleted(self, events: list[Event], relays: Sequence[str] | None = None) -> list[Event]:
        """Hide events their author deleted (NIP-09), even on relays that keep them.

        Relays that announce NIP-09 remove deleted events themselves; only the
        others are asked for deletion events.
        """
        if not events:
            return events
        keeping = self._relays_keeping_deleted(relays)
        if not keeping:
            return events
        deletions = self._query([{"kinds": [KIND_DELETE], "#e": [e.id for e in events]}]).events
        if not deletions:
            return events
        authors = {e.id: e.pubkey for e in events}
        gone = {eid for d in deletions for eid in d.tag_values("e") if authors.get(eid) == d.pubkey}
        return [e for e in events if e.id not in gone]

    def _get_event(self, event_id: str) -> Event:
        events = self._query([{"ids": [event_id]}], with_info=True).events
        found = self._drop_deleted([e for e in events if e.id == event_id])
        if not found:
            raise NotFound(f"event {event_id} not found on any relay", network=self.name)
        return found[0]

    def get_post(self, id: str) -> Post:
        event = self._get_event(self._event_id(id))
        return post_from_event(event)

    def _page(
        self, base: Filter, cursor: _Cursor | None, size: int, relays: Sequence[str] | None
    ) -> tuple[list[Event], _Cursor | None]:
        """One page, newest first, ending on a whole second.

        Works whether a relay's ``until`` is inclusive (NIP-01) or exclusive:
        the events of the page's oldest second are completed with a
        ``since``/``until`` query, and the next page drops that second.
        """
        query = dict(base)
        # One more than asked: a relay that sends no more than ``size`` has nothing older.
        query["limit"] = size + 1 + (cursor.known_at_until if cursor else 0)
        if cursor is not None:
            query["until"] = cursor.until
        result = self._query([query], relays, with_info=True)
        events = [e for e in result.events if cursor is None or e.created_at < cursor.until]
        full = [min(c) for c in result.created_by_relay.values() if c and len(c) >= query["limit"]]
        if not full:
            return events, None
        boundary = max(full)
        if cursor is not None and boundary >= cursor.until:
            # A relay sent more events of the cursor's second than the last page saw
            # (they arrived meanwhile): nothing older is known yet, so step past that second.
            boundary = cursor.until - 1
        newer = [e for e in events if e.created_at > boundary]
        complete = dict(base)
        complete["since"], complete["until"] = boundary, boundary + 1
        complete["limit"] = BOUNDARY_LIMIT + sum(1 for e in result.events if e.created_at == boundary + 1)
        at_boundary = [e for e in self._query([complete], relays).events if e.created_at == boundary]
        seen = {e.id for e in newer}
        page = newer + [e for e in at_boundary if e.id not in seen]
        page.sort(key=lambda e: (-e.created_at, e.id))
        return page, _Cursor(boundary, len(at_boundary))

    def _events(
        self,
        base: Filter,
        *,
        limit: int | None,
        relays: Sequence[str] | None = None,
        keep: Callable[[Event], bool] | None = None,
        scan_limit: int | None = None,
    ) -> Iterator[Event]:
        """Matching events newest first, paged with ``until``, de-duplicated, deletions hidden."""

        def fetch(cursor: _Cursor | None, size: int) -> Page[Event, _Cursor]:
            scanned = cursor.scanned if cursor else 0
            while True:
                want = max(size, self.nostr_settings.page_size)
                if scan_limit is not None:
                    want = max(1, min(want, scan_limit - scanned))
                page, nxt = self._page(base, cursor, want, relays)
                scanned += len(page)
                page = self._drop_deleted(page, relays)
                items = [e for e in page if keep is None or keep(e)]
                if scan_limit is not None and scanned >= scan_limit:
                    return Page(items, None)
                if nxt is not None:
                    nxt = _Cursor(nxt.until, nxt.known_at_until, scanned)
                if items or nxt is None:
                    return Page(items, nxt)
                cursor = nxt

        return paginate(fetch, limit=limit, page_size=self.nostr_settings.page_size, key=lambda e: e.id)

    def _posts(self, base: Filter, limit: int | None, **kw: Any) -> Iterator[Post]:
        check_limit(limit)
        return (post_from_event(e) for e in self._events(base, limit=limit, **kw))

    def posts(self, account: AccountRef | None = None, *, limit: int | None = 20) -> Iterator[Post]:
        pubkey = self.public_key if account is None else self._pubkey_of(account)
        return self._posts({"authors": [pubkey], "kinds": [KIND_NOTE]}, limit)

    def timeline(self, *, limit: int | None = 20) -> Iterator[Post]:
        """Notes from the contact list, and this account's own."""
        check_limit(limit)
        authors = list(dict.fromkeys([self.public_key, *self.following()]))
        return self._posts({"authors": authors, "kinds": [KIND_NOTE]}, limit)

    def search(self, query: str, *, limit: int | None = 20) -> Iterator[Post]:
        """``#tag`` through ``t`` tags; text through NIP-50 where a relay offers it, else a bounded scan."""
        check_limit(limit)
        text = query.strip() if isinstance(query, str) else ""
        if not text:
            raise InvalidInput("search needs a non-empty query", network=self.name)
        if text.startswith("#") and len(text) > 1 and " " not in text:
            return self._posts({"kinds": [KIND_NOTE], "#t": [text[1:].lower()]}, limit)
        relays = self.nostr_settings.relays
        with_nip50 = [u for u in relays if self._announces(u, 50)]
        without = [u for u in relays if u not in with_nip50]
        needle = text.lower()
        streams: list[Iterator[Event]] = []
        if with_nip50:
            streams.append(
                self._events({"kinds": [KIND_NOTE], "search": text}, limit=None, relays=with_nip50)
            )
        if without:
            streams.append(
                self._events(
                    {"kinds": [KIND_NOTE]},
                    limit=None,
                    relays=without,
                    keep=lambda e: needle in e.content.lower(),
                    scan_limit=self.nostr_settings.search_scan_limit,
                )
            )
        merged = heapq.merge(*streams, key=lambda e: (-e.created_at, e.id))
        return _take(_unique(post_from_event(e) for e in merged), limit)

    def thread(self, post: PostRef) -> list[Post]:
        """The note and every reply below it, oldest first (a parent before its replies)."""
        root = self._get_event(self._event_id(post))
        found: dict[str, Event] = {root.id: root}
        depth: dict[str, int] = {root.id: 0}
        frontier = [root.id]
        while frontier and len(found) < THREAD_LIMIT:
            query = {"kinds": [KIND_NOTE], "#e": frontier, "limit": THREAD_LIMIT}
            fresh = []
            for event in self._query([query]).events:
                parent = reply_target(event)[0]
                if event.id not in found and parent in depth:
                    found[event.id] = event
                    depth[event.id] = depth[parent] + 1
                    fresh.append(event.id)
            frontier = fresh
        kept = self._drop_deleted([e for e in found.values() if e.id != root.id])
        kept.sort(key=lambda e: (e.created_at, depth[e.id], e.id))
        return [post_from_event(root)] + [post_from_event(e) for e in kept]

    def stream(self, *, kind: str = "public", tag: str | None = None) -> Iterator[Post]:
        """Notes published from now on, as relays deliver them (a live subscription on every relay).

        ``kind="public"`` is every note; ``"home"`` only this account's and
        its contacts'. ``tag`` keeps notes with that hashtag. A relay whose
        connection drops is subscribed to again, with exponential backoff,
        asking from a little before the newest note seen so nothing published
        meanwhile is missed; a note is yielded once however many relays send
        it. Once every relay has failed ``stream_attempts`` times in a row the
        iterator raises ``NetworkUnavailable``. Never ends on its own: stop
        iterating (or ``close()`` the iterator) when done; ``close()`` on this
        connection ends it.
        """
        if kind not in ("public", "home"):
            raise InvalidInput(f"stream kind must be 'public' or 'home', got {kind!r}", network=self.name)
        wanted = tag.strip().lstrip("#").lower() if isinstance(tag, str) else None
        if tag is not None and not wanted:
            raise InvalidInput(f"{tag!r} is not a hashtag", network=self.name)
        query: Filter = {"kinds": [KIND_NOTE], "since": self._now()}
        if kind == "home":
            query["authors"] = list(dict.fromkeys([self.public_key, *self.following()]))
        if wanted:
            query["#t"] = [wanted]
        # An event, why the stream ended, or None when the connection was closed.
        arrivals: queue.Queue[Event | str | None] = queue.Queue()
        with self._start_lock:
            self._open_streams.add(arrivals)
        try:
            loop, pool = self._started()
            loop.move_to_thread()  # the relays' events must arrive while the caller is between calls
            handles = self._run(
                pool.stream(
                    [query], arrivals.put_nowait, arrivals.put_nowait, self.nostr_settings.stream_attempts
                )
            )
        except BaseException:
            with self._start_lock:
                self._open_streams.discard(arrivals)
            raise
        return self._stream(arrivals, handles)

    def _stream(
        self, arrivals: queue.Queue[Event | str | None], handles: list[RelayStream]
    ) -> Iterator[Post]:
        seen: dict[str, None] = {}  # the ids of the latest notes yielded, oldest first
        try:
            while True:
                event = arrivals.get()
                if event is None:
                    return  # this connection was closed
                if isinstance(event, str):
                    raise NetworkUnavailable(
                        f"every relay of the stream was lost ({event})", network=self.name
                    )
                if event.id in seen:
                    continue
                seen[event.id] = None
                if len(seen) > STREAM_SEEN_WINDOW:
                    del seen[next(iter(seen))]
                yield post_from_event(event)
        finally:
            self._open_streams.discard(arrivals)  # no lock: this may run from garbage collection
            pool = self._pool
            if pool is not None:
                with contextlib.suppress(DecentSocialError):
                    self._run(pool.stop_stream(handles))

    # ---------------------------------------------------------------- notifications

    def notifications(self, *, limit: int | None = 20) -> Iterator[Notification]:
        """Mentions, replies, reactions, reposts, follows and (verified) zaps addressed to this account.

        A follow is the follower's latest contact list naming this account,
        dated when that list last changed.
        """
        check_limit(limit)
        me = self.public_key
        lnurl_key: list[str | None] = []

        def my_zap_key() -> str | None:
            if not lnurl_key:
                lnurl_key.append(self._zap_signer(me))
            return lnurl_key[0]

        kinds = [KIND_NOTE, KIND_REPOST, KIND_REACTION, KIND_ZAP_RECEIPT, KIND_CONTACTS]
        base = {"kinds": kinds, "#p": [me]}
        events = self._events(base, limit=None, keep=lambda e: e.pubkey != me)
        targets: dict[str, Post | None] = {}  # many reactions point at the same note: read it once
        return _take((self._notification(e, my_zap_key, targets) for e in events), limit)

    def _target_post(self, event_id: str, cache: dict[str, Post | None]) -> Post | None:
        if event_id not in cache:
            try:
                cache[event_id] = post_from_event(self._get_event(event_id))
            except (NotFound, InvalidInput):
                cache[event_id] = None
        return cache[event_id]

    def _notification(
        self, event: Event, zap_key: Callable[[], str | None], targets: dict[str, Post | None]
    ) -> Notification | None:
        kind: NotificationKind
        account = bare_account(event.pubkey)
        target = next(iter(event.tag_values("e")), None)
        amount = None
        if event.kind == KIND_NOTE:
            kind = "reply" if reply_target(event)[0] else "mention"
            target = None
        elif event.kind == KIND_REPOST:
            kind = "repost"
        elif event.kind == KIND_REACTION:
            kind = "other" if event.content == "-" else "like"  # NIP-25: "-" is a dislike
        elif event.kind == KIND_CONTACTS:
            kind = "follow"  # the follower's current contact list names this account
            target = None
        else:
            check = check_zap_receipt(event, zap_key())
            if not check.valid:
                self.log.debug("ignored zap receipt %s: %s", event.id[:16], check.problem)
                return None
            kind = "zap"
            account = bare_account(check.sender or event.pubkey)
            amount = _sats(check.amount_msat or 0)
        post = post_from_event(event) if event.kind == KIND_NOTE else None
        if target is not None:
            post = self._target_post(target, targets)
        return Notification(
            network=self.name,
            id=event.id,
            kind=kind,
            created_at=datetime.fromtimestamp(event.created_at, tz=timezone.utc),
            account=account,
            post=post,
            amount=amount,
            raw={"event": event.to_json()},
        )

    # ---------------------------------------------------------------- zaps

    def _zap_signer(self, pubkey: str) -> str | None:
        """The key the recipient's LNURL server signs receipts with (NIP-57 ``nostrPubkey``)."""
        pay = self._lnurl(profile_content(self._profile(pubkey)))
        return pay.nostr_pubkey if pay is not None and pay.allows_nostr else None

    def _zap_reward(self, subject: str, receipts: list[Event], signer: str | None) -> Reward:
        total = 0
        by_sender: dict[str, int] = {}
        seen: set[str] = set()
        for receipt in receipts:
            check: ZapCheck = check_zap_receipt(receipt, signer)
            if not check.valid or check.amount_msat is None or check.sender is None:
                self.log.debug("ignored zap receipt %s: %s", receipt.id[:16], check.problem)
                continue
            invoice = receipt.tag_values("bolt11")[0]
            if invoice in seen:  # one payment, one count, however many receipts claim it
                continue
            seen.add(invoice)
            total += check.amount_msat
            by_sender[check.sender] = by_sender.get(check.sender, 0) + check.amount_msat
        parts = tuple(
            RewardPart(role="tipper", account=encode_npub(sender), amounts=(_sats(msat),))
            for sender, msat in by_sender.items()
        )
        return Reward(
            network=self.name,
            subject=subject,
            status="paid" if total else "none",
            amounts=(_sats(total),) if total else (),
            parts=parts,
            raw={"receipts": len(receipts), "valid": len(seen)},
        )

    def rewards(self, post: PostRef) -> Reward:
        """Valid zaps to a note, in sats (paid at once: Lightning has no pending state)."""
        target = self._get_event(self._event_id(post))
        receipts = self._query([{"kinds": [KIND_ZAP_RECEIPT], "#e": [target.id], "limit": 5000}]).events
        return self._zap_reward(target.id, receipts, self._zap_signer(target.pubkey))

    def pending_rewards(self, account: AccountRef | None = None) -> Reward:
        """Valid zaps received by an account (latest ``search_scan_limit`` receipts), in sats."""
        pubkey = self.public_key if account is None else self._pubkey_of(account)
        receipts = list(
            self._events(
                {"kinds": [KIND_ZAP_RECEIPT], "#p": [pubkey]}, limit=self.nostr_settings.search_scan_limit
            )
        )
        return self._zap_reward(encode_npub(pubkey), receipts, self._zap_signer(pubkey))

    def zap_request(self, to: AccountRef | PostRef, amount: Amount | str, memo: str = "") -> ZapRequest:
        """Build and sign a NIP-57 zap request; a wallet pays the invoice the callback returns."""
        msat = _to_msat(amount, self.name)
        self._signer()
        recipient, target = self._zap_target(to)
        pay = self._lnurl(profile_content(self._profile(recipient)))
        if pay is None or not pay.allows_nostr or pay.nostr_pubkey is None:
            raise ContentRejected(
                "the recipient's profile names no LNURL server that accepts zaps", network=self.name
            )
        if not pay.min_sendable <= msat <= pay.max_sendable:
            raise ContentRejected(
                f"{msat} msat is outside the recipient's range {pay.min_sendable}-{pay.max_sendable} msat",
                network=self.name,
            )
        tags: list[tuple[str, ...]] = [("relays", *self.nostr_settings.relays), ("amount", str(msat))]
        if pay.lnurl:
            tags.append(("lnurl", pay.lnurl))
        tags.append(("p", recipient))
        if target is not None:
            tags.append(("e", target))
        event = self.sign(KIND_ZAP_REQUEST, memo, tuple(tags))
        return ZapRequest(event, zap_callback_url(pay, event, msat), msat, recipient, pay)

    def tip(self, to: AccountRef | PostRef, amount: Amount | str, memo: str = "") -> str:
        """The LNURL callback URL (carrying the signed zap request) that a wallet calls to pay."""
        return self.zap_request(to, amount, memo).callback_url

    def _zap_target(self, to: AccountRef | PostRef) -> tuple[str, str | None]:
        if isinstance(to, Post):
            return self._pubkey_of(to.author), self._event_id(to)
        if isinstance(to, Account):
            return self._pubkey_of(to), None
        ref = self.account_ref(to)
        if ref.startswith(("note1", "nevent1", "nostr:note1", "nostr:nevent1")):
            event = self._get_event(self._event_id(ref))
            return event.pubkey, event.id
        if len(ref) == 64:
            try:
                event = self._get_event(self._event_id(ref))
                return event.pubkey, event.id
            except (NotFound, InvalidInput):
                pass
        return self._pubkey_of(ref), None


def _relay_report(outcomes: Sequence[PublishOutcome]) -> dict[str, Any]:
    """What each relay answered, for a ``Post``'s ``raw["relays"]``."""
    return {o.relay: {"accepted": o.accepted, "message": o.message, "error": o.error} for o in outcomes}


def _sats(msat: int) -> Amount:
    return Amount(value=Decimal(msat) / Decimal(1000), asset="SAT")


def _to_msat(amount: Amount | str, network: str) -> int:
    value = Amount.parse(amount)
    factor = {"MSAT": Decimal(1), "SAT": Decimal(1000), "SATS": Decimal(1000), "BTC": Decimal(10) ** 11}
    multiplier = factor.get(value.asset.upper())
    if multiplier is None:
        raise InvalidInput(f"zaps are in SAT, MSAT or BTC, not {value.asset}", network=network)
    msat = value.value * multiplier
    if msat <= 0 or msat != msat.to_integral_value():
        raise InvalidInput(f"{value} is not a positive whole number of millisatoshis", network=network)
    return int(msat)


def _unique(posts: Iterator[Post]) -> Iterator[Post]:
    seen: set[str] = set()
    for post in posts:
        if post.id not in seen:
            seen.add(post.id)
            yield post


def _take(items: Iterator[T | None], limit: int | None = None) -> Iterator[T]:
    if limit is not None and limit < 1:
        return
    count = 0
    for item in items:
        if item is None:
            continue
        yield item
        count += 1
        if limit is not None and count >= limit:
            return
