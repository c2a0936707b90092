"""Bluesky's live stream: the repo firehose (``com.atproto.sync.subscribeRepos``) read into posts.

The firehose of a PDS (or a relay) sends one commit per repo change: the
operations (``create app.bsky.feed.post/<rkey>``…) and the new records in a
CAR file. atproto's firehose client keeps the websocket and decodes the
frames; this module keeps the position (the commit ``seq``), so a connection
that drops is reopened with ``cursor=<last seq>`` and the server replays what
came meanwhile: nothing missed, and a commit seen twice is yielded once.

Frames that do not decode, commits without a post, records that are not
posts: skipped and logged, never fatal. The URL is always given explicitly
(the client would fall back to a public relay on an empty one).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from ... import errors
from ...models import Account, Post
from ...retry import reconnect_backoff
from ...urls import check_endpoint

__all__ = ["FIREHOSE", "FirehoseReader", "firehose_url"]

log = logging.getLogger("decentsocial.bluesky")

#: The XRPC method of the repo firehose.
FIREHOSE = "com.atproto.sync.subscribeRepos"
#: The collection of posts in a repo.
POSTS = "app.bsky.feed.post"
#: Commits the reader may hold before it waits for the caller (it never drops one).
_BUFFER = 1_000
#: Post URIs remembered to drop a repeat after a replay.
_SEEN = 10_000


def firehose_url(url: str, *, network: str, allow_http: bool) -> str:
    """The websocket base (``…/xrpc``) of a PDS or relay URL: ``https`` -> ``wss``, loopback may be plain."""
    scheme, _, rest = url.partition("://")
    ws = {"https": "wss", "http": "ws"}.get(scheme, scheme)
    checked = check_endpoint(
        f"{ws}://{rest}",
        network=network,
        setting="firehose_url",
        allow_http=allow_http,
        secure="wss",
        insecure="ws",
    )
    return checked.rstrip("/") + "/xrpc"


class _Stopped(Exception):
    """Raised inside atproto's reconnect loop once the reader is stopped, so it dials no more."""


def _subscriber(base_uri: str, position: list[int | None], done: threading.Event) -> Any:
    """atproto's firehose client, asking from ``position[0]`` (the last seq read) at every (re)connection.

    The wait between reconnections is ours: interrupted by ``done`` (atproto
    sleeps it through, then dials once more), and jittered with the
    library's own random generator, never the program's global one.
    """
    from atproto import FirehoseSubscribeReposClient

    class Subscriber(FirehoseSubscribeReposClient):  # type: ignore[misc]
        def _get_reconnection_delay(self) -> float:
            return 0.0  # waited in _before_connect instead

        def _before_connect(self) -> None:
            failures = int(getattr(self, "_reconnect_no", 0))
            if failures:
                done.wait(reconnect_backoff(failures))
            if done.is_set():
                raise _Stopped
            if position[0] is not None:
                self.update_params({"cursor": position[0]})

    return Subscriber(base_uri=base_uri, recv_timeout=30.0)


def _posts_of(frame: Any) -> tuple[int | None, list[tuple[str, str, str, dict[str, Any]]]]:
    """A frame's seq and the posts it creates: (repo DID, URI, CID, record) each."""
    from atproto import CAR, models, parse_subscribe_repos_message

    message = parse_subscribe_repos_message(frame)
    if not isinstance(message, models.ComAtprotoSyncSubscribeRepos.Commit):
        return getattr(message, "seq", None), []
    creates = [op for op in message.ops if op.action == "create" and op.path.startswith(POSTS + "/")]
    if not creates or not message.blocks:
        return message.seq, []
    car = CAR.from_bytes(message.blocks)
    found = []
    for op in creates:
        record = car.blocks.get(op.cid) if op.cid is not None else None
        if not isinstance(record, dict) or record.get("$type") != POSTS:
            log.warning("skipping a firehose post without its record (%s)", op.path)
            continue
        found.append((message.repo, f"at://{message.repo}/{op.path}", str(op.cid), record))
    return message.seq, found


class FirehoseReader:
    """One firehose subscription, read on its own thread into a bounded queue.

    :meth:`posts` yields what it reads; :meth:`stop` ends it from any thread
    (the connection's ``close()`` does), and the iterator then returns. A
    reader nobody stops ends when its iterator is closed or collected.
    """

    def __init__(self, base_uri: str, *, network: str) -> None:
        self.network = network
        self._position: list[int | None] = [None]
        self._frames: queue.Queue[Any] = queue.Queue(maxsize=_BUFFER)
        self._done = threading.Event()
        self._client = _subscriber(base_uri, self._position, self._done)
        #: The reading thread, once :meth:`posts` started it.
        self.thread: threading.Thread | None = None

    def stop(self) -> None:
        """End the subscription: the socket is closed, no reconnection follows, the iterator returns."""
        self._done.set()
        self._client.stop()
        self._end()

    def _end(self) -> None:
        """Tell the iterator it is over, dropping unread frames if the queue is full (nobody reads them)."""
        while True:
            try:
                self._frames.put_nowait(None)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._frames.get_nowait()

    def _on_message(self, frame: Any) -> None:
        while not self._done.is_set():
            try:
                self._frames.put(frame, timeout=0.25)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        while not self._done.is_set():
            try:
                self._client.start(
                    self._on_message, lambda exc: log.warning("firehose callback failed: %s", exc)
                )
            except Exception as exc:
                if not self._done.is_set():
                    log.warning("the %s firehose failed: %s", self.network, type(exc).__name__)
            if not self._done.is_set():
                self._done.wait(1.0)  # the client ended on its own (the server closed): start it again
        self._end()

    def posts(
        self, to_post: Callable[[str, str, str, dict[str, Any]], Post], *, tag: str | None
    ) -> Iterator[Post]:
        """New posts as they come, made by ``to_post(did, uri, cid, record)``; ``tag`` keeps those with it."""
        if self._done.is_set():
            return
        self.thread = threading.Thread(
            target=self._run, name=f"decentsocial-{self.network}-firehose", daemon=True
        )
        self.thread.start()
        seen: OrderedDict[str, None] = OrderedDict()
        try:
            while True:
                frame = self._frames.get()
                if frame is None or self._done.is_set():
                    return  # stopped: what is still buffered is dropped
                try:
                    seq, found = _posts_of(frame)
                except Exception as exc:  # a frame that does not decode: skipped, the stream goes on
                    log.warning("skipping a firehose frame that does not decode: %s", type(exc).__name__)
                    continue
                if seq is not None:
                    self._position[0] = seq
                for did, uri, cid, record in found:
                    if uri in seen:
                        continue
                    seen[uri] = None
                    if len(seen) > _SEEN:
                        seen.popitem(last=False)
                    try:
                        post = to_post(did, uri, cid, record)
                    except errors.DecentSocialError as exc:
                        log.warning("skipping a firehose post: %s", exc.message)
                        continue
                    if tag is None or tag.lower() in post.tags:
                        yield post
        finally:
            self.stop()


def author_cache(lookup: Callable[[str], Account], network: str) -> Callable[[str], Account]:
    """``lookup(did)`` remembered (a failed lookup gives an account named by its DID)."""
    known: OrderedDict[str, Account] = OrderedDict()

    def author(did: str) -> Account:
        if did not in known:
            try:
                known[did] = lookup(did)
            except errors.DecentSocialError:
                return Account(network=network, id=did, handle=did)
            if len(known) > _SEEN:
                known.popitem(last=False)
        return known[did]

    return author
