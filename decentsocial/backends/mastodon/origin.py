"""A ``Post`` read through another Mastodon server, found on this one before anything acts on it.

Status ids are server-local: ``123`` read through ``other.example`` is another
status here, or none. A ``Post`` that a connection to this server (the same
``base_url``, in this process) gave out is used by its id at no cost; any
other (read through another server, or a copy, or unpickled) is checked
first: this server's status of that id must be the same status (its ``uri``,
the status's ActivityPub id, the same on every server; else its ``url``),
else the ``uri`` is looked up here through search. A status found under
neither is ``NotFound``, and nothing is sent; so is one that holds a status
naming itself by neither (no ``uri``, no ``url`` that is a web link), before
any request: only a Post with no status in it (built by hand) is taken by its
bare id.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Generator, Iterable, Mapping
from typing import Any, TypeVar

from ... import errors
from ...coerce import as_list, as_str, malformed
from ...models import Notification, Post
from ...stopping import StoppableStream
from .convert import NETWORK, status_url, to_json_safe, to_post
from .ids import path_id

__all__ = ["PostsHere"]

T = TypeVar("T")

#: The Posts each server (by ``base_url``) gave out in this process, by identity. Weak: a Post no one
#: holds any more is forgotten, so this holds no more entries than there are Posts alive.
_GIVEN: dict[str, weakref.WeakValueDictionary[int, Post]] = {}
_LOCK = threading.Lock()

#: Search answers looked through for the status a ``uri`` names.
_SEARCHED = 5


class PostsHere:
    """Which Posts this server gave out, and this server's status for one it did not.

    ``call(request, what, plain=…)`` runs one request on this server (``MastodonNetwork._call``).
    """

    def __init__(self, server: str, call: Callable[..., Any]) -> None:
        self._server = server
        self._call = call

    def given(self, items: Iterable[T]) -> list[T]:
        """Remember ``items`` (Posts, or Notifications with their Post) as read through this server."""
        kept = list(items)
        with _LOCK:
            seen = _GIVEN.setdefault(self._server, weakref.WeakValueDictionary())
            for item in kept:
                post = item.post if isinstance(item, Notification) else item
                if isinstance(post, Post):
                    seen[id(post)] = post
        return kept

    def one(self, post: Post) -> Post:
        """``post``, remembered as read through this server."""
        return self.given([post])[0]

    def stream(self, posts: StoppableStream) -> StoppableStream:
        """``posts`` with each Post remembered as it arrives; ``close()`` and ``stop()`` reach it."""

        def each() -> Generator[Post, None, None]:
            try:
                for post in posts:
                    yield self.one(post)
            finally:
                posts.close()

        return StoppableStream(each(), posts.stop)

    def known(self, post: Post) -> bool:
        """Whether ``post`` is this very object a connection to this server gave out."""
        seen = _GIVEN.get(self._server)
        return seen is not None and seen.get(id(post)) is post

    def status_id(self, post: Post) -> str:
        """``post``'s id on this server, checked for a URL path (found here when read elsewhere)."""
        _not_scheduled(post)
        if self.known(post):
            return path_id(post.id, "post id")
        found = self.status(post)
        return path_id(post.id, "post id") if found is None else _status_id(found)

    def post(self, post: Post) -> Post:
        """``post`` as this server has it: itself when this server gave it out (or it names its status
        by nothing but its id), else this server's status that it is, read now."""
        if post.network != NETWORK:
            return post  # another network's: the caller says so
        _not_scheduled(post)
        if self.known(post):
            return post
        found = self.status(post)
        return post if found is None else self.one(to_post(found))

    def status(self, post: Post) -> Mapping[str, Any] | None:
        """This server's status that is ``post`` (JSON), read now; ``None`` when ``post`` names it by
        nothing but its id (a Post built by hand: its id is taken as this server's, like a bare id).

        ``NotFound`` when this server has no such status (or cannot fetch it from its home server).
        """
        name = _global_name(post)
        if name is None:
            return None
        field, value = name
        try:
            sid = path_id(post.id, "post id")
            same_id = self._call(lambda api: api.status(sid), f"read status {sid}", plain=True)
        except (errors.NotFound, errors.InvalidInput):
            same_id = None  # another server's id that is none here (or not even an id here)
        if isinstance(same_id, Mapping) and _name(same_id, field) == value:
            return same_id
        found = to_json_safe(  # not plain: Mastodon.py pages a search's answer as its entity
            self._call(
                lambda api: api.search_v2(value, resolve=True, result_type="statuses", limit=_SEARCHED),
                "look up a post read through another server",
            )
        )
        statuses = found.get("statuses") if isinstance(found, Mapping) else None
        for status in as_list(statuses):  # full-text hits that merely mention the uri are not it
            if isinstance(status, Mapping) and _name(status, field) == value:
                return status
        raise errors.NotFound(
            f"this server has no status {value} (deleted, or read through another server that this"
            " one cannot fetch it from): nothing was sent; act on it through the server it was read through",
            network=NETWORK,
        )

    def check_scheduled(self, post: Post) -> None:
        """``NotFound`` unless this server's scheduled status of ``post.id`` is the one ``post``
        describes (scheduled ids are server-local too): its time and parameters, as read when made."""
        if self.known(post):
            return
        held = post.raw.get("scheduled_status") if post.raw is not None else None
        sid = path_id(post.id, "scheduled status id")
        here = self._call(lambda api: api.scheduled_status(sid), "read a scheduled status", plain=True)
        fields = ("scheduled_at", "params")
        if (
            not isinstance(held, Mapping)
            or not isinstance(here, Mapping)
            or _pick(here, fields) != _pick(held, fields)
        ):
            raise errors.NotFound(
                f"scheduled status {sid} here is not the one this Post describes (read through"
                " another server?): nothing was cancelled",
                network=NETWORK,
            )


def _not_scheduled(post: Post) -> None:
    """A scheduled status is no status yet: only ``delete()`` takes it (it cancels it)."""
    if post.raw is not None and "scheduled_status" in post.raw:
        raise errors.InvalidInput(
            "this Post is a scheduled status, not published yet: only delete() takes it (and cancels it)",
            network=NETWORK,
        )


def _global_name(post: Post) -> tuple[str, str] | None:
    """What names ``post``'s status on every server: its ``uri`` (the boosted status's, for a boost),
    else its ``url``; ``None`` when it has neither and holds no status (built by hand, like a bare id).

    ``NotFound`` for a Post that holds the status a server sent but nothing naming it (no ``uri``,
    and no ``url`` that is a web link, so ``Post.url`` is ``None``): its id is another server's,
    and taken as this server's it would be another status here. Nothing is sent.
    """
    raw = post.raw if isinstance(post.raw, Mapping) else {}
    inner = raw.get("reblog")
    status = inner if post.reposted_by is not None and isinstance(inner, Mapping) else raw
    uri = as_str(status.get("uri"))
    if uri:
        return "uri", uri
    if post.url:
        return "url", post.url
    if not raw:
        return None
    raise errors.NotFound(
        "this Post (a status as a server sent it) names its status by no uri and no web link, so this"
        " server cannot find it: nothing was sent; act on it through the server it was read through",
        network=NETWORK,
    )


def _name(status: Mapping[str, Any], field: str) -> str | None:
    """The status's ``uri``; or its ``url`` as a Post reads it (the ``uri`` when it has no ``url``)."""
    if field == "uri":
        return as_str(status.get("uri"))
    return status_url(status)


def _pick(data: Mapping[str, Any], fields: tuple[str, ...]) -> list[Any]:
    return [data.get(k) for k in fields]


def _status_id(status: Mapping[str, Any]) -> str:
    """The id of a status this server sent: one that is no id is its malformed answer."""
    try:
        return path_id(as_str(status.get("id")), "post id")
    except errors.InvalidInput:
        raise malformed(NETWORK, "status (no usable id)") from None
