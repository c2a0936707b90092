"""Threads: the checks and the reading that ``publish_thread`` and ``thread()`` need beyond one post."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ... import errors
from ...coerce import as_dict, as_int, as_list, as_str
from ...models import Draft, Post
from .ids import DID_RE, LANG_RE, AtUri, check_asked_post, parse_at_uri
from .records import lang_tag

__all__ = [
    "MAX_THREAD_DEPTH",
    "THREAD_DEPTH",
    "check_language",
    "check_root",
    "half_thread",
    "indexed_view",
    "walk_thread",
]

#: Reply levels asked of one getPostThread: each nests its answer about two JSON levels deeper, so
#: this stays within ``max_json_depth``; a thread below it is read on from where the answer stopped.
THREAD_DEPTH = 16
#: The deepest reply level read, getPostThread's own maximum ``depth``.
MAX_THREAD_DEPTH = 1000


def check_language(draft: Draft, *, network: str) -> None:
    """``InvalidInput`` for a language the PDS would refuse (``ar_SA`` is taken as ``ar-SA``)."""
    if draft.language is not None and not LANG_RE.fullmatch(lang_tag(draft.language)):
        raise errors.InvalidInput(
            f"language {draft.language[:40]!r} is not a BCP-47 language tag (like 'ar' or 'pt-BR')",
            network=network,
        )


def half_thread(exc: errors.DecentSocialError, posts: list[Post], parts: int, key: str | None) -> None:
    """Name the parts already published in ``exc`` (kept as ``exc.published``) and how to go on."""
    then = (
        "the same idempotency_key resumes the thread after them"
        if key is not None
        else "they stay published (delete them, or publish with an idempotency_key to resume)"
    )
    done = ", ".join(p.id for p in posts)
    exc.message = (
        f"{exc.message} (publish_thread: part {len(posts) + 1} of {parts} failed; "
        f"parts 1-{len(posts)} were published: {done}; {then})"
    )
    exc.args = (exc.message,)
    exc.published = list(posts)  # type: ignore[attr-defined]


def check_root(root: dict[str, Any], uri: AtUri, *, network: str) -> None:
    """``NotFound`` for a thread whose post is missing, ``PermissionDenied`` for one hidden by a block;
    the typed malformed-answer error for a thread of another post."""
    if isinstance(root.get("post"), dict):
        check_asked_post(root["post"], uri, network=network)
        return
    if _blocked(root):
        raise _block_error(uri, network)
    raise errors.NotFound(f"post {uri} does not exist", network=network)


def _blocked(node: dict[str, Any]) -> bool:
    return node.get("blocked") is True or (as_str(node.get("$type")) or "").endswith("#blockedPost")


def indexed_view(
    ask: Callable[[], dict[str, Any]], *, wait: float, uri: AtUri, quote: bool, network: str
) -> dict[str, Any] | None:
    """The AppView's view of a post to reply to (or ``quote``), asked (``ask``: its getPostThread
    node) until ``wait`` seconds pass; ``None`` if it has not indexed the post by then.

    ``PermissionDenied`` when a block hides the post, or its author's thread
    gate (post gate) allows this account no reply (no quote): the PDS would
    take it, but nobody would see it (the app refuses it too).
    """
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            node = ask()
        except errors.NotFound:  # not indexed (yet)
            node = {}
        view = node.get("post")
        if isinstance(view, dict):
            check_asked_post(view, uri, network=network)  # a reply must answer ``uri``
            if as_dict(view.get("viewer")).get("embeddingDisabled" if quote else "replyDisabled") is True:
                raise errors.PermissionDenied(
                    f"the author of {uri} allows this account no {'quote' if quote else 'reply'}"
                    f" ({'post' if quote else 'thread'} gate)",
                    network=network,
                )
            return dict(view)
        if _blocked(node):
            raise _block_error(uri, network)
        if time.monotonic() >= deadline:
            return None
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, 0.5)


def _block_error(uri: AtUri, network: str) -> errors.PermissionDenied:
    return errors.PermissionDenied(
        f"post {uri} is hidden by a block between its author and this account", network=network
    )


def _asked(view: dict[str, Any], uri: str) -> AtUri:
    """The post ``view`` names, by its author's DID (as ``check_asked_post`` compares), for reading on."""
    try:
        named = parse_at_uri(uri, collection=None)
    except errors.InvalidInput:
        return AtUri(uri, "", "")  # matches no answer: a read-on answer for it is refused
    if DID_RE.match(named.repo):
        return named
    did = as_str(as_dict(view.get("author")).get("did")) or named.repo
    return AtUri(did, named.collection, named.rkey)


def walk_thread(
    root: dict[str, Any], fetch: Callable[[str], dict[str, Any]], *, max_pages: int, network: str
) -> list[dict[str, Any]]:
    """The post views of a getPostThread answer: depth first, each level oldest first.

    Where the answer stopped at its depth (a post with replies but no
    ``replies``), ``fetch(uri)`` reads on from that post, at most
    ``max_pages`` requests in all and ``MAX_THREAD_DEPTH`` levels down.
    """
    views: list[dict[str, Any]] = []
    seen: set[str] = set()  # a post a server lists twice (or again when read on) is read once
    requests = 1
    todo: list[tuple[dict[str, Any], int]] = [(root, 0)]
    while todo:  # a stack, not recursion: a thread may be 1,000 levels deep
        node, level = todo.pop()
        view = node.get("post")
        if not isinstance(view, dict):  # blocked or deleted replies
            continue
        below = as_str(view.get("uri"))
        if below is not None:
            if below in seen:
                continue
            seen.add(below)
        views.append(view)
        if level and "replies" not in node and as_int(view.get("replyCount")) != 0 and below:
            if level >= MAX_THREAD_DEPTH:
                continue
            if requests >= max_pages:
                raise errors.NetworkUnavailable(
                    f"thread: more than {requests} requests (the max_pages limit)", network=network
                )
            node = fetch(below)  # the answer stopped at its depth: read on from here
            requests += 1
            if isinstance(node.get("post"), dict):  # else deleted or blocked since: nothing below
                # Another post's replies must not be read as this one's.
                check_asked_post(node["post"], _asked(view, below), network=network)
        children = [
            dict(c)
            for c in as_list(node.get("replies"))
            if isinstance(c, dict) and isinstance(c.get("post"), dict)
        ]
        children.sort(key=lambda c: as_str(as_dict(c["post"].get("record")).get("createdAt")) or "")
        todo.extend((child, level + 1) for child in reversed(children))
    return views
