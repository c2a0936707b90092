"""The Bluesky backend: decentsocial's ``Network`` hooks over the AT Protocol.

Writes go to the account's PDS as repo records with client-chosen record
keys, so a retry after an ambiguous failure never makes a second record.
Reads go through the PDS, which forwards ``app.bsky.*`` to the AppView
(its answers lag writes by a moment). Every call goes through
``transport.Transport``; this module never touches atproto or HTTP.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from ... import errors
from ...base import BaseNetwork
from ...coerce import as_dict, as_str
from ...models import Account, Draft, Post, as_draft
from ...network import MICROBLOGGING, AccountRef, Capability, PostRef, TextLimit
from ...retry import RetryPolicy
from ...settings import secret_fingerprint
from ...stopping import StoppableStream
from ...text import grapheme_len, utf8_len
from ...urls import check_endpoint
from ...write_args import check_key
from . import ids
from .convert import account_from_view, post_from_record, post_from_view
from .engage import Engagements
from .feeds import Feeds
from .feeds import objects as _objects
from .firehose import FirehoseReader, author_cache, firehose_url
from .ids import DID_RE, HANDLE_RE, POST, AtUri, new_tid, parse_at_uri, profile_url, tid_for_key
from .media import PreparedImage, check_media, checked_blob, prepare_media
from .pins import ProfilePins
from .records import (
    external_embed,
    images_embed,
    post_record,
    record_about,
    record_parts,
    reply_ref,
    strong_ref,
    written_parts,
)
from .richtext import (
    MAX_GRAPHEMES,
    MAX_TAG_BYTES,
    MAX_TAG_GRAPHEMES,
    MAX_TEXT_BYTES,
    build_facets,
    is_bluesky_handle,
    mentions_room,
    post_length,
    text_with_mentions,
)
from .settings import BlueskySettings
from .threads import THREAD_DEPTH, check_language, check_root, half_thread, indexed_view, walk_thread
from .transport import Transport

__all__ = ["BlueskyNetwork"]

MAX_TAGS = 8


def _part_key(key: str, number: int) -> str:
    """The idempotency key of a thread's part ``number`` (from 0), so a retried thread resumes."""
    return f"{key}#{number}"


class BlueskyNetwork(Engagements, ProfilePins, Feeds, BaseNetwork[BlueskySettings]):
    """Bluesky (AT Protocol): ``connect("bluesky", base_url=…, handle=…, password=…)``.

    Besides the ``Network`` members it offers ``publish_thread``,
    ``unrepost``, ``resolve_handle`` and ``session_string``.
    """

    name: ClassVar[str] = "bluesky"
    resolves_publish_keys = True  # the record key comes from the idempotency key
    Settings: ClassVar[type[BlueskySettings]] = BlueskySettings
    #: getAuthorFeed, getTimeline, searchPosts and listNotifications give at most 100 a page.
    page_size: ClassVar[int] = 100
    capabilities = MICROBLOGGING | {Capability.MEDIA, Capability.PIN, Capability.STREAM}
    lacks: ClassVar[dict[Capability, str]] = {
        Capability.EDIT: "a Bluesky post is an immutable record that apps show as first written;"
        " edit(post, draft, replace=True) deletes it and publishes the draft instead",
        # direct messages (issue 14)
        Capability.MESSAGING: "Bluesky's direct messages are a separate chat service (chat.bsky.*, through a"
        " service proxy and an app password with chat access) that this backend does not use",
    }

    @property
    def identity(self) -> str:
        """The server and the handle, else where the session is kept (its tokens change on refresh)."""
        s = self.settings
        who = s.handle or (
            f"keyring:{s.keyring_session}"
            if s.keyring_session
            else f"file:{s.session_file.expanduser().absolute()}"
            if s.session_file
            else secret_fingerprint(s.session_string)
        )
        return f"{s.base_url}:{who}"

    def __init__(self, settings: BlueskySettings | None = None, *, retry: RetryPolicy | None = None) -> None:
        super().__init__(settings, retry=retry)
        # Credentials go over TLS only, or to a server on this machine, unless allow_http says otherwise.
        base_url = check_endpoint(
            self.settings.base_url, network=self.name, setting="base_url", allow_http=self.settings.allow_http
        )
        if base_url != self.settings.base_url:
            self.settings = self.settings.model_copy(update={"base_url": base_url})
        #: The logged-in atproto client (``transport.logins`` counts password logins).
        self.transport = Transport(self.settings, self.name)
        self.release_on_collect(self.transport.close)
        self._dids: dict[str, str] = {}
        #: Open ``stream()`` readers, ended by ``close()``.
        self._firehoses: weakref.WeakSet[FirehoseReader] = weakref.WeakSet()

    # ---------------------------------------------------------------- plumbing

    def _query(self, nsid: str, params: dict[str, Any], *, action: str) -> dict[str, Any]:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.retry.call(lambda: self.transport.query(nsid, clean, action=action))

    def _procedure(self, nsid: str, data: dict[str, Any], *, action: str) -> dict[str, Any]:
        """A write that is safe to repeat (fixed record key, delete, content-addressed blob)."""
        return self.retry.call(lambda: self.transport.procedure(nsid, data, action=action, safe=True))

    def _did(self) -> str:
        return self.transport.identity()[0]

    def _blob_base(self) -> str:
        return self.settings.base_url

    def _post_view(
        self,
        view: Any,
        reposted_by: Account | None = None,
        authors: dict[str, Account] | None = None,
    ) -> Post:
        return post_from_view(view, web_url=self.settings.web_url, reposted_by=reposted_by, authors=authors)

    def _my_account(self) -> Account:
        did, handle = self.transport.identity()
        return Account(
            network=self.name, id=did, handle=handle, url=profile_url(self.settings.web_url, handle)
        )

    def session_string(self) -> str:
        """The current session, to save and pass back as ``session_string`` (keep it secret)."""
        return self.transport.export()

    def close(self) -> None:
        """Close the HTTP connections and end open streams (connections close at garbage collection too)."""
        for reader in list(self._firehoses):
            reader.stop()
        self.transport.close()

    # ---------------------------------------------------------------- identities

    def resolve_handle(self, handle: str) -> str:
        """The DID for ``handle``, asked of the PDS (never DNS); ``NotFound`` if it does not resolve."""
        handle = handle.strip().lstrip("@").lower()
        if DID_RE.match(handle):
            return handle
        if not HANDLE_RE.match(handle):
            raise errors.InvalidInput(f"malformed Bluesky handle {handle!r}", network=self.name)
        did = self._dids.get(handle)
        if did is None:
            answer = self._query(
                "com.atproto.identity.resolveHandle", {"handle": handle}, action=f"resolve @{handle}"
            )
            did = as_str(answer.get("did")) or ""
            if not DID_RE.match(did):
                raise errors.NotFound(f"@{handle} does not resolve to an account", network=self.name)
            self._dids[handle] = did
        return did

    def _actor(self, account: AccountRef) -> str:
        if isinstance(account, Account) and DID_RE.match(account.id):
            return account.id
        actor = self.account_ref(account).lstrip("@")
        if not (DID_RE.match(actor) or HANDLE_RE.match(actor)):
            raise errors.InvalidInput(f"malformed Bluesky handle or DID {actor!r}", network=self.name)
        return actor

    def _mention_did(self, handle: str) -> str:
        try:
            return self.resolve_handle(handle)
        except errors.NotFound as exc:
            raise errors.ContentRejected(
                f"the mention @{handle} does not resolve to a Bluesky account", network=self.name
            ) from exc

    def _post_uri(self, post: PostRef) -> AtUri:
        """A post's at-URI with a DID as its repo (checked before any I/O). A handle (as in a bsky.app
        URL) is resolved: the AppView and the record keys derived from a post know it by its DID only."""
        uri = parse_at_uri(self.post_id(post), network=self.name)
        if DID_RE.match(uri.repo):
            return uri
        return AtUri(self.resolve_handle(uri.repo), uri.collection, uri.rkey)

    # ---------------------------------------------------------------- profiles

    def _me(self) -> Account:
        did = self._did()
        try:
            return self._account(did)
        except errors.NotFound:
            # The AppView indexes new accounts asynchronously: until it has, the session knows who we are.
            return self._my_account()

    def _account(self, handle: str) -> Account:
        actor = self._actor(handle)
        view = self._query("app.bsky.actor.getProfile", {"actor": actor}, action=f"get profile {actor}")
        return ids.check_asked_account(account_from_view(view, web_url=self.settings.web_url), actor)

    # ---------------------------------------------------------------- the firehose

    def _stream(self, kind: str, tag: str | None) -> Iterator[Post]:
        """New posts from the repo firehose (``firehose_url``, or the PDS at ``base_url``), as they come.

        Only ``kind="public"`` (every post the server relays); ``tag`` keeps
        posts with that hashtag. A dropped connection is reopened from the
        last commit read, so nothing is missed and nothing repeats. ``close()``
        ends it: the socket closes, the iterator returns.
        """
        if kind != "public":
            raise self.invalid(f"the firehose has only the 'public' stream, not {kind!r}")
        base = firehose_url(
            self.settings.firehose_url or self.settings.base_url,
            network=self.name,
            allow_http=self.settings.allow_http,
        )
        author = author_cache(self._account, self.name)

        def to_post(did: str, uri: str, cid: str, record: dict[str, Any]) -> Post:
            return post_from_record(
                uri, cid, record, author(did), web_url=self.settings.web_url, blob_base=self._blob_base()
            )

        reader = FirehoseReader(base, network=self.name)
        self._firehoses.add(reader)
        return StoppableStream(reader.posts(to_post, tag=tag), reader.stop)  # stop(): from any thread

    # ---------------------------------------------------------------- records

    def _get_record(self, uri: AtUri, *, retry: bool = True) -> dict[str, Any] | None:
        """``{uri, cid, value}`` of a record from the PDS, or None when it has no such record.

        ``retry=False``: asked once (inside a write's own retry, which decides the attempts).
        """
        params = {"repo": uri.repo, "collection": uri.collection, "rkey": uri.rkey}
        query = self._query if retry else self.transport.query
        try:
            found = query("com.atproto.repo.getRecord", params, action=f"get record {uri}")
        except errors.NotFound:
            return None
        except errors.InvalidInput as exc:
            # Some servers answer 400 InvalidRequest for a repo they do not host.
            if exc.server_message and "could not" in exc.server_message.lower():
                return None
            raise
        return record_about(found, uri)  # another record's cid or text must not stand for ``uri``

    def _create_record(
        self, collection: str, rkey: str, record: dict[str, Any], *, check_first: bool
    ) -> tuple[str, str, dict[str, Any], bool]:
        """Create a record under a client-chosen key, exactly once.

        Returns (uri, cid, stored record, created). If the key already holds a
        record (a retry after the server committed, or a reused idempotency
        key) that record is returned with ``created=False``.
        """
        did = self._did()
        target = AtUri(did, collection, rkey)
        if check_first:
            existing = self._get_record(target)
            if existing is not None:
                return (*written_parts(existing, target, "record"), False)

        def attempt() -> tuple[str, str, dict[str, Any], bool]:
            try:
                answer = self.transport.procedure(
                    "com.atproto.repo.createRecord",
                    {"repo": did, "collection": collection, "rkey": rkey, "record": record},
                    action=f"create {collection}",
                    safe=True,
                )
                uri, cid, _ = written_parts(answer, target, "createRecord answer")
                return uri, cid, record, True
            except errors.RateLimited:
                raise
            except (errors.NetworkUnavailable, errors.ContentRejected) as exc:
                # Ambiguous (dropped connection, timeout, 5xx) or the key is taken:
                # the record decides whether the write happened. Asked once: the retry
                # around this attempt counts the attempts, and a failed lookup leaves
                # the write's own error to report.
                try:
                    found = self._get_record(target, retry=False)
                except errors.DecentSocialError:
                    found = None
                if found is not None:
                    return (*written_parts(found, target, "record"), False)
                raise exc from exc.__cause__

        return self.retry.call(attempt)

    def _delete_record(self, uri: AtUri) -> None:
        self._procedure(
            "com.atproto.repo.deleteRecord",
            {"repo": self._did(), "collection": uri.collection, "rkey": uri.rkey},
            action=f"delete {uri}",
        )

    def _strong_ref(self, uri: AtUri) -> tuple[dict[str, str], dict[str, Any]]:
        """({uri, cid}, record) of a post: from the PDS, else from the AppView (posts on other PDSes)."""
        found = self._get_record(uri)
        if found is not None and found.get("cid"):
            return strong_ref(found, uri), dict(as_dict(found.get("value")))
        views = self._query("app.bsky.feed.getPosts", {"uris": [str(uri)]}, action=f"get post {uri}")
        posts = _objects(views, "posts")
        if not posts:
            raise errors.NotFound(f"post {uri} does not exist", network=self.name)
        ids.check_asked_post(posts[0], uri, network=self.name)  # a like or reply must land on ``uri``
        return strong_ref(posts[0], uri), dict(as_dict(posts[0].get("record")))

    def _indexed_ref(
        self, uri: AtUri, *, quote: bool = False, wait: bool = True
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """A reply or ``quote`` target's strong ref, once the AppView has indexed it (bounded wait).

        The AppView only notifies the parent's author, and only threads a
        reply, if it indexed the parent first; right after the parent was
        written it may not have. So wait up to ``index_wait`` seconds for it
        (not with ``wait=False``: a check only), then go on with the PDS's
        copy. ``PermissionDenied`` where the AppView would hide it (a block,
        the author's thread or post gate).
        """
        ask = functools.partial(self._thread_node, str(uri), 0)
        view = indexed_view(ask, wait=0, uri=uri, quote=quote, network=self.name)
        if view is not None:
            return strong_ref(view, uri), dict(as_dict(view.get("record")))
        found = self._get_record(uri)
        if found is None or not found.get("cid"):
            raise errors.NotFound(f"post {uri} does not exist", network=self.name)
        if wait and self.settings.index_wait:
            indexed_view(ask, wait=self.settings.index_wait, uri=uri, quote=quote, network=self.name)
        return strong_ref(found, uri), dict(as_dict(found.get("value")))

    # ---------------------------------------------------------------- publishing

    def text_limit(self, draft: Draft | None = None) -> TextLimit:
        """300 graphemes and 3,000 UTF-8 bytes as one count (``post_length``), less a draft's mentions."""
        room = MAX_GRAPHEMES if draft is None else mentions_room(draft.text, draft.mentions)
        return TextLimit(room, post_length, "graphemes")

    def check_length(self, draft: Draft) -> None:
        """Each limit named in its own words: the UTF-8 bytes, then the graphemes (of the text as
        posted, ``Draft.mentions`` written into it)."""
        draft = self._with_mentions(draft)
        if (size := utf8_len(draft.text)) > MAX_TEXT_BYTES:
            raise self.too_long(MAX_TEXT_BYTES, size, "UTF-8 bytes")
        super().check_length(draft)

    def _with_mentions(self, draft: Draft) -> Draft:
        """The draft as posted: its ``mentions`` written into the text (see ``text_with_mentions``).

        ``ContentRejected`` for one that is no Bluesky handle (``@user@host``, an npub): it would
        stay plain text, mentioning nobody.
        """
        if not draft.mentions:
            return draft
        for handle in draft.mentions:
            if not is_bluesky_handle(handle.strip().lstrip("@")):
                raise errors.ContentRejected(
                    f"Draft.mentions holds {handle[:100]!r}, which is not a Bluesky handle"
                    " (like alice.bsky.social)",
                    network=self.name,
                )
        return draft.model_copy(
            update={"text": text_with_mentions(draft.text, draft.mentions), "mentions": ()}
        )

    def check_draft(self, draft: Draft) -> None:
        """Everything that can be checked without the network, so bad input makes no half-made post."""
        super().check_draft(draft)
        if not draft.text.strip() and not draft.media:
            raise errors.ContentRejected(
                "a post needs text or images; this draft has neither", network=self.name
            )
        # Images and link card as publishing checks them, reading no file (a file's size by stat).
        check_media(draft, network=self.name, max_bytes=self.settings.image_max_bytes)
        if len(draft.tags) > MAX_TAGS:
            raise errors.ContentRejected(
                f"{len(draft.tags)} tags, over Bluesky's limit of {MAX_TAGS}", network=self.name
            )
        for tag in draft.tags:
            if grapheme_len(tag) > MAX_TAG_GRAPHEMES or utf8_len(tag) > MAX_TAG_BYTES:
                raise errors.ContentRejected(
                    f"tag {tag[:20]!r}… is {grapheme_len(tag)} graphemes, over Bluesky's limit of "
                    f"{MAX_TAG_GRAPHEMES} ({MAX_TAG_BYTES} bytes)",
                    network=self.name,
                )
        check_language(draft, network=self.name)
        if draft.visibility not in (None, "public"):
            raise self.unsupported(
                Capability.PUBLISH, f"visibility {draft.visibility!r}: every post is public"
            )
        if draft.community is not None:
            raise self.unsupported(Capability.COMMUNITY_POSTS)
        if (draft.title or "").strip():  # a post has no title: refused, never dropped unseen
            raise errors.ContentRejected(
                "Bluesky posts have no title: write it into the text", network=self.name
            )
        if draft.reply_to is not None:
            parse_at_uri(draft.reply_to, network=self.name)
        if draft.quote_of is not None:
            parse_at_uri(draft.quote_of, network=self.name)

    def _upload(self, image: PreparedImage) -> dict[str, Any]:
        answer = self.retry.call(
            lambda: self.transport.procedure(
                "com.atproto.repo.uploadBlob",
                action="upload image",
                safe=True,
                body=image.data,
                content_type=image.mime_type,
            )
        )
        return checked_blob(answer, image, network=self.name)

    def _prepare_media(self, draft: Draft) -> tuple[list[PreparedImage], PreparedImage | None]:
        """The draft's images and link-card thumbnail, read and checked without any request."""
        return prepare_media(draft, network=self.name, max_bytes=self.settings.image_max_bytes)

    def _build_record(
        self, draft: Draft, images: list[PreparedImage], thumb: PreparedImage | None
    ) -> dict[str, Any]:
        """The ``app.bsky.feed.post`` record: lookups first, then uploads."""
        # Lookups that can fail (mentions, reply and quote targets) before any upload or write.
        facets = build_facets(draft.text, self._mention_did)
        reply: dict[str, Any] | None = None
        if draft.reply_to is not None:
            reply = reply_ref(*self._indexed_ref(self._post_uri(draft.reply_to)))
        quote: dict[str, str] | None = None
        if draft.quote_of is not None:
            quote, _ = self._indexed_ref(self._post_uri(draft.quote_of), quote=True)
        media: dict[str, Any] | None = None
        if images:
            media = images_embed(images, [self._upload(image) for image in images])
        elif draft.link is not None:
            media = external_embed(draft, None if thumb is None else self._upload(thumb))
        return post_record(draft, facets=facets, reply=reply, quote=quote, media=media)

    def _publish(self, d: Draft) -> Post:
        """Publish exactly once: the record key comes from ``idempotency_key``, or is fixed per call."""
        d = self._with_mentions(d)
        did = self._did()
        if d.idempotency_key:
            # A reused key: the record it names is the answer, found before any file is read (a
            # temporary one may be gone by now), so no lookups or uploads are wasted either.
            rkey = tid_for_key(f"{did}/{POST}", d.idempotency_key)
            existing = self._get_record(AtUri(did, POST, rkey))
            if existing is not None:
                return self._published(d, *record_parts(existing))
        else:
            rkey = new_tid()
        images, thumb = self._prepare_media(d)  # checked by check_draft already; now read
        record = self._build_record(d, images, thumb)
        uri, cid, stored, _ = self._create_record(POST, rkey, record, check_first=False)
        return self._published(d, uri, cid, stored)

    def _published(self, draft: Draft, uri: str, cid: str | None, stored: dict[str, Any]) -> Post:
        """The post stored under the draft's key; refused if the key was used for other text."""
        if stored.get("text") != draft.text:
            used = f"idempotency key {draft.idempotency_key!r}" if draft.idempotency_key else "record key"
            raise errors.InvalidInput(
                f"{used} was already used with different content ({uri}); use a new key", network=self.name
            )
        return post_from_record(
            uri, cid, stored, self._my_account(), web_url=self.settings.web_url, blob_base=self._blob_base()
        )

    def publish_thread(
        self, texts: Sequence[str | Draft], *, idempotency_key: str | None = None
    ) -> list[Post]:
        """Publish ``texts`` as a thread (each a reply to the one before), all checked before the first.

        With ``idempotency_key`` a retried call resumes where it stopped: part
        *i* uses the key ``"<key>#<i>"``.
        """
        if idempotency_key is not None:  # before any part is looked up or posted
            check_key(idempotency_key, network=self.name)
        drafts = [as_draft(t) for t in texts]
        if not drafts:
            raise errors.InvalidInput("publish_thread needs at least one text", network=self.name)
        for number, d in enumerate(drafts):
            self.check_draft(d)
            if number and d.reply_to is not None:
                raise errors.InvalidInput(
                    f"part {number + 1} of the thread has a reply_to: each later part replies to the part"
                    " before it (only the first part may reply to another post)",
                    network=self.name,
                )
            self._prepare_media(d)  # images too: a bad one in part 3 must not leave parts 1-2 posted
            # And mentions (remembered for the parts' records).
            build_facets(self._with_mentions(d).text, self._mention_did)
        self._check_quotes(drafts, idempotency_key)
        posts: list[Post] = []
        for number, d in enumerate(drafts):
            changes: dict[str, Any] = {}
            if idempotency_key is not None:
                changes["idempotency_key"] = _part_key(idempotency_key, number)
            if posts:
                changes["reply_to"] = posts[-1].id
            try:
                posts.append(self.publish(d.model_copy(update=changes)))
            except errors.DecentSocialError as exc:
                if posts:
                    half_thread(exc, posts, len(drafts), idempotency_key)
                raise
        return posts

    def _check_quotes(self, drafts: list[Draft], idempotency_key: str | None) -> None:
        """Look up every later part's quote target (``NotFound``, ``PermissionDenied``) before the first
        part is posted, so a thread never stops half way on one; a part a resumed thread has already
        published is not asked about again (its target may be gone since, and it is not written again).
        """
        for number, d in enumerate(drafts):
            if not number or d.quote_of is None:
                continue  # the first part's targets are looked up before anything is written anyway
            if idempotency_key is not None:
                did = self._did()
                rkey = tid_for_key(f"{did}/{POST}", _part_key(idempotency_key, number))
                if self._get_record(AtUri(did, POST, rkey)) is not None:
                    continue
            self._indexed_ref(self._post_uri(d.quote_of), quote=True, wait=False)

    # ---------------------------------------------------------------- reading one post

    def _get_post(self, id: str) -> Post:
        uri = self._post_uri(id)
        answer = self._query("app.bsky.feed.getPosts", {"uris": [str(uri)]}, action=f"get post {uri}")
        posts = _objects(answer, "posts")
        if posts:
            ids.check_asked_post(posts[0], uri, network=self.name)
            return self._post_view(posts[0], authors=self._load_authors(posts[:1], {}))
        # Not indexed by the AppView (yet): the PDS has the record if it hosts the repo.
        found = self._get_record(uri)
        if found is None:
            raise errors.NotFound(f"post {uri} does not exist", network=self.name)
        author = (
            self._my_account()
            if uri.repo in self.transport.identity()
            else Account(network=self.name, id=uri.repo, handle=uri.repo)
        )
        return post_from_record(
            *record_parts(found),
            author,
            web_url=self.settings.web_url,
            blob_base=self._blob_base(),
        )

    def _delete(self, post: PostRef) -> None:
        uri = self._post_uri(post)
        if uri.repo not in self.transport.identity():
            raise errors.PermissionDenied(f"{uri} belongs to another account", network=self.name)
        if self._get_record(uri) is None:
            raise errors.NotFound(f"post {uri} does not exist", network=self.name)
        self._delete_record(AtUri(self._did(), uri.collection, uri.rkey))

    # ---------------------------------------------------------------- threads

    def _thread_node(self, uri: str, depth: int = THREAD_DEPTH) -> dict[str, Any]:
        answer = self._query(
            "app.bsky.feed.getPostThread",
            {"uri": uri, "depth": depth, "parentHeight": 0},
            action=f"thread of {uri}",
        )
        return dict(as_dict(answer.get("thread")))

    def _thread(self, post: PostRef) -> list[Post]:
        # The post, then every reply below it, depth first, each level oldest first.
        uri = self._post_uri(post)
        root = self._thread_node(str(uri))
        check_root(root, uri, network=self.name)
        views = walk_thread(
            root, self._thread_node, max_pages=self.settings.limits.max_pages, network=self.name
        )
        authors = self._load_authors(views, {})
        return [self._post_view(v, authors=authors) for v in views]
