"""Threads (Meta) over its Graph API: the ``BaseNetwork`` hooks and the Threads-only extras.

``ds.connect("threads", access_token=…, user_id=…)``. Publishing is the
documented two-step container flow (``publish.py``); requests go through the
shared HTTP transport (``transport.py``) under the connection's ``retry``
policy; JSON becomes models in ``convert.py``.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from operator import attrgetter
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import SecretStr, ValidationError

from ... import errors
from ...base import BaseNetwork
from ...coerce import as_dict, as_list, as_str, secret_text
from ...httpclient import checked_text
from ...idempotency import draft_digest
from ...limits import Limits
from ...models import Account, Draft, Engagement, Media, Notification, Post, describe_validation_error
from ...network import PUBLISHING, READING, SEARCHING, AccountRef, Capability, PostRef, TextLimit
from ...paging import Page
from ...retry import RetryPolicy
from ...urls import check_endpoint
from . import convert
from .convert import media_id, segment
from .failures import NAME
from .publish import ContainerPublisher
from .results import AccountInsights, PublishingQuota, ThreadsToken
from .settings import ThreadsSettings
from .transport import GraphApi

__all__ = ["ThreadsNetwork"]

log = logging.getLogger("decentsocial.threads")

CAROUSEL_MIN, CAROUSEL_MAX = 2, 20
#: Documented: more unique links than this fail at container creation (THREADS_API__LINK_LIMIT_EXCEEDED).
LINK_LIMIT = 5
#: The documented ``reply_control`` values (who may reply).
REPLY_CONTROLS = frozenset(
    {"everyone", "accounts_you_follow", "mentioned_only", "parent_post_author_only", "followers_only"}
)
#: How many of your newest posts a repost looks through for your earlier repost of the same post.
REPOST_LOOKBACK = 25
#: Documented: the user insights ``since`` and ``until`` do not work before April 13, 2024.
INSIGHTS_START = datetime(2024, 4, 13, 7, tzinfo=timezone.utc)  # Unix 1712991600
T = TypeVar("T")
_POST_ID = attrgetter("id")  # a listing's key: each post once
_NO_NOTIFICATION_SCOPE = "the token has neither threads_manage_mentions nor threads_read_replies"


class ThreadsNetwork(BaseNetwork[ThreadsSettings]):
    """Threads through the Graph API: publish with containers, read, insights, quotas and tokens."""

    name: ClassVar[str] = NAME
    resolves_publish_keys = True  # its publish log resumes the two-step container publish
    Settings: ClassVar[type[ThreadsSettings]] = ThreadsSettings
    #: Reading; searching; writing; media (by public URL) and exactly-once publishing.
    capabilities = (
        READING | PUBLISHING | SEARCHING | {Capability.THREAD, Capability.NOTIFICATIONS, Capability.MEDIA}
    )
    page_size: ClassVar[int] = 100  # the Graph API's maximum ``limit``
    lacks: ClassVar[dict[Capability, str]] = {
        Capability.EDIT: "the Threads API has no call that edits a published post;"
        " edit(post, draft, replace=True) deletes it and publishes the draft instead",
        Capability.PIN: "the Threads API has no call that pins a post to a profile",
        Capability.MESSAGING: "the Threads API has no direct messages",  # issue 14
    }

    @property
    def identity(self) -> str:
        """The Threads user id; for ``user_id="me"``, which names no account, a digest of the token.

        Idempotency records are kept by identity: two accounts both set up as ``me`` must not share
        them (the second would be given the first one's post and publish nothing).
        """
        if self.settings.user_id != "me":
            return self.settings.user_id
        token = self.settings.access_token.get_secret_value().encode()
        return f"me-{hashlib.sha256(token).hexdigest()[:32]}"

    def __init__(
        self,
        settings: ThreadsSettings | None = None,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``sleep`` is what container polling waits with (tests pass a recorder)."""
        super().__init__(settings, retry=retry)
        s = self.settings
        self._api = GraphApi(
            s.base_url,
            token=s.access_token,
            api_version=s.api_version,
            timeout=s.timeout,
            retry=self.retry,
            limits=s.limits,
        )
        self._token_expires_at = s.token_expires_at
        self._publisher = ContainerPublisher(self._api, s, sleep=sleep, scope=self.state_scope)
        self._own: Account | None = None
        self.release_on_collect(self._api.close)

    def close(self) -> None:
        """Close the HTTP connection (it reopens if the connection is used again)."""
        self._api.close()

    # ------------------------------------------------------------ tokens

    @property
    def token_expires_at(self) -> datetime | None:
        """When the access token in use expires (UTC), if known."""
        return self._token_expires_at

    def token_expires_in(self) -> timedelta | None:
        """Time left on the access token, if its expiry is known (negative once expired)."""
        if self._token_expires_at is None:
            return None
        return self._token_expires_at - datetime.now(timezone.utc)

    def needs_refresh(self, margin: timedelta = timedelta(days=7)) -> bool:
        """True when the token's known expiry is within ``margin``: time to call ``refresh_token()``."""
        left = self.token_expires_in()
        return left is not None and left <= margin

    @classmethod
    def exchange_token(
        cls,
        short_lived_token: str | SecretStr,
        client_secret: str | SecretStr,
        *,
        base_url: str = "https://graph.threads.net",
        timeout: float = 30.0,
        allow_http: bool = False,
        limits: Limits | Mapping[str, Any] | None = None,
    ) -> ThreadsToken:
        """Exchange a short-lived (1 hour) token from the OAuth flow for a long-lived (60 days) one.

        ``base_url`` gets the app secret: https, or plain http for a server on this machine
        (elsewhere only with ``allow_http=True``). Arguments of the wrong kind (a token that is
        not text, ``timeout=-1``, unknown ``limits``) are ``InvalidInput`` before any request.
        """
        params = {
            "grant_type": "th_exchange_token",
            "client_secret": _secret(client_secret, "client_secret"),
            "access_token": _secret(short_lived_token, "short_lived_token"),
        }
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
            raise errors.InvalidInput(
                f"timeout must be a positive number of seconds, not {timeout!r}", network=NAME
            )
        try:
            checked_limits = None if limits is None else Limits.model_validate(limits)
        except ValidationError as exc:
            raise errors.InvalidInput(f"limits: {describe_validation_error(exc)}", network=NAME) from None
        url = check_endpoint(base_url, network=NAME, setting="base_url", allow_http=allow_http)
        api = GraphApi(url, token=None, timeout=float(timeout), limits=checked_limits)
        try:
            return convert.token(api.token_endpoint("/access_token", params))
        finally:
            api.close()

    def refresh_token(self) -> ThreadsToken:
        """Refresh the long-lived token in use (it must be 24 hours old and unexpired); this
        connection switches to the new token. Store ``result.access_token`` for next time."""
        current = self._api.token or self.settings.access_token
        params = {"grant_type": "th_refresh_token", "access_token": current.get_secret_value()}
        fresh = convert.token(self._api.token_endpoint("/refresh_access_token", params))
        self._api.token = fresh.access_token
        self._token_expires_at = fresh.expires_at
        return fresh

    # ------------------------------------------------------------ profile

    def _me(self) -> Account:
        return convert.account(self._api.get("me", fields=convert.ME_FIELDS))

    def _account(self, handle: str) -> Account:
        name = convert.named(checked_text(handle, network=NAME, what="a handle"))
        if name in (self.settings.user_id, "me"):
            return self._me()
        return convert.account(self._api.get("profile_lookup", username=name), name)

    def _own_username(self) -> str:
        if self._own is None:
            self._own = self._me()
        return self._own.handle

    def post_id(self, post: PostRef) -> str:
        """The id of a ``Post`` or an id string; a repost read as the post it shares is that post, as a
        boost is on other networks: a reply, repost, thread or insights of it are of the original
        (``delete`` alone takes the repost itself, :meth:`_id_itself`). An id string is that object."""
        if isinstance(post, Post):
            original = convert.reposted_id(post)
            if original is not None:
                return original
        return super().post_id(post)

    def _id_itself(self, post: PostRef) -> str:
        """The checked id of ``post`` itself, a repost's own included (what ``delete`` removes)."""
        return media_id(post.id if isinstance(post, Post) else self.post_id(post))

    def _own_post(self, post: PostRef, verb: str) -> Post:
        """Your post, checked as the base does; your repost of your own post is the post it shows,
        read again, so ``edit(replace=True)`` replaces that post (not the repost alone)."""
        found = super()._own_post(post, verb)
        original = convert.reposted_id(found)
        return found if original is None else self._get_post(original)

    def _is_own(self, body: Mapping[str, Any]) -> bool:
        """Whether a media object is the account's own (``user_id="me"``: compared with ``GET /me``'s id)."""
        owner = convert.ref_id(body.get("owner"))
        if owner is None or self.settings.user_id != "me":
            return owner is not None and owner == self.settings.user_id
        self._own_username()
        assert self._own is not None
        return owner == as_str((self._own.raw or {}).get("id"))

    # ------------------------------------------------------------ drafts

    def text_limit(self, draft: Draft | None = None) -> TextLimit:
        """500 characters, an emoji counting as its UTF-8 bytes (Meta's documented rule);
        ``check_draft`` enforces it and ``crosspost`` splits by it."""
        return TextLimit(convert.TEXT_LIMIT, convert.threads_len)

    def check_draft(self, draft: Draft) -> None:
        """Everything Threads would refuse, refused here before any request."""
        super().check_draft(draft)
        if draft.community is not None:
            raise self.unsupported(Capability.COMMUNITY_POSTS, "Threads has no communities to post into")
        if draft.visibility not in (None, "public"):
            raise errors.ContentRejected(
                f"Threads posts are public; it cannot publish with visibility {draft.visibility!r}",
                network=NAME,
            )
        if draft.content_warning or draft.sensitive:
            raise errors.ContentRejected(
                "Threads has no content warning or sensitive-media flag in its API; publish without one",
                network=NAME,
            )
        if (draft.title or "").strip() or draft.mentions:  # no such field: never dropped unseen
            raise errors.ContentRejected(
                "Threads posts have no title or mention list; write them into the text (@username)",
                network=NAME,
            )
        if draft.reply_to and draft.quote_of:
            raise self.invalid("a Threads post can reply or quote, not both")
        if draft.reply_to is not None:
            media_id(draft.reply_to, "post id to reply to")
        if draft.quote_of is not None:
            media_id(draft.quote_of, "post id to quote")
        if draft.options.get("carousel") or len(draft.media) > CAROUSEL_MAX:
            self.check_carousel(draft.media)
        self._check_media(draft)
        reply_control = draft.options.get("reply_control")
        if reply_control is not None and (
            not isinstance(reply_control, str) or reply_control not in REPLY_CONTROLS
        ):
            raise self.invalid(
                f"options['reply_control'] must be one of {', '.join(sorted(REPLY_CONTROLS))}, "
                f"not {reply_control!r}"
            )
        option = draft.options.get("topic_tag")
        if option is not None and not isinstance(option, str):  # str() would send "['launch']"
            raise self.invalid(f"options['topic_tag'] must be text, not {type(option).__name__}")
        topic = convert.topic_tag(draft)
        if topic is not None and not convert.valid_topic(topic):
            raise errors.ContentRejected(
                f"Threads topic tags are 1-50 characters without '.' or '&': {topic!r}", network=NAME
            )
        draft_digest(draft, network=NAME)  # what the idempotency record keeps must be JSON

    def _check_media(self, draft: Draft) -> None:
        """Media by public URL only, images and videos; links within the documented limits."""
        for item in draft.media:
            if item.url is None or not convert.is_public_url(item.url):
                where = str(item.path) if item.path is not None else "in-memory bytes"
                raise errors.ContentRejected(
                    f"Threads fetches media from public http(s) URLs; it cannot upload {where}. "
                    "Host the file and pass Media(url=...)",
                    network=NAME,
                )
            if item.kind not in ("image", "video"):
                raise errors.ContentRejected(
                    f"Threads takes images and videos, not {item.kind}", network=NAME
                )
        if draft.link is not None and draft.media:
            raise errors.ContentRejected(
                "Threads attaches a link only to text posts (no media)", network=NAME
            )
        if draft.link is not None and not convert.is_public_url(draft.link.url):
            raise errors.ContentRejected(
                f"link attachment must be an http(s) URL: {draft.link.url!r}", network=NAME
            )
        links = convert.link_count(draft.text, draft.link.url if draft.link else None)
        if links > LINK_LIMIT:
            raise errors.ContentRejected(
                f"a Threads post takes at most {LINK_LIMIT} links (text and link attachment), "
                f"this one has {links}",
                network=NAME,
            )

    def check_carousel(self, items: tuple[Media, ...]) -> None:
        """Raise ``ContentRejected`` for a carousel of a size Threads refuses (2-20 items).

        The one carousel size rule: ``check_draft`` (so ``publish``) and
        ``post_carousel`` both come here, so they refuse alike.
        """
        if not CAROUSEL_MIN <= len(items) <= CAROUSEL_MAX:
            raise errors.ContentRejected(
                f"a Threads carousel takes {CAROUSEL_MIN} to {CAROUSEL_MAX} items, got {len(items)}",
                network=NAME,
            )

    # ------------------------------------------------------------ publishing

    def post_carousel(self, items: list[Media] | tuple[Media, ...], text: str = "", **draft: Any) -> Post:
        """Publish a carousel (2-20 images/videos given by public URL)."""
        if not isinstance(items, (list, tuple)) or not all(isinstance(m, Media) for m in items):
            raise self.invalid(f"a carousel is a list of Media, not {type(items).__name__}")
        given = draft.pop("options", None) or {}
        if not isinstance(given, Mapping):
            raise self.invalid(f"options must be a dict, not {type(given).__name__}")
        options = {**given, "carousel": True}
        return self.publish(Draft(text=text, media=tuple(items), options=options, **draft))

    def _publish(self, draft: Draft) -> Post:
        """The post as published, from the draft and the id Threads gave: no read-back request.

        Only a reply asks for its new post's ``root_post`` (the thread it joined is not in the
        draft); the author's username is read once per connection. Both reads are best-effort:
        the post exists by then, so their failure must not come out as an error that says
        nothing was made (a caller would publish again). The post is returned without them.
        """
        post_id = self._publisher.publish(draft)
        root = None
        if draft.reply_to is not None:
            try:
                body = self._api.get(segment(media_id(post_id)), fields="root_post")
                root = convert.ref_id(body.get("root_post"))
            except errors.DecentSocialError as exc:
                log.warning("published %s; its root post is unknown: reading it failed (%s)", post_id, exc)
        try:
            username: str | None = self._own_username()
        except errors.DecentSocialError as exc:
            log.warning("published %s; its author is the user id: reading /me failed (%s)", post_id, exc)
            username = None
        return convert.published(
            draft, post_id, username or self.settings.user_id, root, named=bool(username)
        )

    def quota(self) -> PublishingQuota:
        """The rolling 24-hour publishing quota (250 posts, 1,000 replies; the reply
        figures are ``None`` when the token lacks threads_manage_replies)."""
        return self._publisher.quota()

    # ------------------------------------------------------------ reading

    def _get_post(self, id: str) -> Post:
        body = convert.asked(self._api.get(segment(media_id(id)), fields=convert.MEDIA_FIELDS), id)
        if body.get("media_type") == "REPOST_FACADE":
            return self._resolved(body)  # as listings and repost() give it
        return self._with_metrics(convert.post(body), body)

    def _with_metrics(self, post: Post, body: Mapping[str, Any]) -> Post:
        """``post`` with its insights when it is yours (and ``fetch_insights`` is on)."""
        if self.settings.fetch_insights and self._is_own(body):
            metrics = self._insights_or_none(post.id)
            if metrics is not None:
                post = post.model_copy(update={"metrics": metrics})
        return post

    def _resolved(self, m: Mapping[str, Any]) -> Post:
        """A post; a repost (media type ``REPOST_FACADE``, which carries no content of its own)
        as the original post shared by the reposter, with the repost's ``id`` (so ``delete``
        undoes the repost). When the original is gone, the bare repost."""
        post = convert.post(m)
        original_id = convert.ref_id(m.get("reposted_post"))  # digits, or None
        if m.get("media_type") != "REPOST_FACADE" or original_id is None:
            return post
        try:
            body = convert.asked(
                self._api.get(segment(original_id), fields=convert.MEDIA_FIELDS), original_id
            )
            original = self._with_metrics(convert.post(body), body)  # not resolved again: no loops
        except errors.NotFound:
            return post.model_copy(update={"reposted_by": post.author})
        return original.model_copy(update={"id": post.id, "reposted_by": post.author, "raw": dict(m)})

    def post_insights(self, post: PostRef) -> Engagement:
        """Views, likes, replies, reposts, quotes and shares of one of your posts.

        A repost ``Post`` gives the figures of the post it shows, as its ``metrics`` do: Threads
        answers a repost's own insights with no figures (it is another user's post). An id string
        is that exact object."""
        path = f"{segment(media_id(self.post_id(post)))}/insights"
        body = self._api.get(path, metric=",".join(convert.INSIGHT_METRICS))
        return convert.engagement(body)

    def _insights_or_none(self, post_id: str) -> Engagement | None:
        if self.settings.scopes is not None and "threads_manage_insights" not in self.settings.scopes:
            return None
        try:
            return self.post_insights(post_id)
        except (errors.PermissionDenied, errors.NotFound):
            return None

    def account_insights(
        self, since: datetime | date | None = None, until: datetime | date | None = None
    ) -> AccountInsights:
        """Account-level insights (views by day, likes, replies, reposts, quotes, clicks, followers)."""
        start, end = convert.as_utc(since), convert.as_utc(until)
        if start and end and start >= end:
            raise errors.InvalidInput("since must be before until", network=NAME)
        if any(t is not None and t < INSIGHTS_START for t in (start, end)):
            # Threads would not answer for that window, and the result would be labelled with it.
            raise errors.InvalidInput(
                f"Threads account insights start at {INSIGHTS_START:%Y-%m-%d %H:%M} UTC; "
                "since and until cannot be earlier",
                network=NAME,
            )
        params: dict[str, Any] = {"metric": convert.ACCOUNT_METRICS}
        if start:
            params["since"] = int(start.timestamp())
        if end:
            params["until"] = int(end.timestamp())
        body = self._api.get(f"{self.settings.user_id}/threads_insights", **params)
        return convert.account_insights(body, start, end)

    def _posts(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        """Your threads (``None``), or another profile's public posts through the Profile
        Discovery API (needs the threads_profile_discovery scope)."""
        if account is not None:
            ref = convert.named(checked_text(self.account_ref(account), network=NAME, what="a handle"))
            if ref not in (self.settings.user_id, "me") and ref != self._own_username():
                if (
                    self.settings.scopes is not None
                    and "threads_profile_discovery" not in self.settings.scopes
                ):
                    raise self.unsupported(
                        Capability.POSTS, "other profiles' posts need the threads_profile_discovery scope"
                    )
                posts = self._listing("profile_posts", {"username": ref}, limit)
                return self._unsupported_on_permission(posts, Capability.POSTS, "threads_profile_discovery")
        return self._listing(f"{self.settings.user_id}/threads", {}, limit)

    def _listing(
        self, path: str, extra: Mapping[str, Any], limit: int | None, *, page_size: int | None = None
    ) -> Iterator[Post]:
        """Lazy pages of a media edge, by ``after`` cursor, each post once (within ``limits.max_pages``,
        and a cursor must move on)."""

        def fetch(cursor: str | None, size: int) -> Page[Post, str]:
            params: dict[str, Any] = {**extra, "fields": convert.MEDIA_FIELDS, "limit": size}
            if cursor:
                params["after"] = cursor
            body = self._api.get(path, **params)
            items = [
                self._resolved(m) if m.get("media_type") == "REPOST_FACADE" else convert.post(m)
                for m in map(as_dict, as_list(body.get("data")))
            ]
            paging = as_dict(body.get("paging"))
            after = as_str(as_dict(paging.get("cursors")).get("after"))
            return Page(items, after if paging.get("next") and after else None)

        return self._paged(fetch, limit, key=_POST_ID, page_size=page_size)

    def _thread(self, post: PostRef) -> list[Post]:
        """The root and its whole conversation, oldest first; each reply once, kept by id (the
        listing remembers recent ids only, and this list holds them all), within ``max_pages``."""
        root = self._get_post(self._id_itself(post))
        about = media_id(self.post_id(root))  # a repost's: the conversation of the post it shares
        replies: dict[str, Post] = {}
        try:
            for reply in self._listing(f"{segment(about)}/conversation", {"reverse": "false"}, None):
                replies.setdefault(reply.id, reply)
        except errors.NotFound:
            if about == root.id:
                raise
            return [root]  # a repost whose original is gone: nothing under it
        return [root, *sorted(replies.values(), key=lambda p: (p.created_at, p.id))]

    def replies(self, post: PostRef, *, limit: int | None = 20) -> Iterator[Post]:
        """Top-level replies to a post, oldest first (``thread`` gives the whole conversation)."""
        path = f"{segment(media_id(self.post_id(post)))}/replies"
        return self._listing(path, {"reverse": "false"}, limit)

    def _search(self, query: str, limit: int | None) -> Iterator[Post]:
        if self.settings.scopes is not None and "threads_keyword_search" not in self.settings.scopes:
            raise self.unsupported(Capability.SEARCH, "the token lacks the threads_keyword_search scope")
        checked_text(query, network=NAME, what="a search query")
        extra: dict[str, Any] = {"q": query, "search_type": "RECENT"}
        if query.startswith("#"):
            extra = {"q": query[1:], "search_type": "RECENT", "search_mode": "TAG"}
        results = self._listing("keyword_search", extra, limit)
        return self._unsupported_on_permission(results, Capability.SEARCH, "threads_keyword_search")

    def _notifications(self, limit: int | None) -> Iterator[Notification]:
        """Mentions of the account and replies to its recent threads, newest first, paged lazily.

        The Threads API has no notification feed: this merges ``GET /{user}/mentions``
        (threads_manage_mentions) with the top-level replies to your
        ``notification_posts`` newest threads (threads_read_replies). Each of
        those is a newest-first stream read one page at a time, and the streams
        are merged newest first; so the call reads your newest threads and the
        first page of each stream (to answer ``UnsupportedFeature`` at once),
        and later pages only as you iterate. A reply that also mentions you
        comes once, as a reply.
        """
        scopes = {"threads_manage_mentions", "threads_read_replies"}
        if self.settings.scopes is not None and not scopes & self.settings.scopes:
            raise self.unsupported(Capability.NOTIFICATIONS, _NO_NOTIFICATION_SCOPE)
        streams: list[Iterator[Notification]] = []
        replies_readable: bool | None = None  # None: no post of yours to try it on
        try:
            for stream in self._reply_streams(limit):
                replies_readable = True
                streams.append(stream)
        except errors.PermissionDenied:
            replies_readable = False
            streams = []
        try:
            mentions = self._listing(f"{self.settings.user_id}/mentions", {}, limit)
            streams.append(_started(_notification("mention", p) for p in mentions))
        except errors.PermissionDenied as exc:
            if not replies_readable:
                raise self.unsupported(Capability.NOTIFICATIONS, _NO_NOTIFICATION_SCOPE) from exc
        # Stable merge: on equal times, replies (earlier streams) come before mentions.
        merged = heapq.merge(*streams, key=lambda n: -n.created_at.timestamp())
        return itertools.islice(_first_per_post(merged), limit)

    def _reply_streams(self, limit: int | None) -> Iterator[Iterator[Notification]]:
        """One started (first page read) newest-first stream of others' replies per recent thread."""
        wanted = self.settings.notification_posts
        if wanted == 0:
            return
        me = self._own_username()
        newest = self._listing(
            f"{self.settings.user_id}/threads", {}, None, page_size=min(wanted, self.page_size)
        )
        own = (p for p in newest if p.reposted_by is None)  # a repost is not your thread
        # Your own replies (a thread chain) are taken out after reading: a stream cut at ``limit``
        # replies would end on them and hide others' older replies. The merge reads it only as far
        # as the notifications asked for, a page of at most ``limit`` at a time.
        size = None if limit is None else min(limit, self.page_size)
        for post in itertools.islice(own, wanted):
            replies = self._listing(f"{segment(post.id)}/replies", {"reverse": "true"}, None, page_size=size)
            yield _started(_notification("reply", r) for r in replies if r.author.handle != me)

    def _unsupported_on_permission(
        self, items: Iterator[Post], capability: Capability, scope: str
    ) -> Iterator[Post]:
        """Turn a missing-scope answer on the first page into ``UnsupportedFeature`` (eagerly)."""
        try:
            return _started(items)
        except errors.PermissionDenied as exc:
            raise self.unsupported(capability, f"the token lacks the {scope} scope") from exc

    # ------------------------------------------------------------ actions

    def _delete(self, post: PostRef) -> None:
        """A retried delete answered "not found" means the earlier attempt deleted it: success.
        A repost is deleted itself (the repost undone), never the post it shares."""
        self._api.remove(segment(self._id_itself(post)))

    def _repost(self, post: PostRef) -> Post | None:
        """Repost; returns the original post as shared by you (its ``id`` is the repost's).

        Your repost of it among your newest threads is returned instead of
        reposting again, so a repost whose answer was lost is not made twice
        when the call is repeated.
        """
        original = media_id(self.post_id(post))
        earlier = self._own_repost_of(original)
        if earlier is not None:
            return earlier
        body = self._api.graph("POST", f"{segment(original)}/repost", safe_to_repeat=False)
        if not body.get("id"):
            return None
        repost_id = convert.id_of(body, "the repost")
        # An answer about another post would come back as the repost, and delete() of it take that post.
        answer = convert.asked(self._api.get(segment(repost_id), fields=convert.MEDIA_FIELDS), repost_id)
        return self._resolved(answer)

    def _own_repost_of(self, original: str) -> Post | None:
        """Your repost of ``original`` among your newest :data:`REPOST_LOOKBACK` threads, if any."""
        body = self._api.get(
            f"{self.settings.user_id}/threads", fields=convert.MEDIA_FIELDS, limit=REPOST_LOOKBACK
        )
        for m in map(as_dict, as_list(body.get("data"))):
            if m.get("media_type") == "REPOST_FACADE" and convert.ref_id(m.get("reposted_post")) == original:
                return self._resolved(m)
        return None

    def hide_reply(self, reply: PostRef) -> None:
        """Hide a top-level reply to one of your posts (its nested replies are hidden too)."""
        self._manage_reply(reply, hide=True)

    def unhide_reply(self, reply: PostRef) -> None:
        """Show a reply hidden with ``hide_reply`` again."""
        self._manage_reply(reply, hide=False)

    def _manage_reply(self, reply: PostRef, *, hide: bool) -> None:
        target = media_id(self.post_id(reply))
        body = self._api.graph(
            "POST",
            f"{segment(target)}/manage_reply",
            data={"hide": "true" if hide else "false"},
            safe_to_repeat=True,
        )
        convert.confirmed(body, "hide" if hide else "unhide", target)


def _secret(value: str | SecretStr, name: str) -> str:
    """A token or secret a caller passed, as text for the request (``InvalidInput`` before any request;
    the message never holds the value)."""
    return checked_text(secret_text(value, name, network=NAME), network=NAME, what=name)


def _notification(kind: Literal["reply", "mention"], post: Post) -> Notification:
    return Notification(
        network=NAME,
        id=f"{kind}:{post.id}",
        kind=kind,
        created_at=post.created_at,
        account=post.author,
        post=post,
    )


def _started(items: Iterator[T]) -> Iterator[T]:
    """Read the first item now (so a missing scope raises here), then go on lazily."""
    first = next(items, None)
    if first is None:
        return iter(())
    return itertools.chain((first,), items)


def _first_per_post(items: Iterator[Notification]) -> Iterator[Notification]:
    """Each post once (a reply that mentions you is in both streams); remembers the ids yielded."""
    seen: set[str] = set()
    for n in items:
        key = n.post.id if n.post is not None else n.id
        if key not in seen:
            seen.add(key)
            yield n
