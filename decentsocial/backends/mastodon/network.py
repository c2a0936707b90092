"""The Mastodon backend: Mastodon and servers speaking its client API, as ``BaseNetwork`` hooks.

Every request goes through :meth:`MastodonNetwork._call`: one try on the
transport (which maps failures to the error tree), retried under the shared
:class:`~decentsocial.retry.RetryPolicy` when safe. Publishing sends an
``Idempotency-Key`` (the draft's, or one generated per publish and reused
by every retry), so a retry after a timeout never posts twice.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any, ClassVar, TypeVar

from ... import errors
from ...base import BaseNetwork
from ...coerce import as_dict, as_list, as_str, malformed
from ...models import Account, Draft, Media, Notification, Post
from ...network import MICROBLOGGING, AccountRef, Capability, PostRef, TextLimit
from ...paging import Page
from ...retry import RetryPolicy, repeated_delete
from ...settings import secret_fingerprint
from ...stopping import wait
from ...text import mastodon_len
from ...urls import DEFAULT_PORTS, host_key, parse_url
from .compose import (
    MAX_UPLOAD_BYTES,
    InstanceLimits,
    check_length,
    check_limits,
    check_static,
    check_supported,
    compose_text,
    media_mime,
    status_length,
    status_params,
    upload_limit,
)
from .convert import (
    NETWORK,
    convert_each,
    status_key,
    to_account,
    to_asked_account,
    to_asked_post,
    to_json_safe,
    to_notification,
    to_post,
    to_scheduled_post,
)
from .failures import may_have_acted
from .ids import path_id, path_tag
from .lifecycle import PostLifecycle
from .messages import DirectMessages
from .origin import PostsHere
from .settings import MastodonSettings
from .stream import STREAMS, follow, stream_path, streaming_url
from .transport import Client, MastodonTransport

__all__ = ["MastodonNetwork"]

T = TypeVar("T")

log = logging.getLogger("decentsocial.mastodon")

#: Mastodon's largest page for timelines and statuses (notifications allow 80, 40 is safe everywhere).
PAGE_SIZE = 40
#: Pages (of PAGE_SIZE) a stream reads after a reconnect to catch up; past them the rest of the gap is
#: skipped with a warning (a stream away that long is better restarted from a timeline read).
CATCH_UP_PAGES = 25
#: How many replied-to statuses' authors a connection remembers (then it starts again).
REPLY_HANDLES_KEPT = 256


class MastodonNetwork(PostLifecycle, DirectMessages, BaseNetwork[MastodonSettings]):
    """One account on one Mastodon-API server.

    Besides the protocol: :meth:`instance` and :meth:`limits` (what the
    server announces), ``transport`` (Mastodon.py's client and session, for
    calls the protocol lacks), ``sleep`` (the waits of stream reconnects
    and media polling; tests replace it) and ``catch_up_pages`` (how far a
    stream reads back after a reconnect).
    """

    name: ClassVar[str] = NETWORK
    resolves_publish_keys = True  # the server's Idempotency-Key finds the status a key made
    Settings: ClassVar[type[MastodonSettings]] = MastodonSettings
    page_size: ClassVar[int] = PAGE_SIZE
    capabilities = MICROBLOGGING | {
        Capability.MEDIA,
        Capability.POLL,
        Capability.SCHEDULE,
        Capability.STREAM,
        Capability.EDIT,
        Capability.PIN,
        Capability.MESSAGING,  # direct messages (issue 14)
    }

    @property
    def identity(self) -> str:
        """The server and ``account_id`` (sign-in saves it), else a fingerprint of the access token.

        The id keeps a job's keys when the token changes (signed in again); a
        token alone names its account only until it is replaced.
        """
        who = self.settings.account_id or secret_fingerprint(self.settings.access_token)
        return f"{self.settings.base_url}:{who}"

    def __init__(self, settings: MastodonSettings | None = None, *, retry: RetryPolicy | None = None) -> None:
        super().__init__(settings, retry=retry)
        #: The wire (Mastodon.py's client and its requests session), built on first use.
        self.transport = MastodonTransport(self.settings)
        self.release_on_collect(self.transport.close)
        self._limits: InstanceLimits | None = None
        self._instance: dict[str, Any] | None = None
        self._mine: Account | None = None
        #: Each replied-to status's author to mention (``None``: my own status), by status id.
        self._reply_handles: dict[str, str | None] = {}
        #: Sleeps between stream reconnects and media polls (tests may replace it).
        self.sleep: Callable[[float], None] = time.sleep
        #: Pages a stream's catch-up reads after a reconnect, at most.
        self.catch_up_pages = CATCH_UP_PAGES

    # ---------------------------------------------------------------- plumbing

    def _call(
        self, call: Callable[[Client], T], what: str, *, idempotent: bool = True, plain: bool = False
    ) -> T:
        """Run one Mastodon.py call: errors mapped, safe ones retried within the policy.

        ``plain``: the answer stays the server's parsed JSON (no Mastodon.py entities), for our converters.
        """
        return self.retry.call(lambda: self.transport.request(call, what, idempotent=idempotent, plain=plain))

    @property
    def _posts_here(self) -> PostsHere:
        """The Posts this server gave out, and its status for a Post read through another (no cycle)."""
        return PostsHere(self.settings.base_url, self._call)

    def close(self) -> None:
        """Close the HTTP session; a later call opens a new one."""
        self.transport.close()

    # ---------------------------------------------------------------- instance

    def instance(self) -> dict[str, Any]:
        """The instance document (v2, or v1 on older servers), read once per connection."""
        if self._instance is None:
            try:
                data = self._call(lambda api: api.instance_v2(), "read the instance")
            except (errors.NotFound, errors.ContentRejected, errors.ConfigurationError):
                # Servers before Mastodon 4.0 (or pinned below it) have only v1.
                data = self._call(lambda api: api.instance_v1(), "read the instance")
            self._instance = dict(as_dict(to_json_safe(data)))
        return self._instance

    def limits(self) -> InstanceLimits:
        """Limits the instance announces (characters, URL weight, media, polls), read once."""
        if self._limits is None:
            self._limits = InstanceLimits.from_instance(self.instance())
        return self._limits

    # ---------------------------------------------------------------- accounts

    def _me(self) -> Account:
        if self.settings.access_token is None:
            raise errors.AuthenticationError("me() needs an access_token", network=NETWORK)
        account = to_account(self._call(lambda api: api.account_verify_credentials(), "read my account"))
        wanted = self.settings.account_id
        if wanted is not None and account.id != wanted:
            raise errors.ConfigurationError(
                f"the access token belongs to account {account.id} (@{account.handle}), not to "
                f"account_id {wanted}: sign in again for this profile, or fix its account_id",
                network=NETWORK,
            )
        self._mine = account
        return account

    def _my_id(self) -> str:
        return path_id((self._mine or self._me()).id, "account id")

    def _account(self, handle: str) -> Account:
        acct = handle.lstrip("@")
        try:
            data = self._call(lambda api: api.account_lookup(acct), f"look up @{acct}")
        except errors.NotFound:
            if "@" not in acct:
                raise
            # A remote account the server has not seen yet: let it resolve over WebFinger.
            found = self._call(
                lambda api: api.account_search(acct, resolve=True, limit=5), f"look up @{acct}"
            )
            match = [a for a in as_list(found) if str(as_dict(a).get("acct", "")).lower() == acct.lower()]
            if not match:
                raise errors.NotFound(f"no account @{acct}", network=NETWORK) from None
            data = match[0]
        return to_asked_account(data, acct)

    def _here(self, account: Account) -> Account:
        """``account`` as this server knows it: ids and bare handles are server-local, so a bare
        handle whose ``url`` is on another host (read there) is looked up here as ``handle@host``."""
        handle = account.handle.lstrip("@")
        try:
            url = parse_url(account.url) if account.url and "@" not in handle else None
        except errors.InvalidInput:
            url = None  # no telling where it was read: taken as it is
        home = parse_url(self.settings.base_url)
        if url is None or (url.host, url.effective_port) == (home.host, home.effective_port):
            return account
        domain = url.host if url.port in (None, DEFAULT_PORTS.get(url.scheme)) else url.netloc
        if host_key(self._local_domain()) in (url.host, domain):
            return account
        return self.account(f"{handle}@{domain}")

    def _account_id(self, account: AccountRef) -> str:
        """The account's id on this server, checked and encoded for a URL path (a ``user@domain``
        account's id may be another server's: it is looked up here)."""
        if isinstance(account, Account) and account.network == NETWORK:
            local = "@" not in account.handle.lstrip("@")
            return path_id((self._here(account) if local else self.account(account.handle)).id, "account id")
        return path_id(self.account(self.account_ref(account)).id, "account id")

    def _follow(self, account: AccountRef) -> None:
        target = self._account_id(account)
        self._call(lambda api: api.account_follow(target), "follow")

    def _unfollow(self, account: AccountRef) -> None:
        target = self._account_id(account)
        self._call(lambda api: api.account_unfollow(target), "unfollow")

    # ---------------------------------------------------------------- drafts

    def check_draft(self, draft: Draft) -> None:
        """Everything Mastodon would refuse, checked before anything is uploaded or posted.

        The checks that need no server come first; the length, attachment and
        poll limits are the instance's own (read once).
        """
        if draft.community is not None:
            raise self.unsupported(Capability.COMMUNITY_POSTS, "Mastodon has no communities to post into")
        if draft.reply_to is not None:
            path_id(draft.reply_to, "post id")
        check_static(draft)
        super().check_draft(draft)
        check_limits(draft, self.limits())

    def check_length(self, draft: Draft) -> None:
        """The whole status as it will be sent (title, mentions, tags, link, content warning) fits.

        A reply to someone else's status counts the ``@author`` that :meth:`_publish` writes first.
        """
        check_length(draft, self._status_text(draft), self.limits())

    def text_limit(self, draft: Draft | None = None) -> TextLimit:
        """The instance's character limit, URLs counted as its reserved length (read once, cached).

        Given a draft, the room its content warning and the title, tags and
        mentions written into the status take is left out of the limit, and
        so is the ``@author`` a reply to someone else's status starts with.
        """
        limits = self.limits()
        measure = partial(mastodon_len, url_length=limits.url_length)
        room = limits.max_characters
        if draft is not None:
            composed = status_length(self._status_text(draft), draft.content_warning, limits.url_length)
            room -= max(0, composed - measure(draft.text.strip()))
        return TextLimit(room, measure)

    # ---------------------------------------------------------------- publishing

    def _status_text(self, draft: Draft) -> str:
        """The status text :meth:`_publish` sends for ``draft``, a reply's ``@author`` included."""
        handle = self._reply_handle(draft.reply_to) if draft.reply_to is not None else None
        return compose_text(draft, reply_to_handle=handle, local_domain=self._local_domain())

    def _local_domain(self) -> str:
        """The instance's own domain: ``@user@<it>`` is the local ``@user`` (v2 says it, else the host)."""
        domain = self.instance().get("domain")
        return domain if isinstance(domain, str) and domain else parse_url(self.settings.base_url).host

    def _reply_handle(self, parent_id: str) -> str | None:
        """The parent's author, to mention: Mastodon notifies them only then (every client does it).

        Read once per parent (the checks, the thread split and the publish all ask).
        """
        if parent_id in self._reply_handles:
            return self._reply_handles[parent_id]
        parent = self._get_post(parent_id)
        handle = None if parent.author.id == self._my_id() else parent.author.handle
        if len(self._reply_handles) >= REPLY_HANDLES_KEPT:
            self._reply_handles.clear()
        self._reply_handles[parent_id] = handle
        return handle

    def _publish(self, draft: Draft) -> Post:
        text = self._status_text(draft)
        check_length(draft, text, self.limits())  # with the mention a reply adds
        if draft.idempotency_key is not None:  # before any file is read: a temporary one may be gone
            earlier = self._keyed_status(draft.idempotency_key)
            if earlier is not None:
                return earlier
        # Read (and check) every file before uploading any.
        payloads = [self._media_bytes(m, n) for n, m in enumerate(draft.media, 1)]
        # One key per logical publish, reused by every retry: the server keeps one status per key.
        key = draft.idempotency_key or f"decentsocial-{uuid.uuid4().hex}"
        media_ids = [
            self._upload(m, data, mime) for m, (data, mime) in zip(draft.media, payloads, strict=True)
        ]
        params = status_params(draft, media_ids, key)
        try:
            # Plain JSON: our converter reads it directly (Mastodon.py's cast would double the CPU a
            # publish holds the GIL for, which is what serializes parallel publishes in a crosspost).
            result = self._call(
                lambda api: api.status_post(text, **params), "publish", idempotent=True, plain=True
            )
        except errors.NotFound as exc:
            # Mastodon's answer to a key whose status was deleted (or to a reply whose parent went).
            if draft.idempotency_key is None:
                raise
            raise _key_gone(draft.idempotency_key, exc, replying=draft.reply_to is not None) from exc
        # Not a JSON object (``null``, a number): to_post's typed malformed-answer error, not a TypeError.
        scheduled = isinstance(result, Mapping) and "params" in result and "scheduled_at" in result
        post = to_scheduled_post(result, author=self._mine or self._me()) if scheduled else to_post(result)
        if draft.idempotency_key is not None:
            self._record_key(draft.idempotency_key, post.id, scheduled=scheduled)
        return self._posts_here.one(post)

    def _keyed_status(self, key: str) -> Post | None:
        """The status (or scheduled status) an earlier publish with ``key`` made, read back (``None``:
        none recorded).

        Not posted again: Mastodon keeps a key for an hour only (a later repeat would post twice), some
        servers keep none for a scheduled status, and a key whose status was deleted gets an error (a
        404 from Mastodon), never a post.
        """
        found = self.state.get(self.state_scope, f"publish:{key}")
        record = found[1] if found is not None else {}
        status_id, scheduled_id = record.get("status_id"), record.get("scheduled_id")
        try:
            if isinstance(status_id, str):
                return self._get_post(status_id)
            if isinstance(scheduled_id, str):
                sid = path_id(scheduled_id, "scheduled status id")
                answer = self._call(
                    lambda api: api.scheduled_status(sid), "read a scheduled status", plain=True
                )
                return self._posts_here.one(to_scheduled_post(answer, author=self._mine or self._me()))
        except errors.NotFound as exc:
            raise _key_gone(key, exc, replying=False, scheduled=isinstance(scheduled_id, str)) from exc
        return None

    def _record_key(self, key: str, status_id: str, *, scheduled: bool) -> None:
        """Keep the status ``key`` made with the key's claim (its digest unchanged)."""
        scope, name = self.state_scope, f"publish:{key}"
        try:
            found = self.state.get(scope, name)
            if found is not None:  # claimed by ``publish``
                field = "scheduled_id" if scheduled else "status_id"
                self.state.put(scope, name, found[0], {**found[1], field: status_id})
        except errors.DecentSocialError as exc:  # the post is made: a repeat within the hour still finds it
            log.warning("%s; the status of key %r is not kept", exc.message, key)

    def _media_bytes(self, media: Media, number: int = 1) -> tuple[bytes, str]:
        """Attachment ``number``'s bytes and type, read within the instance's limit for that type.

        The type the bytes tell wins over the file name's guess, and is checked against the types
        the instance takes (``check_draft`` could not: it reads no file). A file is read within the
        larger limit: its name does not pick the limit (``clip.png`` may hold a video)."""
        limits = self._upload_limits()
        data = media.read_bytes(limits.max_upload_bytes, network=NETWORK)  # a file's size is checked first
        if not data:
            raise errors.ContentRejected("media is empty", network=NETWORK)
        check_supported(number, media, limits, data)
        mime = media_mime(media, data)
        cap, which = upload_limit(media, limits, data)  # by the type the upload declares
        if len(data) > cap:
            raise errors.ContentRejected(
                f"an attachment of {len(data):,} bytes, over this server's {which}limit of {cap:,}",
                network=NETWORK,
            )
        return data, mime

    def _upload_limits(self) -> InstanceLimits:
        """The instance's limits when its document was read already (no request for it here), else
        a cap of ``MAX_UPLOAD_BYTES`` for any attachment."""
        if self._instance is None:
            return InstanceLimits(max_upload_bytes=MAX_UPLOAD_BYTES, image_upload_bytes=MAX_UPLOAD_BYTES)
        return InstanceLimits.from_instance(self._instance)

    def _upload(self, media: Media, data: bytes, mime: str) -> str:
        """Upload one attachment and wait (polling, with a deadline) until the server has processed it."""
        name = media.path.name if media.path is not None else None
        uploaded = _attachment(
            self._call(
                lambda api: api.media_post(data, mime_type=mime, description=media.alt_text, file_name=name),
                "upload media",
            )
        )
        media_id = _server_id(uploaded.get("id"), "media attachment")
        deadline = time.monotonic() + self.settings.media_timeout
        interval = 0.2
        while uploaded.get("url") is None:
            if time.monotonic() >= deadline:
                raise errors.NetworkUnavailable(
                    f"media {media_id} was still processing after {self.settings.media_timeout:.0f}s",
                    network=NETWORK,
                )
            self.sleep(interval)
            interval = min(interval * 2, 2.0)
            uploaded = _attachment(self._call(lambda api: api.media(media_id), "check uploaded media"))
        return media_id

    # ---------------------------------------------------------------- posts

    def _get_post(self, id: str) -> Post:
        status_id = path_id(id, "post id")
        answer = self._call(lambda api: api.status(status_id), f"read status {status_id}")
        return self._posts_here.one(to_asked_post(answer, id))

    def post_id(self, post: PostRef) -> str:
        """This server's id of ``post``: ids are server-local, so a ``Post`` read through another
        server is found here first (``NotFound``: not here; see ``origin``). An id is taken as it is."""
        if isinstance(post, Post) and post.network == NETWORK:
            return self._posts_here.status_id(post)
        return super().post_id(post)

    def _own_post(self, post: PostRef, verb: str) -> Post:
        """As this server has it (a Post read through another is found here), checked to be mine."""
        return super()._own_post(self._posts_here.post(post) if isinstance(post, Post) else post, verb)

    def _delete(self, post: PostRef) -> None:
        if isinstance(post, Post) and post.raw and "scheduled_status" in post.raw:
            self._posts_here.check_scheduled(post)  # a scheduled id read elsewhere may be another here
            sid = path_id(post.id, "scheduled status id")
            self._call(lambda api: api.scheduled_status_delete(sid), "cancel a scheduled status")
            return
        if isinstance(post, Post) and post.reposted_by is not None:
            # A Post describing a boost: undo the boost, never delete the boosted status.
            target = self.post_id(post)
            known = self._posts_here.known(post)  # else the booster's id is another server's
            if (post.reposted_by.id if known else self._account_id(post.reposted_by)) != self._my_id():
                # Unreblogging what I never boosted is a silent no-op on Mastodon: say so instead.
                raise errors.PermissionDenied(
                    f"this Post is @{post.reposted_by.handle}'s boost, which only they can undo;"
                    " delete(post.id) deletes the boosted status itself",
                    network=NETWORK,
                )
            self._call(lambda api: api.status_unreblog(target), "undo a boost")
            return
        status_id = path_id(self.post_id(post), "post id")
        # A 404 on a repeat is success only after an attempt that may have deleted it (its answer lost).
        repeated_delete(
            self.retry,
            lambda: self.transport.request(lambda api: api.status_delete(status_id), "delete"),
            may_have_acted,
        )

    def _like(self, post: PostRef) -> None:
        status_id = path_id(self.post_id(post), "post id")
        self._call(lambda api: api.status_favourite(status_id), "like")

    def _unlike(self, post: PostRef) -> None:
        status_id = path_id(self.post_id(post), "post id")
        self._call(lambda api: api.status_unfavourite(status_id), "unlike")

    def _repost(self, post: PostRef) -> Post | None:
        """Boost; the returned Post describes the boosted status with ``reposted_by`` = me."""
        status_id = path_id(self.post_id(post), "post id")
        return self._posts_here.one(to_post(self._call(lambda api: api.status_reblog(status_id), "boost")))

    def _thread(self, post: PostRef) -> list[Post]:
        """The post, then its replies in the server's reply order (each after the one it answers)."""
        root = self._get_post(self.post_id(post))  # a boost's id gives the boosted status: its thread is read
        root_id = path_id(root.id, "post id")
        context = self._call(lambda api: api.status_context(root_id), "read the thread")
        replies = convert_each(as_dict(context).get("descendants"), to_post, "read the thread")
        return [root, *_reply_order(root.id, self._posts_here.given(replies))]

    # ---------------------------------------------------------------- lists

    def _link_page(
        self,
        first: Callable[[Client, int], Any],
        what: str,
        convert: Callable[[Any], T],
        cursor: Any,
        size: int,
    ) -> Page[T, Any]:
        """One page of a ``Link``-header list: ``first(api, size)``, then Mastodon's ``max_id`` cursors."""
        if cursor is None:
            page = self._call(lambda api: first(api, size), what, plain=True)
        else:
            info = type(cursor)(cursor)
            info["limit"] = size
            page = self._call(lambda api: api.fetch_next(info), what, plain=True)
        if page is None:
            return Page([], None)
        items = self._posts_here.given(convert_each(page, convert, what))  # a Post used here again: no lookup
        return Page(items, getattr(page, "_pagination_next", None))

    def _posts(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        # The account is resolved now, so an unknown one fails at the call, not at the first read.
        account_id = self._my_id() if account is None else self._account_id(account)
        return self._paged(
            lambda cursor, size: self._link_page(
                lambda api, n: api.account_statuses(account_id, limit=n), "read posts", to_post, cursor, size
            ),
            limit,
            key=status_key,
        )

    def _timeline(self, limit: int | None) -> Iterator[Post]:
        return self._paged(self._timeline_page, limit, key=status_key)  # a status listed twice: once

    def _timeline_page(self, cursor: Any, size: int) -> Page[Post, Any]:
        return self._link_page(
            lambda api, n: api.timeline_home(limit=n), "read the home timeline", to_post, cursor, size
        )

    def _search(self, query: str, limit: int | None) -> Iterator[Post]:
        """``"#tag"`` reads the hashtag timeline; other text uses the server's full-text search."""
        if query.startswith("#") and " " not in query:
            tag = path_tag(query.lstrip("#"))  # percent-encoded: messages name the tag as given
            return self._paged(
                lambda cursor, size: self._link_page(
                    lambda api, n: api.timeline_hashtag(tag, limit=n), f"read {query}", to_post, cursor, size
                ),
                limit,
                key=status_key,
            )

        def fetch(offset: int | None, size: int) -> Page[Post, int]:
            start = offset or 0
            found = self._call(
                lambda api: api.search_v2(
                    query, resolve=False, result_type="statuses", limit=size, offset=start
                ),
                "search",
            )
            items = as_dict(found).get("statuses")
            statuses = self._posts_here.given(convert_each(items, to_post, "search"))
            got = len(items) if isinstance(items, list) else 0  # skipped ones count: the offset moves on
            return Page(statuses, start + got if got >= size else None)

        return self._paged(fetch, limit, key=status_key)

    def _notifications(self, limit: int | None) -> Iterator[Notification]:
        me_id = self._my_id()  # now: a missing token fails at the call

        def convert(item: Any) -> Notification:
            return to_notification(item, me_id=me_id)

        return self._paged(
            lambda cursor, size: self._link_page(
                lambda api, n: api.notifications(limit=n), "read notifications", convert, cursor, size
            ),
            limit,
            key=lambda n: n.id,  # one the server lists twice: once
        )

    # ---------------------------------------------------------------- streaming

    def _stream(self, kind: str, tag: str | None) -> Iterator[Post]:
        """New posts from the ``user`` (home), ``public`` or ``hashtag`` stream, as they arrive.

        ``kind="public"`` with ``tag`` is the hashtag stream (as on the other networks).

        Reconnects with exponential backoff after a drop and first reads
        what was posted meanwhile from the matching timeline, page by page
        (at most ``catch_up_pages``, 25 pages of 40; past them a warning is logged),
        so nothing is missed; gives up with ``NetworkUnavailable`` after
        ``stream_attempts`` connections in a row that never worked.
        """
        if kind not in STREAMS:
            raise self.invalid(f"unknown stream {kind!r}; one of: {', '.join(STREAMS)}")
        if kind == "public" and tag is not None:
            kind = "hashtag"  # the public posts with that tag: Mastodon's hashtag stream
        if kind == "hashtag" and tag is None:
            raise self.invalid("the hashtag stream needs tag=")
        if kind == "user" and self.settings.access_token is None:
            raise errors.AuthenticationError("the user stream needs an access_token", network=NETWORK)
        if kind == "hashtag" and tag is not None:
            path_tag(tag.lstrip("#"))
        params = {"tag": tag} if kind == "hashtag" and tag is not None else {}

        def connect() -> Any:
            url = streaming_url(self.instance(), self.settings.base_url, allow_http=self.settings.allow_http)
            return self.transport.open_stream(url + stream_path(kind), params)

        def pause(seconds: float, stopped: threading.Event) -> None:
            """A reconnect's wait: the default one ends at ``stop()``; a test's own ``sleep`` is as is."""
            if self.sleep is time.sleep:
                wait(seconds, stopped)
            else:
                self.sleep(seconds)

        def read(api: Client, since: str) -> Any:
            if kind == "user":
                return api.timeline_home(min_id=since, limit=PAGE_SIZE)
            if kind == "hashtag":
                return api.timeline_hashtag(tag, min_id=since, limit=PAGE_SIZE)
            return api.timeline_public(min_id=since, limit=PAGE_SIZE)

        def catch_up(since: str) -> Iterator[Post]:
            """What the matching timeline got after ``since``, oldest first, page by page.

            ``min_id`` gives the page right after ``since`` (newest first): the next page starts
            after its newest status, until a short page.
            """
            pages = self.catch_up_pages
            for _ in range(pages):
                page = self._call(partial(read, since=since), "catch up", plain=True) or []
                if not isinstance(page, list):  # a number, an object: the typed error a reconnect handles
                    raise malformed(NETWORK, "catch-up page (not a JSON array)")
                yield from self._posts_here.given(convert_each(list(reversed(page)), to_post, "catch up"))
                newest = (as_str(as_dict(page[0]).get("id")) or "") if page else ""
                if len(page) < PAGE_SIZE or not newest or newest == since:
                    return
                since = newest
            log.warning(
                "the %s stream's catch-up stopped after %d posts: newer ones made while it reconnected"
                " were missed (catch_up_pages=%d)",
                kind,
                pages * PAGE_SIZE,
                pages,
            )

        return self._posts_here.stream(
            follow(
                connect,
                catch_up,
                kind=kind,
                attempts=self.settings.stream_attempts,
                sleep=pause,
                limits=self.settings.limits,
                max_wait=self.retry.max_wait,
            )
        )


def _attachment(answer: Any) -> Mapping[str, Any]:
    """A media attachment the server sent; anything else is its malformed answer (not waited on)."""
    if not isinstance(answer, Mapping):
        raise malformed(NETWORK, "media attachment (not a JSON object)")
    return answer


def _server_id(value: Any, what: str) -> str:
    """An id the server sent, for a URL path: one that is not an id is the server's malformed answer."""
    try:
        return path_id(value, what)
    except errors.InvalidInput:
        raise malformed(NETWORK, f"{what} (no usable id)") from None


def _key_gone(key: str, exc: errors.NotFound, *, replying: bool, scheduled: bool = False) -> errors.NotFound:
    """The error for a keyed publish whose earlier status is gone: a new key is the way on."""
    if scheduled:
        gone = "is no longer scheduled (it was published or cancelled)"
    else:
        gone = "was deleted" + (" (or the post it replies to was)" if replying else "")
    return errors.NotFound(
        f"the status published with idempotency key {key!r} {gone}; nothing was posted:"
        " publish it with a new key",
        network=NETWORK,
        server_message=exc.server_message,
    )


def _reply_order(root_id: str, replies: list[Post]) -> list[Post]:
    """Depth-first, each reply right after its parent; a reply whose parent the server left out
    (hidden, deleted) follows with its own replies, in server order. Every reply once, at any depth."""
    ids = {p.id for p in replies}
    children: dict[str, list[Post]] = {}
    tops: list[Post] = []
    for p in replies:
        parent = p.reply_to
        if parent is not None and parent != p.id and (parent == root_id or parent in ids):
            children.setdefault(parent, []).append(p)
        else:
            tops.append(p)
    ordered: list[Post] = []
    placed = {root_id}

    def walk(first: list[Post]) -> None:
        stack = list(reversed(first))  # not recursion: a reply chain may be thousands deep
        while stack:
            post = stack.pop()
            if post.id not in placed:
                placed.add(post.id)
                ordered.append(post)
                stack.extend(reversed(children.get(post.id, ())))

    walk(children.get(root_id, []))
    walk(tops)
    walk(replies)  # replies only to each other, in a loop: a malformed answer keeps them all
    return ordered
