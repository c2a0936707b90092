"""Minds over the endpoints its own apps use: the ``BaseNetwork`` hooks. EXPERIMENTAL.

Minds publishes no supported third-party API: this backend speaks the
mobile app's OAuth password grant and the engine's newsfeed, channel and
comment endpoints (``transport.py``). They can change without notice, so
connecting warns (:class:`MindsExperimentalWarning`) and the docs say so.

A comment is read in one request (``GET /api/v1/comments/:post/:comment/0:0:0``) and edited by its
LUID (``POST /api/v1/comments/update/:luid``), then read back: the engine answers an edit it failed
to save as done.

Publishing is never repeated automatically: ``PUT /api/v3/newsfeed/activity``
and comments are not idempotent, so after an ambiguous failure a retry with
the same ``Draft.idempotency_key`` first looks for the post among the
channel's newest posts (a reply: among the post's comments), and refuses to
publish again where no such lookup exists (group posts) or where its listing
stopped before the server said there is nothing older (:class:`_Reach`).
"""

from __future__ import annotations

import itertools
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

from ... import errors
from ... import text as textlib
from ...base import BaseNetwork
from ...coerce import as_dict, as_list, as_str, malformed
from ...idempotency import PublishLog, PublishRecord, draft_digest, may_have_happened
from ...models import Account, Draft, Post
from ...network import PUBLISHING, READING, AccountRef, Capability, PostRef
from ...paging import Page
from ...retry import RetryPolicy
from . import convert
from .convert import COMMENT_PREFIX, guid, read_text, segment
from .failures import NAME
from .settings import MindsSettings
from .transport import MindsApi

__all__ = ["MindsExperimentalWarning", "MindsNetwork"]

#: How many of your newest posts a repost looks through for your earlier repost of the same post.
REPOST_LOOKBACK = 25
#: How far before an attempt started its post may be dated (clocks differ).
CLOCK_SLACK = 120


class MindsExperimentalWarning(UserWarning):
    """Minds has no supported third-party API; this backend may break when Minds changes."""


@dataclass
class _Reach:
    """Whether a listing reached the end the server gave: its last page was a list naming no page
    before it, or an empty one. A listing also stops on a cursor sent again or a page of nothing new
    (:func:`~decentsocial.paging.paginate`), and a malformed page reads as empty: a lookup that took
    such a stop for "not there" would publish a second time."""

    ended: bool = False
    #: Why the listing stopped, when it did not reach the end.
    why: str = "no page was read"

    def saw(self, listed: Any, page: Page[Any, str]) -> None:
        """Note the page just fetched (``listed``: its list as the server sent it)."""
        if isinstance(listed, list):
            self.ended = page.next_cursor is None or not listed
            self.why = "the server sent a page cursor again, or a page of nothing new"
        else:
            self.ended, self.why = False, "the server sent a malformed page, without its list"


def _may_be_by(item: Any, me: str) -> bool:
    """Whether an item that cannot be read may be ``me``'s: it names no other owner."""
    owners = {
        as_str(as_dict(item).get("owner_guid")),
        as_str(as_dict(as_dict(item).get("ownerObj")).get("guid")),
    }
    owners.discard(None)
    owners.discard("")
    return not owners or me in owners


@dataclass(kw_only=True)
class MindsAttempt(PublishRecord):
    """A publish that may or may not have reached Minds, remembered by idempotency key."""

    started: float
    community: str | None = None


class MindsNetwork(BaseNetwork[MindsSettings]):
    """Minds (experimental): publish, reply, remind, delete, newsfeed and channel posts."""

    name: ClassVar[str] = NAME
    resolves_publish_keys = True  # its publish log resumes a publish from its records
    Settings: ClassVar[type[MindsSettings]] = MindsSettings
    #: Reading; writing (no media uploads); exactly-once publishing by lookup.
    capabilities = READING | PUBLISHING | {Capability.TIMELINE, Capability.EDIT}
    lacks: ClassVar[dict[Capability, str]] = {
        Capability.PIN: "the Minds app API this backend speaks has no documented call to pin a post",
        Capability.MESSAGING: "the Minds API this backend uses offers no direct messages",  # issue 14
    }
    page_size: ClassVar[int] = 50

    @property
    def identity(self) -> str:
        """The server and the username."""
        return f"{self.settings.base_url}:{self.settings.username}"

    def __init__(self, settings: MindsSettings | None = None, *, retry: RetryPolicy | None = None) -> None:
        super().__init__(settings, retry=retry)
        self._api = MindsApi(self.settings, retry=self.retry)
        #: The server's web address, where its links point (a self-hosted engine's are its own):
        #: the engine's ``site_url``, which serves the API under ``/api`` as ``base_url`` does.
        self._site = self.settings.base_url.rstrip("/")
        self._own: Account | None = None
        self._attempts = PublishLog(
            MindsAttempt, self.settings.state_path, network=NAME, scope=self.state_scope
        )
        self.release_on_collect(self._api.close)
        warnings.warn(
            "the Minds backend is experimental: Minds has no supported third-party API, so it uses the "
            "endpoints Minds' own apps use, which may change without notice",
            MindsExperimentalWarning,
            stacklevel=3,
        )

    def close(self) -> None:
        """Close the HTTP connection (it reopens if the connection is used again)."""
        self._api.close()

    # ------------------------------------------------------------ session

    @property
    def token_expires_at(self) -> datetime | None:
        """When the current access token expires (UTC); ``None`` before logging in."""
        return self._api.session.expires_at if self._api.session else None

    def login(self) -> None:
        """Log in with the password grant (done on first use; call it to fail early)."""
        self._api.login()

    def refresh(self) -> None:
        """Exchange the refresh token for a new access token (logging in again if that fails)."""
        self._api.refresh()

    # ------------------------------------------------------------ profile

    def _me(self) -> Account:
        if self._own is None:  # kept only when it has a guid: a malformed answer is not remembered
            own = convert.account(
                as_dict(self._api.call("GET", "/api/v1/channel/me").get("channel")), site=self._site
            )
            self._channel_guid(own)
            self._own = own
        return self._own

    def _account(self, handle: str) -> Account:
        body = self._api.call("GET", f"/api/v1/channel/{segment(convert.channel_name(handle))}")
        return convert.asked_channel(
            as_dict(body.get("channel")), convert.channel_name(handle), site=self._site
        )

    def post_id(self, post: PostRef) -> str:
        """The id of a ``Post`` or an id string; a plain remind read as the post it shares is that post,
        as a boost is on other networks: a reply to it or a remind of it is of the original (``delete``
        alone takes the remind itself)."""
        if isinstance(post, Post):
            original = convert.reminded_id(post)
            if original is not None:
                return original
        return super().post_id(post)

    def _channel_guid(self, account: Account) -> str:
        """The guid of a channel the server described (a channel without one is a malformed answer)."""
        if not convert.is_guid(account.id):
            raise malformed(NAME, "channel without a guid")
        return account.id

    # ------------------------------------------------------------ publishing

    def check_draft(self, draft: Draft) -> None:
        """What this backend cannot publish on Minds, refused before any request."""
        super().check_draft(draft)
        if draft.media:
            raise self.unsupported(Capability.MEDIA, "media uploads are not implemented for Minds")
        if draft.visibility not in (None, "public"):
            raise errors.ContentRejected(
                f"this backend publishes public Minds posts only, not {draft.visibility!r}", network=NAME
            )
        if (draft.title or "").strip() or draft.mentions:  # no such field: never dropped unseen
            raise errors.ContentRejected(
                "this backend sends Minds posts without a title or mention list; write them into the "
                "text (@username)",
                network=NAME,
            )
        if draft.reply_to is not None:
            if draft.reply_to.startswith(COMMENT_PREFIX):
                raise self.invalid("Minds comments on comments are not supported; reply to the post")
            guid(draft.reply_to, "post id to reply to")
        if draft.quote_of is not None:
            guid(draft.quote_of, "post id to quote")
        if draft.community is not None:
            guid(draft.community, "group id")
        if draft.reply_to and (draft.quote_of or draft.community or draft.tags or _flagged(draft)):
            raise self.invalid("a Minds reply is a comment: text only, no quote, group, tags or NSFW flag")
        if draft.link is not None and draft.link.url not in textlib.links(draft.text):
            raise errors.ContentRejected(
                "this backend cannot attach a link card on Minds; put the URL in the text", network=NAME
            )
        nsfw = draft.options.get("nsfw")
        valid = isinstance(nsfw, (list, tuple)) and all(isinstance(n, int) and 1 <= n <= 6 for n in nsfw)
        if nsfw is not None and not valid:
            raise self.invalid("options['nsfw'] must be a list of Minds NSFW reasons 1-6")
        draft_digest(draft, network=NAME)  # what the idempotency record keeps must be JSON

    def _publish(self, draft: Draft) -> Post:
        # A key is held while its publish runs (a lookup, then one write: each request up to ``timeout``
        # with its retries), so two workers given the same key never both send it.
        with self._attempts.exclusive(draft.idempotency_key, lease=20 * self.settings.timeout):
            return self._publish_alone(draft)

    def _publish_alone(self, draft: Draft) -> Post:
        key = draft.idempotency_key
        attempt = self._attempts.resume(key, draft)
        if attempt is not None:
            if attempt.post_id is None:
                try:
                    found = self._find_earlier(attempt)
                except errors.NetworkUnavailable as exc:
                    # The earlier attempt's answer was lost: its post may exist, though this lookup
                    # never left. "Nothing was sent" would let a caller publish it again, keyless.
                    exc.sent = True
                    raise
                if found is not None:
                    self._attempts.finish(attempt, found)
            if attempt.post_id is not None:
                return self._get_post(attempt.post_id)
            # The lookup shows the earlier attempt made nothing: send it now, under the same key.
        elif key:
            attempt = self._attempts.remember(
                key,
                MindsAttempt(
                    started=time.time(),
                    digest=draft_digest(draft),
                    text=draft.text,
                    quote_of=draft.quote_of,
                    community=draft.community,
                    reply_to=draft.reply_to,
                ),
            )
        try:
            post = self._comment(draft.reply_to, draft.text) if draft.reply_to else self._activity(draft)
        except errors.DecentSocialError as exc:
            if attempt is not None and not may_have_happened(exc):
                self._attempts.drop(attempt)  # refused outright: nothing was made, the key starts afresh
            raise
        if attempt is not None:
            self._attempts.finish(attempt, post.id)
        return post

    def _activity(self, d: Draft) -> Post:
        body = convert.activity_body(d)
        return convert.post(
            self._api.call("PUT", "/api/v3/newsfeed/activity", json=body, safe_to_repeat=False),
            site=self._site,
        )

    def _edit(self, post: Post, draft: Draft) -> Post:
        """``POST /api/v3/newsfeed/activity/:guid``: new message, tags and nsfw flags (a comment: its text,
        :meth:`_edit_comment`).

        Your plain remind of your own post is that post edited: a message on the remind itself
        would turn it into a quote and leave the post it shows as it was."""
        if post.id.startswith(COMMENT_PREFIX):
            return self._edit_comment(post.id, draft)
        body = {k: v for k, v in convert.activity_body(draft).items() if k in ("message", "tags", "nsfw")}
        path = f"/api/v3/newsfeed/activity/{segment(guid(self.post_id(post)))}"
        return convert.post(self._api.call("POST", path, json=body, safe_to_repeat=True), site=self._site)

    def _edit_comment(self, pid: str, draft: Draft) -> Post:
        """``POST /api/v1/comments/update/:luid`` with ``comment``: the text only, as a reply is made.

        The engine answers ``{"status": "success"}`` alone, also when its spam check or its database
        refused the save (``Controllers/api/v1/comments.php`` drops that failure), so the comment is
        read back: the comment as Minds now shows it, or ``ContentRejected`` if it kept the old text.
        Its refusal ("can not be edited") says the same of a comment that is gone: ``NotFound`` then.
        Setting the same text twice changes nothing, so the edit is repeated after a lost answer."""
        if draft.tags or _flagged(draft):
            raise self.invalid("a Minds comment is text only: its edit takes no tags or NSFW flag")
        entity, comment_guid = convert.split_comment(pid)
        luid = convert.comment_luid(entity, comment_guid)  # sent as is: the engine does not decode it
        try:
            self._api.call(
                "POST",
                f"/api/v1/comments/update/{quote(luid, safe='=')}",
                json={"comment": convert.body_text(draft.text)},
                safe_to_repeat=True,
            )
        except errors.ContentRejected:
            self._get_comment(entity, comment_guid)  # "can not be edited" of one gone is NotFound
            raise
        edited = self._get_comment(entity, comment_guid)
        if not convert.shows_text(edited.text, draft.text):
            raise errors.ContentRejected(
                "Minds answered the comment edit as saved but kept the comment as it was (the engine "
                "answers so when its spam check or its database refuses the save)",
                network=NAME,
                server_message=edited.text[:200],
            )
        return edited

    def _comment(self, entity: str, text: str) -> Post:
        body = self._api.call(
            "POST",
            f"/api/v1/comments/{segment(guid(entity))}",
            json={"comment": convert.body_text(text)},
            safe_to_repeat=False,
        )
        return convert.comment(as_dict(body.get("comment")), site=self._site)

    def _find_earlier(self, attempt: MindsAttempt) -> str | None:
        """The post an earlier, ambiguous attempt made (``None``: a lookup shows it made none).

        Raises ``NetworkUnavailable`` where no lookup can tell (group posts), or where its listing
        failed or stopped before the server said there is nothing older (:class:`_Reach`):
        publishing again could post twice.
        """
        if attempt.community is not None and attempt.reply_to is None:
            raise errors.NetworkUnavailable(
                f"an earlier publish with this idempotency_key into group {attempt.community} got no "
                "answer, and group posts cannot be looked up: the post may exist. Check the group "
                "before publishing it again (with a new key)",
                network=NAME,
                retryable=False,
            )
        reach = _Reach()
        try:
            if attempt.reply_to is not None:
                found = self._find_commented(attempt, attempt.reply_to, reach)
            else:
                found = self._find_posted(attempt, reach)
        except errors.NetworkUnavailable as exc:
            raise _undecided(attempt, exc.message, retryable=exc.retryable, said=exc.server_message) from exc
        if found is None and not reach.ended:
            raise _undecided(attempt, reach.why, retryable=False)
        return found

    def _find_posted(self, attempt: MindsAttempt, reach: _Reach) -> str | None:
        """An earlier attempt's post in your channel: same text and quote, made since that attempt.

        The channel is read back to when the attempt started, however many pages that takes (the
        first post older than that ends it): a fixed count would miss the post behind later ones,
        and "not found" sends it again. ``reach`` tells whether the channel was read to its end.
        """
        since = attempt.started - CLOCK_SLACK
        claimed = self._attempts.claimed()
        path = f"/api/v1/newsfeed/personal/{segment(self._channel_guid(self._me()))}"
        for post in self._listing(path, None, reach=reach):
            if post.reposted_by is not None:
                continue  # a plain remind shows its original's text and time: never the post sought
            if post.created_at.timestamp() < since:
                reach.ended = True  # read back to the attempt: the rest is older
                break
            if post.id in claimed:
                continue
            same = post.text == read_text(attempt.text) and post.quote_of == attempt.quote_of
            if same and post.community is None:
                return post.id
        return None

    def _find_commented(self, attempt: MindsAttempt, entity: str, reach: _Reach) -> str | None:
        """An earlier attempt's comment: yours, same text, made since that attempt.

        The comments are read newest first, page by page, back to when the attempt started (the
        first older comment ends it): on a busy post it is behind later ones, past the first page.
        ``reach`` tells whether they were read to their end.
        """
        me = self._me()
        since = attempt.started - CLOCK_SLACK
        claimed = self._attempts.claimed()
        unreadable = False
        for c in self._comments(entity, reach=reach):
            try:
                post = convert.comment(c, site=self._site)
            except errors.NetworkUnavailable:
                # Another's malformed comment is not the one sought; one that may be yours may be it.
                unreadable = unreadable or _may_be_by(c, me.id)
                continue
            if post.created_at.timestamp() < since:
                reach.ended = True  # read back to the attempt: the rest is older
                break
            if post.id in claimed:
                continue
            # The engine exports a long text cut (``...``): the cut of this one is it too.
            if post.author.id == me.id and convert.shows_text(post.text, attempt.text):
                return post.id
        if unreadable:
            reach.ended, reach.why = False, "the server sent a comment of yours that could not be read"
        return None

    def _repost(self, post: PostRef) -> Post | None:
        """A remind: the post shared unchanged (``Draft(quote_of=…)`` adds a comment).

        Your plain remind of it among your newest posts is returned instead of
        reminding again, so a remind whose answer was lost is not made twice
        when the call is repeated.
        """
        original = guid(self.post_id(post))
        for earlier in self._posts(None, REPOST_LOOKBACK):
            if convert.reminded_id(earlier) == original:
                return earlier
        body = {"message": "", "remind_guid": original, "access_id": convert.PUBLIC}
        return convert.post(
            self._api.call("PUT", "/api/v3/newsfeed/activity", json=body, safe_to_repeat=False),
            site=self._site,
        )

    def _delete(self, post: PostRef) -> None:
        """A post or comment (by its LUID, :func:`convert.comment_luid`); "not found" on a retry means
        the first attempt deleted it: success. A remind is deleted itself (the remind taken back),
        never the post it shares."""
        pid = post.id if isinstance(post, Post) else self.post_id(post)
        if pid.startswith(COMMENT_PREFIX):
            # The engine finds the comment by its LUID; its guid alone finds nothing (not deleted).
            luid = convert.comment_luid(*convert.split_comment(pid))
            self._api.delete(f"/api/v1/comments/{quote(luid, safe='=')}")
        else:
            self._api.delete(f"/api/v3/newsfeed/activity/{segment(f'urn:activity:{guid(pid)}')}")

    # ------------------------------------------------------------ reading

    def _get_post(self, id: str) -> Post:
        if id.startswith(COMMENT_PREFIX):
            return self._get_comment(*convert.split_comment(id))
        activity = self._api.call("GET", f"/api/v1/newsfeed/single/{segment(guid(id))}").get("activity")
        if not isinstance(activity, dict):
            raise errors.NotFound(f"no Minds post {id}", network=NAME)
        return convert.asked_post(activity, guid(id), site=self._site)

    def _get_comment(self, entity: str, comment_guid: str) -> Post:
        """One comment on the post, in one request however old it is: ``GET
        /api/v1/comments/:entity/:guid/0:0:0`` (the comment's partition path: on the post itself).

        The engine (``Repository::get``) answers ``comments``: that comment, or none when it is not
        there. On a post from before its comments migration it answers the post's newest legacy
        comment whatever guid is asked (its legacy repository is given no paging position), and an
        engine without the call would list the newest comments: an answer naming only other comments
        is no answer, and the post's comments are read page by page then."""
        path = f"/api/v1/comments/{segment(guid(entity))}/{segment(guid(comment_guid))}/{convert.ON_POST}"
        answered = [dict(c) for c in map(as_dict, as_list(self._api.call("GET", path).get("comments"))) if c]
        for c in itertools.chain(answered, self._comments(entity) if answered else ()):
            if convert.comment_guids(c) == (entity, comment_guid):
                return convert.comment(c, site=self._site)
        raise errors.NotFound(f"no Minds comment {comment_guid} on {entity}", network=NAME)

    def _comments(self, entity: str, *, reach: _Reach | None = None) -> Iterator[dict[str, Any]]:
        """A post's comments, newest first, each once, every page of them.

        The engine's v1 comments listing gives the newest page first (``descending`` is its
        default), each page oldest first within it, and the page before it by the paging token in
        ``load-previous``, sent back as ``token``; it sends no ``load-next``. Reading only the first
        page missed every older comment: ``get_post`` of one was ``NotFound``, and the lookup after a
        lost reply answer published it again. At most ``limits.max_pages`` pages, a token must move
        on, and a page that brings no comment not given before ends it, as a feed does (``reach``
        tells such a stop from the end the server gave).
        """
        path = f"/api/v1/comments/{segment(guid(entity))}"

        def fetch(cursor: str | None, size: int) -> Page[dict[str, Any], str]:
            params: dict[str, Any] = {"limit": size}
            if cursor:
                params["token"] = cursor
            body = self._api.call("GET", path, params=params)
            items = [dict(c) for c in map(as_dict, as_list(body.get("comments"))) if c]
            items.reverse()  # each page comes oldest first: newest first throughout
            page = Page(items, as_str(body.get("load-previous")) or None)
            if reach is not None:
                reach.saw(body.get("comments"), page)
            return page

        # Comments without a guid share one key: they are malformed, and every caller passes them over.
        return self._paged(fetch, None, key=_comment_key)

    def _timeline(self, limit: int | None) -> Iterator[Post]:
        """The newsfeed: posts of the channels you subscribe to, and yours, newest first."""
        return self._listing("/api/v1/newsfeed", limit)

    def _posts(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        """A channel's posts (yours by default), newest first."""
        if account is None:
            channel = self._channel_guid(self._me())
        elif isinstance(account, Account):
            channel = guid(account.id, "channel guid")
        else:
            channel = self._channel_guid(self._account(account))
        return self._listing(f"/api/v1/newsfeed/personal/{segment(channel)}", limit)

    def _listing(self, path: str, limit: int | None, *, reach: _Reach | None = None) -> Iterator[Post]:
        """Lazy pages of a feed, by ``load-next`` offset, each post once (within ``limits.max_pages``,
        and the offset must move on; ``reach`` tells a stop on a page of nothing new from the end)."""

        def fetch(cursor: str | None, size: int) -> Page[Post, str]:
            params: dict[str, Any] = {"limit": size}
            if cursor:
                params["offset"] = cursor
            body = self._api.call("GET", path, params=params)
            items = [convert.post(a, site=self._site) for a in map(as_dict, as_list(body.get("activity")))]
            page = Page(items, as_str(body.get("load-next")) or None)
            if reach is not None:
                reach.saw(body.get("activity"), page)
            return page

        return self._paged(fetch, limit, key=lambda p: p.id)


def _undecided(
    attempt: MindsAttempt, why: str, *, retryable: bool, said: str | None = None
) -> errors.NetworkUnavailable:
    """The error for a lookup that cannot tell whether an earlier attempt made its post: sending it
    again could post twice, so it is not sent; the key keeps its record for the next lookup."""
    what = f"reply to {attempt.reply_to}" if attempt.reply_to is not None else "post"
    where = f"post {attempt.reply_to}'s comments" if attempt.reply_to is not None else "your channel"
    return errors.NetworkUnavailable(
        f"an earlier {what} with this idempotency_key got no answer, and the lookup of {where} "
        f"stopped before it could tell whether it was made ({why.rstrip('.')}): it may exist, so it "
        "was not sent again. Publish again later with the same idempotency_key to look again, or "
        f"check {where} before publishing it with a new key",
        network=NAME,
        server_message=said,
        retryable=retryable,
    )


def _flagged(draft: Draft) -> bool:
    """Whether a draft asks for an NSFW flag, which this backend puts on activities only."""
    return bool(draft.sensitive or draft.content_warning or draft.options.get("nsfw"))


def _comment_key(c: dict[str, Any]) -> str:
    """A listed comment's guid (``_guid``, or an older engine's ``guid``); ``""`` if it has none."""
    ids = convert.comment_guids(c)
    return ids[1] if ids is not None else ""
