"""Feeds on Bluesky: an account's posts, the timeline, search and notifications, with their authors'
full profiles, kept apart from ``network.py``."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from ... import errors
from ...coerce import as_dict, as_list, as_str
from ...models import Account, Notification, Post, normalise_tags
from ...network import AccountRef
from ...paging import Page, cursor_digest
from ...text import truncate
from .convert import account_from_view, notification_from_view, notification_subject

if TYPE_CHECKING:
    from .network import BlueskyNetwork

__all__ = ["Feeds", "objects"]


def _is_repost(entry: dict[str, Any]) -> bool:
    """Whether a feed entry is there because someone reposted it."""
    return (as_str(as_dict(entry.get("reason")).get("$type")) or "").endswith("#reasonRepost")


def objects(answer: Any, key: str, most: int | None = None) -> list[dict[str, Any]]:
    """The JSON objects among the first ``most`` items of the list ``answer[key]`` (the page size asked
    for: more would cost a profile lookup per 25 authors), anything else a server put there left out."""
    return [dict(item) for item in as_list(as_dict(answer).get(key))[:most] if isinstance(item, dict)]


class Feeds:
    """The listing hooks of :class:`BlueskyNetwork` (posts, timeline, search, notifications)."""

    def _load_authors(self, views: Iterable[Any], cache: dict[str, Account]) -> dict[str, Account]:
        """Fill ``cache`` with the full profiles (follower, following, post counts) of the views' authors.

        A post view carries only a basic profile; ``app.bsky.actor.getProfiles``
        gives 25 full ones a request. Off with ``author_profiles=False``.
        """
        net = cast("BlueskyNetwork", self)
        if not net.settings.author_profiles:
            return cache
        wanted = {as_str(as_dict(as_dict(v).get("author")).get("did")) or "" for v in views}
        return self._load_profiles(wanted, cache)

    def _profiles_ahead(self, actor: str, cache: dict[str, Account]) -> threading.Thread | None:
        """Read ``actor``'s full profile into ``cache`` on a thread, while the first page is read."""
        net = cast("BlueskyNetwork", self)
        if not net.settings.author_profiles:
            return None
        ahead = threading.Thread(target=self._load_profiles, args=({actor}, cache), daemon=True)
        ahead.start()
        return ahead

    def _load_profiles(self, wanted: set[str], cache: dict[str, Account]) -> dict[str, Account]:
        net = cast("BlueskyNetwork", self)
        missing = sorted(d for d in wanted if d and d not in cache)
        for start in range(0, len(missing), 25):
            try:
                answer = net._query(
                    "app.bsky.actor.getProfiles",
                    {"actors": missing[start : start + 25]},
                    action="get profiles",
                )
            except errors.DecentSocialError:
                continue  # the basic profiles in the views still name the authors
            for profile in objects(answer, "profiles"):
                account = account_from_view(profile, web_url=net.settings.web_url)
                cache[account.id] = account
        return cache

    def _feed_page(
        self,
        nsid: str,
        params: dict[str, Any],
        cursor: str | None,
        size: int,
        *,
        action: str,
        skip_reposts: bool,
        authors: dict[str, Account],
        ahead: threading.Thread | None = None,
        requests: Iterator[int] | None = None,
    ) -> Page[Post, str]:
        """One page of a feed; with ``skip_reposts``, never an empty page while the feed goes on.

        ``paginate`` stops at an empty page, and no ``getAuthorFeed`` filter
        leaves reposts out, so a page made only of reposts is followed by the
        next one until a post is kept or the cursor ends. ``requests`` counts
        the listing's requests (shared by its pages), so the whole listing, not
        each page, stays within ``max_pages``.
        """
        net = cast("BlueskyNetwork", self)
        seen = {cursor_digest(cursor, net.name)}  # by digest: a server makes its cursors as long as it likes
        counted = requests if requests is not None else itertools.count()
        while next(counted) < net.settings.limits.max_pages:
            answer = net._query(nsid, {**params, "limit": size, "cursor": cursor}, action=action)
            items: list[Post] = []
            feed = objects(answer, "feed", size)
            kept = [entry for entry in feed if not (skip_reposts and _is_repost(entry))]
            if ahead is not None:  # the profiles asked for alongside this page: wait for them once
                ahead.join()
                ahead = None
            self._load_authors((as_dict(entry.get("post")) for entry in kept), authors)
            for entry in kept:
                by: Account | None = None
                if _is_repost(entry):
                    by = account_from_view(as_dict(entry["reason"]).get("by"), web_url=net.settings.web_url)
                items.append(net._post_view(entry.get("post"), reposted_by=by, authors=authors))
            next_cursor = as_str(answer.get("cursor")) or None
            if items or not feed or next_cursor is None:
                return Page(items, next_cursor)
            marker = cursor_digest(next_cursor, net.name)
            if marker in seen:
                raise errors.NetworkUnavailable(
                    f"{action}: the server sent a cursor it had sent before", network=net.name
                )
            seen.add(marker)
            # Only the last page asks for fewer than page_size; extra items there are dropped at the limit.
            cursor, size = next_cursor, max(size, net.page_size)
        raise errors.NetworkUnavailable(
            f"{action}: more than {net.settings.limits.max_pages} pages in one listing, pages of reposts"
            " only included (the max_pages limit)",
            network=net.name,
        )

    def _posts(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        # An account's own posts and replies, newest first (its reposts are left out).
        net = cast("BlueskyNetwork", self)
        actor = net._did() if account is None else net._actor(account)
        authors: dict[str, Account] = {}
        requests = itertools.count()  # every getAuthorFeed of this listing, reposts-only pages too
        return net._paged(
            lambda cursor, size: self._feed_page(
                "app.bsky.feed.getAuthorFeed",
                {"actor": actor, "filter": "posts_with_replies"},
                cursor,
                size,
                action=f"posts of {actor}",
                skip_reposts=True,
                authors=authors,
                # The author's full profile is read alongside the first page, not after it.
                ahead=self._profiles_ahead(actor, authors) if cursor is None else None,
                requests=requests,
            ),
            limit,
            key=lambda p: p.id,
        )

    def _timeline(self, limit: int | None) -> Iterator[Post]:
        net = cast("BlueskyNetwork", self)
        authors: dict[str, Account] = {}
        return net._paged(
            lambda cursor, size: self._feed_page(
                "app.bsky.feed.getTimeline",
                {},
                cursor,
                size,
                action="timeline",
                skip_reposts=False,
                authors=authors,
            ),
            limit,
        )

    def _search(self, q: str, limit: int | None) -> Iterator[Post]:
        # Full-text search; searchPosts finds "#tag" as the hashtag, and a server that matches it as
        # text (the reference AppView: #tagx too) is held to that: only posts carrying the tag are kept.
        net = cast("BlueskyNetwork", self)
        tag = normalise_tags([q])[0] if q.startswith("#") and len(q.split()) == 1 else None
        authors: dict[str, Account] = {}
        action = f"search {truncate(q, 80)!r}"  # errors name the query, not 70,000 characters of it

        def fetch(cursor: str | None, size: int) -> Page[Post, str]:
            answer = net._query(
                "app.bsky.feed.searchPosts", {"q": q, "limit": size, "cursor": cursor}, action=action
            )
            views = objects(answer, "posts", size)
            self._load_authors(views, authors)
            posts = [net._post_view(v, authors=authors) for v in views]
            return Page(posts, as_str(answer.get("cursor")) or None)

        if tag is None:
            return net._paged(fetch, limit, key=lambda p: p.id)
        return itertools.islice(
            (p for p in net._paged(fetch, None, key=lambda p: p.id) if tag in p.tags), limit
        )

    def _notifications(self, limit: int | None) -> Iterator[Notification]:
        net = cast("BlueskyNetwork", self)

        def fetch(cursor: str | None, size: int) -> Page[Notification, str]:
            answer = net._query(
                "app.bsky.notification.listNotifications",
                {"limit": size, "cursor": cursor},
                action="notifications",
            )
            items = objects(answer, "notifications", size)
            about = {
                index: notification_subject(item) or ""
                for index, item in enumerate(items)
                if item.get("reason") in ("like", "repost", "like-via-repost", "repost-via-repost")
            }
            subjects = self._subjects(list(about.values()))
            notes = [
                notification_from_view(
                    item,
                    web_url=net.settings.web_url,
                    blob_base=net._blob_base(),
                    subject=subjects.get(about.get(index, "")),
                )
                for index, item in enumerate(items)
            ]
            return Page(notes, as_str(answer.get("cursor")) or None)

        return net._paged(fetch, limit, key=lambda n: n.id)

    def _subjects(self, uris: list[str]) -> dict[str, Post]:
        """Posts by uri, 25 a request (getPosts' maximum); missing ones are left out."""
        net = cast("BlueskyNetwork", self)
        found: dict[str, Post] = {}
        wanted = [u for u in dict.fromkeys(uris) if u.startswith("at://")]
        for start in range(0, len(wanted), 25):
            try:
                answer = net._query(
                    "app.bsky.feed.getPosts", {"uris": wanted[start : start + 25]}, action="get liked posts"
                )
            except errors.DecentSocialError:
                continue
            for view in objects(answer, "posts"):
                post = net._post_view(view)
                found[post.id] = post
        return found
