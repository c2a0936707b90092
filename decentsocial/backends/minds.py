"""Minds over the endpoints its own apps use, with httpx. EXPERIMENTAL.

Minds publishes no supported third-party API: this backend speaks the
mobile app's OAuth password grant and the engine's newsfeed, channel and
comment endpoints. They can change without notice, so connecting warns
(:class:`MindsExperimentalWarning`) and the docs say so.

``ds.connect("minds", username=…, password=…)``. Logs in on first use;
refreshes the 72-hour access token with the refresh token (or logs in again)
when the server answers 401. Publishing is never repeated automatically:
``PUT /api/v3/newsfeed/activity`` and comments are not idempotent, so after an
ambiguous failure a retry with the same ``Draft.idempotency_key`` first looks
for the post among the channel's newest posts (a reply: among the post's
comments), and refuses to publish again where no such lookup exists (group
posts).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

import httpx
from pydantic import Field, SecretStr

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
)
from ..httpclient import HttpClient
from ..idempotency import PublishLog, draft_digest
from ..models import Account, Draft, Engagement, Post, as_draft
from ..network import AccountRef, Capability, PostRef
from ..paging import Page, paginate
from ..retry import RetryPolicy, retry_after_from_headers
from ..settings import NetworkSettings

__all__ = ["MindsExperimentalWarning", "MindsNetwork", "MindsSettings"]

NAME = "minds"
TWO_FACTOR_ERROR = "Minds::Core::Security::TwoFactor::TwoFactorRequiredException"
#: Minds' NSFW reasons: 1 nudity, 2 pornography, 3 profanity, 4 violence and gore,
#: 5 race, religion and gender, 6 other. ``Draft.sensitive`` alone maps to "other".
NSFW_OTHER = 6
COMMENT_PREFIX = "comment:"


class MindsExperimentalWarning(UserWarning):
    """Minds has no supported third-party API; this backend may break when Minds changes."""


class MindsSettings(NetworkSettings):
    """Settings for ``connect("minds", username=…, password=…)``."""

    username: str = Field(min_length=1)
    password: SecretStr
    base_url: str = "https://www.minds.com"
    client_id: str = "mobile"
    timeout: float = Field(default=30.0, gt=0)
    #: A JSON file remembering idempotency keys across processes (``None``: this connection only).
    state_path: Path | None = None


@dataclass
class _Session:
    access: SecretStr
    refresh: SecretStr | None
    expires_at: datetime | None


@dataclass
class _Attempt:
    """A publish that may or may not have reached Minds, remembered by idempotency key."""

    started: float
    digest: str  # of the whole draft: one key, one draft
    text: str
    quote_of: str | None = None
    community: str | None = None
    post_id: str | None = None
    reply_to: str | None = None


class _HTTPFailure(Exception):
    def __init__(self, status: int, message: str, error_id: str | None, headers: Mapping[str, str]) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_id = error_id
        self.headers = headers


def _failure(response: httpx.Response) -> _HTTPFailure:
    message = f"HTTP {response.status_code}"
    error_id = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("error_description") or body.get("error") or message)
        error_id = body.get("errorId") or body.get("error")
    return _HTTPFailure(response.status_code, message, error_id, response.headers)


def _to_error(f: _HTTPFailure, *, safe_to_repeat: bool, method: str = "GET") -> DecentSocialError:
    if f.status == 429:
        return RateLimited(
            "Minds rate limit reached",
            retry_after=retry_after_from_headers(f.headers),
            network=NAME,
            server_message=f.message,
        )
    if f.status == 401:
        return AuthenticationError("Minds refused the session", network=NAME, server_message=f.message)
    if f.status == 403:
        return PermissionDenied("Minds does not allow this", network=NAME, server_message=f.message)
    if f.status == 404:
        return NotFound("not found on Minds (or deleted)", network=NAME, server_message=f.message)
    if f.status >= 500:
        return NetworkUnavailable(
            f"Minds server error (HTTP {f.status})",
            network=NAME,
            server_message=f.message,
            retryable=safe_to_repeat,
        )
    if method == "GET":
        # A read refused as a bad request: the id or parameter asked for, not content.
        if any(words in f.message.lower() for words in ("not found", "could not be found", "does not exist")):
            return NotFound("not found on Minds (or deleted)", network=NAME, server_message=f.message)
        return InvalidInput("Minds refused the request as malformed", network=NAME, server_message=f.message)
    return ContentRejected("Minds refused the request", network=NAME, server_message=f.message)


def _may_have_happened(exc: DecentSocialError) -> bool:
    """Whether a failed write may still have been made: an answer lost after sending it.

    A refusal (4xx, 429) made nothing; a connection that never opened is
    marked retryable. Everything else (timeouts, 5xx) is ambiguous.
    """
    return isinstance(exc, NetworkUnavailable) and not exc.retryable


def _time(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), timezone.utc)
    except (TypeError, ValueError):
        return datetime.now(timezone.utc)


class MindsNetwork(BaseNetwork):
    """Minds (experimental): publish, reply, remind, delete, newsfeed and channel posts."""

    name: ClassVar[str] = NAME
    Settings: ClassVar[type[NetworkSettings]] = MindsSettings
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
            Capability.TIMELINE,
            Capability.IDEMPOTENT_PUBLISH,
        }
    )
    page_size: ClassVar[int] = 50

    def __init__(self, settings: NetworkSettings | None = None, *, retry: RetryPolicy | None = None) -> None:
        super().__init__(settings)
        assert isinstance(self.settings, MindsSettings)
        self.cfg: MindsSettings = self.settings
        self._retry = retry or RetryPolicy()
        self._http = HttpClient(NAME, "Minds", self.cfg.base_url, timeout=self.cfg.timeout)
        self._session: _Session | None = None
        self._me: Account | None = None
        self._attempts = PublishLog(_Attempt, self.cfg.state_path, network=NAME)
        warnings.warn(
            "the Minds backend is experimental: Minds has no supported third-party API, so it uses the "
            "endpoints Minds' own apps use, which may change without notice",
            MindsExperimentalWarning,
            stacklevel=3,
        )

    # ------------------------------------------------------------ transport and session

    def close(self) -> None:
        self._http.close()

    @property
    def token_expires_at(self) -> datetime | None:
        """When the current access token expires (UTC); ``None`` before logging in."""
        return self._session.expires_at if self._session else None

    def login(self) -> None:
        """Log in with the password grant (done on first use; call it to fail early)."""
        self._session = self._token_request(
            {
                "grant_type": "password",
                "client_id": self.cfg.client_id,
                "username": self.cfg.username,
                "password": self.cfg.password.get_secret_value(),
            }
        )

    def refresh(self) -> None:
        """Exchange the refresh token for a new access token (logging in again if that fails)."""
        if self._session is None or self._session.refresh is None:
            self.login()
            return
        try:
            self._session = self._token_request(
                {
                    "grant_type": "refresh_token",
                    "client_id": self.cfg.client_id,
                    "refresh_token": self._session.refresh.get_secret_value(),
                }
            )
        except AuthenticationError:
            self.login()

    def _token_request(self, body: Mapping[str, str]) -> _Session:
        # Logging in changes nothing on the server, so it is always safe to repeat.
        response = self._http.request("POST", "/api/v3/oauth/token", safe_to_repeat=True, json=dict(body))
        if response.status_code >= 400:
            f = _failure(response)
            if f.error_id == TWO_FACTOR_ERROR:
                raise AuthenticationError(
                    f"Minds asks for a two-factor code for {self.cfg.username!r}: the account has "
                    "two-factor authentication on, and the password grant cannot complete it without a "
                    "code sent to the owner. decentsocial does not support Minds 2FA; use an account "
                    "without it for automation",
                    network=NAME,
                    server_message=f.message,
                )
            if f.status in (400, 401):
                raise AuthenticationError(
                    f"Minds refused the login for {self.cfg.username!r}",
                    network=NAME,
                    server_message=f.message,
                )
            raise _to_error(f, safe_to_repeat=True)
        data = self._http.json(response, "the Minds token endpoint")
        access = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(access, str) or not access:
            raise AuthenticationError(
                f"the Minds token endpoint answered without an access token for {self.cfg.username!r}",
                network=NAME,
            )
        expires_in = data.get("expires_in")
        return _Session(
            access=SecretStr(access),
            refresh=SecretStr(str(data["refresh_token"])) if data.get("refresh_token") else None,
            expires_at=(
                datetime.now(timezone.utc) + timedelta(seconds=int(expires_in))
                if isinstance(expires_in, int)
                else None
            ),
        )

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        safe_to_repeat: bool,
    ) -> dict[str, Any]:
        if self._session is None:
            self.login()
        for attempt in (1, 2):
            assert self._session is not None
            headers = {"Authorization": f"Bearer {self._session.access.get_secret_value()}"}
            response = self._http.request(
                method, path, safe_to_repeat=safe_to_repeat, params=params, json=json, headers=headers
            )
            if response.status_code == 401 and attempt == 1:
                # Expired access token: refused before doing anything, so repeating is safe.
                self.refresh()
                continue
            if response.status_code >= 400:
                f = _failure(response)
                raise _to_error(f, safe_to_repeat=safe_to_repeat, method=method) from f
            body = self._http.json(response)
            if isinstance(body, dict) and body.get("status") == "error":
                raise ContentRejected(
                    "Minds refused the request", network=NAME, server_message=str(body.get("message"))
                )
            if not isinstance(body, dict):
                raise NetworkUnavailable("Minds answered with unexpected JSON", network=NAME)
            return body
        raise AuthenticationError("Minds refused the refreshed session", network=NAME)  # pragma: no cover

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        safe_to_repeat: bool | None = None,
    ) -> dict[str, Any]:
        repeatable = method == "GET" if safe_to_repeat is None else safe_to_repeat
        return self._retry.call(
            lambda: self._send(method, path, params=params, json=json, safe_to_repeat=repeatable)
        )

    # ------------------------------------------------------------ profile

    def me(self) -> Account:
        if self._me is None:
            self._me = self._account(self._call("GET", "/api/v1/channel/me").get("channel") or {})
        return self._me

    def account(self, handle: str) -> Account:
        name = self.account_ref(handle).lstrip("@")
        body = self._call("GET", f"/api/v1/channel/{name}")
        return self._account(body.get("channel") or {})

    def _account(self, c: Mapping[str, Any]) -> Account:
        username = str(c.get("username") or c.get("guid") or "")
        return Account(
            network=NAME,
            id=str(c.get("guid") or username),
            handle=username,
            display_name=c.get("name"),
            url=f"https://www.minds.com/{username}",
            bio=c.get("briefdescription") or None,
            followers=c.get("subscribers_count"),
            following=c.get("subscriptions_count"),
            created_at=_time(c["time_created"]) if c.get("time_created") else None,
            raw=dict(c),
        )

    # ------------------------------------------------------------ publishing

    def check_draft(self, draft: Draft) -> None:
        super().check_draft(draft)
        if draft.media:
            raise self.unsupported(Capability.MEDIA, "media uploads are not implemented for Minds")
        if draft.visibility not in (None, "public"):
            raise ContentRejected(
                f"this backend publishes public Minds posts only, not {draft.visibility!r}", network=NAME
            )
        flagged = draft.sensitive or draft.content_warning or draft.options.get("nsfw")
        if draft.reply_to and (draft.quote_of or draft.community or draft.tags or flagged):
            raise InvalidInput(
                "a Minds reply is a comment: text only, no quote, group, tags or NSFW flag", network=NAME
            )
        if draft.link is not None and draft.link.url not in textlib.links(draft.text):
            raise ContentRejected(
                "this backend cannot attach a link card on Minds; put the URL in the text", network=NAME
            )
        nsfw = draft.options.get("nsfw")
        valid = isinstance(nsfw, (list, tuple)) and all(isinstance(n, int) and 1 <= n <= 6 for n in nsfw)
        if nsfw is not None and not valid:
            raise InvalidInput("options['nsfw'] must be a list of Minds NSFW reasons 1-6", network=NAME)

    def publish(self, draft: Draft | str) -> Post:
        d = as_draft(draft)
        self.check_draft(d)
        key = d.idempotency_key
        attempt = self._attempts.get(key)
        if attempt is not None:
            if attempt.digest != draft_digest(d):
                raise InvalidInput(
                    "this idempotency_key was already used for a different draft", network=NAME
                )
            if attempt.post_id is None:
                attempt.post_id = self._find_earlier(attempt)
                self._attempts.save()
            if attempt.post_id is not None:
                return self.get_post(attempt.post_id)
            # The lookup shows the earlier attempt made nothing: send it now, under the same key.
        elif key:
            attempt = _Attempt(
                time.time(), draft_digest(d), d.text, d.quote_of, d.community, reply_to=d.reply_to
            )
            self._attempts.put(key, attempt)
        try:
            post = self._comment(d.reply_to, d.text) if d.reply_to else self._activity(d)
        except DecentSocialError as exc:
            if attempt is not None and not _may_have_happened(exc):
                self._attempts.drop(attempt)  # refused outright: nothing was made, the key starts afresh
            raise
        if attempt is not None:
            attempt.post_id = post.id
            self._attempts.save()
        return post

    def _activity(self, d: Draft) -> Post:
        body: dict[str, Any] = {"message": d.text, "access_id": 2}
        tags = list(d.tags) + [t for t in textlib.hashtags(d.text) if t not in d.tags]
        if tags:
            body["tags"] = tags
        nsfw = d.options.get("nsfw")
        if nsfw:
            body["nsfw"] = list(nsfw)
        elif d.sensitive or d.content_warning:
            body["nsfw"] = [NSFW_OTHER]
        if d.community:
            body["container_guid"] = d.community
        if d.quote_of:
            body["remind_guid"] = d.quote_of
        activity = self._call("PUT", "/api/v3/newsfeed/activity", json=body, safe_to_repeat=False)
        return self._post(activity)

    def _find_earlier(self, attempt: _Attempt) -> str | None:
        """The post an earlier, ambiguous attempt made (``None``: a lookup shows it made none).

        Raises ``NetworkUnavailable`` where no lookup can tell (group posts):
        publishing again could post twice.
        """
        if attempt.reply_to is not None:
            return self._find_commented(attempt, attempt.reply_to)
        if attempt.community is not None:
            raise NetworkUnavailable(
                f"an earlier publish with this idempotency_key into group {attempt.community} got no "
                "answer, and group posts cannot be looked up: the post may exist. Check the group "
                "before publishing it again (with a new key)",
                network=NAME,
                retryable=False,
            )
        return self._find_posted(attempt)

    def _find_posted(self, attempt: _Attempt) -> str | None:
        """An earlier attempt's post in your channel: same text and quote, made since that attempt."""
        me = self.me()
        since = attempt.started - 120
        claimed = {a.post_id for a in self._attempts.records() if a.post_id}
        for post in self._paged(f"/api/v1/newsfeed/personal/{me.id}", 50):
            if post.reposted_by is not None:
                continue  # a plain remind shows its original's text and time: never the post sought
            if post.created_at.timestamp() < since:
                break
            if post.id in claimed:
                continue
            if post.text == attempt.text and post.quote_of == attempt.quote_of and post.community is None:
                return post.id
        return None

    def _find_commented(self, attempt: _Attempt, entity: str) -> str | None:
        """An earlier attempt's comment: yours, same text, made since that attempt."""
        me = self.me()
        since = attempt.started - 120
        claimed = {a.post_id for a in self._attempts.records() if a.post_id}
        for c in self._comments(entity):
            post = self._comment_post(c)
            if post.id in claimed or post.created_at.timestamp() < since:
                continue
            if post.author.id == me.id and post.text == attempt.text:
                return post.id
        return None

    def reply(self, to: PostRef, draft: Draft | str) -> Post:
        d = as_draft(draft)
        return self.publish(d.model_copy(update={"reply_to": self.post_id(to)}))

    def _comment(self, entity: str, text: str) -> Post:
        if entity.startswith(COMMENT_PREFIX):
            raise InvalidInput(
                "Minds comments on comments are not supported; reply to the post", network=NAME
            )
        body = self._call("POST", f"/api/v1/comments/{entity}", json={"comment": text}, safe_to_repeat=False)
        return self._comment_post(body.get("comment") or {})

    def repost(self, post: PostRef) -> Post | None:
        """A remind: the post shared unchanged (``Draft(quote_of=…)`` adds a comment)."""
        activity = self._call(
            "PUT",
            "/api/v3/newsfeed/activity",
            json={"message": "", "remind_guid": self.post_id(post), "access_id": 2},
            safe_to_repeat=False,
        )
        return self._post(activity)

    def delete(self, post: PostRef) -> None:
        """Delete a post or comment. A retried delete answered "not found" means the earlier
        attempt, whose answer was lost, deleted it: that is success, not ``NotFound``."""
        pid = self.post_id(post)
        if pid.startswith(COMMENT_PREFIX):
            _, guid = self._split_comment(pid)
            path = f"/api/v1/comments/{guid}"
        else:
            path = f"/api/v3/newsfeed/activity/urn:activity:{pid}"
        attempts = 0

        def once() -> None:
            nonlocal attempts
            attempts += 1
            try:
                self._send("DELETE", path, safe_to_repeat=True)
            except NotFound:
                if attempts == 1:
                    raise
                self.log.debug(
                    "delete of %s: not found on attempt %d, so an earlier attempt deleted it", pid, attempts
                )

        self._retry.call(once)

    # ------------------------------------------------------------ reading

    def get_post(self, id: str) -> Post:
        pid = self.post_id(id)
        if pid.startswith(COMMENT_PREFIX):
            entity, guid = self._split_comment(pid)
            for comment in self._comments(entity):
                if str(comment.get("guid")) == guid:
                    return self._comment_post(comment)
            raise NotFound(f"no Minds comment {guid} on {entity}", network=NAME)
        body = self._call("GET", f"/api/v1/newsfeed/single/{pid}")
        activity = body.get("activity")
        if not isinstance(activity, dict):
            raise NotFound(f"no Minds post {pid}", network=NAME)
        return self._post(activity)

    def _comments(self, entity: str) -> Iterator[dict[str, Any]]:
        offset = ""
        while True:
            params: dict[str, Any] = {"limit": 50}
            if offset:
                params["offset"] = offset
            body = self._call("GET", f"/api/v1/comments/{entity}", params=params)
            yield from body.get("comments") or []
            offset = str(body.get("load-next") or "")
            if not offset or not body.get("comments"):
                return

    @staticmethod
    def _split_comment(pid: str) -> tuple[str, str]:
        parts = pid[len(COMMENT_PREFIX) :].split(":")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise InvalidInput(f"malformed Minds comment id {pid!r}", network=NAME)
        return parts[0], parts[1]

    def timeline(self, *, limit: int | None = 20) -> Iterator[Post]:
        """The newsfeed: posts of the channels you subscribe to, and yours, newest first."""
        return self._paged("/api/v1/newsfeed", limit)

    def posts(self, account: AccountRef | None = None, *, limit: int | None = 20) -> Iterator[Post]:
        """A channel's posts (yours by default), newest first."""
        if account is None:
            guid = self.me().id
        elif isinstance(account, Account):
            guid = account.id
        else:
            guid = self.account(account).id
        return self._paged(f"/api/v1/newsfeed/personal/{guid}", limit)

    def _paged(self, path: str, limit: int | None) -> Iterator[Post]:
        def fetch(cursor: str | None, size: int) -> Page[Post, str]:
            params: dict[str, Any] = {"limit": size}
            if cursor:
                params["offset"] = cursor
            body = self._call("GET", path, params=params)
            items = [self._post(a) for a in body.get("activity") or []]
            nxt = str(body.get("load-next") or "") or None
            return Page(items, nxt)

        return paginate(fetch, limit=limit, page_size=self.page_size, key=lambda p: p.id)

    # ------------------------------------------------------------ conversion

    def _post(self, a: Mapping[str, Any]) -> Post:
        owner = self._account(a.get("ownerObj") or {"guid": a.get("owner_guid")})
        remind = a.get("remind_object") if isinstance(a.get("remind_object"), dict) else None
        message = str(a.get("message") or "")
        guid = str(a["guid"])
        container = str(a.get("container_guid") or "")
        community = container if container and container != str(a.get("owner_guid")) else None
        if remind is not None and not message:
            # A plain remind shows the original post, shared by this account.
            original = self._post(remind)
            return original.model_copy(update={"id": guid, "reposted_by": owner, "raw": dict(a)})
        nsfw = a.get("nsfw") or []
        tags = [str(t) for t in a.get("tags") or []]
        return Post(
            network=NAME,
            id=guid,
            url=a.get("perma_url") or f"https://www.minds.com/newsfeed/{guid}",
            author=owner,
            text=message,
            created_at=_time(a.get("time_created")),
            quote_of=str(remind["guid"]) if remind is not None else None,
            tags=tuple(tags) + tuple(t for t in textlib.hashtags(message) if t not in tags),
            mentions=textlib.mentions(message),
            links=textlib.links(message),
            community=community,
            content_warning="nsfw" if nsfw else None,
            visibility="public" if str(a.get("access_id", "2")) == "2" else None,
            metrics=Engagement(
                likes=a.get("thumbs:up:count"),
                replies=a.get("comments:count"),
                reposts=a.get("reminds"),
            ),
            raw=dict(a),
        )

    def _comment_post(self, c: Mapping[str, Any]) -> Post:
        entity = str(c.get("entity_guid"))
        text = str(c.get("description") or "")
        return Post(
            network=NAME,
            id=f"{COMMENT_PREFIX}{entity}:{c['guid']}",
            url=f"https://www.minds.com/newsfeed/{entity}",
            author=self._account(c.get("ownerObj") or {"guid": c.get("owner_guid")}),
            text=text,
            created_at=_time(c.get("time_created")),
            reply_to=entity,
            root_id=entity,
            mentions=textlib.mentions(text),
            links=textlib.links(text),
            visibility="public",
            raw=dict(c),
        )
