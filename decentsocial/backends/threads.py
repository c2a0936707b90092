"""Threads (Meta) over its Graph API, with httpx.

``ds.connect("threads", access_token=…, user_id=…)``. Publishing is the
documented two-step flow: make a media container, poll its status with a
bounded backoff until FINISHED, then ``threads_publish`` it. A container is
made once per logical publish (or per ``Draft.idempotency_key``) and is never
published twice: after an ambiguous failure the container's status says
whether the post exists, and only a FINISHED container is published again.

Tokens travel in the ``Authorization`` header, never in logged URLs (the
token endpoints that take them as query parameters are redacted from httpx's
request log).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar, Literal

import httpx
import regex
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from .. import text as textlib
from ..base import BaseNetwork
from ..errors import (
    AuthenticationError,
    ContentRejected,
    DecentSocialError,
    InvalidInput,
    NetworkUnavailable,
    NotFound,
    PermissionDenied,
    RateLimited,
    UnsupportedFeature,
)
from ..httpclient import HttpClient
from ..idempotency import PublishLog, draft_digest
from ..models import Account, Draft, Engagement, Media, Notification, Post, as_draft, parse_iso_datetime
from ..network import AccountRef, Capability, PostRef, TextLimit
from ..paging import Page, check_limit, paginate
from ..retry import RetryPolicy, retry_after_from_headers
from ..settings import NetworkSettings

__all__ = [
    "AccountInsights",
    "DailyValue",
    "PublishingQuota",
    "ThreadsNetwork",
    "ThreadsSettings",
    "ThreadsToken",
]

NAME = "threads"
TEXT_LIMIT = 500
CAROUSEL_MIN, CAROUSEL_MAX = 2, 20
#: Documented: more unique links than this fail at container creation (THREADS_API__LINK_LIMIT_EXCEEDED).
LINK_LIMIT = 5
#: Graph error codes that mean "slow down".
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
#: Documented transient publish subcodes: media not ready, carousel child not ready.
NOT_READY_SUBCODES = frozenset({4279009, 4279004})
MEDIA_FIELDS = (
    "id,media_type,media_url,permalink,owner,username,text,timestamp,shortcode,thumbnail_url,"
    "children{id,media_type,media_url,alt_text},is_quote_post,quoted_post,reposted_post,alt_text,"
    "link_attachment_url,topic_tag,is_reply,replied_to,root_post,hide_status"
)
#: The documented ``reply_control`` values (who may reply).
REPLY_CONTROLS = frozenset(
    {"everyone", "accounts_you_follow", "mentioned_only", "parent_post_author_only", "followers_only"}
)
INSIGHT_METRICS = ("views", "likes", "replies", "reposts", "quotes", "shares")
REFRESH_HINT = (
    "refresh a long-lived token with ThreadsNetwork.refresh_token() (possible once it is 24 hours old "
    "and before its 60 days run out), or exchange a new short-lived token from the OAuth flow with "
    "ThreadsNetwork.exchange_token()"
)


# ---------------------------------------------------------------- settings and typed results


class ThreadsSettings(NetworkSettings):
    """Settings for ``connect("threads", …)``; only ``access_token`` and ``user_id`` are required."""

    access_token: SecretStr
    user_id: str = Field(min_length=1)
    base_url: str = "https://graph.threads.net"
    api_version: str = "v1.0"
    #: When the access token expires (UTC), if known; refresh helpers keep it current.
    token_expires_at: datetime | None = None
    #: The scopes the token was granted, if known; used to answer UnsupportedFeature without I/O.
    scopes: frozenset[str] | None = None
    timeout: float = Field(default=30.0, gt=0)
    #: Container status polling: first wait, longest wait, and the overall bound (Meta
    #: recommends checking about once a minute for at most five minutes).
    poll_interval: float = Field(default=2.0, gt=0)
    poll_max_interval: float = Field(default=60.0, gt=0)
    publish_timeout: float = Field(default=300.0, gt=0)
    #: Check the 24-hour publishing quota before each publish (one extra GET).
    check_quota: bool = True
    #: A JSON file remembering idempotency keys across processes (``None``: this connection only).
    state_path: Path | None = None
    #: How many of your newest threads ``notifications()`` checks for replies.
    notification_posts: int = Field(default=10, ge=0)
    #: Fill ``Post.metrics`` from media insights in ``get_post`` (needs threads_manage_insights).
    fetch_insights: bool = True


class ThreadsToken(BaseModel):
    """An access token and when it expires; the token itself stays a ``SecretStr``."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int | None = None
    expires_at: datetime | None = None


class PublishingQuota(BaseModel):
    """Posts and replies published in the rolling window, against their limits."""

    model_config = ConfigDict(frozen=True)

    posts_used: int
    posts_total: int
    replies_used: int | None = None
    replies_total: int | None = None
    window_seconds: int = 86400

    @property
    def posts_left(self) -> int:
        return max(0, self.posts_total - self.posts_used)

    @property
    def replies_left(self) -> int | None:
        if self.replies_used is None or self.replies_total is None:
            return None
        return max(0, self.replies_total - self.replies_used)


class DailyValue(BaseModel):
    """One day's value of a time-series metric (the day ends at ``end_time``)."""

    model_config = ConfigDict(frozen=True)

    end_time: datetime
    value: int


class AccountInsights(BaseModel):
    """Account-level insights for a period; ``None`` where the API gave no value."""

    model_config = ConfigDict(frozen=True)

    since: datetime | None = None
    until: datetime | None = None
    views: int | None = None
    views_by_day: tuple[DailyValue, ...] = ()
    likes: int | None = None
    replies: int | None = None
    reposts: int | None = None
    quotes: int | None = None
    clicks: int | None = None
    followers: int | None = None
    raw: dict[str, Any] | None = None


# ---------------------------------------------------------------- logging hygiene

_SECRET_QUERY = re.compile(r"((?:access_token|client_secret)=)[^&\s\"']+")


class _RedactSecrets(logging.Filter):
    """Redacts token and client secret values from httpx's request log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                _SECRET_QUERY.sub(r"\1[redacted]", str(a)) if "=" in str(a) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        record.msg = _SECRET_QUERY.sub(r"\1[redacted]", str(record.msg))
        return True


def _install_redaction() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactSecrets) for f in logger.filters):
        logger.addFilter(_RedactSecrets())


# ---------------------------------------------------------------- errors


@dataclass(frozen=True)
class _GraphFailure:
    status: int
    code: int | None
    subcode: int | None
    message: str
    headers: Mapping[str, str]


def _graph_failure(response: httpx.Response) -> _GraphFailure:
    code = subcode = None
    message = f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        code = err.get("code") if isinstance(err.get("code"), int) else None
        subcode = err.get("error_subcode") if isinstance(err.get("error_subcode"), int) else None
        message = str(err.get("message") or message)
    return _GraphFailure(response.status_code, code, subcode, message, response.headers)


def _to_error(f: _GraphFailure, *, safe_to_repeat: bool) -> DecentSocialError:
    """Map one Graph API failure to the error tree."""
    if f.status == 429 or f.code in RATE_LIMIT_CODES:
        return RateLimited(
            "Threads rate limit reached",
            retry_after=retry_after_from_headers(f.headers),
            network=NAME,
            server_message=f.message,
            # A 429 was refused outright; a quota answer (code 4 on publish) will not clear soon.
            retryable=f.status == 429,
        )
    if f.code == 190:
        return AuthenticationError(
            f"the Threads access token is invalid or expired; {REFRESH_HINT}",
            network=NAME,
            server_message=f.message,
        )
    if f.code == 100 and f.subcode == 33:
        return NotFound("no such Threads object (or it was deleted)", network=NAME, server_message=f.message)
    if f.code == 10 or (f.code is not None and 200 <= f.code <= 299) or f.status == 403:
        return PermissionDenied(
            "the Threads token lacks the permission (scope) for this", network=NAME, server_message=f.message
        )
    if f.status == 404:
        return NotFound("not found on Threads", network=NAME, server_message=f.message)
    if f.status >= 500 or f.code == 2:  # 2: service temporarily unavailable
        return NetworkUnavailable(
            f"Threads server error (HTTP {f.status})",
            network=NAME,
            server_message=f.message,
            retryable=safe_to_repeat,
        )
    if f.status == 401:
        return AuthenticationError(
            f"Threads refused the credentials; {REFRESH_HINT}", network=NAME, server_message=f.message
        )
    return ContentRejected("Threads refused the request", network=NAME, server_message=f.message)


class _GraphError(Exception):
    """Internal: a failure still carrying its Graph codes, so callers can look at subcodes."""

    def __init__(self, failure: _GraphFailure, error: DecentSocialError) -> None:
        super().__init__(str(error))
        self.failure = failure
        self.error = error


# ---------------------------------------------------------------- helpers


def _parse_time(value: str | None) -> datetime:
    """A Graph API timestamp (``2026-11-26T13:15:00+0000``); an unreadable one is the server's fault."""
    if not value:
        return datetime.now(timezone.utc)
    try:
        return parse_iso_datetime(str(value))
    except ValueError as exc:
        raise NetworkUnavailable(
            f"Threads answered with an unreadable timestamp {str(value)[:40]!r}", network=NAME
        ) from exc


def _id_of(body: Mapping[str, Any], what: str) -> str:
    """The ``id`` of an answer that must carry one."""
    value = body.get("id")
    if value is None or value == "":
        raise NetworkUnavailable(f"Threads answered without the id of {what}", network=NAME)
    return str(value)


def _is_public_url(url: str) -> bool:
    return bool(re.match(r"^https?://[^/\s]+", url))


#: A grapheme shown as an emoji: an emoji-presentation character, or one made so by VS16 or a keycap.
_EMOJI = regex.compile(r"[\p{Emoji_Presentation}\uFE0F\u20E3]")


def _threads_len(text: str) -> int:
    """Text length as Threads counts it: characters, except that an emoji counts as its UTF-8 bytes."""
    total = 0
    for cluster in textlib.graphemes(text):
        total += len(cluster.encode("utf-8")) if _EMOJI.search(cluster) else len(cluster)
    return total


def _valid_topic(tag: str) -> bool:
    """Documented topic tag rule: 1-50 characters, no periods or ampersands."""
    return 1 <= len(tag) <= 50 and "." not in tag and "&" not in tag


def _ref_id(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("id"):
        return str(value["id"])
    return None


@dataclass
class _PublishRecord:
    """What one logical publish has made so far, so a retry resumes instead of repeating."""

    container_id: str
    created_at: float
    digest: str  # of the whole draft: one key, one draft
    text: str
    reply_to: str | None = None
    quote_of: str | None = None
    post_id: str | None = None


# ---------------------------------------------------------------- the backend


class ThreadsNetwork(BaseNetwork):
    """Threads through the Graph API: publish with containers, read, insights, quotas and tokens."""

    name: ClassVar[str] = NAME
    Settings: ClassVar[type[NetworkSettings]] = ThreadsSettings
    capabilities = frozenset(
        {
            Capability.PROFILE,
            Capability.PUBLISH,
            Capability.REPLY,
            Capability.READ,
            Capability.DELETE,
            Capability.REPOST,
            Capability.QUOTE,
            Capability.POSTS,
            Capability.SEARCH,
            Capability.TAG_SEARCH,
            Capability.THREAD,
            Capability.NOTIFICATIONS,
            Capability.MEDIA,
            Capability.IDEMPOTENT_PUBLISH,
        }
    )
    page_size: ClassVar[int] = 100  # the Graph API's maximum ``limit``

    def __init__(
        self,
        settings: NetworkSettings | None = None,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(settings)
        assert isinstance(self.settings, ThreadsSettings)
        self.cfg: ThreadsSettings = self.settings
        self._token = self.cfg.access_token
        self._token_expires_at = self.cfg.token_expires_at
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._records = PublishLog(_PublishRecord, self.cfg.state_path, network=NAME)
        self._http = HttpClient(NAME, "Threads", self.cfg.base_url, timeout=self.cfg.timeout)
        self._username: str | None = None
        _install_redaction()

    # ------------------------------------------------------------ transport

    def close(self) -> None:
        self._http.close()

    def _path(self, path: str) -> str:
        return f"/{self.cfg.api_version}/{path.lstrip('/')}"

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        safe_to_repeat: bool,
    ) -> dict[str, Any]:
        """One request; raises ``_GraphError`` (with codes) or a ``DecentSocialError``."""
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        response = self._http.request(
            method, path, safe_to_repeat=safe_to_repeat, params=params, data=data, headers=headers
        )
        if response.status_code >= 400:
            failure = _graph_failure(response)
            raise _GraphError(failure, _to_error(failure, safe_to_repeat=safe_to_repeat))
        body = self._http.json(response)
        if not isinstance(body, dict):
            raise NetworkUnavailable("Threads answered with unexpected JSON", network=NAME)
        return body

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        safe_to_repeat: bool | None = None,
    ) -> dict[str, Any]:
        """A request under the retry policy; errors come out of the error tree, chained."""
        repeatable = method == "GET" if safe_to_repeat is None else safe_to_repeat

        def once() -> dict[str, Any]:
            try:
                return self._send(
                    method, self._path(path), params=params, data=data, safe_to_repeat=repeatable
                )
            except _GraphError as exc:
                raise exc.error from exc

        return self._retry.call(once)

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
    ) -> ThreadsToken:
        """Exchange a short-lived (1 hour) token from the OAuth flow for a long-lived (60 days) one."""
        token = SecretStr(short_lived_token) if isinstance(short_lived_token, str) else short_lived_token
        secret = SecretStr(client_secret) if isinstance(client_secret, str) else client_secret
        _install_redaction()
        http = HttpClient(NAME, "Threads", base_url, timeout=timeout)
        params = {
            "grant_type": "th_exchange_token",
            "client_secret": secret.get_secret_value(),
            "access_token": token.get_secret_value(),
        }
        try:
            return _token_call(http, "/access_token", params)
        finally:
            http.close()

    def refresh_token(self) -> ThreadsToken:
        """Refresh the long-lived token in use (it must be 24 hours old and unexpired); this
        connection switches to the new token. Store ``result.access_token`` for next time."""
        params = {"grant_type": "th_refresh_token", "access_token": self._token.get_secret_value()}
        fresh = _token_call(self._http, "/refresh_access_token", params)
        self._token = fresh.access_token
        self._token_expires_at = fresh.expires_at
        return fresh

    # ------------------------------------------------------------ profile

    def me(self) -> Account:
        body = self._call(
            "GET", "me", params={"fields": "id,username,name,threads_profile_picture_url,threads_biography"}
        )
        return self._account(body)

    def account(self, handle: str) -> Account:
        name = self.account_ref(handle).lstrip("@")
        if name in (self.cfg.user_id, "me"):
            return self.me()
        body = self._call("GET", "profile_lookup", params={"username": name})
        return Account(
            network=NAME,
            id=str(body.get("username") or name),
            handle=str(body.get("username") or name),
            display_name=body.get("name"),
            url=f"https://www.threads.net/@{body.get('username') or name}",
            bio=body.get("biography"),
            avatar_url=body.get("profile_picture_url"),
            followers=body.get("follower_count"),
            raw=body,
        )

    def _account(self, body: Mapping[str, Any]) -> Account:
        username = str(body.get("username") or body.get("id"))
        return Account(
            network=NAME,
            id=username,
            handle=username,
            display_name=body.get("name"),
            url=f"https://www.threads.net/@{username}",
            bio=body.get("threads_biography") or None,
            avatar_url=body.get("threads_profile_picture_url"),
            raw=dict(body),
        )

    # ------------------------------------------------------------ drafts

    def text_limit(self, draft: Draft | None = None) -> TextLimit:
        """500 characters, an emoji counting as its UTF-8 bytes (Meta's documented rule);
        ``check_draft`` enforces it and ``crosspost`` splits by it."""
        return TextLimit(TEXT_LIMIT, _threads_len)

    def check_draft(self, draft: Draft) -> None:
        """Everything Threads would refuse, refused here before any request."""
        super().check_draft(draft)
        if draft.community is not None:
            raise self.unsupported(Capability.COMMUNITY_POSTS, "Threads has no communities to post into")
        if draft.visibility not in (None, "public"):
            raise ContentRejected(
                f"Threads posts are public; it cannot publish with visibility {draft.visibility!r}",
                network=NAME,
            )
        if draft.content_warning or draft.sensitive:
            raise ContentRejected(
                "Threads has no content warning or sensitive-media flag in its API; publish without one",
                network=NAME,
            )
        if draft.reply_to and draft.quote_of:
            raise InvalidInput("a Threads post can reply or quote, not both", network=NAME)
        if draft.options.get("carousel") or len(draft.media) > CAROUSEL_MAX:
            self.check_carousel(draft.media)
        for item in draft.media:
            if item.url is None or not _is_public_url(item.url):
                where = str(item.path) if item.path is not None else "in-memory bytes"
                raise ContentRejected(
                    f"Threads fetches media from public http(s) URLs; it cannot upload {where}. "
                    "Host the file and pass Media(url=...)",
                    network=NAME,
                )
            if item.kind not in ("image", "video"):
                raise ContentRejected(f"Threads takes images and videos, not {item.kind}", network=NAME)
        if draft.link is not None and draft.media:
            raise ContentRejected("Threads attaches a link only to text posts (no media)", network=NAME)
        if draft.link is not None and not _is_public_url(draft.link.url):
            raise ContentRejected(f"link attachment must be an http(s) URL: {draft.link.url!r}", network=NAME)
        unique_links = set(textlib.links(draft.text)) | ({draft.link.url} if draft.link else set())
        if len(unique_links) > LINK_LIMIT:
            raise ContentRejected(
                f"a Threads post takes at most {LINK_LIMIT} links (text and link attachment), "
                f"this one has {len(unique_links)}",
                network=NAME,
            )
        reply_control = draft.options.get("reply_control")
        if reply_control is not None and reply_control not in REPLY_CONTROLS:
            raise InvalidInput(
                f"options['reply_control'] must be one of {', '.join(sorted(REPLY_CONTROLS))}, "
                f"not {reply_control!r}",
                network=NAME,
            )
        topic = self._topic_tag(draft)
        if topic is not None and not _valid_topic(topic):
            raise ContentRejected(
                f"Threads topic tags are 1-50 characters without '.' or '&': {topic!r}", network=NAME
            )

    def check_carousel(self, items: tuple[Media, ...]) -> None:
        """Raise ``ContentRejected`` for a carousel of a size Threads refuses (2-20 items).

        The one carousel size rule: ``check_draft`` (so ``publish``) and
        ``post_carousel`` both come here, so they refuse alike.
        """
        if not CAROUSEL_MIN <= len(items) <= CAROUSEL_MAX:
            raise ContentRejected(
                f"a Threads carousel takes {CAROUSEL_MIN} to {CAROUSEL_MAX} items, got {len(items)}",
                network=NAME,
            )

    @staticmethod
    def _topic_tag(draft: Draft) -> str | None:
        option = draft.options.get("topic_tag")
        if option is not None:
            return str(option).lstrip("#")
        if len(draft.tags) > 1:
            raise ContentRejected(
                f"Threads takes one topic tag per post; this draft has {len(draft.tags)} "
                f"({', '.join(draft.tags)}). Pick one (Draft.tags or options['topic_tag'])",
                network=NAME,
            )
        if draft.tags:
            return draft.tags[0]
        # The Threads app makes a post's first hashtag its tag: do the same through the API,
        # when that hashtag is a valid topic tag.
        in_text = [t for t in textlib.hashtags(draft.text) if _valid_topic(t)]
        return in_text[0] if in_text else None

    # ------------------------------------------------------------ publishing

    def publish(self, draft: Draft | str) -> Post:
        d = as_draft(draft)
        self.check_draft(d)
        return self._publish(d)

    def reply(self, to: PostRef, draft: Draft | str) -> Post:
        d = as_draft(draft)
        return self.publish(d.model_copy(update={"reply_to": self.post_id(to)}))

    def post_carousel(self, items: list[Media] | tuple[Media, ...], text: str = "", **draft: Any) -> Post:
        """Publish a carousel (2-20 images/videos given by public URL)."""
        media = tuple(items)
        options = {**draft.pop("options", {}), "carousel": True}
        return self.publish(Draft(text=text, media=media, options=options, **draft))

    def _publish(self, d: Draft) -> Post:
        key = d.idempotency_key
        record = self._records.get(key)
        if record is not None and record.digest != draft_digest(d):
            raise InvalidInput("this idempotency_key was already used for a different draft", network=NAME)
        if record is not None and record.post_id is not None:
            return self.get_post(record.post_id)
        if record is None:
            if self.cfg.check_quota:
                self._ensure_quota(is_reply=d.reply_to is not None)
            container = self._create_container(d)
            record = _PublishRecord(
                container_id=container,
                created_at=time.time(),
                digest=draft_digest(d),
                text=d.text,
                reply_to=d.reply_to,
                quote_of=d.quote_of,
            )
            self._records.put(key, record)
        if self._wait_until_finished(record) == "PUBLISHED":
            # An earlier attempt published it (its answer was lost): find the post, never publish again.
            record.post_id = self._find_published(record)
        else:
            record.post_id = self._publish_container(record)
        self._records.save()
        return self.get_post(record.post_id)

    def _create_container(self, d: Draft) -> str:
        common: dict[str, Any] = {}
        if d.reply_to:
            common["reply_to_id"] = d.reply_to
        if d.quote_of:
            common["quote_post_id"] = d.quote_of
        topic = self._topic_tag(d)
        if topic:
            common["topic_tag"] = topic
        if d.link is not None:
            common["link_attachment"] = d.link.url
        reply_control = d.options.get("reply_control")
        if reply_control:
            common["reply_control"] = str(reply_control)
        if d.media and len(d.media) > 1:
            children = [self._media_container(m, carousel_item=True) for m in d.media]
            params = {**common, "media_type": "CAROUSEL", "children": ",".join(children)}
            if d.text:
                params["text"] = d.text
        elif d.media:
            params = {**common, **self._media_params(d.media[0])}
            if d.text:
                params["text"] = d.text
        else:
            params = {**common, "media_type": "TEXT", "text": d.text}
        # An orphan container is harmless (never published, it expires): creating is safe to repeat.
        return self._container_call(params)

    def _media_params(self, m: Media) -> dict[str, Any]:
        assert m.url is not None
        params: dict[str, Any] = (
            {"media_type": "VIDEO", "video_url": m.url}
            if m.kind == "video"
            else {"media_type": "IMAGE", "image_url": m.url}
        )
        if m.alt_text:
            params["alt_text"] = m.alt_text
        return params

    def _media_container(self, m: Media, *, carousel_item: bool) -> str:
        params = self._media_params(m)
        if carousel_item:
            params["is_carousel_item"] = "true"
        return self._container_call(params)

    def _container_call(self, params: Mapping[str, Any]) -> str:
        body = self._call("POST", f"{self.cfg.user_id}/threads", data=params, safe_to_repeat=True)
        return _id_of(body, "a media container")

    def _container_status(self, container_id: str) -> tuple[str, str | None]:
        body = self._call("GET", container_id, params={"fields": "id,status,error_message"})
        return str(body.get("status", "")), body.get("error_message")

    def _wait_until_finished(self, record: _PublishRecord) -> Literal["FINISHED", "PUBLISHED"]:
        """Poll the container with a growing, bounded interval until it is FINISHED or PUBLISHED,
        and say which (PUBLISHED: an earlier ``threads_publish`` went through)."""
        deadline = time.monotonic() + self.cfg.publish_timeout
        interval = self.cfg.poll_interval
        while True:
            status, error = self._container_status(record.container_id)
            if status == "FINISHED":
                return "FINISHED"
            if status == "PUBLISHED":
                return "PUBLISHED"
            if status in ("ERROR", "EXPIRED"):
                self._forget(record)
                reason = error or (
                    "the container was not published within 24 hours"
                    if status == "EXPIRED"
                    else "no reason given"
                )
                raise ContentRejected(
                    f"Threads could not process the post ({status}: {reason})",
                    network=NAME,
                    server_message=error,
                )
            left = deadline - time.monotonic()
            if left <= 0:
                raise NetworkUnavailable(
                    f"the Threads container is still {status or 'unknown'} after "
                    f"{self.cfg.publish_timeout:.0f}s; publish again with the same idempotency_key to resume",
                    network=NAME,
                )
            self._sleep(min(interval, left))
            interval = min(interval * 2, self.cfg.poll_max_interval)

    def _forget(self, record: _PublishRecord) -> None:
        self._records.drop(record)

    def _publish_container(self, record: _PublishRecord) -> str:
        """``threads_publish`` a FINISHED container; never again once it may be published.

        It is sent again only after Threads *refused* it (media not ready,
        429) or when, after a lost answer, the container's status is still
        FINISHED. A PUBLISHED status at any point means an earlier request went
        through: the post is then found, not published a second time.
        """
        deadline = time.monotonic() + self.cfg.publish_timeout
        interval = self.cfg.poll_interval
        path = self._path(f"{self.cfg.user_id}/threads_publish")
        while True:
            wait = interval
            refused: RateLimited | None = None
            try:
                body = self._send(
                    "POST", path, data={"creation_id": record.container_id}, safe_to_repeat=False
                )
                return _id_of(body, "the published post")
            except _GraphError as exc:
                failure = exc.failure
                if isinstance(exc.error, RateLimited) and failure.status == 429:
                    wait = exc.error.retry_after if exc.error.retry_after is not None else interval
                    refused = exc.error
                elif failure.subcode in NOT_READY_SUBCODES:
                    self.log.debug(
                        "container %s not ready yet (subcode %s)", record.container_id, failure.subcode
                    )
                elif not isinstance(exc.error, NetworkUnavailable):
                    # Refused, perhaps because an earlier request did publish it ("already published").
                    if self._container_status(record.container_id)[0] == "PUBLISHED":
                        return self._find_published(record)
                    raise exc.error from exc
                else:
                    self.log.info("threads_publish failed ambiguously; checking %s", record.container_id)
            except NetworkUnavailable:
                self.log.info("threads_publish failed ambiguously; checking %s", record.container_id)
            # Whatever happened, the container's status decides before waiting or giving up.
            status, _ = self._container_status(record.container_id)
            if status == "PUBLISHED":
                return self._find_published(record)
            if time.monotonic() + wait > deadline:
                if refused is not None:
                    raise refused
                raise NetworkUnavailable(
                    f"Threads did not publish the container in time (it is {status or 'in an unknown state'}"
                    "); it was not published twice. Publish again with the same idempotency_key to resume",
                    network=NAME,
                )
            self._sleep(wait)
            interval = min(interval * 2, self.cfg.poll_max_interval)
            if self._wait_until_finished(record) == "PUBLISHED":  # ContentRejected on ERROR/EXPIRED
                return self._find_published(record)

    def _find_published(self, record: _PublishRecord) -> str:
        """The post a PUBLISHED container became, found among the account's newest posts.

        The Graph API does not link a container to its post, so this matches
        text, reply target and time; it is only needed when the publish answer
        was lost.
        """
        d = record
        edge = "replies" if d.reply_to else "threads"
        since = int(record.created_at) - 120
        body = self._call(
            "GET",
            f"{self.cfg.user_id}/{edge}",
            params={"fields": "id,text,timestamp,replied_to,quoted_post", "since": since, "limit": 100},
        )
        claimed = {r.post_id for r in self._records.records() if r.post_id}
        for item in body.get("data", []):
            if not item.get("id") or str(item.get("id")) in claimed:
                continue
            if (item.get("text") or "") != d.text:
                continue
            if d.reply_to and _ref_id(item.get("replied_to")) != d.reply_to:
                continue
            if d.quote_of and _ref_id(item.get("quoted_post")) != d.quote_of:
                continue
            return str(item["id"])
        raise NetworkUnavailable(
            "Threads published the post but its id could not be found; it was not published twice",
            network=NAME,
        )

    # ------------------------------------------------------------ quota

    def quota(self) -> PublishingQuota:
        """The rolling 24-hour publishing quota (250 posts, 1,000 replies; the reply
        figures are ``None`` when the token lacks threads_manage_replies)."""
        path = f"{self.cfg.user_id}/threads_publishing_limit"
        try:
            body = self._call(
                "GET", path, params={"fields": "quota_usage,config,reply_quota_usage,reply_config"}
            )
        except PermissionDenied:
            # Documented: the reply quota needs threads_manage_replies, the post quota does not.
            body = self._call("GET", path, params={"fields": "quota_usage,config"})
        data = body.get("data") or [{}]
        row = data[0]
        config = row.get("config") or {}
        reply_config = row.get("reply_config") or {}
        return PublishingQuota(
            posts_used=int(row.get("quota_usage", 0)),
            posts_total=int(config.get("quota_total", 250)),
            replies_used=row.get("reply_quota_usage"),
            replies_total=reply_config.get("quota_total"),
            window_seconds=int(config.get("quota_duration", 86400)),
        )

    def _ensure_quota(self, *, is_reply: bool) -> None:
        q = self.quota()
        left = q.replies_left if is_reply else q.posts_left
        if left is not None and left <= 0:
            what = (
                f"{q.replies_used} of {q.replies_total} replies"
                if is_reply
                else f"{q.posts_used} of {q.posts_total} posts"
            )
            raise RateLimited(
                f"Threads publishing quota used up: {what} in the last {q.window_seconds // 3600} hours",
                network=NAME,
                retryable=False,
            )

    # ------------------------------------------------------------ reading

    def get_post(self, id: str) -> Post:
        post_id = self.post_id(id)
        body = self._call("GET", post_id, params={"fields": MEDIA_FIELDS})
        if body.get("media_type") == "REPOST_FACADE":
            return self._resolved(body)  # as listings and repost() give it
        return self._with_metrics(self._post(body), body)

    def _with_metrics(self, post: Post, body: Mapping[str, Any]) -> Post:
        """``post`` with its insights when it is yours (and ``fetch_insights`` is on)."""
        post_id = post.id
        if self.cfg.fetch_insights and _ref_id(body.get("owner")) == self.cfg.user_id:
            metrics = self._insights_or_none(post_id)
            if metrics is not None:
                post = post.model_copy(update={"metrics": metrics})
        return post

    def post_insights(self, post: PostRef) -> Engagement:
        """Views, likes, replies, reposts, quotes and shares of one of your posts."""
        body = self._call(
            "GET", f"{self.post_id(post)}/insights", params={"metric": ",".join(INSIGHT_METRICS)}
        )
        values: dict[str, int] = {}
        for entry in body.get("data", []):
            series = entry.get("values") or []
            if series and isinstance(series[0].get("value"), int):
                values[str(entry.get("name"))] = series[0]["value"]
            elif isinstance((entry.get("total_value") or {}).get("value"), int):
                values[str(entry.get("name"))] = entry["total_value"]["value"]
        return Engagement(**{k: values.get(k) for k in INSIGHT_METRICS})

    def _insights_or_none(self, post_id: str) -> Engagement | None:
        if self.cfg.scopes is not None and "threads_manage_insights" not in self.cfg.scopes:
            return None
        try:
            return self.post_insights(post_id)
        except (PermissionDenied, NotFound):
            return None

    def account_insights(
        self,
        since: datetime | date | None = None,
        until: datetime | date | None = None,
    ) -> AccountInsights:
        """Account-level insights (views by day, likes, replies, reposts, quotes, clicks, followers)."""
        params: dict[str, Any] = {"metric": "views,likes,replies,reposts,quotes,clicks,followers_count"}
        start = _as_datetime(since)
        end = _as_datetime(until)
        if start and end and start >= end:
            raise InvalidInput("since must be before until", network=NAME)
        if start:
            params["since"] = int(start.timestamp())
        if end:
            params["until"] = int(end.timestamp())
        body = self._call("GET", f"{self.cfg.user_id}/threads_insights", params=params)
        totals: dict[str, int] = {}
        days: list[DailyValue] = []
        for entry in body.get("data", []):
            name = str(entry.get("name"))
            total = (entry.get("total_value") or {}).get("value")
            if isinstance(total, int):
                totals[name] = total
            if entry.get("values"):
                series = [
                    DailyValue(end_time=_parse_time(v.get("end_time")), value=int(v.get("value", 0)))
                    for v in entry["values"]
                ]
                if name == "views":
                    days = series
                totals.setdefault(name, sum(v.value for v in series))
            if name == "clicks" and entry.get("link_total_values") is not None:
                totals.setdefault(name, sum(int(v.get("value", 0)) for v in entry["link_total_values"]))
        return AccountInsights(
            since=start,
            until=end,
            views=totals.get("views"),
            views_by_day=tuple(days),
            likes=totals.get("likes"),
            replies=totals.get("replies"),
            reposts=totals.get("reposts"),
            quotes=totals.get("quotes"),
            clicks=totals.get("clicks"),
            followers=totals.get("followers_count"),
            raw=body,
        )

    def posts(self, account: AccountRef | None = None, *, limit: int | None = 20) -> Iterator[Post]:
        """Your threads (``None``), or another profile's public posts through the Profile
        Discovery API (needs the threads_profile_discovery scope)."""
        if account is not None:
            ref = self.account_ref(account).lstrip("@")
            if ref not in (self.cfg.user_id, "me") and ref != self._own_username():
                if self.cfg.scopes is not None and "threads_profile_discovery" not in self.cfg.scopes:
                    raise self.unsupported(
                        Capability.POSTS, "other profiles' posts need the threads_profile_discovery scope"
                    )
                return self._unsupported_on_permission(
                    self._paged("profile_posts", {"username": ref}, limit),
                    Capability.POSTS,
                    "threads_profile_discovery",
                )
        return self._paged(f"{self.cfg.user_id}/threads", {}, limit)

    def _own_username(self) -> str:
        if self._username is None:
            self._username = self.me().handle
        return self._username

    def _paged(
        self, path: str, extra: Mapping[str, Any], limit: int | None, *, page_size: int | None = None
    ) -> Iterator[Post]:
        def fetch(cursor: str | None, size: int) -> Page[Post, str]:
            params: dict[str, Any] = {**extra, "fields": MEDIA_FIELDS, "limit": size}
            if cursor:
                params["after"] = cursor
            body = self._call("GET", path, params=params)
            items = [self._resolved(m) for m in body.get("data", [])]
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            return Page(items, after if paging.get("next") and after else None)

        return paginate(fetch, limit=limit, page_size=page_size or self.page_size, key=lambda p: p.id)

    def thread(self, post: PostRef) -> list[Post]:
        root = self.get_post(self.post_id(post))
        replies = list(self._paged(f"{root.id}/conversation", {"reverse": "false"}, None))
        replies.sort(key=lambda p: (p.created_at, p.id))
        return [root, *replies]

    def replies(self, post: PostRef, *, limit: int | None = 20) -> Iterator[Post]:
        """Top-level replies to a post, oldest first."""
        return self._paged(f"{self.post_id(post)}/replies", {"reverse": "false"}, limit)

    def search(self, query: str, *, limit: int | None = 20) -> Iterator[Post]:
        if not isinstance(query, str) or not query.strip():
            raise InvalidInput("search needs a non-empty query", network=NAME)
        if self.cfg.scopes is not None and "threads_keyword_search" not in self.cfg.scopes:
            raise self.unsupported(Capability.SEARCH, "the token lacks the threads_keyword_search scope")
        q = query.strip()
        extra: dict[str, Any] = {"q": q, "search_type": "RECENT"}
        if q.startswith("#"):
            extra = {"q": q[1:], "search_type": "RECENT", "search_mode": "TAG"}
        results = self._paged("keyword_search", extra, limit)
        return self._unsupported_on_permission(results, Capability.SEARCH, "threads_keyword_search")

    def notifications(self, *, limit: int | None = 20) -> Iterator[Notification]:
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
        check_limit(limit)
        scopes = {"threads_manage_mentions", "threads_read_replies"}
        if self.cfg.scopes is not None and not scopes & self.cfg.scopes:
            raise self.unsupported(Capability.NOTIFICATIONS, self._NO_NOTIFICATION_SCOPE)
        streams: list[Iterator[Notification]] = []
        replies_readable: bool | None = None  # None: no post of yours to try it on
        try:
            for stream in self._reply_streams(limit):
                replies_readable = True
                streams.append(stream)
        except PermissionDenied:
            replies_readable = False
            streams = []
        try:
            mentions = self._paged(f"{self.cfg.user_id}/mentions", {}, limit)
            streams.append(_started(self._notification("mention", p) for p in mentions))
        except PermissionDenied as exc:
            if not replies_readable:
                raise self.unsupported(Capability.NOTIFICATIONS, self._NO_NOTIFICATION_SCOPE) from exc
        # Stable merge: on equal times, replies (earlier streams) come before mentions.
        merged = heapq.merge(*streams, key=lambda n: -n.created_at.timestamp())
        return itertools.islice(_first_per_post(merged), limit)

    _NO_NOTIFICATION_SCOPE = "the token has neither threads_manage_mentions nor threads_read_replies"

    @staticmethod
    def _notification(kind: Literal["reply", "mention"], post: Post) -> Notification:
        return Notification(
            network=NAME,
            id=f"{kind}:{post.id}",
            kind=kind,
            created_at=post.created_at,
            account=post.author,
            post=post,
        )

    def _reply_streams(self, limit: int | None) -> Iterator[Iterator[Notification]]:
        """One started (first page read) newest-first stream of others' replies per recent thread."""
        if self.cfg.notification_posts == 0:
            return
        me = self._own_username()
        size = min(self.cfg.notification_posts, self.page_size)
        newest = self._paged(f"{self.cfg.user_id}/threads", {}, None, page_size=size)
        own = (p for p in newest if p.reposted_by is None)  # a repost is not your thread
        for post in itertools.islice(own, self.cfg.notification_posts):
            replies = self._paged(f"{post.id}/replies", {"reverse": "true"}, limit)
            yield _started(self._notification("reply", r) for r in replies if r.author.handle != me)

    def _unsupported_on_permission(
        self, items: Iterator[Post], capability: Capability, scope: str
    ) -> Iterator[Post]:
        """Turn a missing-scope answer on the first page into ``UnsupportedFeature`` (eagerly)."""
        try:
            first = next(items, None)
        except PermissionDenied as exc:
            raise UnsupportedFeature(NAME, capability, f"the token lacks the {scope} scope") from exc

        def rest() -> Iterator[Post]:
            if first is not None:
                yield first
                yield from items

        return rest()

    # ------------------------------------------------------------ actions

    def delete(self, post: PostRef) -> None:
        """Delete a post. A retried delete answered "not found" means the earlier attempt,
        whose answer was lost, deleted it: that is success, not ``NotFound``."""
        post_id = self.post_id(post)
        attempts = 0

        def once() -> None:
            nonlocal attempts
            attempts += 1
            try:
                self._send("DELETE", self._path(post_id), safe_to_repeat=True)
            except _GraphError as exc:
                if attempts > 1 and isinstance(exc.error, NotFound):
                    self.log.debug(
                        "delete of %s: not found on attempt %d, so an earlier attempt deleted it",
                        post_id,
                        attempts,
                    )
                    return
                raise exc.error from exc

        self._retry.call(once)

    def repost(self, post: PostRef) -> Post | None:
        """Repost; returns the original post as shared by you (its ``id`` is the repost's)."""
        original_id = self.post_id(post)
        body = self._call("POST", f"{original_id}/repost", safe_to_repeat=False)
        if not body.get("id"):
            return None
        return self._resolved(self._call("GET", str(body["id"]), params={"fields": MEDIA_FIELDS}))

    def _resolved(self, m: Mapping[str, Any]) -> Post:
        """A post; a repost (media type ``REPOST_FACADE``, which carries no content of its own)
        as the original post shared by the reposter, with the repost's ``id`` (so ``delete``
        undoes the repost). When the original is gone, the bare repost."""
        post = self._post(m)
        original_id = _ref_id(m.get("reposted_post"))
        if m.get("media_type") != "REPOST_FACADE" or original_id is None:
            return post
        try:
            body = self._call("GET", original_id, params={"fields": MEDIA_FIELDS})
            original = self._with_metrics(self._post(body), body)  # not resolved again: no loops
        except NotFound:
            return post.model_copy(update={"reposted_by": post.author})
        return original.model_copy(update={"id": post.id, "reposted_by": post.author, "raw": dict(m)})

    def hide_reply(self, reply: PostRef) -> None:
        """Hide a top-level reply to one of your posts (its nested replies are hidden too)."""
        self._manage_reply(reply, hide=True)

    def unhide_reply(self, reply: PostRef) -> None:
        """Show a reply hidden with ``hide_reply`` again."""
        self._manage_reply(reply, hide=False)

    def _manage_reply(self, reply: PostRef, *, hide: bool) -> None:
        self._call(
            "POST",
            f"{self.post_id(reply)}/manage_reply",
            data={"hide": "true" if hide else "false"},
            safe_to_repeat=True,
        )

    # ------------------------------------------------------------ conversion

    def _post(self, m: Mapping[str, Any]) -> Post:
        text = str(m.get("text") or "")
        username = str(m.get("username") or "")
        # Account ids are usernames: user ids are app-scoped, and search results and
        # profile lookups (as documented) carry only the username.
        owner = username or _ref_id(m.get("owner")) or "unknown"
        author = Account(
            network=NAME,
            id=owner,
            handle=owner,
            url=f"https://www.threads.net/@{username}" if username else None,
        )
        media: list[Media] = []
        kind = m.get("media_type")
        if kind == "CAROUSEL_ALBUM":
            for child in (m.get("children") or {}).get("data", []):
                item = _media(child)
                if item is not None:
                    media.append(item)
        else:
            item = _media(m)
            if item is not None:
                media.append(item)
        links = list(textlib.links(text))
        if m.get("link_attachment_url") and m["link_attachment_url"] not in links:
            links.append(str(m["link_attachment_url"]))
        tags = [str(m["topic_tag"])] if m.get("topic_tag") else []
        tags += textlib.hashtags(text)
        reply_to = _ref_id(m.get("replied_to"))
        return Post(
            network=NAME,
            id=_id_of(m, "a post"),
            url=m.get("permalink"),
            author=author,
            text=text,
            created_at=_parse_time(m.get("timestamp")),
            reply_to=reply_to,
            root_id=_ref_id(m.get("root_post")) if reply_to else None,
            quote_of=_ref_id(m.get("quoted_post")),
            tags=tuple(tags),
            mentions=textlib.mentions(text),
            links=tuple(links),
            media=tuple(media),
            visibility="public",
            raw=dict(m),
        )


def _started(items: Iterator[Notification]) -> Iterator[Notification]:
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


def _media(m: Mapping[str, Any]) -> Media | None:
    url = m.get("media_url")
    kind: Literal["image", "video"] | None = {"IMAGE": "image", "VIDEO": "video"}.get(  # type: ignore[assignment]
        str(m.get("media_type"))
    )
    if not url or kind is None:
        return None
    return Media(kind=kind, url=str(url), alt_text=m.get("alt_text"))


def _as_datetime(value: datetime | date | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)


def _token_call(http: HttpClient, path: str, params: Mapping[str, str]) -> ThreadsToken:
    """GET a token endpoint; any failure is an ``AuthenticationError`` that names no secret."""
    response = http.request("GET", path, safe_to_repeat=False, params=params)
    if response.status_code >= 400:
        failure = _graph_failure(response)
        error = _to_error(failure, safe_to_repeat=True)
        if isinstance(error, (RateLimited, NetworkUnavailable)):
            raise error from None
        raise AuthenticationError(
            f"Threads refused the token request; {REFRESH_HINT}", network=NAME, server_message=failure.message
        )
    body = http.json(response, "the Threads token endpoint")
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise AuthenticationError(
            f"the Threads token endpoint answered without an access token; {REFRESH_HINT}", network=NAME
        )
    expires_in = body.get("expires_in")
    expires_at = None
    if isinstance(expires_in, int):
        expires_at = datetime.now(timezone.utc) + timedelta(seconds=expires_in)
    return ThreadsToken(
        access_token=SecretStr(token),
        token_type=str(body.get("token_type", "bearer")),
        expires_in=expires_in if isinstance(expires_in, int) else None,
        expires_at=expires_at,
    )
