"""Threads' documented two-step publish: a media container, then ``threads_publish``, exactly once.

Make a container, poll its status with a bounded, growing interval until it
is FINISHED, then publish it. A container is made once per logical publish
(or per ``Draft.idempotency_key``) and is never published twice: after an
ambiguous failure the container's status says whether the post exists, and
only a FINISHED container is published again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ...coerce import as_dict, as_list, as_str
from ...errors import ContentRejected, NetworkUnavailable, PermissionDenied, RateLimited
from ...idempotency import PublishLog, PublishRecord, draft_digest
from ...models import Draft, Media
from ...paging import Page, paginate
from . import convert
from .failures import NAME, GraphFailure
from .results import PublishingQuota
from .settings import ThreadsSettings
from .transport import GraphApi

log = logging.getLogger("decentsocial.threads")
#: What finding a published post reads of each of your newest threads or replies.
_LOOKUP_FIELDS = "id,media_type,text,timestamp,replied_to,quoted_post"


@dataclass(kw_only=True)
class ContainerRecord(PublishRecord):
    """A publish's container, so a retry resumes it instead of making another (state file format)."""

    container_id: str
    created_at: float


class ContainerExpired(ContentRejected):
    """A container left unpublished for 24 hours: never published, so a new one may be made."""


class ContainerPublisher:
    """Publishes drafts through containers, remembering each by idempotency key."""

    def __init__(
        self,
        api: GraphApi,
        settings: ThreadsSettings,
        *,
        sleep: Callable[[float], None],
        scope: str | None = None,
    ) -> None:
        """``scope``: where the records live in the state store (the network and the account)."""
        self.api = api
        self.settings = settings
        self.user = settings.user_id
        self.sleep = sleep
        self.records = PublishLog(ContainerRecord, settings.state_path, network=NAME, scope=scope)

    def publish(self, draft: Draft) -> str:
        """Publish a checked draft and return the post's id (the same one for a repeated key).

        A key is held while its publish runs (its container polled for up to
        ``publish_timeout``, each request up to ``timeout`` and its retries),
        so two workers given the same key never both make a container.
        """
        key = draft.idempotency_key
        lease = self.settings.publish_timeout + 20 * self.settings.timeout
        with self.records.exclusive(key, lease=lease):
            # One bound for every wait of this publish (processing, then publishing), so the key's
            # lease outlasts them all.
            deadline = time.monotonic() + self.settings.publish_timeout
            record = self.records.resume(key, draft)
            if record is not None and record.post_id is not None:
                return record.post_id
            if record is None:
                record = self.start(key, draft)
                state = self.wait_until_finished(record, deadline)
            else:
                try:
                    state = self.wait_until_finished(record, deadline)
                except ContainerExpired:
                    # Resumed a day later (after a quota refusal or a timeout): an expired container
                    # was never published, so the draft starts again with a new one.
                    log.info("container %s expired unpublished; making a new one", record.container_id)
                    record = self.start(key, draft)
                    state = self.wait_until_finished(record, deadline)
            # PUBLISHED: an earlier attempt published it (its answer was lost): find the post, never again.
            published = state == "PUBLISHED"
            post_id = self.find_published(record) if published else self.publish_container(record, deadline)
            self.records.finish(record, post_id)
            return post_id

    # ------------------------------------------------------------ containers

    def start(self, key: str | None, draft: Draft) -> ContainerRecord:
        """Check the quota, make the draft's container and remember it under ``key``."""
        if self.settings.check_quota:
            self.ensure_quota(is_reply=draft.reply_to is not None)
        return self.records.remember(
            key,
            ContainerRecord(
                container_id=self.create_container(draft),
                created_at=time.time(),
                digest=draft_digest(draft) if key else "",  # kept only under a key
                text=draft.text,
                reply_to=draft.reply_to,
                quote_of=draft.quote_of,
            ),
        )

    def create_container(self, d: Draft) -> str:
        """The container for ``d`` (a carousel makes one per item first)."""
        common = convert.container_params(d)
        if len(d.media) > 1:
            children = [self.media_container(m, carousel_item=True) for m in d.media]
            params = {**common, "media_type": "CAROUSEL", "children": ",".join(children)}
        elif d.media:
            params = {**common, **convert.media_params(d.media[0])}
        else:
            params = {**common, "media_type": "TEXT"}
        if d.text or not d.media:
            params["text"] = d.text
        return self.container(params)

    def media_container(self, m: Media, *, carousel_item: bool) -> str:
        """A container for one image or video."""
        params = convert.media_params(m)
        if carousel_item:
            params["is_carousel_item"] = "true"
        return self.container(params)

    def container(self, params: Mapping[str, Any]) -> str:
        """Create one container from ``params`` and return its id."""
        # An orphan container is harmless (never published, it expires): creating is safe to repeat.
        body = self.api.graph("POST", f"{self.user}/threads", data=params, safe_to_repeat=True)
        return convert.id_of(body, "a media container")

    def status(self, container_id: str) -> tuple[str, str | None]:
        """A container's status (IN_PROGRESS, FINISHED, PUBLISHED, ERROR, EXPIRED) and error message."""
        body = self.api.get(convert.segment(container_id), fields="status,error_message")
        return as_str(body.get("status")) or "", as_str(body.get("error_message"))

    def wait_until_finished(
        self, record: ContainerRecord, deadline: float
    ) -> Literal["FINISHED", "PUBLISHED"]:
        """Poll the container with a growing, bounded interval until it is FINISHED or PUBLISHED,
        and say which (PUBLISHED: an earlier ``threads_publish`` went through); ``deadline`` is the
        publish's (``time.monotonic()``)."""
        interval = self.settings.poll_interval
        while True:
            status, error = self.status(record.container_id)
            if status == "FINISHED":
                return "FINISHED"
            if status == "PUBLISHED":
                return "PUBLISHED"
            if status in ("ERROR", "EXPIRED"):
                self.records.drop(record)
                expired = "the container was not published within 24 hours"
                reason = error or (expired if status == "EXPIRED" else "no reason given")
                refusal = ContainerExpired if status == "EXPIRED" else ContentRejected
                raise refusal(
                    f"Threads could not process the post ({status}: {reason})",
                    network=NAME,
                    server_message=error,
                )
            left = deadline - time.monotonic()
            if left <= 0:
                raise NetworkUnavailable(
                    f"the Threads container is still {status or 'unknown'} after "
                    f"{self.settings.publish_timeout:.0f}s; "
                    "publish again with the same idempotency_key to resume",
                    network=NAME,
                )
            self.sleep(min(interval, left))
            interval = min(interval * 2, self.settings.poll_max_interval)

    def publish_container(self, record: ContainerRecord, deadline: float) -> str:
        """``threads_publish`` a FINISHED container; never again once it may be published.

        It is sent again only after Threads *refused* it (media not ready,
        429) or when, after a lost answer, the container's status is still
        FINISHED. A PUBLISHED status at any point means an earlier request went
        through: the post is then found, not published a second time.

        Once a ``threads_publish`` request has left, a ``NetworkUnavailable`` raised after it (a
        status read whose connection did not open) is ``sent``: the post may exist, and a caller
        told that nothing was sent could publish it again without its key, or retract all but it.
        """
        left = [False]  # whether a threads_publish request has left this machine
        try:
            return self._publish_until_done(record, deadline, left)
        except NetworkUnavailable as exc:
            exc.sent = exc.sent or left[0]
            raise

    def _publish_until_done(self, record: ContainerRecord, deadline: float, left: list[bool]) -> str:
        """:meth:`publish_container`'s loop; ``left[0]`` becomes true once a request has left."""
        interval = self.settings.poll_interval
        while True:
            wait = interval
            refused: RateLimited | None = None
            try:
                answer = self.api.attempt(
                    f"{self.user}/threads_publish", {"creation_id": record.container_id}
                )
                left[0] = True
            except NetworkUnavailable as exc:
                left[0] = left[0] or exc.sent
                answer = None
            if isinstance(answer, dict):
                try:
                    return convert.id_of(answer, "the published post")
                except NetworkUnavailable:  # a 200 without a usable id: the post may exist
                    answer = None
            if isinstance(answer, GraphFailure):
                error = answer.error(safe_to_repeat=False)
                if isinstance(error, RateLimited) and answer.status == 429:
                    # Retry-After can only lengthen the backoff: "0" must not make a tight loop of writes.
                    wait = max(interval, error.retry_after or 0.0)
                    refused = error
                elif answer.not_ready:
                    log.debug("container %s not ready yet (subcode %s)", record.container_id, answer.subcode)
                elif not isinstance(error, NetworkUnavailable):
                    # Refused, perhaps because an earlier request did publish it ("already published").
                    if self.status(record.container_id)[0] == "PUBLISHED":
                        return self.find_published(record)
                    raise error
                else:
                    answer = None
            if answer is None:
                log.info("threads_publish failed ambiguously; checking %s", record.container_id)
            # Whatever happened, the container's status decides before waiting or giving up.
            status, _ = self.status(record.container_id)
            if status == "PUBLISHED":
                return self.find_published(record)
            if time.monotonic() + wait > deadline:
                if refused is not None:
                    raise refused
                raise NetworkUnavailable(
                    f"Threads did not publish the container in time (it is {status or 'in an unknown state'}"
                    "); it was not published twice. Publish again with the same idempotency_key to resume",
                    network=NAME,
                )
            self.sleep(wait)
            interval = min(interval * 2, self.settings.poll_max_interval)
            if self.wait_until_finished(record, deadline) == "PUBLISHED":  # ContentRejected on ERROR/EXPIRED
                return self.find_published(record)

    def find_published(self, record: ContainerRecord) -> str:
        """The post a PUBLISHED container became, found among the account's newest posts.

        The Graph API does not link a container to its post, so this matches
        text, reply target and time; it is only needed when the publish answer
        was lost.
        """
        edge = "replies" if record.reply_to else "threads"
        claimed = self.records.claimed()
        try:
            # Every page since the container was made (not only the newest 100: later posts would
            # hide it for good), within ``limits.max_pages`` and with a cursor that must move on.
            for item in self._published_since(edge, int(record.created_at) - 120):
                found = as_str(item.get("id")) or ""
                if not convert.is_id(found) or found in claimed:
                    continue
                if item.get("media_type") == "REPOST_FACADE":  # no text of its own: never the post sought
                    continue
                if (as_str(item.get("text")) or "") != record.text:
                    continue
                if record.reply_to and convert.ref_id(item.get("replied_to")) != record.reply_to:
                    continue
                if record.quote_of and convert.ref_id(item.get("quoted_post")) != record.quote_of:
                    continue
                return found
        except NetworkUnavailable as exc:
            exc.sent = True  # the container is PUBLISHED: the post exists, though this read never left
            raise
        except PermissionDenied as exc:
            # Reading your replies needs threads_read_replies; publishing one does not. The post
            # exists: a refusal here must not read as "nothing was made".
            scope = " (that needs threads_read_replies)" if record.reply_to else ""
            raise NetworkUnavailable(
                f"Threads published the post but the token may not read your {edge}{scope} to find "
                "its id; it was not published twice",
                network=NAME,
                server_message=exc.server_message,
            ) from exc
        raise NetworkUnavailable(
            "Threads published the post but its id could not be found; it was not published twice",
            network=NAME,
        )

    def _published_since(self, edge: str, since: int) -> Iterator[Mapping[str, Any]]:
        """The account's ``edge`` (threads or replies) since ``since``, newest first, page by page."""

        def fetch(cursor: str | None, size: int) -> Page[Mapping[str, Any], str]:
            params: dict[str, Any] = {"fields": _LOOKUP_FIELDS, "since": since, "limit": size}
            if cursor:
                params["after"] = cursor
            body = self.api.get(f"{self.user}/{edge}", **params)
            paging = as_dict(body.get("paging"))
            after = as_str(as_dict(paging.get("cursors")).get("after"))
            items = list(map(as_dict, as_list(body.get("data"))))
            return Page(items, after if paging.get("next") and after else None)

        return paginate(
            fetch,
            limit=None,
            page_size=100,
            key=lambda item: as_str(item.get("id")) or "",
            max_pages=self.settings.limits.max_pages,
            network=NAME,
        )

    # ------------------------------------------------------------ quota

    def quota(self) -> PublishingQuota:
        """The rolling 24-hour publishing quota (the reply figures need threads_manage_replies)."""
        path = f"{self.user}/threads_publishing_limit"
        try:
            body = self.api.get(path, fields="quota_usage,config,reply_quota_usage,reply_config")
        except PermissionDenied:
            # Documented: the reply quota needs threads_manage_replies, the post quota does not.
            body = self.api.get(path, fields="quota_usage,config")
        return convert.quota(body)

    def ensure_quota(self, *, is_reply: bool) -> None:
        """``RateLimited`` (not retried) when the quota for this kind of post is used up."""
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
