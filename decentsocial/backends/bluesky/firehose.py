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

The connection's socket is opened here (:func:`_dial`), not by websockets,
so that :meth:`FirehoseReader.stop` reaches it while it is still being
opened: a relay that never completes the TCP handshake, or never answers
the TLS handshake or the websocket upgrade, no longer holds the reader's
thread and its socket until the open timeout.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Generator
from typing import Any

from ... import errors
from ...coerce import as_list, as_str
from ...deadline_http import verifying_context
from ...interrupt import Interrupt, open_socket, shut
from ...models import Account, Post, normalise_tags
from ...retry import reconnect_backoff
from ...text import normalise_tag
from ...urls import check_endpoint
from .richtext import facet_values

__all__ = ["FIREHOSE", "FirehoseReader", "firehose_url"]

log = logging.getLogger("decentsocial.bluesky")

#: The XRPC method of the repo firehose.
FIREHOSE = "com.atproto.sync.subscribeRepos"
#: The collection of posts in a repo.
POSTS = "app.bsky.feed.post"
#: Decoded posts the reader may hold before it waits for the caller (it never drops one), bounded
#: by count and by the bytes of the commits they came in: a relay's frames may be 5 MiB each.
_BUFFER = 1_000
_BUFFER_BYTES = 16 * 1024 * 1024
#: Dials that fail in a row, none ever answered: nothing serves the firehose there.
_FIRST_DIALS = 5
#: Post URIs remembered to drop a repeat after a replay.
_SEEN = 10_000
#: Seconds to open a connection: TCP, TLS and the websocket upgrade together (websockets' default).
_OPEN_TIMEOUT = 10.0


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


class _Redirected(Exception):
    """A handshake answered with a redirect: refused, not followed (see :func:`_no_redirects`)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def _no_redirects() -> type:
    """websockets' client connection, its handshake refusing a redirect.

    websockets follows a redirect (up to 10, to any host) before any of our
    code sees it: the subscription would go to a server nobody configured.
    """
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import ClientConnection

    class Connection(ClientConnection):
        def handshake(self, *args: Any, **kwargs: Any) -> None:
            try:
                super().handshake(*args, **kwargs)
            except InvalidStatus as exc:
                status = int(exc.response.status_code)
                if 300 <= status < 400:
                    raise _Redirected(status) from exc
                raise

    return Connection


def _dial(uri: str, options: dict[str, Any], interrupt: Interrupt) -> Any:
    """websockets' ``connect(uri, **options)`` on a socket opened here, which ``interrupt`` shuts until
    the connection is open (then atproto's ``stop()`` closes it).

    The socket is watched through a duplicate: a TLS handshake takes the
    descriptor over (the socket object is left with none), the duplicate
    still reaches the connection. ``wss`` uses the TLS context every other
    request of the library uses. Raises ``ConnectionAbortedError`` (an
    ``OSError``) when stopped, and what websockets' ``connect`` raises.
    """
    from websockets.sync.client import connect
    from websockets.uri import parse_uri

    where = parse_uri(uri)
    watched: list[socket.socket] = []

    def shut_all() -> None:
        for duplicate in list(watched):
            shut(duplicate)

    started = time.monotonic()
    try:
        with interrupt.hooked(shut_all):
            sock = open_socket(
                (where.host, where.port),
                _OPEN_TIMEOUT,
                stopped=interrupt.is_set,
                watch=lambda opening: watched.append(opening.dup()),
            )
            try:
                return connect(
                    uri,
                    sock=sock,
                    ssl=verifying_context() if where.secure else None,
                    open_timeout=max(_OPEN_TIMEOUT - (time.monotonic() - started), 0.001),
                    **options,
                )
            except BaseException:
                sock.close()  # websockets closes it on its own failures; not on one before it took it
                raise
    finally:
        for duplicate in watched:  # no hook runs any more: ``hooked`` was left under the interrupt's lock
            duplicate.close()


def _refusal(exc: BaseException, *, network: str, where: str) -> errors.DecentSocialError | None:
    """The error for a handshake the server refuses for good (4xx but 408/429, a redirect), else None
    (try again)."""
    from websockets.exceptions import InvalidStatus

    if isinstance(exc, _Redirected):
        return errors.ConfigurationError(
            f"firehose_url: {where} answered {exc}: redirects are not followed"
            " (if it moved, set firehose_url to its new address)",
            network=network,
        )
    if not isinstance(exc, InvalidStatus):
        return None
    status = int(exc.response.status_code)
    if not 400 <= status < 500 or status in (408, 429):
        return None
    return errors.ConfigurationError(
        f"firehose_url: {where} refused the subscription (HTTP {status}); is it a relay or PDS that serves"
        f" {FIREHOSE}?",
        network=network,
    )


def _xrpc_error(exc: BaseException) -> str | None:
    """The name in an XRPC error frame the server sent (atproto raises it as a SubscriptionError)."""
    from atproto_client.models.common import XrpcError

    found = exc.args[0] if exc.args else None
    return str(found.error) if isinstance(found, XrpcError) else None


def _subscriber(
    base_uri: str,
    position: list[int | None],
    interrupt: Interrupt,
    failed: list[errors.DecentSocialError],
    network: str,
) -> Any:
    """atproto's firehose client, asking from ``position[0]`` (the last seq read) at every (re)connection.

    The wait between reconnections is ours: interrupted by ``interrupt``
    (atproto sleeps it through, then dials once more), and jittered with the
    library's own random generator, never the program's global one. Each
    connection is opened by :func:`_dial`, so setting ``interrupt`` also ends
    one being opened. A server that refuses for good (see :func:`_refusal`),
    or that never answered in ``_FIRST_DIALS`` dials, puts its error in
    ``failed`` and ends the client instead of being dialled forever.
    """
    from atproto import FirehoseSubscribeReposClient

    answered = [False]
    connection = _no_redirects()
    done = interrupt.event

    class Subscriber(FirehoseSubscribeReposClient):  # type: ignore[misc]
        def _get_reconnection_delay(self) -> float:
            return 0.0  # waited in _before_connect instead

        def _before_connect(self) -> None:
            failures = int(getattr(self, "_reconnect_no", 0))
            if failures:
                done.wait(reconnect_backoff(failures))
            if done.is_set():
                raise _Stopped
            self.update_params({"cursor": position[0]} if position[0] is not None else {})

        def _get_connect_kwargs(self) -> dict[str, Any]:
            return {**super()._get_connect_kwargs(), "create_connection": connection}

        def _get_client(self) -> Any:
            client = _dial(self._websocket_uri, self._get_connect_kwargs(), interrupt)  # handshake done
            answered[0] = True
            return client

        def _handle_websocket_error_or_stop(self, exception: Exception) -> bool:
            if done.is_set():
                return True  # stopped (the connection being opened was shut): not a failure
            where = base_uri.rsplit("/xrpc", 1)[0]
            refused = _refusal(exception, network=network, where=where)
            if refused is None and not answered[0] and int(getattr(self, "_reconnect_no", 0)) >= _FIRST_DIALS:
                refused = errors.NetworkUnavailable(
                    f"no firehose answers at {where} ({_FIRST_DIALS} tries: {type(exception).__name__})",
                    network=network,
                    retryable=False,
                )
            if refused is not None:
                failed.append(refused)
                return True
            return bool(super()._handle_websocket_error_or_stop(exception))

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


class _Buffer:
    """The posts read and not yet taken, bounded by count and by bytes (one item always fits)."""

    def __init__(self) -> None:
        self._items: deque[tuple[Any, int]] = deque()
        self._held = 0
        self._cond = threading.Condition()

    def put(self, item: Any, weight: int, done: threading.Event) -> None:
        """Wait for room (never drop), unless ``done`` is set."""
        with self._cond:
            while self._items and (len(self._items) >= _BUFFER or self._held + weight > _BUFFER_BYTES):
                if done.is_set():
                    return
                self._cond.wait(0.25)
            self._items.append((item, weight))
            self._held += weight
            self._cond.notify_all()

    def get(self) -> Any:
        with self._cond:
            while not self._items:
                self._cond.wait()
            item, weight = self._items.popleft()
            self._held -= weight
            self._cond.notify_all()
            return item

    def end(self, last: Any) -> None:
        """Drop what nobody will read and leave ``last`` (None: stopped; an error: failed) to be read."""
        with self._cond:
            self._items.clear()
            self._items.append((last, 0))
            self._held = 0
            self._cond.notify_all()


class FirehoseReader:
    """One firehose subscription, read and decoded on its own thread into a bounded buffer of posts.

    Frames are decoded as they arrive and only their posts are kept, so a
    caller that is slow holds posts, not the server's frames.
    :meth:`posts` yields what it reads; :meth:`stop` ends it from any thread
    (the connection's ``close()`` does), and the iterator then returns. A
    reader nobody stops ends when its iterator is closed or collected.
    """

    def __init__(self, base_uri: str, *, network: str) -> None:
        self.network = network
        self._position: list[int | None] = [None]
        self._buffer = _Buffer()
        #: Set by :meth:`stop`: it also shuts the socket of a connection still being opened.
        self._interrupt = Interrupt()
        self._done = self._interrupt.event
        self._failed: list[errors.DecentSocialError] = []
        self._client = _subscriber(base_uri, self._position, self._interrupt, self._failed, network)
        #: The reading thread, once :meth:`posts` started it.
        self.thread: threading.Thread | None = None

    def stop(self) -> None:
        """End the subscription: the socket is closed (also one still being opened), no reconnection
        follows, the iterator returns."""
        self._interrupt.set()
        self._client.stop()
        self._end()

    def _end(self, last: errors.DecentSocialError | None = None) -> None:
        """Tell the iterator it is over (``last``: why), dropping unread posts (nobody reads them)."""
        self._buffer.end(last)

    def _on_message(self, frame: Any) -> None:
        try:
            seq, found = _posts_of(frame)
        except Exception as exc:  # a frame that does not decode: skipped, the stream goes on
            log.warning("skipping a firehose frame that does not decode: %s", type(exc).__name__)
            return
        if found:
            blocks = getattr(frame, "body", None)
            size = len(blocks.get("blocks") or b"") if isinstance(blocks, dict) else 0
            self._buffer.put(found, max(size, 1024 * len(found)), self._done)
        if seq is not None:
            self._position[0] = seq  # what came before is in the buffer: a reconnection asks from here

    def _run(self) -> None:
        while not self._done.is_set():
            try:
                self._client.start(
                    self._on_message, lambda exc: log.warning("firehose callback failed: %s", exc)
                )
            except Exception as exc:
                if not self._done.is_set():
                    name = _xrpc_error(exc)
                    if name == "FutureCursor":
                        # The relay was reset: its seqs start over, so ours is in its future.
                        log.warning(
                            "the %s firehose does not know seq %s: reading from now",
                            self.network,
                            self._position[0],
                        )
                        self._position[0] = None
                    else:
                        log.warning("the %s firehose failed: %s", self.network, name or type(exc).__name__)
            if self._failed:
                log.warning("the %s firehose ended: %s", self.network, self._failed[0].message)
                self._done.set()
                self._end(self._failed[0])
                return
            if not self._done.is_set():
                self._done.wait(1.0)  # the client ended on its own (the server closed): start it again
        self._end()

    def posts(
        self, to_post: Callable[[str, str, str, dict[str, Any]], Post], *, tag: str | None
    ) -> Generator[Post, None, None]:
        """New posts as they come, made by ``to_post(did, uri, cid, record)``; ``tag`` keeps those with it.

        A server that refuses the subscription for good ends it with the
        error (``ConfigurationError``: the URL serves no firehose;
        ``NetworkUnavailable``: nothing ever answered there).
        """
        if self._done.is_set():
            return
        tag = None if tag is None else normalise_tag(tag)  # as ``Post.tags`` holds it, however it was typed
        self.thread = threading.Thread(
            target=self._run, name=f"decentsocial-{self.network}-firehose", daemon=True
        )
        self.thread.start()
        seen: OrderedDict[str, None] = OrderedDict()
        try:
            while True:
                found = self._buffer.get()
                if isinstance(found, errors.DecentSocialError):
                    raise found
                if found is None or self._done.is_set():
                    return  # stopped: what is still buffered is dropped
                for did, uri, cid, record in found:
                    if uri in seen:
                        continue
                    seen[uri] = None
                    if len(seen) > _SEEN:
                        seen.popitem(last=False)
                    if tag is not None and not _may_have_tag(record, tag):
                        continue  # before ``to_post``: its author lookup is a request per new author
                    try:
                        post = to_post(did, uri, cid, record)
                    except errors.DecentSocialError as exc:
                        log.warning("skipping a firehose post: %s", exc.message)
                        continue
                    if tag is None or tag in post.tags:
                        yield post
        finally:
            self.stop()


def _may_have_tag(record: dict[str, Any], tag: str) -> bool:
    """Whether a post record carries ``tag`` (normalised): the ``Post.tags`` it makes, without its author."""
    text = as_str(record.get("text")) or ""
    tags, _, _ = facet_values(text, record.get("facets"))
    extra = [t for t in as_list(record.get("tags")) if isinstance(t, str)]
    return tag in normalise_tags([*tags, *extra])


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
