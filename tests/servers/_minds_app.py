"""A contract server for the Minds endpoints its own apps use (Minds has no supported third-party API).

Written from the request and response shapes the Minds engine serves to its
web and mobile apps; it imports no decentsocial code and runs as a real HTTP
server:

    python -m tests.servers._minds_app --port 38310

Endpoints reproduced:

* ``POST /api/v3/oauth/token``: the mobile app's password grant
  (``grant_type=password, client_id=mobile, username, password``) and
  ``grant_type=refresh_token``; access tokens last 72 hours; the refresh
  token is rotated on use. An account with two-factor authentication
  answers 401 with ``errorId`` ``Minds::Core::Security::TwoFactor::TwoFactorRequiredException``
  unless the code comes in the ``X-MINDS-2FA-CODE`` header.
* ``GET /api/v1/channel/:username`` (``me`` for the caller).
* ``PUT /api/v3/newsfeed/activity`` (``message``, ``tags``, ``nsfw``,
  ``access_id``, ``remind_guid`` for a remind or quote, ``container_guid``
  for a group, ``url`` with ``title``, ``description`` and ``thumbnail`` for
  a rich embed); ``POST /api/v3/newsfeed/activity/:guid`` edits one
  (``message``, ``tags``, ``nsfw``; the owner only; ``edited`` and
  ``time_updated`` set); ``DELETE /api/v3/newsfeed/activity/:urn``. Both
  writes keep ``rawurldecode(message)``, as the engine's activity controller
  does (``%20`` is stored as a space, ``%25`` as ``%``). A delete of a post
  that is not there answers HTTP 200 ``{"status": "error", "message": "The
  post does not appear to exist"}``, as that controller does.
* ``GET /api/v1/newsfeed`` (the subscribed feed), ``GET
  /api/v1/newsfeed/personal/:guid`` (a channel's posts), ``GET
  /api/v1/newsfeed/single/:guid``; paged with ``limit`` and ``offset`` /
  ``load-next``.
* ``POST /api/v1/comments/:guid`` (``comment``), ``GET
  /api/v1/comments/:guid``, ``GET /api/v1/comments/:guid/:comment_guid/:path`` (one comment:
  ``comments`` holds it, or nothing when it is not there), ``POST
  /api/v1/comments/update/:luid`` (an edit: ``comment``, the owner only; answered
  ``{"status": "success"}`` alone, no comment, as the engine's controller answers it),
  ``DELETE /api/v1/comments/:luid``. A comment is
  exported as the engine's ``Core/Comments/Comment.php`` does
  (``MindsApp.export_comment``): ``guid`` and ``luid`` hold its LUID (the
  base64 JSON of ``Luid::build``), ``_guid`` its guid, ``entity_guid`` its
  post's, ``urn`` ``urn:comment:<post>:0:0:0:<guid>``; ``body`` and ``description``
  hold a text over 1,500 characters cut to them, then ``...`` (``Comment::getBody``).
  A delete names the comment by its LUID, read from the URL path as
  sent (undecoded, as the engine's router reads it), as ``Manager::getByLuid``
  does; digits are looked up only among legacy comments (this server has
  none: "Comment not found"). The listing
  pages as the engine's v1 comments controller does (``MindsApp.comments_page``):
  newest page first (``descending`` defaults to true), each page oldest first
  within it, ``limit`` 5 by default, older pages by the opaque ``token`` its
  ``load-previous`` gives, ``offset`` / ``include_offset`` from a guid; no
  ``load-next``. A delete of a comment that is not there answers HTTP 200
  ``{"status": "error", "message": "Comment not found"}``, as that controller does; the comment's
  owner and the post's may delete it, anyone else gets HTTP 200 ``{"status": "error", "message":
  "You can not delete this comment"}``. A comment on a post that is not there (or deleted) answers
  HTTP 200 ``{"status": "error", "message": "We could not find that post"}``.
* Errors: ``{"status": "error", "message": …}`` with the HTTP status; an
  expired or unknown token is 401; 429 with ``Retry-After`` when throttled;
  a malformed (non-numeric) guid on a read is 400. ``newsfeed/single`` of a
  missing or deleted post, and ``channel/:name`` of an unknown user, answer
  as the engine's v1 controllers do: HTTP 200 with ``{"status": "error"}``
  (no message; "The user could not be found").

Links, as the engine makes them: an activity's answer names no page of its
own (the engine's ``Activity::getURL``, ``<site_url>newsfeed/<guid>``, is not
exported; its apps build that link on their own server, so a self-hosted
engine's posts are on its host, never on minds.com). ``perma_url`` is a rich
embed's link only, any page the poster chose, and absent otherwise. A comment
carries its ``partition_path`` (``0:0:0``: a comment on the post itself; no
replies to comments are made here).

Mentions, as the engine makes them (``Core/Notification/Events.php`` on ``create`` of an activity or
comment, ``Core/Entities/TaggedUsersService``): every ``@`` followed by ``[a-zA-Z0-9_]+``
(``Common/Regex::AT``, no look-behind, byte-wise) names the username it reads, lower-cased; the first
five such names that are users are tagged (each is notified, but the post's or comment's own author),
also where the run is only the start of a longer name (``@alice@mastodon.social`` tags ``alice`` and
``mastodon``). An edit tags nobody. ``GET /_test/notifications`` lists the tags made.

Faults a test can inject: ``rate_limit`` (429), ``server_error_after_write``
(a post, comment or delete is done, then 500: the lost answer),
``token_not_json`` and ``token_without_token`` (a broken token answer),
``comment_edit_not_saved`` (a comment edit answered as done but not saved, as the engine answers an
edit whose save failed), ``repeat_cursor`` (a listing answers its first page and the same
``load-next``, or for comments ``load-previous``, whatever it is asked for).

Where engine versions differ, ``/_test/engine`` chooses: ``remind_export`` ``remind_object`` (the
default: a plain remind exported as itself, the original in ``remind_object``) or ``subtype`` (as the
newest engine's ``Activity::export``: the original's own export with ``subtype: remind``, the reminder
in ``remind_users`` and the remind's ``urn``; its ``guid`` is the original's).

Test-only controls live under ``/_test/`` (users, groups, subscriptions,
clock, faults, engine, statistics).
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ACCESS_LIFETIME = 72 * 3600
REFRESH_LIFETIME = 30 * 24 * 3600
TWO_FACTOR_ERROR = "Minds::Core::Security::TwoFactor::TwoFactorRequiredException"
#: The engine's ``Regex::AT`` (PHP, without ``u``: ASCII only, so U+2060 after an ``@`` names no one).
ENGINE_AT = re.compile(r"(?:@)([a-zA-Z0-9_]+)")
#: ``TaggedUsersService::getUsersFromText``'s limit.
TAG_LIMIT = 5
#: ``Comment::getBody`` exports a longer body as its first this many characters (``mb_substr``), then ``...``.
BODY_CUT = 1500


class MindsError(Exception):
    def __init__(
        self, status: int, message: str, *, error_id: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_id = error_id
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {"status": "error", "message": self.message}
        if self.error_id:
            body["errorId"] = self.error_id
        return JSONResponse(body, status_code=self.status, headers=self.headers)


@dataclass
class User:
    guid: str
    username: str
    password: str
    name: str
    two_factor_code: str | None = None
    subscriptions: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)


@dataclass
class Activity:
    guid: str
    owner: str
    message: str
    time_created: float
    tags: list[str]
    nsfw: list[int]
    container: str
    remind: str | None = None
    deleted: bool = False
    time_updated: float | None = None
    #: A rich embed (link card): ``perma_url``, ``title``, ``blurb``, ``thumbnail_src``.
    embed: dict[str, str] = field(default_factory=dict)


@dataclass
class Comment:
    guid: str
    entity: str
    owner: str
    text: str
    time_created: float
    deleted: bool = False
    time_updated: float | None = None


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids = itertools.count(1_500_000_000_000_000_001)
        self.clock_offset = 0.0
        self.users: dict[str, User] = {}
        self.groups: dict[str, str] = {}  # guid -> name
        self.access: dict[str, tuple[str, float]] = {}  # token -> (user guid, expires)
        self.refresh: dict[str, tuple[str, float]] = {}
        self.activities: dict[str, Activity] = {}
        self.comments: dict[str, Comment] = {}
        self.faults: dict[str, int] = {}
        #: How this server answers where engine versions differ (``/_test/engine``): ``remind_export``
        #: ``remind_object`` (a plain remind as itself, the original in ``remind_object``) or ``subtype``
        #: (as the newest engine: the original's export, ``subtype: remind``, the remind's ``urn``).
        self.engine: dict[str, str] = {"remind_export": "remind_object"}
        #: Tag notifications made: ``to``, ``from`` (user guids) and ``entity_urn``.
        self.notifications: list[dict[str, str]] = []
        self.requests = 0
        self.logins = 0

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


class MindsApp:
    def __init__(self, state: State) -> None:
        self.s = state

    async def body(self, request: Request) -> dict[str, Any]:
        if request.method not in ("POST", "PUT"):
            return {}
        ctype = request.headers.get("content-type", "")
        if "json" in ctype:
            data = await request.json()
            return data if isinstance(data, dict) else {}
        form = await request.form()
        return {k: str(v) for k, v in form.items()}

    async def handle(self, request: Request) -> Response:
        with self.s.lock:
            self.s.requests += 1
            if self.s.fault("rate_limit"):
                return MindsError(
                    429, "You are being rate limited, please try again later.", headers={"Retry-After": "1"}
                ).response()
        body = await self.body(request)
        try:
            with self.s.lock:
                return self.route(request, body)
        except MindsError as err:
            return err.response()

    def route(self, request: Request, body: dict[str, Any]) -> Response:
        parts = request.url.path.strip("/").split("/")
        method = request.method
        if parts[:3] == ["api", "v3", "oauth"] and parts[3:] == ["token"] and method == "POST":
            return self.token(request, body)
        user = self.auth(request)
        q = request.query_params
        if parts[:3] == ["api", "v1", "channel"] and len(parts) == 4 and method == "GET":
            return self.channel(parts[3], user)
        if parts[:4] == ["api", "v3", "newsfeed", "activity"]:
            if method == "PUT" and len(parts) == 4:
                return self.post(user, body)
            if method == "POST" and len(parts) == 5:
                return self.edit(user, parts[4], body)
            if method == "DELETE" and len(parts) == 5:
                return self.delete(user, parts[4])
        if parts[:3] == ["api", "v1", "newsfeed"]:
            if len(parts) == 3 and method == "GET":
                owners = user.subscriptions | {user.guid}
                feed = [a for a in self.live() if a.owner in owners and a.container in owners]
                return self.page(feed, q, "activity")
            if len(parts) == 5 and parts[3] == "personal" and method == "GET":
                owner = self.s.users.get(parts[4])
                if owner is None:
                    raise MindsError(404, "The channel could not be found")
                feed = [a for a in self.live() if a.owner == owner.guid and a.container == owner.guid]
                return self.page(feed, q, "activity")
            if len(parts) == 5 and parts[3] == "single" and method == "GET":
                if not parts[4].isdigit():
                    raise MindsError(400, "Invalid guid")
                activity = self.s.activities.get(parts[4])
                if activity is None or activity.deleted:
                    # As the engine's v1 controller answers it: Factory::response(['status' => 'error']).
                    return JSONResponse({"status": "error"})
                return JSONResponse({"status": "success", "activity": self.export(activity)})
        if parts[:3] == ["api", "v1", "comments"] and len(parts) >= 4:
            # The engine's router splits the path as sent, never percent-decoded: ``pages`` are its
            # segments after the controller's name.
            raw = request.scope.get("raw_path") or request.url.path.encode()
            pages = raw.decode("latin-1").strip("/").split("/")[3:]
            if method == "POST" and pages[0] == "update" and len(pages) == 2:
                return self.edit_comment(user, pages[1], body)
            if method == "POST" and len(pages) == 1:
                return self.comment(user, parts[3], body)
            if method == "GET" and len(pages) <= 3:
                path = (
                    pages[2]
                    if len(pages) == 3
                    else f"{q.get('parent_guid_l1') or 0}:{q.get('parent_guid_l2') or 0}:0"
                )
                if len(pages) >= 2 and pages[1] != "0":
                    return self.single_comment(pages[0], path, pages[1])
                if path != "0:0:0":  # no replies to comments are made here: their threads are empty
                    return JSONResponse({"status": "success", "comments": [], "load-previous": ""})
                return self.comments_page(parts[3], q)
            if method == "DELETE" and len(pages) == 1:
                return self.delete_comment(user, pages[0])
        raise MindsError(404, "Endpoint not found")

    # ------------------------------------------------------------ auth

    def token(self, request: Request, body: dict[str, Any]) -> Response:
        grant = body.get("grant_type")
        if body.get("client_id") != "mobile":
            raise MindsError(401, "Client authentication failed", error_id="invalid_client")
        if grant == "password":
            self.s.logins += 1
            user = next(
                (
                    u
                    for u in self.s.users.values()
                    if u.username.lower() == str(body.get("username", "")).lower()
                ),
                None,
            )
            if user is None or not secrets.compare_digest(user.password, str(body.get("password", ""))):
                return JSONResponse(
                    {
                        "error": "invalid_grant",
                        "error_description": "The user credentials were incorrect.",
                        "message": "The user credentials were incorrect.",
                        "status": "error",
                    },
                    status_code=401,
                )
            if user.two_factor_code is not None:
                code = request.headers.get("x-minds-2fa-code")
                if code != user.two_factor_code:
                    raise MindsError(
                        401,
                        "Two factor authentication is required for this account",
                        error_id=TWO_FACTOR_ERROR,
                    )
            return self.token_answer(user.guid)
        if grant == "refresh_token":
            old = str(body.get("refresh_token", ""))
            entry = self.s.refresh.pop(old, None)
            if entry is None or entry[1] <= self.s.now():
                return JSONResponse(
                    {
                        "error": "invalid_request",
                        "error_description": "The refresh token is invalid.",
                        "message": "The refresh token is invalid.",
                        "status": "error",
                    },
                    status_code=401,
                )
            return self.token_answer(entry[0])
        raise MindsError(
            400, "The authorization grant type is not supported", error_id="unsupported_grant_type"
        )

    def token_answer(self, guid: str) -> Response:
        if self.s.fault("token_not_json"):
            return Response("<html><body>502 Bad Gateway</body></html>", media_type="text/html")
        if self.s.fault("token_without_token"):
            return JSONResponse({"token_type": "Bearer", "expires_in": ACCESS_LIFETIME})
        return JSONResponse(self.issue(guid))

    def issue(self, guid: str) -> dict[str, Any]:
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        now = self.s.now()
        self.s.access[access] = (guid, now + ACCESS_LIFETIME)
        self.s.refresh[refresh] = (guid, now + REFRESH_LIFETIME)
        return {
            "token_type": "Bearer",
            "expires_in": ACCESS_LIFETIME,
            "access_token": access,
            "refresh_token": refresh,
        }

    def auth(self, request: Request) -> User:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        entry = self.s.access.get(token)
        if entry is None or entry[1] <= self.s.now():
            raise MindsError(401, "The resource owner or authorization server denied the request.")
        return self.s.users[entry[0]]

    # ------------------------------------------------------------ reading

    def live(self) -> list[Activity]:
        return sorted(
            (a for a in self.s.activities.values() if not a.deleted),
            key=lambda a: (-a.time_created, -int(a.guid)),
        )

    def page(self, items: list[Any], q: Any, key: str) -> Response:
        try:
            limit = max(1, min(int(q.get("limit", "12")), 150))
        except ValueError:
            raise MindsError(400, "limit must be a number") from None
        offset = q.get("offset") or ""
        start = 0
        if self.s.fault("repeat_cursor"):
            # A broken (or hostile) server: the first page again, and the same load-next, for ever.
            chunk = items[:limit]
            export_ = self.export if key == "activity" else self.export_comment
            next_ = chunk[-1].guid if chunk else "1"
            return JSONResponse({"status": "success", key: [export_(x) for x in chunk], "load-next": next_})
        if offset:
            ids = [x.guid for x in items]
            if offset not in ids:
                return JSONResponse({"status": "success", key: [], "load-next": ""})
            start = ids.index(offset) + 1
        chunk = items[start : start + limit]
        export = self.export if key == "activity" else self.export_comment
        more = start + limit < len(items)
        return JSONResponse(
            {
                "status": "success",
                key: [export(x) for x in chunk],
                "load-next": chunk[-1].guid if chunk and more else "",
            }
        )

    def comments_page(self, entity: str, q: Any) -> Response:
        """``GET /api/v1/comments/:guid`` as the engine's v1 comments controller pages it.

        ``descending`` (default: anything but ``false``) lists newest first by guid; ``limit`` defaults
        to 5; ``offset`` starts at a guid (``include_offset``, default true, keeps it); ``token`` is an
        opaque paging state (Cassandra's there) that goes on in the same direction. A descending page
        is sent reversed, oldest first within it, and ``load-previous`` holds the token for the next
        page (``""`` at the end; a full last page still gets one, whose page is empty, as Cassandra
        does). An unreadable token is an empty page, as the engine's caught query error is. There is
        no ``load-next``: the v1 controller sends none.
        """
        try:
            limit = max(1, min(int(q.get("limit", "5")), 150))
        except ValueError:
            raise MindsError(400, "limit must be a number") from None
        descending = q.get("descending", "true") != "false"
        live = [c for c in self.s.comments.values() if c.entity == entity and not c.deleted]
        items = sorted(live, key=lambda c: int(c.guid), reverse=descending)
        if self.s.fault("repeat_cursor"):
            # A broken (or hostile) server: the first page again, and the same token, for ever.
            chunk = items[:limit]
            shown = chunk[::-1] if descending else chunk
            return JSONResponse(
                {
                    "status": "success",
                    "comments": [self.export_comment(c) for c in shown],
                    "load-previous": "c2FtZQ==",
                }
            )
        offset = q.get("offset") or ""
        if offset.isdigit():
            at = int(offset)
            keep = q.get("include_offset", "true") != "false"
            if descending:
                items = [c for c in items if int(c.guid) < at or (keep and int(c.guid) == at)]
            else:
                items = [c for c in items if int(c.guid) > at or (keep and int(c.guid) == at)]
        token = q.get("token") or ""
        if token:
            try:
                state = json.loads(base64.b64decode(token, validate=True))
                after, was_descending = int(state["after"]), bool(state["descending"])
            except (ValueError, KeyError, TypeError):
                return JSONResponse({"status": "success", "comments": [], "load-previous": ""})
            if was_descending != descending:
                return JSONResponse({"status": "success", "comments": [], "load-previous": ""})
            items = [c for c in items if (int(c.guid) < after if descending else int(c.guid) > after)]
        chunk = items[:limit]
        paging = ""
        if len(chunk) == limit:
            state_ = {"after": chunk[-1].guid, "descending": descending}
            paging = base64.b64encode(json.dumps(state_).encode()).decode()
        shown = chunk[::-1] if descending else chunk
        return JSONResponse(
            {
                "status": "success",
                "comments": [self.export_comment(c) for c in shown],
                "load-previous": paging,
                "socketRoomName": f"comments:{entity}:0:0:0",
            }
        )

    def single_comment(self, entity: str, path: str, guid: str) -> Response:
        """``GET /api/v1/comments/:entity/:guid/:path``, as the engine's v1 comments controller answers
        it (``Manager::get``, then ``Repository::get``): ``comments`` holds that one comment, by post,
        partition path and guid, or nothing when it is not there (a 200, no error). A path that is not
        three numbers (``0%3A0%3A0``: the router does not decode it) finds nothing; a guid that is not
        a number fails the engine's query (a Cassandra ``Varint`` of it), a server error."""
        if not guid.isdigit():
            raise MindsError(500, "Internal server error")
        c = self.s.comments.get(guid)
        found = c is not None and not c.deleted and c.entity == entity and path == "0:0:0"
        return JSONResponse(
            {"status": "success", "comments": [self.export_comment(c)] if found and c else []}
        )

    def tag(self, author: str, text: str, urn: str) -> None:
        """The engine's tags on creating an activity or comment: the users its ``@`` names read."""
        tagged: list[User] = []
        for name in ENGINE_AT.findall(text):
            user = next((u for u in self.s.users.values() if u.username.lower() == name.lower()), None)
            if user is not None:
                tagged.append(user)
            if len(tagged) >= TAG_LIMIT:
                break
        for user in tagged:
            if user.guid != author:  # the author is not told of their own post
                self.s.notifications.append({"to": user.guid, "from": author, "entity_urn": urn})

    def owner_obj(self, guid: str) -> dict[str, Any]:
        u = self.s.users[guid]
        return {"guid": u.guid, "type": "user", "username": u.username, "name": u.name}

    def export(self, a: Activity) -> dict[str, Any]:
        if a.remind and not a.message and self.s.engine["remind_export"] == "subtype":
            # The newest engine's ``Activity::export`` of a plain remind: the original's export (a
            # remind of a remind: the innermost), marked, naming the reminder and the remind's urn.
            return {
                **self.export(self.s.activities[a.remind]),
                "subtype": "remind",
                "remind_users": [self.owner_obj(a.owner)],
                "urn": f"urn:activity:{a.guid}",
            }
        owner = self.s.users[a.owner]
        out: dict[str, Any] = {
            "guid": a.guid,
            "type": "activity",
            "urn": f"urn:activity:{a.guid}",
            "owner_guid": a.owner,
            "ownerObj": self.owner_obj(a.owner),
            "container_guid": a.container,
            "message": a.message,
            "time_created": str(int(a.time_created)),
            "time_updated": str(int(a.time_updated or a.time_created)),
            "edited": a.time_updated is not None,
            "tags": a.tags,
            "nsfw": a.nsfw,
            "access_id": "2",
            "thumbs:up:count": 0,
            "comments:count": sum(
                1 for c in self.s.comments.values() if c.entity == a.guid and not c.deleted
            ),
            "reminds": sum(1 for x in self.s.activities.values() if x.remind == a.guid and not x.deleted),
            "remind_object": None,
            "username": owner.username,
            **a.embed,
        }
        if a.remind:
            original = self.s.activities[a.remind]
            out["remind_object"] = {**self.export(original), "quoted_post": bool(a.message)}
        return out

    @staticmethod
    def luid(c: Comment) -> str:
        """``Comment::getLuid`` built as ``Luid::build`` does: its components' JSON, keys sorted
        (``ksort``), base64-encoded (``json_encode`` leaves these ASCII values as they are)."""
        parts = {
            "_type": "comment",
            "entity_guid": c.entity,
            "partition_path": "0:0:0",
            "parent_path": "0:0:0",
            "child_path": f"{c.guid}:0:0",
            "guid": c.guid,
        }
        return base64.b64encode(
            json.dumps(dict(sorted(parts.items())), separators=(",", ":")).encode()
        ).decode()

    def export_comment(self, c: Comment) -> dict[str, Any]:
        """``Comment::export``: the exportable members in snake case, then ``_extendExport`` over
        them (``guid`` becomes the LUID, the guid moves to ``_guid``; ``urn`` first). ``body`` and
        ``description`` are ``getBody()``: a text over 1,500 characters cut to them, then ``...``
        (the stored text is kept whole). Votes are those of a stored
        (not ephemeral) comment; ``spam`` and ``deleted`` are left out, as for a reader who may not
        see them."""
        luid = self.luid(c)
        body = c.text[:BODY_CUT] + "..." if len(c.text) > BODY_CUT else c.text  # ``getBody``
        return {
            "urn": f"urn:comment:{c.entity}:0:0:0:{c.guid}",
            "type": "comment",
            "entity_guid": c.entity,
            "parent_guid_l1": "0",
            "parent_guid_l2": "0",
            "guid": luid,
            "replies_count": 0,
            "owner_guid": c.owner,
            "time_created": int(c.time_created),
            "time_updated": int(c.time_updated or c.time_created),
            "body": body,
            "attachments": [],
            "mature": False,
            "edited": c.time_updated is not None,
            "_guid": c.guid,
            "luid": luid,
            "partition_path": "0:0:0",
            "parent_path": "0:0:0",
            "child_path": f"{c.guid}:0:0",
            "ownerObj": self.owner_obj(c.owner),
            "description": body,
            "thumbs:up:user_guids": [],
            "thumbs:up:count": 0,
            "thumbs:down:user_guids": [],
            "thumbs:down:count": 0,
            "thumbnails": {"xlarge": None, "large": None},
            "can_reply": True,
        }

    def comment_by_luid(self, key: str) -> Comment | None:
        """``Manager::getByLuid``: a LUID (strict base64 of a JSON object with ``_type``) names the
        comment by post, partition and guid; anything else is no LUID, and digits (18 or more) are
        looked up among legacy comments only, which this server has none of."""
        try:
            parts = json.loads(base64.b64decode(key, validate=True))
        except ValueError:
            return None
        if not isinstance(parts, dict) or "_type" not in parts:
            return None
        c = self.s.comments.get(str(parts.get("guid")))
        if c is None or c.entity != str(parts.get("entity_guid")) or parts.get("partition_path") != "0:0:0":
            return None
        return c

    def channel(self, name: str, me: User) -> Response:
        user = (
            me
            if name == "me"
            else next(
                (u for u in self.s.users.values() if u.username.lower() == name.lower() or u.guid == name),
                None,
            )
        )
        if user is None:
            # As the engine's v1 channel controller answers it: a 200 with status "error".
            return JSONResponse({"status": "error", "message": "The user could not be found"})
        return JSONResponse(
            {
                "status": "success",
                "channel": {
                    **self.owner_obj(user.guid),
                    "briefdescription": "",
                    "subscribers_count": sum(
                        1 for u in self.s.users.values() if user.guid in u.subscriptions
                    ),
                    "subscriptions_count": len(user.subscriptions),
                    "time_created": "1700000000",
                },
            }
        )

    # ------------------------------------------------------------ writing

    def post(self, user: User, body: dict[str, Any]) -> Response:
        message = unquote(str(body.get("message") or ""))  # the engine's rawurldecode
        remind = body.get("remind_guid")
        if remind is not None:
            original = self.s.activities.get(str(remind))
            if original is None or original.deleted:
                raise MindsError(404, "The post to remind could not be found")
        if not message.strip() and remind is None and not body.get("attachment_guids"):
            raise MindsError(400, "An activity must have a message or an attachment")
        container = str(body.get("container_guid") or user.guid)
        if container != user.guid:
            if container not in self.s.groups:
                raise MindsError(404, "The group could not be found")
            if container not in user.groups:
                raise MindsError(403, "You are not a member of this group")
        tags = body.get("tags") or []
        nsfw = body.get("nsfw") or []
        if not isinstance(tags, list) or not isinstance(nsfw, list):
            raise MindsError(400, "tags and nsfw must be arrays")
        if any(not isinstance(n, int) or not 1 <= n <= 6 for n in nsfw):
            raise MindsError(400, "nsfw reasons are numbers from 1 to 6")
        activity = Activity(
            self.s.new_id(),
            user.guid,
            message,
            self.s.now(),
            [str(t).lower().lstrip("#") for t in tags],
            nsfw,
            container,
            str(remind) if remind is not None else None,
            embed=self.embed(body),
        )
        self.s.activities[activity.guid] = activity
        # The engine reads the message, then the title (a rich embed's) after it.
        self.tag(user.guid, message + activity.embed.get("title", ""), f"urn:activity:{activity.guid}")
        if self.s.fault("server_error_after_write"):
            raise MindsError(500, "Internal server error")
        return JSONResponse(self.export(activity))

    @staticmethod
    def embed(body: dict[str, Any]) -> dict[str, str]:
        """A rich embed, as the engine's activity controller sets one (``setURL`` and the rest, each
        ``rawurldecode``d but the thumbnail) when ``url`` comes without attachments: stored as sent."""
        if "url" not in body or body.get("attachment_guids"):
            return {}
        return {
            "perma_url": unquote(str(body.get("url") or "")),
            "title": unquote(str(body.get("title") or "")),
            "blurb": unquote(str(body.get("description") or "")),
            "thumbnail_src": str(body.get("thumbnail") or ""),
        }

    def edit(self, user: User, guid: str, body: dict[str, Any]) -> Response:
        activity = self.s.activities.get(guid)
        if activity is None or activity.deleted:
            raise MindsError(404, "The post could not be found")
        if activity.owner != user.guid:
            raise MindsError(403, "You can not edit this post")
        message = unquote(str(body.get("message") or ""))  # the engine's rawurldecode
        if not message.strip() and activity.remind is None:
            raise MindsError(400, "An activity must have a message or an attachment")
        tags = body.get("tags") or []
        nsfw = body.get("nsfw") or []
        if not isinstance(tags, list) or not isinstance(nsfw, list):
            raise MindsError(400, "tags and nsfw must be arrays")
        activity.message = message
        activity.tags = [str(t).lower().lstrip("#") for t in tags]
        activity.nsfw = [n for n in nsfw if isinstance(n, int)]
        activity.time_updated = self.s.now()
        return JSONResponse(self.export(activity))

    def delete(self, user: User, urn: str) -> Response:
        guid = urn.rsplit(":", 1)[-1]
        activity = self.s.activities.get(guid)
        if activity is None or activity.deleted:
            # As the engine's v3 activity controller answers it: a 200 with status "error".
            return JSONResponse({"status": "error", "message": "The post does not appear to exist"})
        if activity.owner != user.guid:
            raise MindsError(403, "You can not delete this post")
        activity.deleted = True
        if self.s.fault("server_error_after_write"):
            raise MindsError(500, "Internal server error")
        return JSONResponse({"status": "success"})

    def comment(self, user: User, entity: str, body: dict[str, Any]) -> Response:
        target = self.s.activities.get(entity)
        if target is None or target.deleted:
            # As the engine's v1 comments controller answers it: a 200 with status "error".
            return JSONResponse({"status": "error", "message": "We could not find that post"})
        text = str(body.get("comment") or "")
        if not text.strip():
            raise MindsError(400, "You must enter a message")
        c = Comment(self.s.new_id(), entity, user.guid, text, self.s.now())
        self.s.comments[c.guid] = c
        self.tag(user.guid, text, f"urn:comment:{entity}:0:0:0:{c.guid}")
        if self.s.fault("server_error_after_write"):
            raise MindsError(500, "Internal server error")
        return JSONResponse({"status": "success", "comment": self.export_comment(c)})

    def edit_comment(self, user: User, luid: str, body: dict[str, Any]) -> Response:
        """``POST /api/v1/comments/update/:luid`` as the engine's v1 comments controller does it: the
        comment by its LUID (undecoded), its owner only, else a 200 ``{"status": "error"}`` ("This
        comment can not be edited"); ``comment`` is the new text (``description`` when no ``title``
        and a ``description`` come: the mobile apps' fallback), stored as sent, the comment marked
        edited. The answer is ``{"status": "success"}`` alone: the controller sends no comment back,
        and sends that even when its save failed (fault ``comment_edit_not_saved``)."""
        c = self.comment_by_luid(luid)
        if c is None or c.deleted or c.owner != user.guid:
            return JSONResponse({"status": "error", "message": "This comment can not be edited"})
        content = body.get("comment")
        if not body.get("title") and body.get("description"):
            content = body.get("description")
        if not content and not body.get("attachment_guid"):
            return JSONResponse({"status": "error", "message": "You must enter a message"})
        if not self.s.fault("comment_edit_not_saved"):
            c.text = str(content or "")
            c.time_updated = self.s.now()
        if self.s.fault("server_error_after_write"):
            raise MindsError(500, "Internal server error")
        return JSONResponse({"status": "success"})

    def delete_comment(self, user: User, luid: str) -> Response:
        c = self.comment_by_luid(luid)
        if c is None or c.deleted:
            # As the engine's v1 comments controller answers it: a 200 with status "error".
            return JSONResponse({"status": "error", "message": "Comment not found"})
        post = self.s.activities.get(c.entity)
        if c.owner != user.guid and (post is None or post.owner != user.guid):
            # The engine lets the comment's owner and the post's delete it; others get a 200 error.
            return JSONResponse({"status": "error", "message": "You can not delete this comment"})
        c.deleted = True
        if self.s.fault("server_error_after_write"):
            raise MindsError(500, "Internal server error")
        return JSONResponse({"status": "success"})

    # ------------------------------------------------------------ test controls

    async def control(self, request: Request) -> Response:
        what = request.path_params["what"]
        body = await request.json() if request.method == "POST" else {}
        with self.s.lock:
            if what == "health":
                return JSONResponse({"ok": True})
            if what == "users":
                guid = self.s.new_id()
                username = body.get("username") or f"minder{guid[-6:]}"
                password = body.get("password") or secrets.token_urlsafe(12)
                self.s.users[guid] = User(
                    guid, username, password, username.title(), body.get("two_factor_code")
                )
                return JSONResponse({"guid": guid, "username": username, "password": password})
            if what == "subscribe":
                self.s.users[body["user"]].subscriptions.add(body["to"])
                return JSONResponse({"ok": True})
            if what == "groups":
                guid = self.s.new_id()
                self.s.groups[guid] = body.get("name", "group")
                for member in body.get("members", []):
                    self.s.users[member].groups.add(guid)
                return JSONResponse({"guid": guid})
            if what == "clock":
                self.s.clock_offset += float(body.get("advance", 0))
                return JSONResponse({"now": self.s.now()})
            if what == "faults":
                for name, count in body.items():
                    self.s.faults[name] = int(count)
                return JSONResponse(self.s.faults)
            if what == "engine":
                self.s.engine.update({k: str(v) for k, v in body.items()})
                return JSONResponse(self.s.engine)
            if what == "notifications":
                return JSONResponse(self.s.notifications)
            if what == "stats":
                return JSONResponse(
                    {
                        "requests": self.s.requests,
                        "logins": self.s.logins,
                        "activities": len([a for a in self.s.activities.values() if not a.deleted]),
                        "comments": len([c for c in self.s.comments.values() if not c.deleted]),
                    }
                )
        return JSONResponse({"error": "unknown control"}, status_code=404)


def create_app() -> Starlette:
    app = MindsApp(State())
    return Starlette(
        routes=[
            Route("/_test/{what}", app.control, methods=["GET", "POST"]),
            Route("/{path:path}", app.handle, methods=["GET", "POST", "PUT", "DELETE"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Minds contract server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    import uvicorn

    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
