"""A contract server for the Threads Graph API, written from Meta's published documentation.

It answers the documented requests with the documented response shapes,
including the failure modes a client has to survive. It knows nothing of
decentsocial (it imports no project code) and is run as a real HTTP server:

    python -m tests.servers._threads_app --port 38300

Documented behaviour reproduced here:

* ``POST /v1.0/{user}/threads`` makes a media container (TEXT, IMAGE, VIDEO,
  CAROUSEL; text at most 500 characters, an emoji counting as its UTF-8
  bytes; image_url/video_url must be public http(s) URLs; carousel children
  2-20 items made with ``is_carousel_item``; reply_to_id, quote_post_id,
  topic_tag, alt_text, link_attachment, reply_control (everyone,
  accounts_you_follow, mentioned_only, parent_post_author_only,
  followers_only); more than 5 unique links in text and link_attachment:
  THREADS_API__LINK_LIMIT_EXCEEDED).
* ``GET /v1.0/{container}?fields=status,error_message``: IN_PROGRESS, FINISHED,
  ERROR (with FAILED_DOWNLOADING_VIDEO, INVALID_ASPEC_RATIO, UNKNOWN…),
  EXPIRED (not published within 24 hours), PUBLISHED.
* ``POST /v1.0/{user}/threads_publish?creation_id=`` publishes a container;
  a container not yet processed answers error subcode 4279009 (media not
  ready), a carousel whose child is not ready 4279004; 250 posts and 1,000
  replies per rolling 24 hours (``GET /{user}/threads_publishing_limit``; the
  reply quota fields need threads_manage_replies). A reply under someone
  else's root post needs threads_keyword_search or threads_manage_mentions.
* ``GET /{user}/threads`` (cursor paging), ``/{media}/replies``,
  ``/{media}/conversation``, ``POST /{reply}/manage_reply``, ``POST
  /{media}/repost``, ``DELETE /{media}``, ``GET /keyword_search``,
  ``GET /{user}/mentions``, ``GET /{media}/insights``, ``GET
  /{user}/threads_insights``, ``GET /profile_lookup``, ``GET /profile_posts``.
* OAuth: the consent page, the code and its exchange (``tests/servers/_threads_oauth.py``).
* Tokens: ``GET /access_token?grant_type=th_exchange_token`` (short-lived ->
  60-day), ``GET /refresh_access_token?grant_type=th_refresh_token`` (only
  for a long-lived token at least 24 hours old). An expired token answers
  Graph error code 190 (subcode 463).
* Errors use the Graph API shape ``{"error": {"message", "type", "code",
  "error_subcode", "fbtrace_id"}}``.

What a real server decides from the media itself is decided here from the
URL, so tests can ask for it: a URL containing ``fail-download`` ends in
ERROR/FAILED_DOWNLOADING_VIDEO, ``bad-aspect`` in ERROR/INVALID_ASPEC_RATIO,
``broken-image`` in ERROR/UNKNOWN; videos stay IN_PROGRESS for
``--video-seconds`` (``slow`` in the URL: ten times longer).

Test-only controls live under ``/_test/`` (users, clock, injected faults,
engagement counts, statistics); a real client never calls them. Faults:
``rate_limit`` (429), ``server_error`` (500 before doing anything),
``media_not_ready`` (subcode 4279009/4279004), ``publish_lost_response`` and
``delete_lost_response`` (done, then 500: the lost answer), ``token_not_json``
and ``token_without_token`` (a broken token answer), ``bad_timestamp`` (a
post whose timestamp is unreadable). ``--log-noise N`` writes N bytes to
stderr before serving (a chatty server).
"""

from __future__ import annotations

import argparse
import base64
import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import regex
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DAY = 86400
LONG_LIVED = 60 * DAY
SHORT_LIVED = 3600
ALL_SCOPES = (
    "threads_basic",
    "threads_content_publish",
    "threads_read_replies",
    "threads_manage_replies",
    "threads_manage_insights",
    "threads_keyword_search",
    "threads_manage_mentions",
    "threads_delete",
    "threads_profile_discovery",
)
MEDIA_FIELDS_DEFAULT = ("id",)


class GraphError(Exception):
    def __init__(
        self,
        message: str,
        *,
        code: int,
        subcode: int | None = None,
        kind: str = "OAuthException",
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.subcode = subcode
        self.kind = kind
        self.status = status
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {
            "message": self.message,
            "type": self.kind,
            "code": self.code,
            "fbtrace_id": secrets.token_urlsafe(8),
        }
        if self.subcode is not None:
            body["error_subcode"] = self.subcode
        return JSONResponse({"error": body}, status_code=self.status, headers=self.headers)


def not_found(object_id: str) -> GraphError:
    return GraphError(
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation.",
        code=100,
        subcode=33,
        kind="GraphMethodException",
    )


def no_permission() -> GraphError:
    return GraphError("(#10) Application does not have permission for this action", code=10)


def invalid_param(message: str) -> GraphError:
    return GraphError(f"(#100) {message}", code=100)


@dataclass
class Token:
    value: str
    user_id: str
    issued_at: float
    expires_at: float
    long_lived: bool


@dataclass
class User:
    id: str
    username: str
    name: str
    scopes: set[str]
    biography: str = ""
    followers: int = 0


@dataclass
class Container:
    id: str
    owner: str
    params: dict[str, str]
    created_at: float
    ready_at: float
    error_message: str | None = None
    published_media: str | None = None
    publish_calls: int = 0  # successful threads_publish calls
    publish_requests: int = 0  # every threads_publish request naming this container


@dataclass
class Media:
    id: str
    owner: str
    media_type: str
    text: str
    timestamp: float
    shortcode: str
    media_url: str | None = None
    alt_text: str | None = None
    children: list[str] = field(default_factory=list)
    reply_to: str | None = None
    root: str | None = None
    quoted: str | None = None
    reposted: str | None = None
    topic_tag: str | None = None
    link: str | None = None
    hidden: bool = False
    deleted: bool = False
    is_carousel_item: bool = False
    views: int = 0
    likes: int = 0
    shares: int = 0


class State:
    """Everything the server knows; one lock serialises requests (the suite is sequential anyway)."""

    def __init__(self, video_seconds: float, app_secret: str) -> None:
        self.lock = threading.Lock()
        self.video_seconds = video_seconds
        self.app_secret = app_secret
        #: The Threads app's id, as the app dashboard shows it (the OAuth client_id).
        self.app_id = "1000000000000001"
        self.clock_offset = 0.0
        self.ids = itertools.count(17_841_400_000_000_001)
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.containers: dict[str, Container] = {}
        self.media: dict[str, Media] = {}
        self.publishes: dict[str, list[tuple[float, bool]]] = {}  # user -> (time, is_reply)
        self.deletes: dict[str, list[float]] = {}
        self.faults: dict[str, int] = {}
        self.requests = 0

    def now(self) -> float:
        return time.time() + self.clock_offset

    def new_id(self) -> str:
        return str(next(self.ids))

    def fault(self, name: str) -> bool:
        left = self.faults.get(name, 0)
        if left > 0:
            self.faults[name] = left - 1
            return True
        return False


URL = regex.compile(r"https?://[^\s<>\"']+")
EMOJI = regex.compile(r"[\p{Emoji_Presentation}\uFE0F\u20E3]")


def text_length(text: str) -> int:
    """Documented: "Text posts are limited to 500 characters. Emojis are counted as the number
    of UTF-8 bytes." An emoji here is a grapheme shown as one (emoji presentation, VS16, keycap)."""
    return sum(len(g.encode("utf-8")) if EMOJI.search(g) else len(g) for g in regex.findall(r"\X", text))


def graph_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_fields(spec: str | None, default: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """``a,b{c,d},e`` -> [(a, []), (b, [c, d]), (e, [])] (one level of nesting, as used here)."""
    if not spec:
        return [(f, []) for f in default]
    out: list[tuple[str, list[str]]] = []
    depth, start = 0, 0
    parts: list[str] = []
    for i, ch in enumerate(spec):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(spec[start:i])
            start = i + 1
    parts.append(spec[start:])
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if "{" in part:
            name, _, rest = part.partition("{")
            out.append((name.strip(), [x.strip() for x in rest.rstrip("}").split(",") if x.strip()]))
        else:
            out.append((part, []))
    return out


class ThreadsApp:
    def __init__(self, state: State) -> None:
        self.s = state

    # ------------------------------------------------------------ plumbing

    async def params(self, request: Request) -> dict[str, str]:
        params = dict(request.query_params)
        if request.method in ("POST", "DELETE"):
            ctype = request.headers.get("content-type", "")
            if "json" in ctype:
                body = await request.json()
                params.update({k: v if isinstance(v, str) else _json_scalar(v) for k, v in body.items()})
            elif "form" in ctype:
                form = await request.form()
                params.update({k: str(v) for k, v in form.items()})
        return params

    def auth(self, request: Request, params: dict[str, str]) -> tuple[User, Token]:
        header = request.headers.get("authorization", "")
        value = header[7:].strip() if header.lower().startswith("bearer ") else params.get("access_token", "")
        if not value:
            raise GraphError(
                "An active access token must be used to query information about the current user.", code=2500
            )
        token = self.s.tokens.get(value)
        if token is None:
            raise GraphError("Invalid OAuth access token - Cannot parse access token", code=190)
        if token.expires_at <= self.s.now():
            expired = datetime.fromtimestamp(token.expires_at, timezone.utc)
            when = expired.strftime("%A, %d-%b-%y %H:%M:%S UTC")
            raise GraphError(
                f"Error validating access token: Session has expired on {when}. "
                f"The current time is {graph_time(self.s.now())}.",
                code=190,
                subcode=463,
            )
        return self.s.users[token.user_id], token

    def need(self, token_user: User, *scopes: str) -> None:
        if not set(scopes) <= token_user.scopes:
            raise no_permission()

    def user_ref(self, ref: str, me: User) -> User:
        if ref == "me" or ref == me.id:
            return me
        if ref in self.s.users:
            # Only the token's own user can be read through this node.
            raise no_permission()
        raise not_found(ref)

    async def handle(self, request: Request) -> Response:
        with self.s.lock:
            self.s.requests += 1
            if self.s.fault("rate_limit"):
                return GraphError(
                    "(#4) Application request limit reached", code=4, status=429, headers={"Retry-After": "1"}
                ).response()
            if self.s.fault("server_error"):
                return GraphError(
                    "An unexpected error has occurred. Please retry your request later.",
                    code=2,
                    kind="OAuthException",
                    status=500,
                ).response()
        params = await self.params(request)
        try:
            with self.s.lock:
                return self.route(request, params)
        except GraphError as err:
            return err.response()

    def route(self, request: Request, params: dict[str, str]) -> Response:
        path = request.url.path.strip("/").split("/")
        method = request.method
        if path == ["access_token"] and method == "GET":
            return self.exchange(params)
        if path == ["refresh_access_token"] and method == "GET":
            return self.refresh(params)
        if path[:1] == ["oauth"]:
            from tests.servers import _threads_oauth

            return _threads_oauth.route(
                self.s, method, path, params, GraphError, lambda uid: self.issue(uid, long_lived=False).value
            )
        if not path or path[0] != "v1.0" or len(path) < 2:
            raise GraphError("Unknown path components", code=2500)
        rest = path[1:]
        me, _token = self.auth(request, params)
        self.need(me, "threads_basic")
        if rest == ["keyword_search"] and method == "GET":
            return self.keyword_search(me, params)
        if rest == ["profile_lookup"] and method == "GET":
            return self.profile_lookup(me, params)
        if rest == ["profile_posts"] and method == "GET":
            return self.profile_posts(me, params)
        node = rest[0]
        edge = rest[1] if len(rest) > 1 else None
        if edge is None:
            if method == "GET":
                return self.get_node(node, me, params)
            if method == "DELETE":
                return self.delete_media(node, me)
            raise GraphError("Unsupported request", code=100)
        if node == "me" or node in self.s.users:
            user = self.user_ref(node, me)
            handler = {
                ("POST", "threads"): self.create_container,
                ("POST", "threads_publish"): self.publish,
                ("GET", "threads"): self.user_threads,
                ("GET", "replies"): self.user_replies,
                ("GET", "threads_publishing_limit"): self.publishing_limit,
                ("GET", "mentions"): self.mentions,
                ("GET", "threads_insights"): self.user_insights,
            }.get((method, edge))
            if handler is None:
                raise GraphError(f"Unknown edge {edge}", code=100)
            return handler(user, params)
        media = self.live_media(node)
        handler2 = {
            ("GET", "replies"): self.replies,
            ("GET", "conversation"): self.conversation,
            ("GET", "insights"): self.media_insights,
            ("POST", "manage_reply"): self.manage_reply,
            ("POST", "repost"): self.repost,
        }.get((method, edge))
        if handler2 is None:
            raise GraphError(f"Unknown edge {edge}", code=100)
        return handler2(media, me, params)

    # ------------------------------------------------------------ tokens

    def exchange(self, params: dict[str, str]) -> Response:
        if params.get("grant_type") != "th_exchange_token":
            raise invalid_param("grant_type must be th_exchange_token")
        if params.get("client_secret") != self.s.app_secret:
            raise GraphError("Error validating client secret.", code=1, kind="OAuthException")
        with_token = self.s.tokens.get(params.get("access_token", ""))
        if with_token is None or with_token.expires_at <= self.s.now():
            raise GraphError("Invalid OAuth access token - Cannot parse access token", code=190)
        if with_token.long_lived:
            raise invalid_param("access_token must be a short-lived token")
        fresh = self.issue(with_token.user_id, long_lived=True)
        return self.token_answer(fresh)

    def refresh(self, params: dict[str, str]) -> Response:
        if params.get("grant_type") != "th_refresh_token":
            raise invalid_param("grant_type must be th_refresh_token")
        old = self.s.tokens.get(params.get("access_token", ""))
        if old is None or old.expires_at <= self.s.now():
            raise GraphError("Error validating access token: Session has expired.", code=190, subcode=463)
        if not old.long_lived:
            raise invalid_param("Only long-lived tokens can be refreshed")
        if self.s.now() - old.issued_at < DAY:
            raise invalid_param("The token must be at least 24 hours old to be refreshed")
        fresh = self.issue(old.user_id, long_lived=True)
        return self.token_answer(fresh)

    def token_answer(self, fresh: Token) -> Response:
        # Faults for a broken token endpoint (e.g. an HTML error page from a proxy, a changed shape).
        if self.s.fault("token_not_json"):
            return Response("<html><body>Service Unavailable</body></html>", media_type="text/html")
        if self.s.fault("token_without_token"):
            return JSONResponse({"token_type": "bearer", "expires_in": LONG_LIVED})
        return JSONResponse({"access_token": fresh.value, "token_type": "bearer", "expires_in": LONG_LIVED})

    def issue(self, user_id: str, *, long_lived: bool, expires_in: float | None = None) -> Token:
        now = self.s.now()
        life = expires_in if expires_in is not None else (LONG_LIVED if long_lived else SHORT_LIVED)
        prefix = "THL" if long_lived else "THS"
        token = Token(prefix + secrets.token_urlsafe(24), user_id, now, now + life, long_lived)
        self.s.tokens[token.value] = token
        return token

    # ------------------------------------------------------------ nodes

    def live_media(self, media_id: str) -> Media:
        media = self.s.media.get(media_id)
        if media is None or media.deleted:
            raise not_found(media_id)
        return media

    def get_node(self, node: str, me: User, params: dict[str, str]) -> Response:
        if node == "me" or node in self.s.users:
            return JSONResponse(self.user_json(self.user_ref(node, me), params.get("fields")))
        container = self.s.containers.get(node)
        if container is not None:
            if container.owner != me.id:
                raise not_found(node)
            out: dict[str, Any] = {"id": container.id}
            status, error = self.status(container)
            wanted = [f for f, _ in parse_fields(params.get("fields"), ("id",))]
            if "status" in wanted:
                out["status"] = status
            if "error_message" in wanted and error:
                out["error_message"] = error
            return JSONResponse(out)
        return JSONResponse(self.media_json(self.live_media(node), params.get("fields"), me))

    def user_json(self, user: User, fields: str | None) -> dict[str, Any]:
        values: dict[str, Any] = {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "threads_profile_picture_url": f"https://scontent.example/{user.username}.jpg",
            "threads_biography": user.biography,
        }
        return {f: values[f] for f, _ in parse_fields(fields, ("id",)) if f in values}

    def media_json(
        self, m: Media, fields: str | None, me: User, *, hide_owner: bool = False
    ) -> dict[str, Any]:
        owner = self.s.users[m.owner]
        values: dict[str, Any] = {
            "id": m.id,
            "media_product_type": "THREADS",
            "media_type": m.media_type,
            "permalink": f"https://www.threads.net/@{owner.username}/post/{m.shortcode}",
            "username": owner.username,
            "text": m.text,
            "timestamp": "last Tuesday" if self.s.fault("bad_timestamp") else graph_time(m.timestamp),
            "shortcode": m.shortcode,
            "is_quote_post": m.quoted is not None,
            "has_replies": any(r.reply_to == m.id and not r.deleted for r in self.s.media.values()),
            "is_reply": m.reply_to is not None,
            "hide_status": ("HIDDEN" if m.hidden else "NOT_HUSHED") if m.reply_to else None,
        }
        if not hide_owner:
            values["owner"] = {"id": m.owner}
        if m.media_url:
            values["media_url"] = m.media_url
        if m.alt_text:
            values["alt_text"] = m.alt_text
        if m.topic_tag:
            values["topic_tag"] = m.topic_tag
        if m.link:
            values["link_attachment_url"] = m.link
        if m.quoted:
            values["quoted_post"] = {"id": m.quoted}
        if m.reposted:
            values["reposted_post"] = {"id": m.reposted}
        if m.reply_to:
            values["replied_to"] = {"id": m.reply_to}
            values["root_post"] = {"id": m.root}
        out: dict[str, Any] = {}
        for name, sub in parse_fields(fields, MEDIA_FIELDS_DEFAULT):
            if name == "children" and m.children:
                kids = [self.s.media[c] for c in m.children]
                sub_fields = ",".join(sub) if sub else "id"
                out["children"] = {"data": [self.media_json(k, sub_fields, me) for k in kids]}
            elif name in values and values[name] is not None:
                out[name] = values[name]
        return out

    def page(
        self, items: list[Media], params: dict[str, str], me: User, *, hide_owner: bool = False
    ) -> Response:
        try:
            limit = int(params.get("limit", "25"))
        except ValueError:
            raise invalid_param("limit must be an integer") from None
        if limit < 0:
            raise invalid_param("limit must be non-negative")
        limit = min(limit or 25, 100)
        start = 0
        if params.get("after"):
            try:
                start = int(base64.urlsafe_b64decode(params["after"].encode()).decode())
            except ValueError:
                raise invalid_param("Invalid cursor") from None
        chunk = items[start : start + limit]
        body: dict[str, Any] = {
            "data": [self.media_json(m, params.get("fields"), me, hide_owner=hide_owner) for m in chunk]
        }
        if chunk:

            def enc(i: int) -> str:
                return base64.urlsafe_b64encode(str(i).encode()).decode()

            body["paging"] = {"cursors": {"before": enc(start), "after": enc(start + len(chunk))}}
            if start + len(chunk) < len(items):
                body["paging"]["next"] = f"/v1.0/...?after={enc(start + len(chunk))}"
        return JSONResponse(body)

    def visible(self) -> list[Media]:
        return [m for m in self.s.media.values() if not m.deleted and not m.is_carousel_item]

    # ------------------------------------------------------------ publishing

    def create_container(self, user: User, params: dict[str, str]) -> Response:
        self.need(user, "threads_content_publish")
        media_type = params.get("media_type", "").upper()
        if media_type not in ("TEXT", "IMAGE", "VIDEO", "CAROUSEL"):
            raise invalid_param("The parameter media_type must be TEXT, IMAGE, VIDEO or CAROUSEL")
        text = params.get("text", "")
        if text_length(text) > 500:
            raise invalid_param("Param text must be at most 500 characters long.")
        is_item = params.get("is_carousel_item", "false").lower() == "true"
        if is_item and media_type not in ("IMAGE", "VIDEO"):
            raise invalid_param("Carousel items must be IMAGE or VIDEO")
        if media_type == "TEXT" and not text:
            raise invalid_param("The parameter text is required for TEXT posts")
        url_param = {"IMAGE": "image_url", "VIDEO": "video_url"}.get(media_type)
        url = params.get(url_param, "") if url_param else ""
        if url_param:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise invalid_param(f"Param {url_param} must be a valid public URL")
        if params.get("link_attachment") and media_type != "TEXT":
            raise invalid_param("link_attachment is only available for TEXT posts")
        links = {u.rstrip(".,;:!?)]}'\"") for u in URL.findall(text)} | (
            {params["link_attachment"]} if params.get("link_attachment") else set()
        )
        if len(links) > 5:
            raise invalid_param("THREADS_API__LINK_LIMIT_EXCEEDED: a post can contain at most 5 unique links")
        controls = (
            "everyone",
            "accounts_you_follow",
            "mentioned_only",
            "parent_post_author_only",
            "followers_only",
        )
        if params.get("reply_control") is not None and params["reply_control"] not in controls:
            raise invalid_param(f"reply_control must be one of: {', '.join(controls)}")
        tag = params.get("topic_tag")
        if tag is not None and (not 1 <= len(tag) <= 50 or "." in tag or "&" in tag):
            raise invalid_param("topic_tag must be 1-50 characters and contain no periods or ampersands")
        if params.get("reply_to_id"):
            parent = self.live_media(params["reply_to_id"])
            root = self.s.media[parent.root or parent.id]
            # Documented: reply only under your own root post, or with either of these scopes.
            if (
                root.owner != user.id
                and not {"threads_keyword_search", "threads_manage_mentions"} & user.scopes
            ):
                raise no_permission()
        if params.get("quote_post_id"):
            self.live_media(params["quote_post_id"])
        if media_type == "CAROUSEL":
            children = [c for c in params.get("children", "").split(",") if c]
            if not 2 <= len(children) <= 20:
                raise invalid_param("A carousel must have between 2 and 20 children")
            for child in children:
                c = self.s.containers.get(child)
                if c is None or c.owner != user.id or c.params.get("is_carousel_item", "").lower() != "true":
                    raise invalid_param(f"Invalid carousel child {child}")
        now = self.s.now()
        delay = 0.0
        error = None
        if media_type == "VIDEO":
            delay = self.s.video_seconds * (10 if "slow" in url else 1)
        if "fail-download" in url:
            error = "FAILED_DOWNLOADING_VIDEO"
        elif "bad-aspect" in url:
            error = "INVALID_ASPEC_RATIO"
        elif "broken-image" in url:
            error = "UNKNOWN"
        container = Container(
            self.s.new_id(), user.id, {**params, "media_type": media_type}, now, now + delay, error
        )
        container.params.pop("access_token", None)
        self.s.containers[container.id] = container
        return JSONResponse({"id": container.id})

    def status(self, c: Container) -> tuple[str, str | None]:
        if c.published_media:
            return "PUBLISHED", None
        now = self.s.now()
        if now - c.created_at > DAY:
            return "EXPIRED", None
        if now < c.ready_at:
            return "IN_PROGRESS", None
        if c.error_message:
            return "ERROR", c.error_message
        if c.params["media_type"] == "CAROUSEL":
            for child in c.params["children"].split(","):
                child_status, _ = self.status(self.s.containers[child])
                if child_status == "ERROR":
                    return "ERROR", "UNKNOWN"
                if child_status == "IN_PROGRESS":
                    return "IN_PROGRESS", None
        return "FINISHED", None

    def publishing_usage(self, user: User) -> tuple[int, int]:
        cutoff = self.s.now() - DAY
        log = [(t, r) for t, r in self.s.publishes.get(user.id, []) if t > cutoff]
        self.s.publishes[user.id] = log
        return sum(1 for _, r in log if not r), sum(1 for _, r in log if r)

    def publish(self, user: User, params: dict[str, str]) -> Response:
        self.need(user, "threads_content_publish")
        cid = params.get("creation_id", "")
        c = self.s.containers.get(cid)
        if c is None or c.owner != user.id:
            raise invalid_param("Param creation_id must be a valid media container id")
        c.publish_requests += 1
        status, error = self.status(c)
        if status == "PUBLISHED":
            raise invalid_param("The media container has already been published")
        if status == "EXPIRED":
            raise invalid_param("The media container has expired; create a new one")
        if status == "ERROR":
            raise invalid_param(f"The media container failed to process: {error}")
        if status == "IN_PROGRESS" or self.s.fault("media_not_ready"):
            subcode = 4279004 if c.params["media_type"] == "CAROUSEL" else 4279009
            raise GraphError(
                "The media is not ready to be published. Please wait a moment.", code=24, subcode=subcode
            )
        is_reply = bool(c.params.get("reply_to_id"))
        posts, replies = self.publishing_usage(user)
        if (replies >= 1000) if is_reply else (posts >= 250):
            raise GraphError(
                "(#4) The user has reached the Threads publishing limit of "
                + ("1000 replies" if is_reply else "250 posts")
                + " per 24 hours",
                code=4,
            )
        media = self.materialise(c, user)
        c.published_media = media.id
        c.publish_calls += 1
        self.s.publishes.setdefault(user.id, []).append((self.s.now(), is_reply))
        if self.s.fault("publish_lost_response"):
            # The post is made but the answer never arrives: the ambiguous failure.
            return GraphError(
                "An unexpected error has occurred. Please retry your request later.", code=2, status=500
            ).response()
        return JSONResponse({"id": media.id})

    def materialise(self, c: Container, user: User, *, carousel_item: bool = False) -> Media:
        p = c.params
        kind = {"TEXT": "TEXT_POST", "IMAGE": "IMAGE", "VIDEO": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}[
            p["media_type"]
        ]
        media = Media(
            id=self.s.new_id(),
            owner=user.id,
            media_type=kind,
            text=p.get("text", ""),
            timestamp=self.s.now(),
            shortcode=secrets.token_urlsafe(8).replace("-", "x").replace("_", "y"),
            media_url=p.get("image_url") or p.get("video_url"),
            alt_text=p.get("alt_text"),
            topic_tag=p.get("topic_tag"),
            link=p.get("link_attachment"),
            quoted=p.get("quote_post_id"),
            is_carousel_item=carousel_item,
        )
        if p.get("reply_to_id"):
            parent = self.s.media[p["reply_to_id"]]
            media.reply_to = parent.id
            media.root = parent.root or parent.id
        if kind == "CAROUSEL_ALBUM":
            for child in p["children"].split(","):
                cc = self.s.containers[child]
                item = self.materialise(cc, user, carousel_item=True)
                cc.published_media = item.id
                media.children.append(item.id)
        self.s.media[media.id] = media
        return media

    def publishing_limit(self, user: User, params: dict[str, str]) -> Response:
        self.need(user, "threads_content_publish")
        posts, replies = self.publishing_usage(user)
        cutoff = self.s.now() - DAY
        deletes = len([t for t in self.s.deletes.get(user.id, []) if t > cutoff])
        values: dict[str, Any] = {
            "quota_usage": posts,
            "config": {"quota_total": 250, "quota_duration": DAY},
            "reply_quota_usage": replies,
            "reply_config": {"quota_total": 1000, "quota_duration": DAY},
            "delete_quota_usage": deletes,
            "delete_config": {"quota_total": 100, "quota_duration": DAY},
        }
        wanted = [f for f, _ in parse_fields(params.get("fields"), ("quota_usage", "config"))]
        if {"reply_quota_usage", "reply_config"} & set(wanted):
            self.need(user, "threads_manage_replies")  # documented for the reply quota fields
        return JSONResponse({"data": [{k: values[k] for k in wanted if k in values}]})

    # ------------------------------------------------------------ reading

    def user_threads(self, user: User, params: dict[str, str]) -> Response:
        items = [m for m in self.visible() if m.owner == user.id and m.reply_to is None]
        items = self.window(items, params)
        return self.page(sorted(items, key=lambda m: (-m.timestamp, -int(m.id))), params, user)

    def user_replies(self, user: User, params: dict[str, str]) -> Response:
        self.need(user, "threads_read_replies")
        items = [m for m in self.visible() if m.owner == user.id and m.reply_to is not None]
        items = self.window(items, params)
        return self.page(sorted(items, key=lambda m: (-m.timestamp, -int(m.id))), params, user)

    def window(self, items: list[Media], params: dict[str, str]) -> list[Media]:
        since = float(params["since"]) if params.get("since") else None
        until = float(params["until"]) if params.get("until") else None
        return [
            m
            for m in items
            if (since is None or m.timestamp >= since) and (until is None or m.timestamp <= until)
        ]

    def replies(self, media: Media, me: User, params: dict[str, str]) -> Response:
        self.need(me, "threads_read_replies")
        items = [m for m in self.visible() if m.reply_to == media.id]
        return self.ordered(items, params, me)

    def conversation(self, media: Media, me: User, params: dict[str, str]) -> Response:
        self.need(me, "threads_read_replies")
        root = media.root or media.id
        items = [m for m in self.visible() if m.root == root and m.id != media.id and m.reply_to is not None]
        if media.root:  # a reply's conversation: its descendants only
            items = [m for m in items if self.descends(m, media.id)]
        return self.ordered(items, params, me)

    def descends(self, m: Media, ancestor: str) -> bool:
        while m.reply_to:
            if m.reply_to == ancestor:
                return True
            m = self.s.media[m.reply_to]
        return False

    def ordered(self, items: list[Media], params: dict[str, str], me: User) -> Response:
        reverse = params.get("reverse", "true").lower() != "false"
        items = sorted(items, key=lambda m: (m.timestamp, int(m.id)), reverse=reverse)
        return self.page(items, params, me)

    def keyword_search(self, me: User, params: dict[str, str]) -> Response:
        self.need(me, "threads_keyword_search")
        q = params.get("q", "").strip()
        if not q:
            raise invalid_param("The parameter q is required")
        mode = params.get("search_mode", "KEYWORD").upper()
        if mode == "TAG":
            items = [m for m in self.visible() if (m.topic_tag or "").lower() == q.lstrip("#").lower()]
        else:
            items = [m for m in self.visible() if q.lower() in m.text.lower()]
        items = self.window(items, params)
        items.sort(key=lambda m: (-m.timestamp, -int(m.id)))
        return self.page(items, params, me, hide_owner=True)

    def mentions(self, user: User, params: dict[str, str]) -> Response:
        self.need(user, "threads_manage_mentions")
        marker = f"@{user.username}".lower()
        items = [m for m in self.visible() if m.owner != user.id and marker in m.text.lower()]
        items.sort(key=lambda m: (-m.timestamp, -int(m.id)))
        return self.page(items, params, user)

    def profile_lookup(self, me: User, params: dict[str, str]) -> Response:
        self.need(me, "threads_profile_discovery")
        name = params.get("username", "").lstrip("@")
        user = next((u for u in self.s.users.values() if u.username == name), None)
        if user is None:
            raise not_found(name)
        posts = [m for m in self.visible() if m.owner == user.id]
        return JSONResponse(
            {
                "username": user.username,
                "name": user.name,
                "profile_picture_url": f"https://scontent.example/{user.username}.jpg",
                "biography": user.biography,
                "is_verified": False,
                "follower_count": user.followers,
                "likes_count": sum(m.likes for m in posts),
                "quotes_count": 0,
                "replies_count": 0,
                "reposts_count": 0,
                "views_count": sum(m.views for m in posts),
            }
        )

    def profile_posts(self, me: User, params: dict[str, str]) -> Response:
        self.need(me, "threads_profile_discovery")
        name = params.get("username", "").lstrip("@")
        user = next((u for u in self.s.users.values() if u.username == name), None)
        if user is None:
            raise not_found(name)
        items = [m for m in self.visible() if m.owner == user.id and m.reply_to is None]
        items.sort(key=lambda m: (-m.timestamp, -int(m.id)))
        return self.page(items, params, me)

    # ------------------------------------------------------------ actions

    def manage_reply(self, media: Media, me: User, params: dict[str, str]) -> Response:
        self.need(me, "threads_manage_replies")
        if media.reply_to is None:
            raise invalid_param("Only replies can be hidden")
        root = self.s.media[media.root or media.reply_to]
        if root.owner != me.id:
            raise no_permission()
        if media.reply_to != root.id:
            raise invalid_param("Only top-level replies can be hidden or unhidden")
        hide = params.get("hide", "").lower()
        if hide not in ("true", "false"):
            raise invalid_param("The parameter hide must be true or false")
        media.hidden = hide == "true"
        return JSONResponse({"success": True})

    def repost(self, media: Media, me: User, params: dict[str, str]) -> Response:
        self.need(me, "threads_content_publish")
        item = Media(
            id=self.s.new_id(),
            owner=me.id,
            media_type="REPOST_FACADE",
            text="",
            timestamp=self.s.now(),
            shortcode=secrets.token_urlsafe(8),
            reposted=media.id,
        )
        self.s.media[item.id] = item
        if self.s.fault("repost_lost_response"):
            # Reposted, but the answer never arrives.
            return GraphError(
                "An unexpected error has occurred. Please retry your request later.", code=2, status=500
            ).response()
        return JSONResponse({"id": item.id})

    def delete_media(self, node: str, me: User) -> Response:
        self.need(me, "threads_delete")
        media = self.live_media(node)
        if media.owner != me.id:
            raise no_permission()
        cutoff = self.s.now() - DAY
        log = [t for t in self.s.deletes.get(me.id, []) if t > cutoff]
        if len(log) >= 100:
            raise GraphError("(#4) The user has reached the limit of 100 deletions per 24 hours", code=4)
        log.append(self.s.now())
        self.s.deletes[me.id] = log
        media.deleted = True
        if self.s.fault("delete_lost_response"):
            # Deleted, but the answer never arrives.
            return GraphError(
                "An unexpected error has occurred. Please retry your request later.", code=2, status=500
            ).response()
        return JSONResponse({"success": True, "deleted_id": media.id})

    # ------------------------------------------------------------ insights

    def counts(self, m: Media) -> dict[str, int]:
        live = self.visible()
        return {
            "views": m.views,
            "likes": m.likes,
            # Documented: a root post counts its total replies, a reply only its direct ones.
            "replies": sum(1 for x in live if (x.root == m.id if m.reply_to is None else x.reply_to == m.id)),
            "reposts": sum(1 for x in self.s.media.values() if x.reposted == m.id and not x.deleted),
            "quotes": sum(1 for x in live if x.quoted == m.id),
            "shares": m.shares,
        }

    def media_insights(self, media: Media, me: User, params: dict[str, str]) -> Response:
        self.need(me, "threads_manage_insights")
        if media.owner != me.id:
            raise no_permission()
        counts = self.counts(media)
        metrics = [x for x in params.get("metric", "").split(",") if x]
        if not metrics:
            raise invalid_param("The parameter metric is required")
        if media.media_type == "REPOST_FACADE":
            # Documented: "An empty array will be returned for REPOST_FACADE posts because they are
            # posts made by other users."
            return JSONResponse({"data": []})
        data = []
        for name in metrics:
            if name not in counts:
                raise invalid_param(f"metric[{metrics.index(name)}] must be one of: {', '.join(counts)}")
            data.append(
                {
                    "name": name,
                    "period": "lifetime",
                    "values": [{"value": counts[name]}],
                    "title": name.capitalize(),
                    "description": f"The number of {name} of your post.",
                    "id": f"{media.id}/insights/{name}/lifetime",
                }
            )
        return JSONResponse({"data": data})

    def user_insights(self, user: User, params: dict[str, str]) -> Response:
        self.need(user, "threads_manage_insights")
        metrics = [x for x in params.get("metric", "").split(",") if x]
        known = ("views", "likes", "replies", "reposts", "quotes", "clicks", "followers_count")
        now = self.s.now()
        until = float(params.get("until") or now)
        since = float(params.get("since") or until - 2 * DAY)
        mine = [m for m in self.visible() if m.owner == user.id and since <= m.timestamp <= until]
        data = []
        for name in metrics:
            if name not in known:
                raise invalid_param(f"metric must be one of: {', '.join(known)}")
            entry: dict[str, Any] = {
                "name": name,
                "period": "day",
                "title": name.replace("_", " ").capitalize(),
                "description": f"{name} of your profile",
                "id": f"{user.id}/insights/{name}/day",
            }
            if name == "views":
                days: dict[int, int] = {}
                for m in mine:
                    day_end = (int(m.timestamp) // DAY + 1) * DAY
                    days[day_end] = days.get(day_end, 0) + m.views
                entry["values"] = [{"value": v, "end_time": graph_time(k)} for k, v in sorted(days.items())]
            elif name == "followers_count":
                entry["total_value"] = {"value": user.followers}
            elif name == "clicks":
                entry["link_total_values"] = []
            else:
                entry["total_value"] = {"value": sum(self.counts(m)[name] for m in mine)}
            data.append(entry)
        return JSONResponse({"data": data})

    # ------------------------------------------------------------ test controls

    async def control(self, request: Request) -> Response:
        what = request.path_params["what"]
        body = await request.json() if request.method == "POST" else {}
        with self.s.lock:
            if what == "health":
                return JSONResponse({"ok": True})
            if what == "users":
                return self.make_user(body)
            if what == "clock":
                self.s.clock_offset += float(body.get("advance", 0))
                return JSONResponse({"now": self.s.now()})
            if what == "faults":
                for name, count in body.items():
                    self.s.faults[name] = int(count)
                return JSONResponse(self.s.faults)
            if what == "engage":
                media = self.s.media[body["id"]]
                for key in ("views", "likes", "shares"):
                    setattr(media, key, int(body.get(key, getattr(media, key))))
                return JSONResponse({"ok": True})
            if what == "seed":
                # Posts made earlier (e.g. by the Threads app), to fill the 24 h quota.
                user = self.s.users[body["user_id"]]
                for _ in range(int(body["count"])):
                    media = Media(
                        self.s.new_id(),
                        user.id,
                        "TEXT_POST",
                        body.get("text", "seeded"),
                        self.s.now(),
                        secrets.token_urlsafe(8),
                    )
                    self.s.media[media.id] = media
                    self.s.publishes.setdefault(user.id, []).append((self.s.now(), False))
                return JSONResponse({"ok": True})
            if what == "stats":
                return JSONResponse(
                    {
                        "requests": self.s.requests,
                        "containers": len(self.s.containers),
                        "media": len([m for m in self.s.media.values() if not m.deleted]),
                        "publish_calls": {c.id: c.publish_calls for c in self.s.containers.values()},
                        "publish_requests": {c.id: c.publish_requests for c in self.s.containers.values()},
                    }
                )
        return JSONResponse({"error": "unknown control"}, status_code=404)

    def make_user(self, body: dict[str, Any]) -> Response:
        uid = self.s.new_id()
        username = body.get("username") or f"user{uid[-6:]}"
        scopes = set(body.get("scopes") or ALL_SCOPES) | {"threads_basic"}
        user = User(
            uid,
            username,
            body.get("name", username.title()),
            scopes,
            body.get("biography", ""),
            int(body.get("followers", 0)),
        )
        self.s.users[uid] = user
        long_lived = bool(body.get("long_lived", True))
        token = self.issue(uid, long_lived=long_lived, expires_in=body.get("expires_in"))
        return JSONResponse(
            {
                "id": uid,
                "username": username,
                "access_token": token.value,
                "expires_at": token.expires_at,
                "app_secret": self.s.app_secret,
                "app_id": self.s.app_id,
            }
        )


def _json_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def create_app(video_seconds: float = 0.3, app_secret: str = "contract-app-secret") -> Starlette:
    app = ThreadsApp(State(video_seconds, app_secret))
    methods = ["GET", "POST", "DELETE"]
    return Starlette(
        routes=[
            Route("/_test/{what}", app.control, methods=["GET", "POST"]),
            Route("/{path:path}", app.handle, methods=methods),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--video-seconds", type=float, default=0.3)
    parser.add_argument(
        "--log-noise",
        type=int,
        default=0,
        help="write this many bytes to stderr before serving (a chatty server)",
    )
    args = parser.parse_args()
    if args.log_noise:
        import sys

        sys.stderr.write("warning: noisy start\n" * (args.log_noise // 21 + 1))
        sys.stderr.flush()
    import uvicorn

    uvicorn.run(create_app(args.video_seconds), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
