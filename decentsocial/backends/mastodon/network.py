"""The Mastodon backend: Mastodon and servers speaking its client API, through Mastodon.py.

Every request goes through :meth:`MastodonNetwork._call`, which maps
Mastodon.py's exceptions to the error tree and retries under one bounded
:class:`~decentsocial.retry.RetryPolicy` (Mastodon.py's own rate-limit
waiting is off: ``ratelimit_method="throw"``). Publishing sends an
``Idempotency-Key`` (the draft's, or one generated per publish and reused
by every retry), so a retry after a timeout never posts twice.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterator, Mapping
from functools import partial
from typing import Any, ClassVar, TypeVar, cast
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon
from mastodon import errors as mp

from ...base import BaseNetwork
from ...errors import (
    AuthenticationError,
    ConfigurationError,
    ContentRejected,
    DecentSocialError,
    InvalidInput,
    NetworkUnavailable,
    NotFound,
    PermissionDenied,
    UnsupportedFeature,
)
from ...models import Account, Draft, Media, Notification, Post, as_draft
from ...network import AccountRef, Capability, PostRef, TextLimit
from ...paging import Page, check_limit, paginate
from ...retry import RetryPolicy
from .compose import (
    InstanceLimits,
    check_limits,
    check_static,
    compose_text,
    mastodon_len,
    mastodon_visibility,
    media_mime,
    status_length,
)
from .convert import NETWORK, VISIBILITY_FROM_MASTODON, to_account, to_json_safe, to_notification, to_post
from .failures import map_error, wait_from_headers
from .settings import MastodonSettings
from .stream import read_events

__all__ = ["MastodonNetwork"]

T = TypeVar("T")

#: Mastodon's largest page for timelines and statuses (notifications allow 80, 40 is safe everywhere).
PAGE_SIZE = 40
STREAMS = ("user", "public", "hashtag")


class MastodonNetwork(BaseNetwork):
    """One account on one Mastodon-API server."""

    name: ClassVar[str] = NETWORK
    Settings: ClassVar[type[MastodonSettings]] = MastodonSettings
    page_size: ClassVar[int] = PAGE_SIZE
    capabilities = frozenset(
        {
            Capability.PROFILE,
            Capability.PUBLISH,
            Capability.REPLY,
            Capability.READ,
            Capability.DELETE,
            Capability.LIKE,
            Capability.REPOST,
            Capability.QUOTE,
            Capability.FOLLOW,
            Capability.POSTS,
            Capability.TIMELINE,
            Capability.SEARCH,
            Capability.TAG_SEARCH,
            Capability.THREAD,
            Capability.NOTIFICATIONS,
            Capability.MEDIA,
            Capability.POLL,
            Capability.SCHEDULE,
            Capability.STREAM,
            Capability.IDEMPOTENT_PUBLISH,
        }
    )

    settings: MastodonSettings

    def __init__(self, settings: MastodonSettings | None = None) -> None:
        super().__init__(settings)
        self._client: Mastodon | None = None
        self._session: requests.Session | None = None
        self._seen = threading.local()
        self._limits: InstanceLimits | None = None
        self._instance: dict[str, Any] | None = None
        self._me: Account | None = None
        self.retry = RetryPolicy(
            attempts=self.settings.attempts,
            total_seconds=self.settings.retry_total,
            max_wait=self.settings.max_retry_wait,
        )
        #: Sleeps between stream reconnects and media polls (tests may replace it).
        self.sleep: Callable[[float], None] = time.sleep

    # ---------------------------------------------------------------- plumbing

    @property
    def client(self) -> Mastodon:
        """The Mastodon.py client, built on first use (``connect`` does no I/O)."""
        if self._client is None:
            session = requests.Session()
            session.hooks["response"].append(self._remember)
            pinned = self.settings.mastodon_version
            token = self.settings.access_token
            self._session = session
            self._client = Mastodon(
                api_base_url=self.settings.base_url,
                access_token=token.get_secret_value() if token is not None else None,
                # requests takes (connect, read); Mastodon.py passes it through (its hint says float).
                request_timeout=cast(float, (self.settings.connect_timeout, self.settings.timeout)),
                ratelimit_method="throw",
                # A pinned version is trusted (no probe); "created" makes Mastodon.py use it.
                mastodon_version=pinned,
                version_check_mode="created" if pinned else "none",
                session=session,
                user_agent=self.settings.user_agent,
            )
        return self._client

    @property
    def session(self) -> requests.Session:
        """The HTTP session Mastodon.py uses (the stream reads through it too)."""
        session: requests.Session = self.client.session
        return session

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Keep the last response's headers and error text: Mastodon.py's exceptions drop them."""
        self._seen.headers = dict(response.headers)
        self._seen.error = _error_text(response) if response.status_code >= 400 else None

    def _once(self, fn: Callable[[], T], what: str, idempotent: bool) -> T:
        self._seen.headers = None
        self._seen.error = None
        try:
            return fn()
        except DecentSocialError:
            raise
        except mp.MastodonError as exc:
            headers: Mapping[str, str] | None = self._seen.headers
            error = map_error(exc, what=what, idempotent=idempotent, headers=headers)
            if error.server_message is None and self._seen.error:
                error.server_message = self._seen.error
            raise error from exc
        except requests.RequestException as exc:
            raise NetworkUnavailable(
                f"{what}: cannot reach the server", network=NETWORK, retryable=idempotent
            ) from exc

    def _call(self, fn: Callable[[], T], what: str, *, idempotent: bool = True) -> T:
        """Run one Mastodon.py call: errors mapped, safe ones retried within the policy."""
        return self.retry.call(lambda: self._once(fn, what, idempotent))

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
        self._client = None
        self._session = None

    # ---------------------------------------------------------------- instance

    def instance(self) -> dict[str, Any]:
        """The instance document (v2, or v1 on older servers), cached per connection."""
        if self._instance is None:
            client = self.client
            try:
                data = self._call(client.instance_v2, "read the instance")
            except (NotFound, ContentRejected, ConfigurationError):
                # Servers before Mastodon 4.0 (or pinned below it) have only v1.
                data = self._call(client.instance_v1, "read the instance")
            self._instance = to_json_safe(data)
        return self._instance

    def limits(self) -> InstanceLimits:
        """Limits the instance announces (characters, URL weight, media, polls)."""
        if self._limits is None:
            self._limits = InstanceLimits.from_instance(self.instance())
        return self._limits

    # ---------------------------------------------------------------- accounts

    def me(self) -> Account:
        if self.settings.access_token is None:
            raise AuthenticationError("me() needs an access_token", network=NETWORK)
        account = to_account(self._call(self.client.account_verify_credentials, "read my account"))
        self._me = account
        return account

    def _my_id(self) -> str:
        if self._me is None:
            self.me()
        assert self._me is not None
        return self._me.id

    def account(self, handle: str) -> Account:
        acct = self.account_ref(handle).lstrip("@")
        try:
            data = self._call(lambda: self.client.account_lookup(acct), f"look up @{acct}")
        except NotFound:
            if "@" not in acct:
                raise
            # A remote account the server has not seen yet: let it resolve over WebFinger.
            found = self._call(
                lambda: self.client.account_search(acct, resolve=True, limit=5), f"look up @{acct}"
            )
            match = [a for a in found if str(a.get("acct", "")).lower() == acct.lower()]
            if not match:
                raise NotFound(f"no account @{acct}", network=NETWORK) from None
            data = match[0]
        return to_account(data)

    def _account_id(self, account: AccountRef) -> str:
        if isinstance(account, Account) and account.network == NETWORK:
            return account.id
        return self.account(self.account_ref(account)).id

    def follow(self, account: AccountRef) -> None:
        target = self._account_id(account)
        self._call(lambda: self.client.account_follow(target), "follow")

    def unfollow(self, account: AccountRef) -> None:
        target = self._account_id(account)
        self._call(lambda: self.client.account_unfollow(target), "unfollow")

    # ---------------------------------------------------------------- publishing

    def check_draft(self, draft: Draft) -> None:
        """Everything Mastodon would refuse, checked before anything is uploaded or posted."""
        self._checked_text(draft, reply_to_handle=None)

    def text_limit(self, draft: Draft | None = None) -> TextLimit:
        """The instance's character limit, URLs counted as its reserved length (read once, cached).

        Given a draft, the room its content warning and the title, tags and
        mentions written into the status take is left out of the limit.
        """
        limits = self.limits()
        measure = partial(mastodon_len, url_length=limits.url_length)
        room = limits.max_characters
        if draft is not None:
            composed = status_length(compose_text(draft), draft.content_warning, limits.url_length)
            room -= max(0, composed - measure(draft.text.strip()))
        return TextLimit(room, measure)

    def _check_offline(self, draft: Draft) -> None:
        """The checks that need no server (the length needs the instance's limits: ``check_limits``)."""
        if draft.community is not None:
            raise self.unsupported(Capability.COMMUNITY_POSTS, "Mastodon has no communities to post into")
        self.check_features(draft)
        check_static(draft)

    def _checked_text(self, draft: Draft, *, reply_to_handle: str | None) -> str:
        """The status text for ``draft``, after every check (only the limits need the server)."""
        self._check_offline(draft)
        text = compose_text(draft, reply_to_handle=reply_to_handle)
        check_limits(draft, text, self.limits())
        return text

    def publish(self, draft: Draft | str) -> Post:
        return self._publish(as_draft(draft), reply_to_handle=None)

    def reply(self, to: PostRef, draft: Draft | str) -> Post:
        parent_id = self.post_id(to)
        d = as_draft(draft).model_copy(update={"reply_to": parent_id})
        self._check_offline(d)
        # Mastodon notifies the parent's author only when mentioned: every client adds the mention.
        parent = to if isinstance(to, Post) and to.network == NETWORK else self.get_post(parent_id)
        mine = parent.author.id == self._my_id()
        return self._publish(d, reply_to_handle=None if mine else parent.author.handle)

    def _publish(self, draft: Draft, *, reply_to_handle: str | None) -> Post:
        text = self._checked_text(draft, reply_to_handle=reply_to_handle)
        payloads = [self._media_bytes(m) for m in draft.media]  # read every file before uploading any
        # One key per logical publish, reused by every retry: the server keeps one status per key.
        key = draft.idempotency_key or f"decentsocial-{uuid.uuid4().hex}"
        media_ids = [
            self._upload(m, data, mime) for m, (data, mime) in zip(draft.media, payloads, strict=True)
        ]
        client = self.client
        poll = None
        if draft.poll is not None:
            p = draft.poll
            poll = client.make_poll(
                list(p.options), p.expires_in, multiple=p.multiple, hide_totals=p.hide_totals
            )
        kwargs: dict[str, Any] = {
            "in_reply_to_id": draft.reply_to,
            "media_ids": media_ids or None,
            "sensitive": draft.sensitive or None,
            "visibility": mastodon_visibility(draft.visibility),
            "spoiler_text": draft.content_warning or None,
            "language": draft.language,
            "idempotency_key": key,
            "poll": poll,
            "scheduled_at": draft.scheduled_at,
        }
        if draft.quote_of is not None:
            kwargs["quoted_status_id"] = draft.quote_of
        result = self._call(lambda: client.status_post(text, **kwargs), "publish", idempotent=True)
        if "params" in result and "scheduled_at" in result:
            return self._scheduled_post(result)
        return to_post(result)

    def _scheduled_post(self, scheduled: Mapping[str, Any]) -> Post:
        """A scheduled status is not a status yet: the Post names it, dated when it will appear."""
        params = scheduled.get("params") or {}
        raw = to_json_safe(scheduled)
        me = self._me or self.me()
        return Post(
            network=NETWORK,
            id=str(scheduled["id"]),
            author=me,
            text=str(params.get("text") or ""),
            created_at=scheduled["scheduled_at"],
            reply_to=None if params.get("in_reply_to_id") is None else str(params["in_reply_to_id"]),
            language=params.get("language"),
            content_warning=params.get("spoiler_text") or None,
            visibility=VISIBILITY_FROM_MASTODON.get(str(params.get("visibility"))),
            raw={"scheduled_status": raw},
        )

    def _media_bytes(self, media: Media) -> tuple[bytes, str]:
        data = media.read_bytes()
        if not data:
            raise ContentRejected("media is empty", network=NETWORK)
        return data, media_mime(media, data)

    def _upload(self, media: Media, data: bytes, mime: str) -> str:
        """Upload one attachment and wait (polling, with a deadline) until the server has processed it."""
        client = self.client
        name = media.path.name if media.path is not None else None
        uploaded = self._call(
            lambda: client.media_post(data, mime_type=mime, description=media.alt_text, file_name=name),
            "upload media",
        )
        media_id = str(uploaded["id"])
        deadline = time.monotonic() + self.settings.media_timeout
        interval = 0.2
        while uploaded.get("url") is None:
            if time.monotonic() >= deadline:
                raise NetworkUnavailable(
                    f"media {media_id} was still processing after {self.settings.media_timeout:.0f}s",
                    network=NETWORK,
                )
            self.sleep(interval)
            interval = min(interval * 2, 2.0)
            uploaded = self._call(lambda: client.media(media_id), "check uploaded media")
        return media_id

    # ---------------------------------------------------------------- posts

    def get_post(self, id: str) -> Post:
        status_id = self.post_id(id)
        return to_post(self._call(lambda: self.client.status(status_id), f"read status {status_id}"))

    def delete(self, post: PostRef) -> None:
        if isinstance(post, Post) and post.raw and "scheduled_status" in post.raw:
            sid = post.id
            self._call(lambda: self.client.scheduled_status_delete(sid), "cancel a scheduled status")
            return
        if isinstance(post, Post) and post.reposted_by is not None:
            # A Post describing a boost: undo the boost, never delete the boosted status.
            if post.reposted_by.id != self._my_id():
                # Unreblogging what I never boosted is a silent no-op on Mastodon: say so instead.
                raise PermissionDenied(
                    f"this Post is @{post.reposted_by.handle}'s boost, which only they can undo;"
                    " delete(post.id) deletes the boosted status itself",
                    network=NETWORK,
                )
            target = post.id
            self._call(lambda: self.client.status_unreblog(target), "undo a boost")
            return
        status_id = self.post_id(post)
        tries = 0

        def delete_once() -> None:
            nonlocal tries
            tries += 1
            try:
                self.client.status_delete(status_id)
            except mp.MastodonNotFoundError:
                if tries == 1:
                    raise
                # An earlier try reached the server before its answer was lost: the status is gone.

        self._call(delete_once, "delete")

    def like(self, post: PostRef) -> None:
        status_id = self.post_id(post)
        self._call(lambda: self.client.status_favourite(status_id), "like")

    def unlike(self, post: PostRef) -> None:
        status_id = self.post_id(post)
        self._call(lambda: self.client.status_unfavourite(status_id), "unlike")

    def repost(self, post: PostRef) -> Post | None:
        """Boost; the returned Post describes the boosted status with ``reposted_by`` = me."""
        status_id = self.post_id(post)
        return to_post(self._call(lambda: self.client.status_reblog(status_id), "boost"))

    def thread(self, post: PostRef) -> list[Post]:
        """The post, then its replies in the server's reply order (each after the one it answers)."""
        status_id = self.post_id(post)
        root = self.get_post(status_id)  # a boost's id gives the boosted status: its thread is read
        context = self._call(lambda: self.client.status_context(root.id), "read the thread")
        replies = [to_post(s) for s in context.get("descendants") or ()]
        return [root, *_reply_order(root.id, replies)]

    # ---------------------------------------------------------------- lists

    def _paged(
        self, first: Callable[[int], Any], what: str, convert: Callable[[Any], T], limit: int | None
    ) -> Iterator[T]:
        """Page through a Link-header list (Mastodon's ``max_id`` cursors) with ``paginate``."""
        client = self.client

        def fetch(cursor: Any, size: int) -> Page[T, Any]:
            if cursor is None:
                page = self._call(lambda: first(size), what)
            else:
                info = type(cursor)(cursor)
                info["limit"] = size
                page = self._call(lambda: client.fetch_next(info), what)
            if page is None:
                return Page([], None)
            return Page([convert(item) for item in page], getattr(page, "_pagination_next", None))

        return paginate(fetch, limit=limit, page_size=PAGE_SIZE)

    def posts(self, account: AccountRef | None = None, *, limit: int | None = 20) -> Iterator[Post]:
        check_limit(limit)
        account_id = self._my_id() if account is None else self._account_id(account)
        return self._paged(
            lambda size: self.client.account_statuses(account_id, limit=size), "read posts", to_post, limit
        )

    def timeline(self, *, limit: int | None = 20) -> Iterator[Post]:
        return self._paged(
            lambda size: self.client.timeline_home(limit=size), "read the home timeline", to_post, limit
        )

    def search(self, query: str, *, limit: int | None = 20) -> Iterator[Post]:
        """``"#tag"`` reads the hashtag timeline; other text uses the server's full-text search."""
        if not isinstance(query, str) or not query.strip():
            raise InvalidInput("search needs a non-empty query", network=NETWORK)
        check_limit(limit)
        q = query.strip()
        if q.startswith("#") and " " not in q:
            tag = q.lstrip("#")
            if not tag:
                raise InvalidInput("'#' alone is not a hashtag", network=NETWORK)
            return self._paged(
                lambda size: self.client.timeline_hashtag(tag, limit=size), f"read #{tag}", to_post, limit
            )

        def fetch(offset: int | None, size: int) -> Page[Post, int]:
            start = offset or 0
            found = self._call(
                lambda: self.client.search_v2(
                    q, resolve=False, result_type="statuses", limit=size, offset=start
                ),
                "search",
            )
            statuses = [to_post(s) for s in found.get("statuses") or ()]
            return Page(statuses, start + len(statuses) if len(statuses) >= size else None)

        return paginate(fetch, limit=limit, page_size=PAGE_SIZE, key=lambda p: p.id)

    def notifications(self, *, limit: int | None = 20) -> Iterator[Notification]:
        check_limit(limit)
        me_id = self._my_id()
        return self._paged(
            lambda size: self.client.notifications(limit=size),
            "read notifications",
            lambda n: to_notification(n, me_id=me_id),
            limit,
        )

    # ---------------------------------------------------------------- streaming

    def stream(self, *, kind: str = "public", tag: str | None = None) -> Generator[Post, None, None]:
        """New posts from the ``user`` (home), ``public`` or ``hashtag`` stream, as they arrive.

        Reconnects with exponential backoff after a drop and first reads
        what was posted meanwhile from the matching timeline, so nothing is
        missed; gives up with ``NetworkUnavailable`` after
        ``stream_attempts`` failed connections in a row.
        """
        if kind not in STREAMS:
            raise InvalidInput(f"unknown stream {kind!r}; one of: {', '.join(STREAMS)}", network=NETWORK)
        if kind == "hashtag" and not (tag or "").strip().lstrip("#"):
            raise InvalidInput("the hashtag stream needs tag=", network=NETWORK)
        if kind == "user" and self.settings.access_token is None:
            raise AuthenticationError("the user stream needs an access_token", network=NETWORK)
        clean_tag = (tag or "").strip().lstrip("#") or None
        return self._stream(kind, clean_tag)

    def _streaming_url(self) -> str:
        """The instance's streaming URL, if it is on the configured server's host or a subdomain.

        The stream request carries the access token, so a streaming host
        elsewhere (a misconfigured or hostile instance document) is not
        trusted: the configured ``base_url`` is used instead.
        """
        urls = (self.instance().get("configuration") or {}).get("urls") or self.instance().get("urls") or {}
        announced = urls.get("streaming") or urls.get("streaming_api")
        base = str(self.settings.base_url)
        if announced:
            own = (urlsplit(base).hostname or "").lower()
            host = (urlsplit(str(announced)).hostname or "").lower()
            if host == own or host.endswith("." + own):
                base = str(announced)
            else:
                self.log.warning(
                    "ignoring the instance's streaming host %s: not %s or a subdomain of it", host, own
                )
        base = base.rstrip("/")
        if base.startswith("wss://"):
            base = "https://" + base[6:]
        elif base.startswith("ws://"):
            base = "http://" + base[5:]
        if base.startswith("http://") and not self.settings.allow_http:
            base = "https://" + base[7:]
        return base

    def _backfill(self, kind: str, tag: str | None, since: str) -> list[Post]:
        """Up to one page of what the matching timeline got after ``since`` (``min_id``)."""
        client = self.client
        if kind == "user":
            page = self._call(lambda: client.timeline_home(min_id=since, limit=PAGE_SIZE), "catch up")
        elif kind == "hashtag":
            page = self._call(lambda: client.timeline_hashtag(tag, min_id=since, limit=PAGE_SIZE), "catch up")
        else:
            page = self._call(lambda: client.timeline_public(min_id=since, limit=PAGE_SIZE), "catch up")
        # The server answers newest first; the stream's order is oldest first.
        return [to_post(s) for s in reversed(page)]

    def _stream(self, kind: str, tag: str | None) -> Generator[Post, None, None]:
        path = {"user": "/api/v1/streaming/user", "public": "/api/v1/streaming/public"}.get(
            kind, "/api/v1/streaming/hashtag"
        )
        params = {"tag": tag} if kind == "hashtag" else {}
        headers = {"User-Agent": self.settings.user_agent, "Accept": "text/event-stream"}
        if self.settings.access_token is not None:
            headers["Authorization"] = "Bearer " + self.settings.access_token.get_secret_value()
        failures = 0
        last_id: str | None = None
        seen: set[str] = set()
        while True:
            wait: float | None = None
            try:
                response: requests.Response | None = self.session.get(
                    self._streaming_url() + path,
                    params=params,
                    headers=headers,
                    stream=True,
                    timeout=(self.settings.connect_timeout, self.settings.stream_timeout),
                )
            except (requests.RequestException, NetworkUnavailable):
                response = None  # the server (or, on the first try, its instance document) is unreachable
            if response is not None:
                with contextlib.closing(response):
                    status = response.status_code
                    if status in (401, 403):
                        raise AuthenticationError(f"the {kind} stream refused the token", network=NETWORK)
                    if status == 404:
                        raise UnsupportedFeature(
                            NETWORK, Capability.STREAM, "this server has streaming switched off"
                        )
                    if status == 429:
                        wait = wait_from_headers(response.headers)
                    if status == 200:
                        try:
                            if last_id is not None:
                                # Posts made while we were away: the stream does not replay them.
                                for post in self._backfill(kind, tag, last_id):
                                    wrapper_id = str((post.raw or {}).get("id", post.id))
                                    if wrapper_id not in seen:
                                        seen.add(wrapper_id)
                                        last_id = wrapper_id
                                        yield post
                            for event in read_events(response):
                                failures = 0  # the connection works: a later drop starts the backoff afresh
                                if event.name != "update" or not isinstance(event.payload, dict):
                                    continue
                                wrapper_id = str(event.payload.get("id"))
                                if wrapper_id in seen:
                                    continue
                                if len(seen) > 10_000:
                                    seen.clear()
                                seen.add(wrapper_id)
                                last_id = wrapper_id
                                yield to_post(event.payload)
                        except (requests.RequestException, NetworkUnavailable):
                            pass  # dropped, silent too long, or the catch-up read failed: reconnect
            failures += 1
            if failures >= self.settings.stream_attempts:
                raise NetworkUnavailable(
                    f"the {kind} stream failed {failures} times in a row", network=NETWORK
                )
            self.sleep(wait if wait is not None else _backoff(failures))


def _error_text(response: requests.Response) -> str | None:
    """Mastodon's ``{"error": …, "error_description": …}`` body as one short line."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return None
    text: str = body["error"]
    if isinstance(body.get("error_description"), str):
        text = f"{text}: {body['error_description']}"
    return text[:500]


def _backoff(failures: int) -> float:
    base: float = min(30.0, 0.5 * 2.0 ** (failures - 1))
    return base + random.uniform(0.0, base * 0.1)


def _reply_order(root_id: str, replies: list[Post]) -> list[Post]:
    """Depth-first, each reply right after its parent's subtree starts; unknown parents keep server order."""
    children: dict[str, list[Post]] = {}
    ids = {p.id for p in replies}
    orphans: list[Post] = []
    for p in replies:
        parent = p.reply_to
        if parent == root_id or parent in ids:
            children.setdefault(str(parent), []).append(p)
        else:
            orphans.append(p)
    ordered: list[Post] = []

    def visit(parent: str) -> None:
        for child in children.get(parent, ()):
            ordered.append(child)
            visit(child.id)

    visit(root_id)
    return ordered + orphans
