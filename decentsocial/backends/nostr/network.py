"""``NostrNetwork``: the decentsocial ``Network`` over one or more Nostr relays (hooks only).

What goes on the wire is in ``transport.py``; notes, profiles and zaps are
read in ``convert.py`` and ``zaps.py``. Every event read is id- and
signature-checked before it is used.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import heapq
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence, Set
from typing import Any, ClassVar

from ... import errors
from ...base import BaseNetwork
from ...limits import Deadline
from ...models import Account, Draft, Post, Reward
from ...network import MICROBLOGGING, AccountRef, Capability, PostRef
from ...paging import Page
from ...retry import RetryPolicy
from ...text import links, tag_spellings
from . import lists
from .convert import (
    account_from_profile,
    mentioned_keys,
    notification_target,
    post_from_event,
    profile_content,
    relay_report,
    reply_target,
    reposted_note,
)
from .dm import MESSAGING, DirectMessages  # NIP-17 direct messages (issue 14)
from .engagement import engaged_note, note_zaps
from .events import (
    KIND_CONTACTS,
    KIND_DELETE,
    KIND_NOTE,
    KIND_PROFILE,
    KIND_REACTION,
    KIND_REPOST,
    KIND_ZAP_RECEIPT,
    NOTE_KINDS,
    Event,
    Filter,
    Tags,
    event_id,
    sign_event,
)
from .failures import publish_failure
from .keys import (
    InvalidKey,
    PrivateKey,
    encode_nevent,
    encode_note,
    encode_npub,
    is_hex64,
    parse_event_id,
    parse_public_key,
)
from .lists import ReplaceableLists
from .lists import kinds_hint as _kinds_hint
from .notifications import Notifications
from .pages import Cursor, arrivals_posts, claim_date, relay_page, stored_date, take, unique_posts
from .resolvers import Nip05Resolver, https_lnurl_resolver
from .settings import NostrSettings
from .tipping import Tipping
from .transport import NostrTransport, PublishOutcome
from .zaps import zap_reward

__all__ = ["NostrNetwork"]

#: Events scanned at most when following a thread.
THREAD_LIMIT = 2000


class NostrNetwork(DirectMessages, Tipping, ReplaceableLists, Notifications, BaseNetwork[NostrSettings]):
    """A Nostr account over one or more relays; every event read is id- and signature-checked."""

    name = "nostr"
    resolves_publish_keys = True  # a key's event is re-sent to relays that missed it
    resolves_tip_keys = True  # a key's zap request is signed again with the date it first had
    Settings = NostrSettings
    capabilities = MICROBLOGGING | {
        Capability.REWARDS,
        Capability.TIP,
        Capability.STREAM,
        MESSAGING,
        Capability.PIN,
    }
    lacks: ClassVar[dict[Capability, str]] = {Capability.EDIT: lists.NO_EDIT}

    def __init__(self, settings: NostrSettings | None = None, *, retry: RetryPolicy | None = None) -> None:
        super().__init__(settings, retry=retry)
        s = self.settings
        self._key = PrivateKey.parse(s.private_key.get_secret_value()) if s.private_key else None
        #: The relays' connections and the private event loop they run on (started on first use).
        self.transport = NostrTransport(s.relays, s.timeout, s.limits, s.max_clock_lead)
        # A connection nobody closes still closes its websockets and stops its loop's thread.
        self.release_on_collect(self.transport.close)
        self._created_at_by_key: dict[str, int] = {}
        self._key_lock = threading.Lock()
        self._issued: dict[str, None] = {}
        self._last_note = 0
        self._lnurl = s.lnurl_resolver or https_lnurl_resolver(
            s.timeout, limits=s.limits, allow_private=s.allow_private_fetch
        )
        #: What each relay answered to the last event this connection published.
        self.last_publish: tuple[PublishOutcome, ...] = ()

    # ---------------------------------------------------------------- plumbing

    @property
    def nostr_settings(self) -> NostrSettings:
        """This connection's settings (the same object as ``settings``, kept for callers that used it)."""
        return self.settings

    @property
    def identity(self) -> str:
        """The account's public key (a read-only connection: ``read-only``)."""
        return self.public_key if self._key is not None else "read-only"

    @property
    def public_key(self) -> str:
        """This account's public key (hex); ``AuthenticationError`` when connected without a key."""
        return self._signer().public_key

    def _signer(self) -> PrivateKey:
        if self._key is None:
            raise errors.AuthenticationError(
                "this connection has no private_key; it can only read", network=self.name
            )
        return self._key

    def relay_info(self, url: str) -> dict[str, Any]:
        """A relay's NIP-11 document (``{}`` when it publishes none): which NIPs it supports, its limits."""
        return self.transport.info(url)

    def _announces(self, url: str, nip: int) -> bool:
        """Whether the relay's NIP-11 document lists ``nip`` (nothing readable announces nothing)."""
        nips = self.relay_info(url).get("supported_nips")
        return isinstance(nips, list) and nip in nips

    def close(self) -> None:
        """Close the relays and the private loop; open streams end (a later call opens new ones)."""
        self.transport.close()

    def _relay_hint(self) -> str:
        return self.settings.relays[0]

    # ---------------------------------------------------------------- publishing

    def _now(self) -> int:
        return int(time.time())

    def sign(self, kind: int, content: str, tags: Tags, created_at: int | None = None) -> Event:
        """Sign an event with this account's key without publishing it (kinds this API has no call for)."""
        return sign_event(
            self._signer(), kind, content, tags, self._now() if created_at is None else created_at
        )

    def publish_event(self, event: Event) -> tuple[PublishOutcome, ...]:
        """Send a signed event to every relay; succeed when ``min_accepted`` relays took it.

        A resend is the very same event (same id), so retrying (the ``retry``
        setting) cannot post twice; a relay's "duplicate" answer counts as
        acceptance.
        """
        return self._send(event)

    def _send(
        self, event: Event, while_waiting: Callable[[], None] | None = None
    ) -> tuple[PublishOutcome, ...]:
        """What the relays answered to ``event``, with ``publish_event``'s rules and retries.

        ``while_waiting`` runs on the loop (once, on the first try) after the
        event is sent, while the relays read it. The resends share one deadline.
        """
        side_work = [while_waiting]
        deadline = Deadline(self.settings.limits.deadline, network=self.name, what="the relays")

        def attempt() -> tuple[PublishOutcome, ...]:
            work, side_work[0] = side_work[0], None
            outcomes = tuple(self.transport.publish(event, work, deadline=deadline))
            self.last_publish = outcomes
            failure = publish_failure(outcomes, self.settings.min_accepted)
            if failure is not None:
                if failure.retryable:
                    self.log.debug("publish of %s failed: %s", event.id[:16], failure)
                raise failure
            for o in outcomes:
                if not o.accepted:
                    self.log.debug(
                        "relay %s did not take %s: %s", o.relay, event.id[:16], o.error or o.message
                    )
            return outcomes

        return self.retry.call(attempt)

    def _send_new(
        self,
        kind: int,
        content: str,
        tags: Tags,
        created_at: int | None = None,
        avoid: Set[str] = frozenset(),
    ) -> tuple[Event, dict[str, Any]]:
        """Sign and publish an event: (it, ``{"relays": what each relay said}``).

        Undated, it is dated now, or a second on while that makes an event this connection
        signed already (or one of ``avoid``): a like after an unlike of the same second would
        otherwise be the deleted like again (same content, same id).
        """
        if created_at is None:
            pubkey = self._signer().public_key
            with self._key_lock:
                created_at, _ = self._fresh_date(pubkey, kind, content, tags, self._now(), avoid)
        event = self.sign(kind, content, tags, created_at)
        return event, {"relays": relay_report(self.publish_event(event))}

    def _fresh_date(
        self, pubkey: str, kind: int, content: str, tags: Tags, start: int, avoid: Set[str] = frozenset()
    ) -> tuple[int, str]:
        """The first date from ``start`` on whose event id this connection has not signed yet (nor
        is one of ``avoid``), and that id, now counted as signed. Called holding ``_key_lock``."""
        created_at = start
        eid = event_id(pubkey, created_at, kind, tags, content)
        while eid in self._issued or eid in avoid:
            created_at += 1
            eid = event_id(pubkey, created_at, kind, tags, content)
        self._issue(eid)
        return created_at, eid

    def _issue(self, eid: str) -> None:
        """Remember an id this connection signed (the latest 10,000)."""
        self._issued[eid] = None
        if len(self._issued) > 10_000:
            self._issued.pop(next(iter(self._issued)))

    def _note_parts(self, draft: Draft) -> tuple[str, list[tuple[str, ...]]]:
        """Content and tags of a note: ``t`` for hashtags, ``p`` for NIP-27 mentions, NIP-36 and NIP-32,
        NIP-14 ``subject`` for a title; a link card's URL (no such event) is written into the text."""
        text = draft.text
        if draft.link is not None and draft.link.url not in links(text):  # a link, not a piece of one
            text = f"{text}\n\n{draft.link.url}" if text.strip() else draft.link.url
        content, keys = mentioned_keys(text)
        mentioned = dict.fromkeys(keys)
        for handle in draft.mentions:
            mentioned.setdefault(self._pubkey_of(handle), None)
        # NIP-24: a ``t`` tag is lower-case; NFC too (``normalise_tag``): one tag, one value to filter on.
        tags: list[tuple[str, ...]] = [("t", tag) for tag in draft.all_tags]
        tags.extend(("p", key) for key in mentioned)
        if draft.content_warning is not None or draft.sensitive:
            tags.append(("content-warning", draft.content_warning or ""))
        if draft.language:
            tags.extend([("L", "ISO-639-1"), ("l", draft.language, "ISO-639-1")])
        if draft.title is not None and draft.title.strip():
            tags.append(("subject", draft.title.strip()))
        if draft.idempotency_key is not None:
            tags.append(self._key_tag(draft.idempotency_key))
        if draft.quote_of is not None:  # NIP-18 quote: a q tag and a NIP-21 reference in the text
            quoted = self._answered(self._get_event(self._event_id(draft.quote_of)))
            reference = "nostr:" + encode_nevent(quoted.id, (self._relay_hint(),), quoted.pubkey)
            if quoted.id not in content and encode_note(quoted.id) not in content:
                content = f"{content}\n\n{reference}" if content else reference
            tags.append(("q", quoted.id, self._relay_hint(), quoted.pubkey))
            if ("p", quoted.pubkey) not in tags:
                tags.append(("p", quoted.pubkey))
        return content, tags

    def check_draft(self, draft: Draft) -> None:
        """Nostr's own rules on top of the shared ones: notes are public and there are no communities."""
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
        stored = self._stored_date("publish", key) if key is not None else None
        with self._key_lock:
            if key is not None and stored is not None:
                self._created_at_by_key.setdefault(key, stored)
            if key is not None and key in self._created_at_by_key:
                return sign_event(signer, kind, content, tags, self._created_at_by_key[key])
            now = self._now()
            # Notes from one connection keep their order even in a burst: each is dated at
            # least a second after the previous one, at most ``max_clock_lead`` seconds ahead.
            lead = self.settings.max_clock_lead
            start = max(now, min(self._last_note + 1, now + lead))
            created_at, eid = self._fresh_date(signer.public_key, kind, content, tags, start)
            known: str | None = eid
            if key is not None:
                # Another process may have dated this key meanwhile: its date wins (one event).
                claimed = self._claim_date("publish", key, created_at)
                if claimed != created_at:
                    created_at, known = claimed, None
                self._created_at_by_key[key] = created_at
            self._last_note = max(self._last_note, created_at)
        return sign_event(signer, kind, content, tags, created_at, known_id=known)

    def _stored_date(self, kind: str, key: str) -> int | None:
        return stored_date(self.state, self.state_scope, f"{kind}-date:{key}")

    def _claim_date(self, kind: str, key: str, created_at: int) -> int:
        return claim_date(self.state, self.state_scope, f"{kind}-date:{key}", created_at, self.name)

    def _publish(self, draft: Draft) -> Post:
        parent_id = self._event_id(draft.reply_to) if draft.reply_to is not None else None
        content, tags = self._note_parts(draft)
        self._signer()
        if parent_id is None:
            return self._publish_note(draft, content, tuple(tags))
        parent = self._answered(self._get_event(parent_id, NOTE_KINDS))
        _, parent_root = reply_target(parent)
        root = parent_root or parent.id
        hint = self._relay_hint()
        thread_tags: list[tuple[str, ...]] = [("e", root, hint, "root")]
        if parent.id != root:
            thread_tags.append(("e", parent.id, hint, "reply"))
        # Keys only: not the junk a hostile note may tag.
        people = dict.fromkeys([parent.pubkey, *filter(is_hex64, parent.tag_values("p"))])
        thread_tags.extend(("p", p) for p in people if ("p", p) not in tags)
        return self._publish_note(draft, content, tuple(thread_tags + tags))

    def _answered(self, event: Event) -> Event:
        """The note a reply, quote, like, repost or zap of ``event`` is about: a repost read as the note
        it embeds (by that note's author) is that note, as a boost is on other networks. The embedded
        copy is signed: the relays need not hold the note itself, only not its deletion."""
        note = reposted_note(event) if event.kind == KIND_REPOST else None
        if note is not None and not self._drop_deleted([note]):
            raise errors.NotFound(f"note {note.id} was deleted by its author", network=self.name)
        return note or event

    def _publish_note(self, draft: Draft, content: str, tags: Tags) -> Post:
        """Publish a note once per idempotency key, also across processes (see ``_keyed_note``)."""
        earlier = self._keyed_note(draft, tags)
        if earlier is not None:
            self._not_deleted(earlier.id, draft.idempotency_key)
            outcomes = self.publish_event(earlier)  # make sure every relay has it; "duplicate" is fine
            return post_from_event(earlier, raw_extra={"relays": relay_report(outcomes), "existing": True})
        event = self._dated_note(draft, KIND_NOTE, content, tags)
        self._not_deleted(event.id, draft.idempotency_key)
        relays: dict[str, Any] = {}  # what each relay said, filled in once they have
        built: list[Post] = []

        def build() -> None:
            built.append(post_from_event(event, raw_extra={"relays": relays}))

        # The Post is built while the relays read the event.
        outcomes = self._send(event, build)
        post = built[0] if built else post_from_event(event, raw_extra={"relays": relays})
        relays.update(relay_report(outcomes))
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
        seconds by its key marker. A key the state store has no date for was
        never signed with from this store, so the relays are not asked: a
        new key publishes in one round trip.
        """
        key = draft.idempotency_key
        lookback = self.settings.idempotency_lookback
        if key is None or lookback == 0:
            return None
        with self._key_lock:
            if key in self._created_at_by_key:
                return None  # this connection made it: re-signing gives the same id
        marker = self._key_tag(key)
        if marker not in tags or self._stored_date("publish", key) is None:
            return None
        query = {"authors": [self.public_key], "kinds": [KIND_NOTE], "since": self._now() - lookback}
        for event in self._events(query, limit=self.settings.search_scan_limit):
            if marker in event.tags:
                with self._key_lock:
                    self._created_at_by_key.setdefault(key, event.created_at)
                return event
        return None

    def _not_deleted(self, event_id: str, key: str | None) -> None:
        """``NotFound`` when a keyed publish would send again a note this store saw deleted: the
        same key signs the same event, and a relay would take it back (a retracted post returning)."""
        if key is not None and self.state.get(self.state_scope, f"deleted:{event_id}") is not None:
            raise errors.NotFound(
                f"the note published with idempotency key {key!r} was deleted; publish it with a new key",
                network=self.name,
            )

    def _delete(self, post: PostRef) -> None:
        target = self._get_event(self._event_id(post))
        if target.pubkey != self.public_key:
            raise errors.PermissionDenied("only the author can delete a note", network=self.name)
        self._send_new(KIND_DELETE, "", (("e", target.id), _kinds_hint(target)))
        self.state.put(self.state_scope, f"deleted:{target.id}", "", {})  # see _not_deleted

    def _like(self, post: PostRef) -> None:
        """A reaction, unless this account's earlier one stands (so a repeated call likes once)."""
        target = self._answered(self._get_event(self._event_id(post)))
        mine = self._mine_about(KIND_REACTION, target.id, live=False)
        if not self._drop_deleted(mine):  # never a deleted one again: a relay keeping it ignores it
            tags = (("e", target.id, self._relay_hint()), ("p", target.pubkey), _kinds_hint(target))
            self._send_new(KIND_REACTION, "+", tags, avoid={e.id for e in mine})

    def _unlike(self, post: PostRef) -> None:
        """Delete (NIP-09) this account's reactions to the post."""
        target = self._event_id(post)
        with contextlib.suppress(errors.NotFound):  # an unreadable note's reactions go all the same
            target = self._answered(self._get_event(target)).id
        mine = self._mine_about(KIND_REACTION, target)
        if mine:
            self._send_new(KIND_DELETE, "", (*(("e", r.id) for r in mine), ("k", str(KIND_REACTION))))

    def _repost(self, post: PostRef) -> Post | None:
        """A repost, unless this account's earlier one stands (so a repeated call reposts once)."""
        target = self._answered(self._get_event(self._event_id(post)))
        mine = self._mine_about(KIND_REPOST, target.id, live=False)
        earlier = self._drop_deleted(mine)
        if earlier:
            return post_from_event(earlier[0], raw_extra={"reposted": target.id, "existing": True})
        tags = (("e", target.id, self._relay_hint()), ("p", target.pubkey))
        content = json.dumps(target.to_json(), separators=(",", ":"), ensure_ascii=False)
        event, extra = self._send_new(KIND_REPOST, content, tags, avoid={e.id for e in mine})
        return post_from_event(event, raw_extra={**extra, "reposted": target.id})

    def _mine_about(self, kind: int, target_id: str, *, live: bool = True) -> list[Event]:
        """This account's events of ``kind`` about a post (reactions, reposts) that are not deleted
        (``live=False``: deleted ones too)."""
        self._signer()
        found = self.transport.query([{"authors": [self.public_key], "kinds": [kind], "#e": [target_id]}])
        # Not a reaction to a reply that names this note as its root, say.
        about = [e for e in found.events if notification_target(e) == target_id]
        return self._drop_deleted(about) if live else about

    # ---------------------------------------------------------------- identities

    def _pubkey_of(self, account: AccountRef) -> str:
        """Hex key from an Account, npub/nprofile/hex, or a NIP-05 name (through the resolver)."""
        if isinstance(account, Account):
            # Its id is read as any key is (64 hex, lower-cased: relays match "#p" tags exactly).
            ref = account.id if account.network == self.name else account.handle
        else:
            ref = self.account_ref(account)
        try:
            return parse_public_key(ref)
        except InvalidKey as exc:
            if "." not in ref:
                raise errors.InvalidInput(f"not a Nostr account: {exc}", network=self.name) from None
        resolver: Nip05Resolver | None = self.settings.nip05_resolver
        if resolver is None:
            raise errors.InvalidInput(
                "NIP-05 names need a nip05_resolver setting; give an npub or hex key instead",
                network=self.name,
            )
        found = resolver(ref.removeprefix("@"))
        key = None
        if isinstance(found, str):
            with contextlib.suppress(InvalidKey):
                key = parse_public_key(found)
        if key is None:
            raise errors.NotFound(f"NIP-05 name {ref!r} does not resolve to a key", network=self.name)
        return key

    def _event_id(self, post: PostRef) -> str:
        ref = self.post_id(post)
        try:
            return parse_event_id(ref)
        except InvalidKey as exc:
            raise errors.InvalidInput(f"not a Nostr event id: {exc}", network=self.name) from None

    def _profile(self, pubkey: str, *, for_update: bool = False) -> Event | None:
        return lists.latest(self.transport, KIND_PROFILE, pubkey, for_update=for_update)

    def _me(self) -> Account:
        return self._account(self.public_key)

    def _account(self, handle: str) -> Account:
        pubkey = self._pubkey_of(handle)
        events = self.transport.query(
            [{"authors": [pubkey], "kinds": [KIND_PROFILE]}, {"authors": [pubkey], "kinds": [KIND_CONTACTS]}]
        ).events
        profile = next((e for e in events if e.kind == KIND_PROFILE), None)
        contacts = next((e for e in events if e.kind == KIND_CONTACTS), None)
        following = len(lists.values(contacts, "p")) if contacts else None
        verified = None
        nip05 = profile_content(profile).get("nip05")
        resolver = self.settings.nip05_resolver
        if isinstance(nip05, str) and resolver is not None:
            verified = resolver(nip05) == pubkey
        return account_from_profile(pubkey, profile, following=following, nip05_verified=verified)

    def set_profile(self, **fields: Any) -> Account:
        """Publish this account's kind-0 profile (name, about, nip05, lud16…), keeping other fields."""
        current = profile_content(self._profile(self.public_key, for_update=True))
        current.update({k: v for k, v in fields.items() if v is not None})
        self._send_new(KIND_PROFILE, json.dumps(current, ensure_ascii=False), ())
        return self.me()

    # ---------------------------------------------------------------- reading

    def _drop_deleted(self, events: list[Event]) -> list[Event]:
        """Hide events their author deleted (NIP-09), even on relays that keep them.

        Only a lone relay announcing NIP-09 is trusted to have removed them itself: of several,
        one may have missed a deletion another took, and still serve the event.
        """
        relays = self.settings.relays
        if not events or (len(relays) == 1 and self._announces(relays[0], 9)):
            return events
        deletions = self.transport.query([{"kinds": [KIND_DELETE], "#e": [e.id for e in events]}]).events
        if not deletions:
            return events
        authors = {e.id: e.pubkey for e in events}
        gone = {eid for d in deletions for eid in d.tag_values("e") if authors.get(eid) == d.pubkey}
        return [e for e in events if e.id not in gone]

    def _get_event(self, event_id: str, kinds: tuple[int, ...] | None = None) -> Event:
        """The event (``kinds``: only a note or repost, not a profile, reaction or message read as one)."""
        events = self.transport.query([{"ids": [event_id]}], with_info=True).events
        found = self._drop_deleted([e for e in events if e.id == event_id])
        if not found:
            raise errors.NotFound(f"event {event_id} not found on any relay", network=self.name)
        if kinds is not None and found[0].kind not in kinds:
            raise errors.NotFound(
                f"event {event_id} is of kind {found[0].kind}, not a note", network=self.name
            )
        return found[0]

    def _get_post(self, id: str) -> Post:
        """The note, with its likes, reposts, replies and quotes counted (and zaps, if any: ``reward``)."""
        return engaged_note(self, self._get_event(self._event_id(id), NOTE_KINDS))

    def _events(
        self,
        base: Filter,
        *,
        limit: int | None,
        relays: Sequence[str] | None = None,
        keep: Callable[[Event], bool] | None = None,
        scan_limit: int | None = None,
    ) -> Iterator[Event]:
        """Matching events newest first, paged with ``until``, de-duplicated, deletions hidden.

        Every page counts against ``limits.max_pages``, pages that ``keep`` empties too; a page is one
        query per relay, and those that complete its last second (at most ``windows.SECOND_QUERIES``).
        """
        max_pages = self.settings.limits.max_pages
        rounds = 0

        def fetch(cursor: Cursor | None, size: int) -> Page[Event, Cursor]:
            nonlocal rounds
            scanned = cursor.scanned if cursor else 0
            while True:
                rounds += 1
                if rounds > max_pages:
                    raise errors.NetworkUnavailable(
                        f"a listing ran past {max_pages} pages (the max_pages limit)", network=self.name
                    )
                want = max(size, self.settings.page_size)
                if scan_limit is not None:
                    want = max(1, min(want, scan_limit - scanned))
                page, nxt = relay_page(self.transport, base, cursor, want, relays)
                scanned += len(page)
                page = self._drop_deleted(page)
                items = [e for e in page if keep is None or keep(e)]
                if scan_limit is not None and scanned >= scan_limit:
                    return Page(items, None)
                if nxt is not None:
                    nxt = dataclasses.replace(nxt, scanned=scanned)
                if items or nxt is None:
                    return Page(items, nxt)
                cursor = nxt

        return self._paged(fetch, limit, page_size=self.settings.page_size, key=lambda e: e.id)

    def _notes(self, base: Filter, limit: int | None, **kw: Any) -> Iterator[Post]:
        return (post_from_event(e) for e in self._events(base, limit=limit, **kw))

    def _posts(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        pubkey = self.public_key if account is None else self._pubkey_of(account)
        return self._notes({"authors": [pubkey], "kinds": [KIND_NOTE]}, limit)

    def _timeline(self, limit: int | None) -> Iterator[Post]:
        """Notes from the contact list, and this account's own."""
        authors = list(dict.fromkeys([self.public_key, *self.following()]))
        return self._notes({"authors": authors, "kinds": [KIND_NOTE]}, limit)

    def _search(self, query: str, limit: int | None) -> Iterator[Post]:
        """``#tag`` through ``t`` tags (as this SDK and as a decomposing client spell it: relays compare
        bytes, see ``tag_spellings``); text through NIP-50 where a relay offers it, else a bounded scan."""
        text = query
        if text.startswith("#") and len(text) > 1 and " " not in text:
            return self._notes({"kinds": [KIND_NOTE], "#t": list(tag_spellings(text[1:]))}, limit)
        relays = self.settings.relays
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
                    scan_limit=self.settings.search_scan_limit,
                )
            )
        merged = heapq.merge(*streams, key=lambda e: (-e.created_at, e.id))
        return take(unique_posts(post_from_event(e) for e in merged), limit)

    def _thread(self, post: PostRef) -> list[Post]:
        """The note and every reply below it, oldest first (a parent before its replies)."""
        root = self._get_event(self._event_id(post), NOTE_KINDS)
        found: dict[str, Event] = {root.id: root}
        depth: dict[str, int] = {root.id: 0}
        frontier = [root.id]
        while frontier and len(found) < THREAD_LIMIT:
            query = {"kinds": [KIND_NOTE], "#e": frontier, "limit": THREAD_LIMIT}
            fresh = []
            for event in self.transport.query([query]).events:
                parent = reply_target(event)[0]
                if event.id not in found and parent in depth:
                    found[event.id] = event
                    depth[event.id] = depth[parent] + 1
                    fresh.append(event.id)
            frontier = fresh
        kept = self._drop_deleted([e for e in found.values() if e.id != root.id])
        kept.sort(key=lambda e: (e.created_at, depth[e.id], e.id))
        return [post_from_event(root)] + [post_from_event(e) for e in kept]

    def _stream(self, kind: str, tag: str | None) -> Iterator[Post]:
        """Notes published from now on, as relays deliver them (a live subscription on every relay).

        ``kind="public"`` is every note; ``"home"`` only this account's and
        its contacts'. ``tag`` keeps notes with that hashtag. A relay whose
        connection drops is subscribed to again, with exponential backoff,
        asking from a little before the newest note seen so nothing published
        meanwhile is missed (paged back, handed over oldest first, at most
        ``stream_catch_up_limit`` notes); a note is yielded once however many
        relays send it. The relays are subscribed to on the loop's thread: this returns at
        once, and ``stop()`` or ``close()`` ends it while they still connect.
        ``NetworkUnavailable`` comes from the iterator: no relay answered, or
        every one failed ``stream_attempts`` times in a row. Never ends on its
        own: ``stop()`` it, ``close()`` it or this connection, when done.
        """
        if kind not in ("public", "home"):
            raise self.invalid(f"stream kind must be 'public' or 'home', got {kind!r}")
        query: Filter = {"kinds": [KIND_NOTE], "since": self._now()}
        if kind == "home":
            query["authors"] = list(dict.fromkeys([self.public_key, *self.following()]))
        if tag:
            query["#t"] = list(tag_spellings(tag))
        arrivals, following = self.transport.open_stream(
            [query], self.settings.stream_attempts, self.settings.stream_catch_up_limit
        )
        return arrivals_posts(self.transport, arrivals, following)

    # ---------------------------------------------------------------- zaps

    def _zap_signer(self, pubkey: str) -> str | None:
        """The key the recipient's LNURL server signs receipts with (NIP-57 ``nostrPubkey``)."""
        pay = self._lnurl(profile_content(self._profile(pubkey)))
        return pay.nostr_pubkey if pay is not None and pay.allows_nostr else None

    def _ignored_zap(self, receipt: Event, why: str | None) -> None:
        self.log.debug("ignored zap receipt %s: %s", receipt.id[:16], why)

    def _rewards(self, post: PostRef) -> Reward:
        """Valid zaps to a note, in sats (paid at once: Lightning has no pending state)."""
        return note_zaps(self, self._get_event(self._event_id(post)))

    def _pending_rewards(self, account: AccountRef | None) -> Reward:
        """Valid zaps received by an account (latest ``search_scan_limit`` receipts), in sats."""
        pubkey = self.public_key if account is None else self._pubkey_of(account)
        query = {"kinds": [KIND_ZAP_RECEIPT], "#p": [pubkey]}
        receipts = list(self._events(query, limit=self.settings.search_scan_limit))
        return zap_reward(encode_npub(pubkey), receipts, self._zap_signer(pubkey), self._ignored_zap, pubkey)
